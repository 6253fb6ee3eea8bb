"""``evalkit run --dry-run``: what a run would send and cost, without sending or writing.

The config, the flags, the suites and their graders are checked exactly as
for a run (a problem exits 2), the plan is made (on ``resume``: what the run
folder still lacks), and each request is estimated (``runner/estimate.py``).
No request is sent, no key is needed, and no run folder is created or
changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalkit.errors import ConfigError
from evalkit.lifecycle.inputs import (
    ConfigLike,
    RunRef,
    config_of,
    cost_limit,
    out_of,
    run_dir_of,
    spent_usd,
)
from evalkit.lifecycle.runs import Names, _names, _settings, check_resume_flags
from evalkit.runfolder import RunSettings, done_keys, read_manifest
from evalkit.runner import plan
from evalkit.runner.estimate import EstimateRow, estimate_items
from evalkit.runner.setup import load_for


@dataclass(frozen=True)
class DryRun:
    """A run's plan, estimated: per target x suite requests, tokens and cost."""

    rows: list[EstimateRow]
    already_recorded: int
    """Records a resumed run already holds (they are not sent again)."""
    spent_usd: float
    """What those records cost."""
    max_cost: float | None
    """The cost limit the run would have (``--max-cost`` or ``[run] max_cost``)."""

    @property
    def requests(self) -> int:
        """Requests the run would send."""
        return sum(r.requests for r in self.rows)

    @property
    def cost_usd(self) -> float:
        """Their estimated cost (output at its ``max_tokens`` ceiling), US dollars."""
        return sum(r.cost_usd for r in self.rows)


def dry_run(
    suites: Names = None,
    targets: Names = None,
    *,
    epochs: int | None = None,
    limit: int | None = None,
    shard: str | None = None,
    resume: RunRef | None = None,
    retry_errors: bool = False,
    out: str | Path | None = None,
    config: ConfigLike = None,
    max_cost: float | None = None,
) -> DryRun:
    """Estimate what ``run`` with these arguments would send and cost; send nothing.

    Raises what ``run`` raises for bad input (``ConfigError``, ``SuiteError``).
    """
    cfg = config_of(config)
    budget = cost_limit(cfg, max_cost)
    where = out_of(cfg, out)
    suite_names, target_names = _names(suites), _names(targets)
    run_dir: Path | None = None
    settings: RunSettings
    if resume is not None:
        given = {
            "suites": bool(suite_names),
            "target": bool(target_names),
            "epochs": epochs is not None,
            "limit": limit is not None,
            "shard": shard is not None,
        }
        check_resume_flags(given)
        run_dir = run_dir_of(resume, where)
        settings = read_manifest(run_dir).settings
    else:
        if retry_errors:
            raise ConfigError("--retry-errors goes with --resume RUN")
        settings = _settings(cfg, suite_names, target_names, epochs, limit, shard)
    target_configs = [cfg.target(name) for name in settings.targets]
    if not settings.suites:
        raise ConfigError("no suites given (name them, or set [run] suites in evalkit.toml)")
    loaded, _ = load_for(cfg, settings)  # as the run would: only what it covers
    done = done_keys(run_dir, include_errors=not retry_errors) if run_dir is not None else set()
    items = plan(settings.targets, loaded, epochs=settings.epochs, done=done)
    spent = spent_usd(run_dir) if run_dir is not None else 0.0
    order = {name: i for i, name in enumerate([*settings.targets, *(s.name for s in loaded)])}
    rows = sorted(
        estimate_items(target_configs, items), key=lambda r: (order[r.target], order[r.suite])
    )
    return DryRun(rows, len(done), spent, budget)


__all__ = ["DryRun", "dry_run"]
