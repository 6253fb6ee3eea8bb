"""``evalkit.bench.bench``: the function behind ``evalkit bench``.

It checks everything first (config, targets and their keys, levels, flags,
suites: a bad one exits 2 and sends nothing), creates the run folder, runs
the levels (``session``), writes bench.json, run.json and bench.html, and
returns a ``BenchResult``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.bench.metrics import parse_goodput
from evalkit.bench.plan import BenchPlan, sweep_plan
from evalkit.bench.report import write_bench_report
from evalkit.bench.schedule import parse_levels
from evalkit.bench.session import BenchState, close_run, run_bench
from evalkit.bench.workload import Workload, suite_workload, synthetic_workload
from evalkit.clientload import ClientLoad
from evalkit.config import Config, load_config
from evalkit.errors import ConfigError
from evalkit.runfolder import RunSettings, create_run_folder
from evalkit.runner.setup import check_keys
from evalkit.suite.loader import load_suites

Echo = Callable[[str], None]


@dataclass(frozen=True)
class BenchResult:
    """How a benchmark ended: its folder, status, levels, saturation points and warnings."""

    run_dir: Path
    run_id: str
    status: str
    """``finished``, ``interrupted`` or ``aborted`` (a target stopped: 401, 402, 404)."""
    levels: list[dict[str, Any]]
    """bench.json's entries, one per target and level."""
    saturation: dict[str, dict[str, Any]]
    warnings: list[str]
    aborted: dict[str, str]
    client_load: ClientLoad | None
    files: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 finished, 2 a target stopped, 130 interrupted."""
        return {"finished": 0, "aborted": 2}.get(self.status, 130)


def _list(value: str | Sequence[float] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(str(v) for v in value)


def _goodput(value: Mapping[str, float] | Sequence[str] | None) -> dict[str, float]:
    if not value:
        return {}
    if isinstance(value, Mapping):
        return parse_goodput(f"{k}:{v}" for k, v in value.items())
    return parse_goodput(value)


def bench(
    suites: Sequence[str | Path] | None = None,
    targets: Sequence[str] | None = None,
    *,
    concurrency: str | Sequence[int] | None = None,
    rate: str | Sequence[float] | None = None,
    burstiness: float = 1.0,
    sweep: bool = False,
    max_concurrency: int = 256,
    requests: int | None = None,
    warmup: int | None = None,
    input_tokens: int = 256,
    output_tokens: int = 128,
    spread: float = 0.0,
    exact: bool = True,
    seed: int = 0,
    goodput: Mapping[str, float] | Sequence[str] | None = None,
    workers: int = 1,
    out: str | Path | None = None,
    run_id: str | None = None,
    report: bool = True,
    config: Config | str | Path | None = None,
    echo: Echo | None = print,
    argv: Sequence[str] | None = None,
) -> BenchResult:
    """Load-test targets level by level; the arguments are ``evalkit bench``'s flags.

    ``concurrency`` ("1,4,16" or a list) gives closed-loop levels; ``rate``
    gives open-loop levels (requests/s, Poisson or, with ``burstiness`` other
    than 1, gamma arrivals), each capped by a single ``concurrency`` if given;
    ``sweep`` doubles a closed-loop concurrency from 1 up to
    ``max_concurrency`` until throughput stops growing. ``suites`` are sent
    as the workload (cycled as needed); without them, synthetic prompts of
    ``input_tokens`` asking for ``output_tokens`` (``spread`` varies both,
    ``exact`` asks for exactly that many). ``goodput`` maps ``ttft``,
    ``tpot``, ``e2el`` to SLOs in ms. ``workers`` > 1 sends from that many
    processes. ``InputError`` before anything is sent when an argument,
    the config or a suite is wrong.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    kwargs: dict[str, Any] = {
        "requests": requests,
        "warmup": warmup,
        "seed": seed,
        "goodput": _goodput(goodput),
        "workers": workers,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "spread": spread,
        "exact": exact,
    }
    if sweep:
        if concurrency is not None or rate is not None:
            raise ConfigError("--sweep chooses its own levels: drop --concurrency and --rate")
        plan = sweep_plan(max_concurrency, **kwargs)
    else:
        conc = _list(concurrency) if concurrency is not None or rate is not None else "1,4,16,64"
        plan = BenchPlan(levels=parse_levels(conc, _list(rate), burstiness), **kwargs)
    names = list(dict.fromkeys(targets or cfg.run.targets))
    target_cfgs = [cfg.target(n) for n in names]
    check_keys(target_cfgs)
    paths = [str(p) for p in suites or ()]
    workload: Workload
    if paths:
        window = cfg.smallest_context_window(names)
        workload = suite_workload(load_suites(paths, context_window=window))
    else:
        workload = synthetic_workload(
            plan.pool_size(),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            spread=spread,
            seed=seed,
            exact=exact,
        )
    where = Path(out) if out is not None else Path(cfg.run.out)
    run_dir, manifest = create_run_folder(
        where,
        RunSettings(suites=paths, targets=names),
        target_cfgs,
        workload.suites,
        run_id=run_id,
        argv=list(argv) if argv is not None else None,
    )
    state = BenchState(
        run_dir, manifest, cfg, target_cfgs, plan, workload, echo or (lambda _: None)
    )
    state.save()
    state.echo(f"bench {manifest.run_id} -> {run_dir}")
    what = ", ".join(s.name for s in workload.suites)
    state.echo(f"  workload: {what}; levels: {', '.join(lv.label for lv in plan.levels)}")
    load: ClientLoad | None = None
    status = "finished"
    try:
        load = asyncio.run(run_bench(state))
    except KeyboardInterrupt:
        status = "interrupted"
    close_run(state, status, load)
    files = [run_dir / "bench.json"]
    if report:
        files.append(write_bench_report(run_dir))
    return BenchResult(
        run_dir=run_dir,
        run_id=manifest.run_id,
        status="aborted" if state.aborted and status == "finished" else status,
        levels=state.entries,
        saturation=state.saturation,
        warnings=state.warnings,
        aborted=state.aborted,
        client_load=load,
        files=files,
    )


__all__ = ["BenchResult", "bench"]
