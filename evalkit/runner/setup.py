"""Everything a run checks and writes before its first request.

Suites load, graders build (a bad option is a ``file:line`` problem like any
other), the run folder is created or, on resume, checked against the suites
it was started with. Nothing here touches the network.
"""

from __future__ import annotations

import platform
import re
import secrets
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalkit import __version__
from evalkit.config import Config, TargetConfig
from evalkit.errors import ConfigError
from evalkit.records import (
    MANIFEST_FILE,
    RunManifest,
    SuiteInfo,
    read_manifest,
    utc_now,
    write_manifest,
)
from evalkit.runner.grading import BuiltGraders, load_checked
from evalkit.suite.loader import Suite
from evalkit.suite.schema import Sample

SAMPLES_DIR = "samples"
_RUN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


@dataclass
class RunSettings:
    """What a run covers; stored in run.json so that resume repeats it exactly."""

    suites: list[str]
    targets: list[str]
    epochs: int = 1
    limit: int | None = None
    shard: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "suites": self.suites,
            "targets": self.targets,
            "epochs": self.epochs,
            "limit": self.limit,
            "shard": self.shard,
        }


@dataclass
class Prepared:
    """A run ready to go: its folder, targets, suites and built graders."""

    run_dir: Path
    manifest: RunManifest
    settings: RunSettings
    targets: list[TargetConfig]
    suites: list[Suite]
    graders: dict[tuple[str, str], BuiltGraders] = field(default_factory=dict)


def new_run_id() -> str:
    """A sortable, collision-resistant run id: UTC time plus 4 random hex digits."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def resolve_run_dir(run: str, out: Path) -> Path:
    """A run given as a folder path or as a run id under ``out``."""
    as_path = Path(run)
    for candidate in (as_path, out / run):
        if (candidate / MANIFEST_FILE).exists():
            return candidate
    raise ConfigError(f"no run {run!r} (looked for {as_path}/run.json and {out / run}/run.json)")


def _target_json(target: TargetConfig) -> dict[str, Any]:
    # Header values may carry credentials; their names are enough to explain a run.
    data = target.model_dump()
    data["headers"] = {name: "<redacted>" for name in target.headers}
    return data


def _snapshot(run_dir: Path, suites: list[Suite]) -> None:
    folder = run_dir / SAMPLES_DIR
    folder.mkdir(exist_ok=True)
    for suite in suites:
        lines = (s.model_dump_json() + "\n" for s in suite.samples)
        (folder / f"{suite.name}.jsonl").write_text("".join(lines), encoding="utf-8")


def check_keys(targets: list[TargetConfig]) -> None:
    """Every target that names a key variable has it set (checked before any request)."""
    for t in targets:
        if not t.simulated and t.api_key_env and not t.api_key():
            raise ConfigError(
                f"target {t.name!r}: environment variable {t.api_key_env} (api_key_env) "
                "is not set or empty"
            )


def _min_context(targets: list[TargetConfig]) -> int | None:
    windows = [t.context_window for t in targets if t.context_window]
    return min(windows) if windows else None


def prepare(
    config: Config,
    settings: RunSettings,
    *,
    out: Path,
    run_id: str | None = None,
    argv: list[str] | None = None,
) -> Prepared:
    """Validate everything and create a new run folder (no request is sent)."""
    targets = [config.target(name) for name in settings.targets]
    check_keys(targets)
    if not settings.suites:
        raise ConfigError("no suites given (name them, or set [run] suites in evalkit.toml)")
    suites, graders = load_checked(config, settings.suites, _min_context(targets))
    if run_id is not None and not _RUN_ID.fullmatch(run_id):
        raise ConfigError(
            f"--run-id: {run_id!r} must be a plain folder name "
            "(letters, digits, '.', '_', '-'; not starting with '.')"
        )
    run_id = run_id or new_run_id()
    run_dir = out / run_id
    if run_dir.exists():
        raise ConfigError(f"run folder {run_dir} already exists (use --resume {run_id})")
    run_dir.mkdir(parents=True)
    manifest = RunManifest(
        run_id=run_id,
        created_at=utc_now(),
        evalkit_version=__version__,
        python_version=f"{platform.python_implementation()} {platform.python_version()}",
        argv=list(argv if argv is not None else sys.argv[1:]),
        settings=settings.to_json(),
        targets=[_target_json(t) for t in targets],
        suites=[
            SuiteInfo(
                name=s.name, path=s.path, sha256=s.sha256, n_samples=len(s.samples), kind=s.kind
            )
            for s in suites
        ],
    )
    _snapshot(run_dir, suites)
    write_manifest(run_dir, manifest)
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def prepare_resume(config: Config, run_dir: Path) -> Prepared:
    """Reopen a run with the settings it started with; refuse if its suites changed."""
    manifest = read_manifest(run_dir)
    raw = manifest.settings
    settings = RunSettings(
        suites=list(raw["suites"]),
        targets=list(raw["targets"]),
        epochs=int(raw.get("epochs", 1)),
        limit=raw.get("limit"),
        shard=raw.get("shard"),
    )
    targets = [config.target(name) for name in settings.targets]
    check_keys(targets)
    suites, graders = load_checked(config, settings.suites, _min_context(targets))
    recorded = {s.name: s.sha256 for s in manifest.suites}
    for suite in suites:
        if recorded.get(suite.name) != suite.sha256:
            raise ConfigError(
                f"suite {suite.name!r} ({suite.path}) changed since run {manifest.run_id} started; "
                "results would mix two versions: start a new run instead"
            )
    manifest = manifest.model_copy(update={"status": "running", "finished_at": None, "aborted": {}})
    manifest.notes.append(f"resumed at {utc_now()}")
    write_manifest(run_dir, manifest)
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def all_samples(suites: list[Suite]) -> list[Sample]:
    """Every sample of every suite (the simulator's answer key)."""
    return [s for suite in suites for s in suite.samples]


__all__ = [
    "SAMPLES_DIR",
    "Prepared",
    "RunSettings",
    "all_samples",
    "new_run_id",
    "prepare",
    "prepare_resume",
    "resolve_run_dir",
]
