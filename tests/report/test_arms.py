"""Which arm is the reference: the run's, never the order in which records finished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.fakerun import make_run

from evalkit.errors import InputError
from evalkit.metrics import concat_runs, load_run
from evalkit.report.arms import arm_pairs, arms_in_order
from evalkit.runfolder import read_manifest, write_manifest


def _reverse_records(run_dir: Path) -> None:
    path = run_dir / "records.jsonl"
    path.write_text("".join(reversed(path.read_text().splitlines(keepends=True))))


def test_record_order_does_not_move_the_reference(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=4, targets=("a", "b", "c"))
    assert arms_in_order(load_run(run)) == ["a", "b", "c"]
    _reverse_records(run)
    df = load_run(run)
    assert df["target"].iloc[0] == "c"  # c's records now come first
    assert arms_in_order(df) == ["a", "b", "c"]
    assert arm_pairs(df) == [("a", "b"), ("a", "c")]


def test_run_json_names_the_reference(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", n_samples=4, targets=("a", "b", "c"))
    manifest = read_manifest(run)
    settings = manifest.settings.model_copy(update={"targets": ["b", "a", "c"], "reference": None})
    write_manifest(run, manifest.model_copy(update={"settings": settings}))
    data = json.loads((run / "run.json").read_text())
    assert data["settings"]["reference"] is None  # written as made: loads as the first target
    df = load_run(run)
    assert df.attrs["targets"] == ["b", "a", "c"]
    assert arm_pairs(df) == [("b", "a"), ("b", "c")]
    assert arm_pairs(df, "c") == [("c", "b"), ("c", "a")]
    with pytest.raises(InputError, match="--reference 'z': no such arm"):
        arm_pairs(df, "z")


def test_several_runs_pair_with_the_first_unless_told(tmp_path: Path) -> None:
    one = load_run(make_run(tmp_path / "one", n_samples=4, targets=("sim",)))
    two = load_run(make_run(tmp_path / "two", n_samples=4, targets=("sim",)))
    df = concat_runs([one, two])
    assert arm_pairs(df) == [("one/sim", "two/sim")]
    assert arm_pairs(df, "two") == [("two/sim", "one/sim")]  # a run label
    assert arm_pairs(df, "two/sim") == [("two/sim", "one/sim")]  # an arm
