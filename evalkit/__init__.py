"""evalkit: batch evaluation and benchmarking for OpenAI-compatible chat endpoints.

``import evalkit`` stays light (the CLI must answer --help fast): the
DataFrame helpers are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from evalkit.metrics import load_run, load_runs

__all__ = ["__version__", "load_run", "load_runs"]


def __getattr__(name: str) -> Any:
    if name in ("load_run", "load_runs"):
        from evalkit import metrics

        return getattr(metrics, name)
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
