"""A run's outputs (report.html, junit.xml, summary.md) and the gate's verdict.

``render`` is ``evalkit report RUN [--baseline BASE]`` as a function; a run,
a re-grade and a merge end with the same step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.config import GateConfig
from evalkit.errors import EvalkitWarning, StorageError
from evalkit.lifecycle.inputs import ConfigLike, RunRef, config_of, out_of, run_dir_of
from evalkit.runfolder import lock_holder

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.report.gate import Breach


@dataclass(frozen=True, eq=False)
class Outputs:
    """What rendering a run wrote, and the gate's breaches when it had a baseline."""

    run_dir: Path
    frame: pd.DataFrame
    """The run's records as loaded for the outputs (one row per record, as ``load_run``)."""
    files: list[Path]
    baseline_dir: Path | None = None
    breaches: list[Breach] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when the gate failed, else 0."""
        return 1 if self.breaches else 0


def render_dir(
    run_dir: Path,
    gate: GateConfig,
    *,
    baseline_dir: Path | None = None,
    html: bool = True,
    echo: Callable[[str], None] | None = None,
) -> Outputs:
    """Write a run folder's outputs, gated against ``baseline_dir`` when given.

    ``echo`` receives a line as each step starts ("writing report.html ...").
    ``StorageError`` when the folder cannot take them (disk full, read-only).
    """
    from evalkit.metrics import load_run
    from evalkit.report import render_run

    if echo is not None:
        echo(f"loading the records of {run_dir} ...")
    df = load_run(run_dir)  # once, for the outputs and for whoever prints a summary
    try:
        rendered = render_run(
            run_dir, baseline_dir=baseline_dir, gate=gate, html=html, df=df, on_step=echo
        )
    except OSError as exc:
        where = exc.filename or run_dir
        raise StorageError(f"could not write {where}: {exc.strerror or exc}") from None
    return Outputs(run_dir, df, rendered.files, baseline_dir, rendered.breaches)


def render(
    run: RunRef,
    *,
    baseline: RunRef | None = None,
    html: bool = True,
    config: ConfigLike = None,
    out: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> Outputs:
    """Re-render a stored run's outputs; with ``baseline``, gate it ([gate] of the config).

    ``run`` and ``baseline`` are run ids under ``out`` or run folders.
    ``echo`` receives a line as each step starts. ``ConfigError`` when a run
    or the config cannot be found. A run that another process is still
    writing is rendered as far as it goes, with an ``EvalkitWarning`` saying so.
    """
    cfg = config_of(config)
    where = out_of(cfg, out)
    run_dir = run_dir_of(run, where)
    holder = lock_holder(run_dir)
    if holder is not None:
        warnings.warn(
            f"run {run_dir} is still being written by {holder}: these outputs cover "
            "the records so far, and the run rewrites them when it ends",
            EvalkitWarning,
            stacklevel=2,
        )
    baseline_dir = run_dir_of(baseline, where) if baseline is not None else None
    return render_dir(run_dir, cfg.gate, baseline_dir=baseline_dir, html=html, echo=echo)


__all__ = ["Outputs", "render", "render_dir"]
