"""Targets that are not in evalkit.toml: one named on the command line, one a run recorded.

``evalkit run --base-url URL --model NAME`` adds a target to the config for
that run; a resumed run finds it again in its run.json. A target evalkit
serves itself (``local``) is checked before anything is written: the
packages and weights it needs are installed, or the error says how.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from evalkit.config import Config, TargetConfig, cli_target
from evalkit.errors import ConfigError
from evalkit.runfolder import read_manifest
from evalkit.runner.local_server import check_local
from evalkit.secrets import REDACTED


@dataclass(frozen=True)
class Endpoint:
    """A target given by URL: ``--base-url``, ``--model`` and ``--api-key-env``."""

    base_url: str
    model: str | None = None
    api_key_env: str | None = None


def with_endpoint(config: Config, endpoint: Endpoint, names: list[str]) -> tuple[Config, list[str]]:
    """``config`` plus the endpoint's target, and the run's target names (just that one).

    The target is named by the one ``--target`` given with it, else after its model.
    """
    if len(names) > 1:
        raise ConfigError("--base-url names one target: give at most one --target (its name)")
    target = cli_target(
        endpoint.base_url, endpoint.model, endpoint.api_key_env, names[0] if names else None
    )
    return config.with_target(target), [target.name]


def with_recorded_targets(config: Config, run_dir: Path) -> Config:
    """``config`` plus the targets run.json records and the config lacks (a CLI target).

    A target with headers is not rebuilt (run.json keeps their names, not
    their values): it must be configured again; so must one whose base_url
    carried credentials (run.json keeps it redacted).
    """
    known = config.target_names()
    added = dict(config.targets)
    for info in read_manifest(run_dir).targets:
        if info.name in known:
            continue
        data = info.model_dump()
        if data.get("headers") or data.get("simulated"):
            continue
        if REDACTED in urlsplit(info.base_url).netloc + urlsplit(info.base_url).query:
            raise ConfigError(
                f"target {info.name!r}: its base_url carried credentials, which run.json does "
                f"not keep; configure it in evalkit.toml as [targets.{info.name}] to resume"
            )
        try:
            added[info.name] = TargetConfig.model_validate(data)
        except ValidationError:
            continue  # recorded by another evalkit version: config.target() will name it
    return config.model_copy(update={"targets": added})


def check_local_targets(config: Config, names: Iterable[str]) -> None:
    """ConfigError, before any folder or request, for a local target that cannot start."""
    for name in names:
        target: TargetConfig = config.target(name)
        check_local(target)


__all__ = ["Endpoint", "check_local_targets", "with_endpoint", "with_recorded_targets"]
