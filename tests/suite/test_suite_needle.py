"""The needle generator: grid, determinism, placement, lengths, options, calibration."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import SuiteError
from evalkit.suite import GenContext, load_suite
from evalkit.suite import haystack as hs
from evalkit.suite.needle import (
    calibrate,
    default_lengths,
    depth_grid,
    make_samples,
    needle_generator,
    parse_options,
)

BUILTIN = hs.load_text("builtin", Path("."))
SMALL: dict[str, Any] = {"lengths": [1000, 3000], "depths": [0, 25, 50, 100], "needles_per_cell": 2}


def _gen(options: dict[str, Any], base: Path = Path("."), window: int | None = None) -> list[Any]:
    return needle_generator(dict(options), GenContext(base_dir=base, context_window=window))


def _haystack_of(sample: dict[str, Any]) -> str:
    text = re.search(r"<text>\n(.*)\n</text>", sample["prompt"], re.S)
    assert text is not None
    return text.group(1)


def _needle(sample: dict[str, Any]) -> str:
    meta = sample["metadata"]
    kind = meta["value_kind"]
    return f"One of the special magic {kind}s for {meta['key']} is: {sample['expected'][0]}."


def test_grid_size_ids_and_clusters() -> None:
    samples = _gen(SMALL)
    assert len(samples) == 2 * 4 * 2
    assert len({s["id"] for s in samples}) == len(samples)
    cells = {s["cluster"] for s in samples}
    assert cells == {f"len={n},depth={d}" for n in (1000, 3000) for d in (0, 25, 50, 100)}
    first = samples[0]
    assert first["cluster"] == "len=1000,depth=0" and first["id"] == "needle-1000-0-0"
    assert first["grader"] == {"type": "needle", "mode": "all"}
    assert set(first["metadata"]) >= {
        "context_length", "depth", "key", "estimated_prompt_tokens", "chars_per_token",
    }  # fmt: skip


def test_same_seed_same_samples_and_other_seed_differs() -> None:
    assert _gen(SMALL) == _gen(SMALL)
    other = _gen({**SMALL, "seed": 1})
    assert [s["expected"] for s in other] != [s["expected"] for s in _gen(SMALL)]


def test_cells_do_not_change_when_the_grid_grows() -> None:
    small = {s["id"]: s for s in _gen({"lengths": [1000], "depths": [50]})}
    big = {s["id"]: s for s in _gen({"lengths": [1000, 2000], "depths": [0, 50]})}
    assert small["needle-1000-50-0"] == big["needle-1000-50-0"]


def test_needles_in_a_cell_differ() -> None:
    samples = _gen({"lengths": [1000], "depths": [50], "needles_per_cell": 3})
    assert len({s["metadata"]["key"] for s in samples}) == 3
    assert len({s["expected"][0] for s in samples}) == 3


@pytest.mark.parametrize("kind", ["number", "uuid", "word"])
def test_needle_appears_once_at_a_sentence_boundary_near_its_depth(kind: str) -> None:
    sentences = set(hs.split_sentences(BUILTIN))
    longest = max(len(s) for s in sentences)
    for s in _gen({**SMALL, "value_kind": kind}):
        text = _haystack_of(s)
        needle = _needle(s)
        assert text.count(needle) == 1 and s["prompt"].count(s["expected"][0]) == 1
        before, after = text.split(needle)
        assert before == "" or before.endswith(". ") or before.endswith("? ")
        assert after == "" or after.startswith(" ")
        # everything around the needle is whole sentences of the source text
        rest = hs.split_sentences(before + after.strip() + " x. y. z. w. v.")[:-5]
        assert set(rest) <= sentences
        depth = s["metadata"]["depth"]
        at = 100 * len(before) / len(before + after)
        assert at <= depth + 0.01
        assert depth - at <= 100 * (longest + 1) / len(before + after)
        assert s["metadata"]["actual_depth"] == pytest.approx(at, abs=0.05)
    values = [s["expected"][0] for s in _gen({**SMALL, "value_kind": kind})]
    if kind == "number":
        assert all(re.fullmatch(r"\d{7}", v) for v in values)
    if kind == "uuid":
        assert all(re.fullmatch(r"[0-9a-f-]{36}", v) for v in values)


def test_value_words_never_occur_in_the_builtin_text() -> None:
    from evalkit.suite.needle import _VALUE_WORDS

    assert not [w for w in _VALUE_WORDS if w in BUILTIN.lower()]


def test_depth_0_and_100_are_the_ends() -> None:
    samples = _gen({"lengths": [2000], "depths": [0, 100]})
    assert _haystack_of(samples[0]).startswith("One of the special magic")
    assert _haystack_of(samples[1]).endswith(samples[1]["expected"][0] + ".")


def test_lengths_are_roughly_right() -> None:
    for n in (1000, 8000, 32000):
        for s in _gen({"lengths": [n], "depths": [50], "chars_per_token": 3.5}):
            est = s["metadata"]["estimated_prompt_tokens"]
            assert est == -(-len(s["prompt"]) // 3.5)
            assert n - 200 - 70 <= est <= n - 200, (n, est)


def test_default_lengths_follow_the_context_window() -> None:
    assert default_lengths(None) == [1000, 2000, 4000, 8000, 16000, 32000]
    assert default_lengths(128_000)[-2:] == [64000, 128000]
    assert default_lengths(100_000)[-2:] == [64000, 100000]
    samples = _gen({"depths": [50]}, window=8000)
    assert [s["metadata"]["context_length"] for s in samples] == [1000, 2000, 4000, 8000]


def test_depth_spacings() -> None:
    assert depth_grid(5) == [0.0, 25.0, 50.0, 75.0, 100.0]
    sig = depth_grid(9, "sigmoid")
    assert sig[0] == 0.0 and sig[-1] == 100.0 and sig[4] == 50.0
    assert sig[1] < 100 / 8 and sig == sorted(sig)  # denser near the ends than linear
    assert depth_grid(1) == [50.0]
    samples = _gen({"lengths": [1000], "n_depths": 3, "depth_spacing": "sigmoid"})
    assert [s["metadata"]["depth"] for s in samples] == [0.0, 50.0, 100.0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lengths": [100]}, "lengths"),
        ({"lengths": "1000"}, "lengths"),
        ({"depths": [120]}, "depths"),
        ({"depths": [10], "n_depths": 3}, "not both"),
        ({"n_depths": 0}, "n_depths"),
        ({"depth_spacing": "cubic"}, "depth_spacing"),
        ({"needles_per_cell": 0}, "needles_per_cell"),
        ({"value_kind": "emoji"}, "value_kind"),
        ({"chars_per_token": 0}, "chars_per_token"),
        ({"seed": True}, "seed"),
        ({"colour": "red"}, "unknown needle option"),
    ],
)
def test_bad_options_are_value_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_options(options)


def test_own_haystack_inside_the_suite_folder(tmp_path: Path) -> None:
    text = " ".join(f"Line number {i} of the custom text is here." for i in range(50))
    (tmp_path / "hay.txt").write_text(text, "utf-8")
    samples = _gen({"lengths": [1000], "depths": [50], "haystack": "hay.txt"}, tmp_path)
    assert "custom text" in samples[0]["prompt"]
    with pytest.raises(ValueError, match="outside"):
        _gen({"lengths": [1000], "haystack": "../hay.txt"}, tmp_path / "sub")
    with pytest.raises(ValueError, match="not found"):
        _gen({"lengths": [1000], "haystack": "nope.txt"}, tmp_path)
    (tmp_path / "short.txt").write_text("Too short. Really.", "utf-8")
    with pytest.raises(ValueError, match="sentences"):
        _gen({"lengths": [1000], "haystack": "short.txt"}, tmp_path)


def test_manifest_suite_and_its_errors(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text(
        'kind = "needle"\n[generator]\ntype = "needle"\nlengths = [1000]\nn_depths = 2\n', "utf-8"
    )
    suite = load_suite(tmp_path)
    assert suite.kind == "needle" and len(suite.samples) == 2
    first = suite.samples[0]
    assert isinstance(first.expected, list) and re.fullmatch(r"\d{7}", first.expected[0])
    assert first.cluster == "len=1000,depth=0" and first.grader[0].type == "needle"
    (tmp_path / "manifest.toml").write_text(
        '[generator]\ntype = "needle"\nlengths = [1000]\nvalue_kind = "emoji"\n', "utf-8"
    )
    with pytest.raises(SuiteError) as err:
        load_suite(tmp_path)
    assert "manifest.toml" in str(err.value) and "value_kind" in str(err.value)


def test_fill_and_boundaries() -> None:
    sentences = ["Aa.", "Bbb.", "Cccc."]
    assert hs.boundary_index(sentences, 0) == 0
    assert hs.boundary_index(sentences, 100) == 3
    assert hs.boundary_index(sentences, 50) == 1  # boundaries at 0, 4, 9 of 14 chars
    out = hs.fill(sentences, 40, random.Random(1))
    assert hs.joined_length(out) <= 40 and hs.joined_length(out) >= 40 - 6
    assert make_samples(parse_options({"lengths": [1000], "depths": [0]}), BUILTIN)


def test_calibrate() -> None:
    # The true tokenizer gives 3.0 chars per token and the template adds 12 tokens.
    chars = [4000, 16000, 64000, 128000]
    estimates = [round(c / 4.0) for c in chars]
    reported = [round(c / 3.0) + 12 for c in chars]
    assert calibrate(estimates, reported) == pytest.approx(3.0, rel=1e-3)
    assert calibrate([1000], [1250], chars_per_token=4.0) == pytest.approx(3.2)
    assert calibrate([500, 500], [400, 400], chars_per_token=3.0) == pytest.approx(3.75)
    for bad in (([], []), ([1, 2], [1]), ([0], [5])):
        with pytest.raises(ValueError):
            calibrate(*bad)


def test_calibrate_one_length_uses_the_plain_ratio() -> None:
    # Only the 1k samples came back: estimates within a few tokens of each other,
    # reported / estimated = 0.94 (~4.25 chars per token), with per-sample noise
    # that a slope over the 7-token spread would amplify into nonsense.
    estimates = [793, 794, 796, 798, 800]
    reported = [742, 745, 748, 752, 756]
    ratio = 4.0 * sum(estimates) / sum(reported)
    assert calibrate(estimates, reported) == pytest.approx(ratio)
    assert 4.2 < calibrate(estimates, reported) < 4.3
    # Lengths closer than a factor 2 also fall back: 4k and 6k with the same noise.
    near = [3800, 3810, 5800, 5790]
    near_reported = [3600, 3640, 5430, 5400]
    assert calibrate(near, near_reported) == pytest.approx(4.0 * sum(near) / sum(near_reported))


def test_calibrate_fits_once_the_estimates_span_a_factor_2() -> None:
    # 3 chars per token and a 40-token template: the fit recovers 3.0 where the
    # plain ratio would not (the overhead inflates it).
    estimates = [1000, 2000]
    reported = [round(e * 4 / 3) + 40 for e in estimates]
    assert calibrate(estimates, reported) == pytest.approx(3.0, rel=1e-3)
    assert 4.0 * sum(estimates) / sum(reported) < 2.97


def test_recalibrated_generation_hits_the_target() -> None:
    # Pretend the endpoint counts 1 token per 3 characters; calibrate, regenerate.
    first = _gen({"lengths": [4000, 16000], "depths": [50]})
    reported = [round(len(s["prompt"]) / 3) for s in first]
    cpt = calibrate([s["metadata"]["estimated_prompt_tokens"] for s in first], reported)
    again = _gen({"lengths": [4000, 16000], "depths": [50], "chars_per_token": cpt})
    for s in again:
        true_tokens = len(s["prompt"]) / 3
        assert (
            s["metadata"]["context_length"] - 300
            < true_tokens
            <= s["metadata"]["context_length"] - 190
        )
