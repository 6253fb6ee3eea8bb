"""``evalkit gen needle``: its flags reach the generator; bad input exits 2 naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.suite import load_suite


def gen(*argv: str) -> int:
    return main(["gen", "needle", *argv])


def test_writes_a_loadable_jsonl_suite(tmp_path: Path) -> None:
    out = tmp_path / "suites" / "my-needle.jsonl"
    argv = ("--lengths", "1000,2k", "--depths", "0,50,100", "--needles", "2", "--seed", "1")
    assert gen(*argv, "--out", str(out)) == 0
    suite = load_suite(out)
    assert suite.name == "my-needle" and len(suite.samples) == 2 * 3 * 2
    assert {s.metadata["context_length"] for s in suite.samples} == {1000, 2000}
    assert {s.cluster for s in suite.samples} == {
        f"len={n},depth={d}" for n in (1000, 2000) for d in (0, 50, 100)
    }
    again = tmp_path / "again.jsonl"
    assert gen(*argv, "--out", str(again)) == 0
    assert again.read_bytes() == out.read_bytes()


def test_options_reach_the_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hay = tmp_path / "hay.txt"
    hay.write_text(" ".join(f"Plain sentence {i} of my own text." for i in range(40)), "utf-8")
    code = gen(
        "--lengths", "1500", "--n-depths", "3", "--depth-spacing", "sigmoid", "--value-kind",
        "uuid", "--haystack", str(hay), "--chars-per-token", "3.5", "--reserve-tokens", "300",
    )  # fmt: skip
    assert code == 0
    samples = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [s["metadata"]["depth"] for s in samples] == [0.0, 50.0, 100.0]
    assert all(s["metadata"]["chars_per_token"] == 3.5 for s in samples)
    assert all(len(s["expected"][0]) == 36 and "my own text" in s["prompt"] for s in samples)
    assert all(s["metadata"]["estimated_prompt_tokens"] <= 1500 - 300 for s in samples)


def test_default_lengths_use_the_context_window(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen("--context-window", "4000", "--depths", "50") == 0
    samples = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [s["metadata"]["context_length"] for s in samples] == [1000, 2000, 4000]


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gen("--lengths", "150", "--out", str(tmp_path / "x.jsonl")) == 2
    assert "lengths" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
    assert gen("--haystack", str(tmp_path / "missing.txt")) == 2
    assert "not found" in capsys.readouterr().err
    assert gen("--value-kind", "colour") == 2
    assert "value_kind must be one of" in capsys.readouterr().err
    assert gen("--n-depths", "4", "--depth-spacing", "cubic") == 2
    assert "depth_spacing must be one of" in capsys.readouterr().err
    for argv in (
        ("--lengths", "ten"),
        ("--depths", "0", "--n-depths", "3"),
        ("--target", "big", "--context-window", "8000"),
    ):
        with pytest.raises(SystemExit) as exc:
            gen(*argv)
        assert exc.value.code == 2


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
    assert gen(*argv, "--target", "big") == 0
    assert _lengths(capsys.readouterr().out) == [1000, 2000, 4000, 8000, 16000]
    assert gen(*argv, "--target", "nowindow") == 0
    captured = capsys.readouterr()
    assert _lengths(captured.out)[-1] == 32000 and "no context_window" in captured.err
    # explicit lengths still win over the target's window
    assert gen(*argv, "--target", "big", "--lengths", "1k") == 0
    assert _lengths(capsys.readouterr().out) == [1000]
    # --config is the global flag: before the subcommand it means the same
    assert (
        main(["--config", str(config), "gen", "needle", "--target", "big", "--depths", "50"]) == 0
    )
    assert _lengths(capsys.readouterr().out)[-1] == 16000


def test_target_from_the_repository_config_reaches_128k(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(Path(__file__).parents[1])  # ./evalkit.toml is the default config
    assert gen("--target", "mistral-small-3.1", "--depths", "50", "--out", "-") == 0
    assert _lengths(capsys.readouterr().out) == [
        1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000,
    ]  # fmt: skip


def test_target_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "none.toml")
    assert gen("--target", "big", "--config", missing) == 2
    assert "not found" in capsys.readouterr().err
    config = tmp_path / "evalkit.toml"
    config.write_text('[targets.big]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n', "utf-8")
    assert gen("--target", "small", "--config", str(config)) == 2
    assert "unknown target 'small'" in capsys.readouterr().err


def test_a_config_is_read_only_for_a_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A broken evalkit.toml in the folder does not stop a generation that needs no target.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evalkit.toml").write_text("[targets.x\n", "utf-8")
    assert gen("--lengths", "1k", "--depths", "50") == 0
    assert _lengths(capsys.readouterr().out) == [1000]
