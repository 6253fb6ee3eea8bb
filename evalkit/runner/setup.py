"""Everything a run checks and writes before its first request.

Suites load, graders build (a bad option is a ``file:line`` problem like any
other), the run folder is created or, on resume, checked against the suites
it was started with. Nothing here touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalkit.config import Config, TargetConfig
from evalkit.errors import ConfigError
from evalkit.runfolder import (
    RunManifest,
    RunSettings,
    create_run_folder,
    read_manifest,
    reopen_run_folder,
)
from evalkit.runner.grading import GraderCache, load_checked
from evalkit.runner.plan import parse_shard, selection
from evalkit.suite.loader import Suite
from evalkit.suite.schema import Sample


@dataclass
class Prepared:
    """A run ready to go: its folder, targets, suites and built graders."""

    run_dir: Path
    manifest: RunManifest
    settings: RunSettings
    targets: list[TargetConfig]
    suites: list[Suite]
    graders: GraderCache


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
) -> Prepared:
    """Validate everything and create a new run folder (no request is sent)."""
    targets = [config.target(name) for name in settings.targets]
    check_keys(targets)
    if not settings.suites:
        raise ConfigError("no suites given (name them, or set [run] suites in evalkit.toml)")
    suites, graders = load_for(config, settings)
    run_dir, manifest = create_run_folder(out, settings, targets, suites, run_id=run_id, argv=argv)
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def prepare_resume(config: Config, run_dir: Path) -> Prepared:
    """Reopen a run with the settings it started with; refuse if its suites changed."""
    settings = read_manifest(run_dir).settings
    targets = [config.target(name) for name in settings.targets]
    check_keys(targets)
    suites, graders = load_for(config, settings)
    manifest = reopen_run_folder(run_dir, suites)
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def all_samples(suites: list[Suite]) -> list[Sample]:
    """Every sample of every suite (the simulator's answer key)."""
    return [s for suite in suites for s in suite.samples]


__all__ = [
    "Prepared",
    "all_samples",
    "load_for",
    "prepare",
    "prepare_resume",
]
