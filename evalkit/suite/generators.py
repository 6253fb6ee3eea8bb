"""Sample generators by name: the registry that ``[generator] type = ...`` looks up.

A generator module registers its function with ``@generator("name")`` and
imports only this module; the loader imports the built-in generator modules
(``BUILTIN``) and this registry, so no module imports one that imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GenContext:
    """What a generator may depend on besides its options."""

    base_dir: Path
    context_window: int | None = None


Generator = Callable[[dict[str, Any], GenContext], list[dict[str, Any]]]
"""A sample generator: (manifest options, context) -> raw sample objects."""

GENERATORS: dict[str, Generator] = {}
"""Registered generators by name."""


def generator(name: str) -> Callable[[Generator], Generator]:
    """Register a sample generator usable as ``[generator] type = name``."""

    def register(fn: Generator) -> Generator:
        GENERATORS[name] = fn
        return fn

    return register


__all__ = ["GENERATORS", "GenContext", "Generator", "generator"]
