"""merge_runs on shard runs cut from a synthetic run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO
from support.fakerun import make_run

from evalkit.errors import InputError
from evalkit.metrics import load_run
from evalkit.runfolder import RunSettings, read_manifest, write_manifest
from evalkit.runner.merge import merge_runs
from evalkit.runner.plan import in_shard


def make_shards(tmp_path: Path, n: int, name: str = "job") -> tuple[Path, list[Path]]:
    """A full run and its n shards as `evalkit run --shard i/n` would leave them."""
    full = make_run(tmp_path / f"{name}-full", n_samples=12, error_rate=0.1)
    lines = (full / "records.jsonl").read_text().splitlines()
    manifest = read_manifest(full)
    shards = []
    for i in range(1, n + 1):
        shard = tmp_path / f"{name}-shard{i}"
        shutil.copytree(full / "samples", shard / "samples")
        mine = [
            ln
            for ln in lines
            if in_shard(json.loads(ln)["suite"], json.loads(ln)["sample_id"], (i, n))
        ]
        (shard / "records.jsonl").write_text("".join(ln + "\n" for ln in mine))
        settings = RunSettings(suites=["chat"], targets=["sim", "sim-strong"], shard=f"{i}/{n}")
        write_manifest(
            shard,
            manifest.model_copy(
                update={
                    "run_id": shard.name,
                    "settings": settings,
                    "created_at": f"2026-11-25T17:0{i}:00.000Z",
                    "finished_at": f"2026-11-25T17:1{i}:00.000Z",
                }
            ),
        )
        shards.append(shard)
    return full, shards


def test_merge_equals_the_unsharded_run(tmp_path: Path) -> None:
    full, shards = make_shards(tmp_path, 3)
    assert all((s / "records.jsonl").read_text() for s in shards)
    out = merge_runs(shards, tmp_path / "merged")
    assert out == tmp_path / "merged"
    merged, whole = load_run(out), load_run(full)
    key = ["target", "suite", "sample_id", "epoch"]
    a = merged.sort_values(key).reset_index(drop=True)
    b = whole.sort_values(key).reset_index(drop=True)
    assert len(a) == len(b)
    assert a[key].astype(str).equals(b[key].astype(str))
    assert a["score"].equals(b["score"]) and a["e2e_s"].equals(b["e2e_s"])
    assert set(merged["run_id"].astype(str)) == {"merged"}
    assert (out / "samples" / "chat.jsonl").read_bytes() == (
        full / "samples" / "chat.jsonl"
    ).read_bytes()
    manifest = read_manifest(out)
    assert manifest.run_id == "merged"
    assert manifest.settings.shard is None and manifest.settings.suites == ["chat"]
    assert manifest.created_at == "2026-11-25T17:01:00.000Z"
    assert manifest.finished_at == "2026-11-25T17:13:00.000Z"
    assert manifest.status == "finished"
    assert manifest.notes[-1].startswith("merged from 3 shards (1/3, 2/3, 3/3)")
    assert str(shards[0]) in manifest.notes[-1]


def test_samples_that_differ_are_unioned(tmp_path: Path) -> None:
    _, shards = make_shards(tmp_path, 2)
    path = shards[1] / "samples" / "chat.jsonl"
    lines = path.read_text().splitlines()
    extra = json.loads(lines[0]) | {"id": "chat-extra"}
    path.write_text("\n".join([*lines[1:], json.dumps(extra)]) + "\n")
    out = merge_runs(shards, tmp_path / "merged")
    ids = [json.loads(ln)["id"] for ln in (out / "samples" / "chat.jsonl").read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 13 and "chat-extra" in ids


def test_least_finished_shard_sets_the_status(tmp_path: Path) -> None:
    _, shards = make_shards(tmp_path, 2)
    m = read_manifest(shards[1])
    write_manifest(shards[1], m.model_copy(update={"status": "interrupted", "finished_at": None}))
    manifest = read_manifest(merge_runs(shards, tmp_path / "merged"))
    assert manifest.status == "interrupted" and manifest.finished_at is None


def test_overlapping_shards_are_refused(tmp_path: Path) -> None:
    _, shards = make_shards(tmp_path, 2)
    line = (shards[0] / "records.jsonl").read_text().splitlines()[0]
    with (shards[1] / "records.jsonl").open("a") as fh:
        fh.write(line + "\n")
    with pytest.raises(InputError, match="is in two shards"):
        merge_runs(shards, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def edit_manifest(run: Path, **update: object) -> None:
    write_manifest(run, read_manifest(run).model_copy(update=update))


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("suite_hash", "suites differ"),
        ("target", "targets .* differ"),
        ("not_shard", "not a shard run"),
        ("duplicate", "shard 1/2 is also"),
        ("other_n", "does not belong with shards of 2"),
        ("bad_shard", "is not 'i/n'"),
    ],
)
def test_mismatched_runs_are_refused(tmp_path: Path, breakage: str, message: str) -> None:
    _, shards = make_shards(tmp_path, 2)
    m = read_manifest(shards[1])
    if breakage == "suite_hash":
        suites = [s.model_copy(update={"sha256": "f" * 64}) for s in m.suites]
        edit_manifest(shards[1], suites=suites)
    elif breakage == "target":
        edit_manifest(
            shards[1], targets=[t.model_copy(update={"model": "other"}) for t in m.targets]
        )
    elif breakage == "not_shard":
        edit_manifest(shards[1], settings=m.settings.model_copy(update={"shard": None}))
    elif breakage == "duplicate":
        edit_manifest(shards[1], settings=m.settings.model_copy(update={"shard": "1/2"}))
    elif breakage == "other_n":
        edit_manifest(shards[1], settings=m.settings.model_copy(update={"shard": "2/3"}))
    else:
        edit_manifest(shards[1], settings=m.settings.model_copy(update={"shard": "two"}))
    with pytest.raises(InputError, match=message):
        merge_runs(shards, tmp_path / "merged")


def test_missing_shard_and_bad_output(tmp_path: Path) -> None:
    _, shards = make_shards(tmp_path, 3)
    with pytest.raises(InputError, match=r"only 2 of 3 shards given \(1/3, 3/3\)"):
        merge_runs([shards[0], shards[2]], tmp_path / "merged")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        merge_runs(shards, tmp_path / "taken")
    with pytest.raises(InputError, match="not a run folder"):
        merge_runs([*shards, tmp_path / "taken"], tmp_path / "merged")
    with pytest.raises(InputError, match="at least one"):
        merge_runs([], tmp_path / "merged")


def test_merge_does_not_import_the_cli() -> None:
    code = "import sys, evalkit.runner.merge; print('evalkit.cli' in sys.modules)"
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert res.stdout.strip() == "False"


def test_shards_with_different_epochs_do_not_merge(tmp_path: Path) -> None:
    import json

    from support.fakerun import make_run

    from evalkit.errors import InputError
    from evalkit.runner.merge import merge_runs

    dirs = []
    for i, epochs in ((1, 1), (2, 2)):
        d = make_run(tmp_path / f"s{i}", n_samples=4, run_id=f"s{i}")
        manifest = json.loads((d / "run.json").read_text())
        manifest["settings"] = {"shard": f"{i}/2", "epochs": epochs, "limit": None}
        (d / "run.json").write_text(json.dumps(manifest))
        dirs.append(d)
    with pytest.raises(InputError, match="epochs"):
        merge_runs(dirs, tmp_path / "merged")
