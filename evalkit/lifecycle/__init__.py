"""What the ``evalkit`` subcommands do, as functions a notebook or a script can call.

``run`` / ``run_async`` (``evalkit run``), ``render`` (``evalkit report``),
``compare``, ``grade`` and ``merge`` check their inputs, do the work and
return a typed outcome with the exit code the command would use; they print
nothing but a run's opening lines (``echo``). The command line maps flags to
these calls and prints their results. This layer sits above the runner and
the report and below the CLI.

Modules: ``runs`` (starting a run; ``run`` and ``run_async``), ``job`` (a
started run: execute, close, finish; ``RunResult``), ``dryrun`` (a run's
plan and estimated cost, nothing sent), ``outputs`` (rendering and the
gate), ``stored`` (compare, grade, merge), ``inputs`` (configs and run
references), ``probing`` (``probe`` an endpoint's capabilities, list
``targets`` with their last probe), ``endpoints`` (targets named by URL).
Each name is imported on first use: ``evalkit report`` needs
the outputs, not the runner and its network stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.lifecycle.dryrun import DryRun, dry_run
    from evalkit.lifecycle.endpoints import Endpoint
    from evalkit.lifecycle.inputs import ConfigLike, RunRef
    from evalkit.lifecycle.job import (
        COST_LIMIT_EXIT,
        Progress,
        ProgressChoice,
        ProgressFactory,
        RunResult,
        RunStatus,
    )
    from evalkit.lifecycle.outputs import Outputs, render
    from evalkit.lifecycle.probing import TargetStatus, probe, probe_async, targets
    from evalkit.lifecycle.runs import run, run_async
    from evalkit.lifecycle.stored import Comparison, Graded, compare, grade, merge

__all__ = [
    "COST_LIMIT_EXIT",
    "Comparison",
    "ConfigLike",
    "DryRun",
    "Endpoint",
    "Graded",
    "Outputs",
    "Progress",
    "ProgressChoice",
    "ProgressFactory",
    "RunRef",
    "RunResult",
    "RunStatus",
    "TargetStatus",
    "compare",
    "dry_run",
    "grade",
    "merge",
    "probe",
    "probe_async",
    "render",
    "run",
    "run_async",
    "targets",
]

_MODULE = {
    "DryRun": "dryrun",
    "dry_run": "dryrun",
    "Endpoint": "endpoints",
    "ConfigLike": "inputs",
    "RunRef": "inputs",
    "COST_LIMIT_EXIT": "job",
    "Progress": "job",
    "ProgressChoice": "job",
    "ProgressFactory": "job",
    "RunResult": "job",
    "RunStatus": "job",
    "Outputs": "outputs",
    "render": "outputs",
    "TargetStatus": "probing",
    "probe": "probing",
    "probe_async": "probing",
    "targets": "probing",
    "run": "runs",
    "run_async": "runs",
    "Comparison": "stored",
    "Graded": "stored",
    "compare": "stored",
    "grade": "stored",
    "merge": "stored",
}


def __getattr__(name: str) -> Any:
    if name in _MODULE:
        import importlib

        return getattr(importlib.import_module(f"evalkit.lifecycle.{_MODULE[name]}"), name)
    raise AttributeError(f"module 'evalkit.lifecycle' has no attribute {name!r}")
