"""Secrets: URLs fit to show, and every credential scrubbed from a message."""

from __future__ import annotations

import base64

import pytest

from evalkit.secrets import Scrubber, header_secrets, redact_url, url_secrets


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://api.example/v1", "https://api.example/v1"),
        ("http://user:secret@host:8080/v1", "http://***@host:8080/v1"),
        ("http://token@host/v1", "http://***@host/v1"),
        ("https://h/v1?api_key=sk-1&api-version=2024", "https://h/v1?api_key=***&api-version=***"),
        ("https://h/v1?sk-bare", "https://h/v1?***"),
        ("https://u:p@h/v1?k=v#frag", "https://***@h/v1?k=***"),
        ("http://[::1/v1", "(unparsable URL)"),
        ("", ""),
    ],
)
def test_redact_url_keeps_what_explains_a_run_and_nothing_else(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_url_secrets_cover_every_form_a_server_may_echo() -> None:
    found = set(url_secrets("http://al%40ice:p%21ss@h/v1?api_key=sk%2Dq&x=a+b"))
    assert {"al%40ice", "al@ice", "p%21ss", "p!ss", "sk%2Dq", "sk-q", "a b"} <= found
    assert base64.b64encode(b"al@ice:p!ss").decode() in found  # HTTP Basic auth
    assert url_secrets("https://h/v1") == []


def test_header_secrets_include_the_token_after_its_scheme() -> None:
    assert header_secrets({"Authorization": "Bearer abc123456", "X": "v"}) == [
        "Bearer abc123456",
        "abc123456",
        "v",
    ]


def test_scrubber_replaces_longest_first_and_skips_what_is_no_secret() -> None:
    scrub = Scrubber(["sk-abcdef", "sk-abcdef-longer", "40", None, ""])
    said = "HTTP 401: key sk-abcdef-longer rejected, and sk-abcdef too"
    assert scrub(said) == "HTTP 401: key *** rejected, and *** too"
    assert Scrubber([])("nothing to hide") == "nothing to hide"
    assert Scrubber(["a.b*c"])("x a.b*c y aXbbc") == "x *** y aXbbc"  # literal, not a regex
