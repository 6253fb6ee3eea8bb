"""evalkit: batch evaluation and benchmarking for OpenAI-compatible chat endpoints.

``import evalkit`` stays light (the CLI must answer --help fast): the run
functions and the DataFrame helpers are imported on first use.

    result = evalkit.run(["suites/chat"], ["sim"], limit=20)   # or: await evalkit.run_async(...)
    df = evalkit.load_run(result.run_dir)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from evalkit.lifecycle import RunResult, run, run_async
    from evalkit.metrics import load_run, load_runs

__all__ = ["RunResult", "__version__", "load_run", "load_runs", "run", "run_async"]

_LAZY = {
    "load_run": "evalkit.metrics",
    "load_runs": "evalkit.metrics",
    "run": "evalkit.lifecycle",
    "run_async": "evalkit.lifecycle",
    "RunResult": "evalkit.lifecycle",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
