"""Everything a run checks and writes before its first request.

Suites load, graders build (a bad option is a ``file:line`` problem like any
other), the run folder is created or, on resume, checked against the
targets and suites it was started with and its records read. Nothing here
touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.config import Config, TargetConfig
from evalkit.errors import ConfigError
from evalkit.runfolder import (
    Key,
    RunLock,
    RunManifest,
    RunSettings,
    TargetInfo,
    create_run_folder,
    done_keys,
    read_manifest,
)
from evalkit.runner.grading import GraderCache, load_checked
from evalkit.runner.plan import parse_shard, selection
from evalkit.suite.loader import Suite
from evalkit.suite.schema import Sample

# A target's identity: changing these between a run and its resume is refused.
_IDENTITY = ("base_url", "model", "params", "simulated")
_SIM_IDENTITY = ("skill", "seed")  # a simulated target's "model": what it answers


@dataclass
class Prepared:
    """A run ready to go: its folder, targets, suites and built graders."""

    run_dir: Path
    manifest: RunManifest
    settings: RunSettings
    targets: list[TargetConfig]
    suites: list[Suite]
    graders: GraderCache
    done: set[Key] = field(default_factory=set)
    """Keys the folder already has records for (what a resume skips)."""


def check_keys(targets: list[TargetConfig]) -> None:
    """Every target that names a key variable has it set (checked before any request)."""
    for t in targets:
        if not t.simulated and t.api_key_env and not t.api_key():
            raise ConfigError(
                f"target {t.name!r}: environment variable {t.api_key_env} (api_key_env) "
                "is not set or empty"
            )


def load_for(config: Config, settings: RunSettings) -> tuple[list[Suite], GraderCache]:
    """The run's suites, holding (and having validated in full) only the samples it
    covers (``settings.limit`` and ``shard``), and their graders."""
    shard = parse_shard(settings.shard) if settings.shard else None
    window = config.smallest_context_window(settings.targets)
    return load_checked(config, settings.suites, window, selection(settings.limit, shard))


def prepare(
    config: Config,
    settings: RunSettings,
    *,
    out: Path,
    run_id: str | None = None,
    argv: list[str] | None = None,
    lock: RunLock | None = None,
) -> Prepared:
    """Validate everything and create a new run folder (no request is sent).

    ``lock`` is acquired on the folder before anything is written in it.
    """
    targets = [config.target(name) for name in settings.targets]
    check_keys(targets)
    if not settings.suites:
        raise ConfigError("no suites given (name them, or set [run] suites in evalkit.toml)")
    suites, graders = load_for(config, settings)
    run_dir, manifest = create_run_folder(
        out, settings, targets, suites, run_id=run_id, argv=argv, lock=lock
    )
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def _identity(target: TargetInfo) -> dict[str, Any]:
    """What makes a target the same endpoint: not its key, limits or timeouts."""
    data = target.model_dump()
    out = {k: data[k] for k in _IDENTITY if k in data}
    sim = data.get("sim")
    if data.get("simulated") and isinstance(sim, dict):
        out.update({f"sim.{k}": sim[k] for k in _SIM_IDENTITY if k in sim})
    return out


def check_targets_unchanged(manifest: RunManifest, targets: list[TargetConfig]) -> None:
    """ConfigError saying what changed if a target is not the endpoint the run started with.

    A resume against another model or URL would file its records under the
    same target name as the first part's.
    """
    recorded = {t.name: _identity(t) for t in manifest.targets}
    for target in targets:
        before = recorded.get(target.name)
        if before is None:
            continue  # a run.json without its targets (made by hand): nothing to compare
        now = _identity(TargetInfo.of(target))
        changes = [
            f"{key} {before[key]!r} -> {now[key]!r}"
            for key in before
            if key in now and before[key] != now[key]
        ]
        if changes:
            raise ConfigError(
                f"target {target.name!r} changed since run {manifest.run_id} started: "
                f"{'; '.join(changes)}. Resuming would mix two endpoints under one name: "
                f"restore [targets.{target.name}] in the config, or start a new run"
            )


def check_suites_unchanged(manifest: RunManifest, suites: list[Suite]) -> None:
    """ConfigError if a suite (its lines, manifest or images) changed since the run started."""
    recorded = {s.name: s.sha256 for s in manifest.suites}
    for suite in suites:
        if recorded.get(suite.name) != suite.sha256:
            raise ConfigError(
                f"suite {suite.name!r} ({suite.path}) changed since run {manifest.run_id} started; "
                "results would mix two versions: start a new run instead"
            )


def prepare_resume(config: Config, run_dir: Path) -> Prepared:
    """Check that a run can be resumed as it started; writes nothing.

    Its targets must be the same endpoints, its suites unchanged and its
    records readable (``Prepared.done`` holds their keys): any of these is
    a ConfigError or RunFolderError, before run.json is touched.
    """
    manifest = read_manifest(run_dir)
    settings = manifest.settings
    targets = [config.target(name) for name in settings.targets]
    check_targets_unchanged(manifest, targets)
    check_keys(targets)
    suites, graders = load_for(config, settings)
    check_suites_unchanged(manifest, suites)
    done = done_keys(run_dir)
    return Prepared(run_dir, manifest, settings, targets, suites, graders, done)


def all_samples(suites: list[Suite]) -> list[Sample]:
    """Every sample of every suite (the simulator's answer key)."""
    return [s for suite in suites for s in suite.samples]


__all__ = [
    "Prepared",
    "all_samples",
    "check_suites_unchanged",
    "check_targets_unchanged",
    "load_for",
    "prepare",
    "prepare_resume",
]
