"""The library's loose arguments made exact: a config, where runs live, which run.

A caller may hand over a loaded ``Config``, the path of an evalkit.toml, or
nothing (./evalkit.toml if present, else the defaults); a run by id (a folder
under ``out``) or by its folder's path.
"""

from __future__ import annotations

from pathlib import Path

from evalkit.config import Config, load_config
from evalkit.errors import ConfigError
from evalkit.runfolder import read_record_dicts, resolve_run_dir

ConfigLike = Config | str | Path | None
"""A loaded config, the path of an evalkit.toml, or None for ./evalkit.toml (or defaults)."""

RunRef = str | Path
"""A run id (a folder under ``out``) or the path of a run folder."""


def config_of(config: ConfigLike) -> Config:
    """The config ``config`` names; ``ConfigError`` for a missing or bad file."""
    return config if isinstance(config, Config) else load_config(config)


def out_of(config: Config, out: str | Path | None) -> Path:
    """Where run folders go: ``out`` if given, else ``[run] out`` of evalkit.toml."""
    return Path(out) if out is not None else Path(config.run.out)


def run_dir_of(run: RunRef, out: Path) -> Path:
    """The folder of ``run``; ``ConfigError`` names what was looked for."""
    return resolve_run_dir(str(run), out)


def cost_limit(config: Config, max_cost: float | None) -> float | None:
    """The run's cost limit in US dollars: ``max_cost`` if given, else ``[run] max_cost``."""
    if max_cost is None:
        return config.run.max_cost
    if not max_cost > 0:  # NaN too
        raise ConfigError(f"--max-cost: must be a positive amount of US dollars, got {max_cost}")
    return float(max_cost)


def spent_usd(run_dir: Path) -> float:
    """What the records of a run folder cost so far (0 for a new run)."""
    return float(sum(r.get("cost_usd") or 0.0 for r in read_record_dicts(run_dir)))


__all__ = ["ConfigLike", "RunRef", "config_of", "cost_limit", "out_of", "run_dir_of", "spent_usd"]
