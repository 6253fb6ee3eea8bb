"""Keeping credentials out of everything evalkit writes or prints.

A target's secrets are its API key (read from the environment), the values
of its extra headers, and whatever ``base_url`` carries: userinfo
(``http://user:pass@host``) and query values (``?api_key=...``).
``redact_url`` gives the form of a URL that may be shown or stored;
``Scrubber`` replaces every secret in a message (a server may echo a header
or the URL in its error text).
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterable
from urllib.parse import unquote, unquote_plus, urlsplit

REDACTED = "***"
# Shorter values are not secrets worth the name, and replacing them would
# garble every message ("HTTP 401" holds "40"): a header such as ``X-Tier: 2``.
MIN_SECRET_LEN = 4


def redact_url(url: str) -> str:
    """``url`` fit to show or store: userinfo and each query value become ``***``.

    The scheme, host, port, path and query keys stay (they explain a run);
    the fragment is dropped.
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{REDACTED}@{host}" if "@" in parts.netloc else host
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else f"{netloc}{parts.path}"
    if parts.query:
        pieces = []
        for piece in parts.query.split("&"):
            key, eq, _ = piece.partition("=")
            pieces.append(f"{key}={REDACTED}" if eq else REDACTED)
        shown += "?" + "&".join(pieces)
    return shown


def url_secrets(url: str) -> list[str]:
    """The credentials ``url`` carries: userinfo parts and query values, as written and decoded."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]  # cannot tell its parts apart: the whole of it is the secret
    found: list[str] = []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        user, _, password = userinfo.partition(":")
        plain = f"{unquote(user)}:{unquote(password)}"
        found += [userinfo, user, password, unquote(user), unquote(password), plain]
        # As it goes on the wire, where a server may echo it: HTTP Basic auth.
        for encoding in ("latin-1", "utf-8"):
            with contextlib.suppress(UnicodeEncodeError):
                found.append(base64.b64encode(plain.encode(encoding)).decode("ascii"))
    for piece in parts.query.split("&") if parts.query else ():
        key, eq, value = piece.partition("=")
        raw = value if eq else key
        found += [raw, unquote(raw), unquote_plus(raw)]
    return found


def header_secrets(headers: dict[str, str]) -> list[str]:
    """Header values, and the credential after an auth scheme (``Bearer <token>``)."""
    found: list[str] = []
    for value in headers.values():
        found.append(value)
        found += value.split()[1:]  # a server may echo the token without its scheme
    return found


class Scrubber:
    """Replaces every secret it was given by ``***`` in a message."""

    __slots__ = ("_pattern",)

    def __init__(self, secrets: Iterable[str | None]) -> None:
        kept = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LEN}, key=len, reverse=True)
        # Longest first, so that a secret containing another is replaced whole.
        self._pattern = re.compile("|".join(map(re.escape, kept))) if kept else None

    def __call__(self, message: str) -> str:
        """``message`` with each secret replaced."""
        pattern = self._pattern
        return message if pattern is None else pattern.sub(REDACTED, message)


__all__ = ["REDACTED", "Scrubber", "header_secrets", "redact_url", "url_secrets"]
