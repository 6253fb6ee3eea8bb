"""run.json: typed settings and targets, the old shape still loads, atomic writes."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from support import write_suite

from evalkit.config import TargetConfig, builtin_sim
from evalkit.errors import ConfigError, RunFolderError, StorageError
from evalkit.runfolder import (
    MANIFEST_FILE,
    RunLock,
    RunManifest,
    RunSettings,
    SuiteInfo,
    create_run_folder,
    lock_holder,
    read_manifest,
    read_manifest_if_any,
    read_samples,
    reopen_run_folder,
    write_manifest,
)
from evalkit.suite.loader import load_suites

OLD = Path(__file__).with_name("data") / "run-0.1.0.json"  # as evalkit 0.1.0 wrote it


def test_a_run_json_of_the_old_shape_loads_typed_and_writes_back_the_same(tmp_path: Path) -> None:
    shutil.copy(OLD, tmp_path / MANIFEST_FILE)
    m = read_manifest(tmp_path)
    assert m.settings == RunSettings(
        suites=["suites/chat", "suites/tools"],
        targets=["fast", "sim"],
        epochs=2,
        limit=3,
        shard="1/2",
    )
    assert [(t.name, t.model, t.simulated) for t in m.targets] == [
        ("fast", "evalkit-sim/fast", True),
        ("sim", "evalkit-sim/mistral-small-3.1-24b-instruct", True),
    ]
    assert m.targets[0].headers == {"X-Org": "<redacted>"}  # kept as an extra field
    write_manifest(tmp_path, m)
    assert json.loads((tmp_path / MANIFEST_FILE).read_text()) == json.loads(OLD.read_text())


def test_a_run_json_from_before_aborted_and_with_empty_settings_loads(tmp_path: Path) -> None:
    data = json.loads(OLD.read_text())
    del data["aborted"]
    data["settings"] = {}
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(data))
    m = read_manifest(tmp_path)
    assert m.aborted == {} and m.settings == RunSettings()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (RunSettings(), 30),
        (RunSettings(limit=4), 12),
        (RunSettings(limit=40, epochs=3), 90),
        (RunSettings(shard="2/3"), None),
    ],
)
def test_planned_items(settings: RunSettings, expected: int | None) -> None:
    suites = [SuiteInfo(name=s, path=s, sha256="0", n_samples=10) for s in ("a", "b", "c")]
    m = RunManifest(run_id="r", created_at="", evalkit_version="", python_version="")
    assert m.model_copy(update={"settings": settings, "suites": suites}).planned_items() == expected
    assert m.model_copy(update={"settings": settings}).planned_items() is None


def test_a_broken_run_json_names_the_file_and_field(tmp_path: Path) -> None:
    assert read_manifest_if_any(tmp_path) is None
    with pytest.raises(FileNotFoundError):
        read_manifest(tmp_path)
    data = json.loads(OLD.read_text())
    data["settings"]["epochs"] = "two"
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(data))
    with pytest.raises(RunFolderError, match=rf"{MANIFEST_FILE}: \[settings.epochs\]"):
        read_manifest(tmp_path)
    (tmp_path / MANIFEST_FILE).write_text('{"run_id": ')
    with pytest.raises(RunFolderError, match=rf"{MANIFEST_FILE}: not valid JSON"):
        read_manifest_if_any(tmp_path)


def test_create_and_reopen_a_run_folder(tmp_path: Path) -> None:
    suites = load_suites([str(write_suite(tmp_path / "suite", n=3))])
    secret = TargetConfig(name="t", simulated=True, headers={"Authorization": "Bearer sk-xyz"})
    settings = RunSettings(suites=[str(tmp_path / "suite")], targets=["t", "sim"])
    out = tmp_path / "res"
    run_dir, m = create_run_folder(out, settings, [secret, builtin_sim()], suites, run_id="r1")
    assert run_dir == out / "r1" and read_manifest(run_dir) == m
    assert m.settings == settings and m.suites[0].n_samples == 3
    assert "sk-xyz" not in (run_dir / MANIFEST_FILE).read_text()
    assert m.targets[0].headers == {"Authorization": "<redacted>"}
    assert [s for (_, _), s in read_samples(run_dir).items()] == suites[0].samples
    with pytest.raises(ConfigError, match="already exists"):
        create_run_folder(out, settings, [secret], suites, run_id="r1")
    with pytest.raises(ConfigError, match=r"--run-id: '\.\./x' must be a plain folder name"):
        create_run_folder(out, settings, [secret], suites, run_id="../x")

    write_manifest(run_dir, m.model_copy(update={"status": "aborted", "aborted": {"t": "401"}}))
    again = reopen_run_folder(run_dir)
    assert again.status == "running" and again.aborted == {} and again.finished_at is None
    assert again.notes[-1].startswith("resumed at") and read_manifest(run_dir) == again


def test_a_new_run_folder_is_made_locked_and_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suites = load_suites([str(write_suite(tmp_path / "suite", n=3))])
    settings = RunSettings(suites=[str(tmp_path / "suite")], targets=["sim"])
    out = tmp_path / "res"
    lock = RunLock()
    run_dir, _ = create_run_folder(out, settings, [builtin_sim()], suites, run_id="a", lock=lock)
    assert lock.held and lock_holder(run_dir) is not None  # the lock came along with the rename
    lock.release()
    assert sorted(p.name for p in out.iterdir()) == ["a"]  # no temporary folder left

    # A suite name that is not a file name: refused before anything is made.
    bad = [dataclasses.replace(suites[0], name=name) for name in ("../../x/records", "/tmp/x")]
    for suite in bad:
        with pytest.raises(RunFolderError, match="cannot name a file in the run folder"):
            create_run_folder(out, settings, [builtin_sim()], [suite], run_id="b")
    # A failure (or a kill) halfway: no half-made run folder that can be neither
    # resumed (no run.json) nor made again (it exists).
    for exc in (StorageError("disk full"), KeyboardInterrupt()):

        def fail(*args: object, exc: BaseException = exc) -> None:
            raise exc

        monkeypatch.setattr("evalkit.runfolder.manifest.write_manifest", fail)
        lock = RunLock()
        with pytest.raises(type(exc)):
            create_run_folder(out, settings, [builtin_sim()], suites, run_id="b", lock=lock)
        assert not lock.held
        assert sorted(p.name for p in out.iterdir()) == ["a"]


def test_an_out_folder_that_cannot_hold_runs_is_bad_input(tmp_path: Path) -> None:
    suites = load_suites([str(write_suite(tmp_path / "suite", n=1))])
    settings = RunSettings(suites=[str(tmp_path / "suite")], targets=["sim"])
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigError, match=r"a-file \(the out folder\): it is not a folder"):
        create_run_folder(tmp_path / "a-file", settings, [builtin_sim()], suites)
    with pytest.raises(ConfigError, match=r"\(the out folder\): Not a directory"):
        create_run_folder(tmp_path / "a-file" / "x", settings, [builtin_sim()], suites)
