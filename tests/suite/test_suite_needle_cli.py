"""``evalkit gen needle``: the arguments and the command, called without the CLI module."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from evalkit.config import load_config
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


def _window_of(target: str, config: str | None) -> int | None:
    # What the CLI passes: the target's context_window from evalkit.toml.
    return load_config(config).target(target).context_window


def _lengths(out: str) -> list[int]:
    samples = [json.loads(line) for line in out.splitlines()]
    return sorted({s["metadata"]["context_length"] for s in samples})


def test_target_sets_the_top_of_the_default_grid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "evalkit.toml"
    config.write_text(
        '[targets.big]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\ncontext_window = 16000\n'
        '[targets.nowindow]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n',
        "utf-8",
    )
    argv = ("--depths", "50", "--config", str(config))
    assert gen_needle_command(_args(*argv, "--target", "big"), _window_of) == 0
    assert _lengths(capsys.readouterr().out) == [1000, 2000, 4000, 8000, 16000]
    assert gen_needle_command(_args(*argv, "--target", "nowindow"), _window_of) == 0
    captured = capsys.readouterr()
    assert _lengths(captured.out)[-1] == 32000 and "no context_window" in captured.err
    # explicit lengths still win over the target's window
    args = _args(*argv, "--target", "big", "--lengths", "1k")
    assert gen_needle_command(args, _window_of) == 0
    assert _lengths(capsys.readouterr().out) == [1000]


def test_target_from_the_repository_config_reaches_128k(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(Path(__file__).parents[2])  # ./evalkit.toml is the default config
    args = _args("--target", "mistral-small-3.1", "--depths", "50", "--out", "-")
    assert gen_needle_command(args, _window_of) == 0
    assert _lengths(capsys.readouterr().out) == [
        1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000,
    ]  # fmt: skip


def test_target_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "none.toml")
    assert gen_needle_command(_args("--target", "big", "--config", missing), _window_of) == 2
    assert "not found" in capsys.readouterr().err
    config = tmp_path / "evalkit.toml"
    config.write_text('[targets.big]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n', "utf-8")
    args = _args("--target", "small", "--config", str(config))
    assert gen_needle_command(args, _window_of) == 2
    assert "unknown target 'small'" in capsys.readouterr().err
    assert gen_needle_command(_args("--config", str(config)), _window_of) == 2
    assert "--target" in capsys.readouterr().err
    # Without a resolver (the suite layer cannot read evalkit.toml itself) --target is refused.
    assert gen_needle_command(_args("--target", "big", "--config", str(config))) == 2
    assert "no evalkit.toml reader" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _args("--target", "big", "--context-window", "8000")
