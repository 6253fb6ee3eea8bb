"""``evalkit gen needle``: the arguments and the command, called without the CLI module."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from evalkit.suite import load_suite
from evalkit.suite.needle import add_gen_needle_arguments, gen_needle_command


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="evalkit gen needle")
    add_gen_needle_arguments(parser)
    return parser.parse_args(list(argv))


def test_writes_a_loadable_jsonl_suite(tmp_path: Path) -> None:
    out = tmp_path / "suites" / "my-needle.jsonl"
    argv = ("--lengths", "1000,2k", "--depths", "0,50,100", "--needles", "2", "--seed", "1")
    assert gen_needle_command(_args(*argv, "--out", str(out))) == 0
    suite = load_suite(out)
    assert suite.name == "my-needle" and len(suite.samples) == 2 * 3 * 2
    assert {s.metadata["context_length"] for s in suite.samples} == {1000, 2000}
    assert {s.cluster for s in suite.samples} == {
        f"len={n},depth={d}" for n in (1000, 2000) for d in (0, 50, 100)
    }
    again = tmp_path / "again.jsonl"
    assert gen_needle_command(_args(*argv, "--out", str(again))) == 0
    assert again.read_bytes() == out.read_bytes()


def test_options_reach_the_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hay = tmp_path / "hay.txt"
    hay.write_text(" ".join(f"Plain sentence {i} of my own text." for i in range(40)), "utf-8")
    args = _args(
        "--lengths", "1500", "--n-depths", "3", "--depth-spacing", "sigmoid", "--value-kind",
        "uuid", "--haystack", str(hay), "--chars-per-token", "3.5", "--reserve-tokens", "300",
    )  # fmt: skip
    assert gen_needle_command(args) == 0
    lines = capsys.readouterr().out.splitlines()
    samples = [json.loads(line) for line in lines]
    assert [s["metadata"]["depth"] for s in samples] == [0.0, 50.0, 100.0]
    assert all(s["metadata"]["chars_per_token"] == 3.5 for s in samples)
    assert all(len(s["expected"][0]) == 36 and "my own text" in s["prompt"] for s in samples)
    assert all(s["metadata"]["estimated_prompt_tokens"] <= 1500 - 300 for s in samples)


def test_default_lengths_use_the_context_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen_needle_command(_args("--context-window", "4000", "--depths", "50")) == 0
    samples = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [s["metadata"]["context_length"] for s in samples] == [1000, 2000, 4000]


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gen_needle_command(_args("--lengths", "150", "--out", str(tmp_path / "x.jsonl"))) == 2
    assert "lengths" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
    assert gen_needle_command(_args("--haystack", str(tmp_path / "missing.txt"))) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _args("--lengths", "ten")
    with pytest.raises(SystemExit):
        _args("--depths", "0", "--n-depths", "3")
