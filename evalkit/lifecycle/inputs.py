"""The library's loose arguments made exact: a config, where runs live, which run.

A caller may hand over a loaded ``Config``, the path of an evalkit.toml, or
nothing (./evalkit.toml if present, else the defaults); a run by id (a folder
under ``out``) or by its folder's path.
"""

from __future__ import annotations

from pathlib import Path

from evalkit.config import Config, load_config
from evalkit.runfolder import resolve_run_dir

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


__all__ = ["ConfigLike", "RunRef", "config_of", "out_of", "run_dir_of"]
