"""Where a suite's manifest is, and reading it: ``manifest.toml`` beside the samples.

A suite path is a folder holding ``manifest.toml``, a manifest ``.toml``
file, or a ``.jsonl`` file (which takes the defaults of a ``manifest.toml``
beside it only if that manifest names it as its ``samples``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from evalkit.errors import Problem
from evalkit.suite.schema import SuiteManifest, problems_of

MANIFEST = "manifest.toml"


def read_manifest(path: Path, problems: list[Problem]) -> SuiteManifest | None:
    """The manifest at ``path``, or None with its problems noted."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "manifest not found"))
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"invalid TOML: {exc}"))
        return None
    try:
        return SuiteManifest.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_of(exc, str(path), None, "unknown key"))
        return None


def locate(path: Path, problems: list[Problem]) -> tuple[Path | None, Path | None]:
    """(manifest, jsonl) for a suite path; either may be None (problems noted)."""
    if path.is_dir():
        manifest = path / MANIFEST
        if not manifest.exists():
            problems.append(Problem(str(path), None, None, f"folder has no {MANIFEST}"))
            return None, None
        return manifest, None
    if path.suffix == ".toml":
        return path, None
    if path.suffix == ".jsonl":
        beside = path.parent / MANIFEST
        if beside.exists():
            try:
                named = tomllib.loads(beside.read_text("utf-8")).get("samples")
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                named = None
            if named and (path.parent / named).resolve() == path.resolve():
                return beside, path
        return None, path
    if not path.exists():
        problems.append(Problem(str(path), None, None, "suite file not found"))
    else:
        problems.append(
            Problem(str(path), None, None, "a suite is a .jsonl file, a manifest .toml or a folder")
        )
    return None, None


__all__ = ["MANIFEST", "locate", "read_manifest"]
