"""Work on stored runs: compare them, grade one again, merge shards.

Each is its ``evalkit`` subcommand as a function: it writes what the command
writes and returns what the command prints, without printing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit.errors import ConfigError, RunFolderBusy
from evalkit.lifecycle.inputs import ConfigLike, RunRef, config_of, out_of, run_dir_of
from evalkit.lifecycle.outputs import Outputs, render_dir
from evalkit.runfolder import RunLock, lock_holder
from evalkit.suite.schema import GraderSpec

if TYPE_CHECKING:
    from evalkit.report.gate import Breach


@dataclass(frozen=True)
class Comparison:
    """Runs side by side: the Markdown text, the files written, the gate's breaches."""

    run_dirs: list[Path]
    markdown: str
    files: list[Path]
    gated: bool
    breaches: list[Breach] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when gated and the last run regressed against the first, else 0."""
        return 1 if self.breaches else 0


def compare(
    runs: Sequence[RunRef],
    *,
    gate: bool = False,
    dest: str | Path | None = None,
    config: ConfigLike = None,
    out: str | Path | None = None,
) -> Comparison:
    """Compare runs (or the targets of one run); write compare.md and compare.html.

    With ``gate``, the last run is gated against the first ([gate] of the
    config). The files go to ``dest``, by default the last run's folder.
    """
    from evalkit.metrics import load_run
    from evalkit.report.comparison import compare_markdown
    from evalkit.report.gate import evaluate_gate
    from evalkit.report.html import write_compare_report

    cfg = config_of(config)
    where = out_of(cfg, out)
    run_dirs = [run_dir_of(r, where) for r in runs]
    if not run_dirs:
        raise ConfigError("compare needs at least one run")
    if gate and len(run_dirs) < 2:
        raise ConfigError("compare --gate needs a baseline run and a current run")
    frames = [load_run(d) for d in run_dirs]  # once, for the gate and the Markdown
    breaches = evaluate_gate(frames[-1], frames[0], cfg.gate) if gate else []
    md = compare_markdown(frames, breaches=breaches if gate else None)
    folder = Path(dest) if dest is not None else run_dirs[-1]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "compare.md").write_text(md, encoding="utf-8")
    html = write_compare_report(run_dirs, folder / "compare.html", gate_breaches=breaches)
    return Comparison(run_dirs, md, [folder / "compare.md", html], gate, breaches)


@dataclass(frozen=True)
class Graded:
    """A re-graded run: how many records were scored again, and its new outputs."""

    regraded: int
    outputs: Outputs


def grade(
    run: RunRef,
    *,
    graders: Sequence[GraderSpec] | None = None,
    report: bool = True,
    config: ConfigLike = None,
    out: str | Path | None = None,
) -> Graded:
    """Score a stored run's outputs again, without calling its model; re-render it.

    ``graders`` replace every sample's own (default: each sample's, from
    the run's snapshot of its suites). Only LLM judges send requests.
    """
    from evalkit.runner.regrade import regrade

    cfg = config_of(config)
    run_dir = run_dir_of(run, out_of(cfg, out))
    # It rewrites records.jsonl: a run appending to it meanwhile would lose records.
    with RunLock("grade").acquire(run_dir):
        n = asyncio.run(regrade(run_dir, cfg, list(graders) if graders else None))
        return Graded(n, render_dir(run_dir, cfg.gate, html=report))


def merge(
    runs: Sequence[RunRef],
    into: str | Path,
    *,
    config: ConfigLike = None,
    out: str | Path | None = None,
) -> Outputs:
    """Join shard runs into the new run folder ``into`` and render it."""
    from evalkit.runner.merge import merge_runs

    cfg = config_of(config)
    where = out_of(cfg, out)
    shards = [run_dir_of(r, where) for r in runs]
    for shard in shards:
        holder = lock_holder(shard)
        if holder is not None:
            raise RunFolderBusy(f"shard {shard} is still being written by {holder}")
    merged = merge_runs(shards, Path(into))
    return render_dir(merged, cfg.gate)


__all__ = ["Comparison", "Graded", "compare", "grade", "merge"]
