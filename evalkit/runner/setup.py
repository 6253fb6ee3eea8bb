"""Everything a run checks and writes before its first request.

Suites load, graders build (a bad option is a ``file:line`` problem like any
other), the run folder is created or, on resume, checked against the suites
it was started with. Nothing here touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.config import Config, TargetConfig
from evalkit.errors import ConfigError
from evalkit.graders.base import Grader, build
from evalkit.runfolder import (
    RunManifest,
    RunSettings,
    create_run_folder,
    read_manifest,
    reopen_run_folder,
)
from evalkit.suite.loader import Suite, load_suites
from evalkit.suite.schema import GraderSpec, Sample

BuiltGraders = list[tuple[GraderSpec, Grader]]


@dataclass
class Prepared:
    """A run ready to go: its folder, targets, suites and built graders."""

    run_dir: Path
    manifest: RunManifest
    settings: RunSettings
    targets: list[TargetConfig]
    suites: list[Suite]
    graders: dict[tuple[str, str], BuiltGraders] = field(default_factory=dict)


class GraderCache:
    """Built graders, one per distinct spec; also the loader's grader check."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._built: dict[str, Grader] = {}

    def get(self, spec: GraderSpec) -> Grader:
        """The built grader for ``spec``; ValueError says what is wrong with it."""
        key = json.dumps(spec.to_json(), sort_keys=True, default=str)
        grader = self._built.get(key)
        if grader is None:
            grader = build(spec)  # unknown options are reported before an unknown judge
            if spec.type == "llm_judge":
                try:
                    self.config.target(str(spec.options["target"]))
                except ConfigError as exc:
                    raise ValueError(str(exc)) from None
            self._built[key] = grader
        return grader

    def check(self, spec: GraderSpec) -> None:
        """Raise ValueError if ``spec`` cannot be built (the loader's GraderCheck)."""
        self.get(spec)

    def assign(self, suites: list[Suite]) -> dict[tuple[str, str], BuiltGraders]:
        """Each sample's graders, built once per distinct spec."""
        return {
            (suite.name, s.id): [(spec, self.get(spec)) for spec in s.grader]
            for suite in suites
            for s in suite.samples
        }


def load_checked(
    config: Config, paths: list[str], context_window: int | None
) -> tuple[list[Suite], dict[tuple[str, str], BuiltGraders]]:
    """Load suites with their graders vetted line by line; all problems raise together."""
    cache = GraderCache(config)
    suites = load_suites(paths, context_window=context_window, check_grader=cache.check)
    return suites, cache.assign(suites)


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
    run_dir, manifest = create_run_folder(out, settings, targets, suites, run_id=run_id, argv=argv)
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def prepare_resume(config: Config, run_dir: Path) -> Prepared:
    """Reopen a run with the settings it started with; refuse if its suites changed."""
    settings = read_manifest(run_dir).settings
    targets = [config.target(name) for name in settings.targets]
    check_keys(targets)
    suites, graders = load_checked(config, settings.suites, _min_context(targets))
    manifest = reopen_run_folder(run_dir, suites)
    return Prepared(run_dir, manifest, settings, targets, suites, graders)


def all_samples(suites: list[Suite]) -> list[Sample]:
    """Every sample of every suite (the simulator's answer key)."""
    return [s for suite in suites for s in suite.samples]


__all__ = [
    "BuiltGraders",
    "GraderCache",
    "Prepared",
    "all_samples",
    "load_checked",
    "prepare",
    "prepare_resume",
]
