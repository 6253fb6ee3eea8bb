"""``evalkit bench``: its flags, and the call of ``evalkit.bench.bench`` they become.

The parser is built for every command line, so it imports nothing heavy.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from evalkit.cli.help import HELP_FORMAT, examples

if TYPE_CHECKING:
    from evalkit.cli.help import Subparsers


def add_bench_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``evalkit bench`` and its flags to the subcommands."""
    p = sub.add_parser(
        "bench",
        parents=[common],
        help="load-test targets: concurrency or request-rate levels, or a saturation sweep",
        description="Load-test targets level by level: closed-loop concurrencies, open-loop "
        "request rates, or a sweep that finds the saturation point. Results go to a run "
        "folder: records.jsonl, bench.json (vLLM's keys) and bench.html.",
        epilog=examples(
            "evalkit bench --target sim --concurrency 1,4,16,64",
            "evalkit bench suites/chat --target mistral-small-3.1 --rate 2,8,32 --concurrency 64",
            "evalkit bench --target sim --sweep --goodput ttft:200 tpot:20",
            "evalkit bench --target sim --input-tokens 1024 --output-tokens 256 --spread 0.2",
        ),
        formatter_class=HELP_FORMAT,
    )
    p.add_argument(
        "suites",
        nargs="*",
        metavar="SUITE",
        help="suites whose samples are the workload (default: synthetic prompts)",
    )
    p.add_argument(
        "--target",
        "-t",
        action="append",
        metavar="NAME",
        help="target from evalkit.toml (repeatable; default: [run] targets, else sim)",
    )
    load = p.add_argument_group("load levels")
    load.add_argument(
        "--concurrency",
        "-c",
        metavar="N,N,...",
        help="closed-loop levels (default 1,4,16,64); with --rate, one number: the cap",
    )
    load.add_argument("--rate", "-r", metavar="R,R,...", help="open-loop levels, requests/s")
    load.add_argument(
        "--burstiness",
        type=float,
        default=1.0,
        metavar="X",
        help="arrival gaps ~ Gamma(X): 1 Poisson (default), <1 burstier, >1 more even",
    )
    load.add_argument(
        "--sweep",
        action="store_true",
        help="double the concurrency from 1 until throughput stops growing (saturation)",
    )
    load.add_argument(
        "--max-concurrency",
        type=int,
        default=256,
        metavar="N",
        help="where a sweep stops at the latest (default 256)",
    )
    load.add_argument(
        "--requests",
        "-n",
        type=int,
        metavar="N",
        help="measured requests per level (default: max(32, 4 x concurrency) or 10 s of rate)",
    )
    load.add_argument(
        "--warmup",
        type=int,
        metavar="N",
        help="unmeasured requests before each level (default: one per slot)",
    )
    load.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="send from N processes (default 1; more when one client core is the limit)",
    )
    load.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of schedules and prompts"
    )
    work = p.add_argument_group("synthetic workload (without suites)")
    work.add_argument("--input-tokens", type=int, default=256, metavar="N", help="prompt length")
    work.add_argument(
        "--output-tokens", type=int, default=128, metavar="N", help="output tokens asked for"
    )
    work.add_argument(
        "--spread",
        type=float,
        default=0.0,
        metavar="X",
        help="lengths drawn from N x [1-X, 1+X] (default 0: all the same)",
    )
    work.add_argument(
        "--no-exact",
        action="store_true",
        help="ask for at most N output tokens (no min_tokens/ignore_eos in the request)",
    )
    p.add_argument(
        "--goodput",
        nargs="+",
        metavar="METRIC:MS",
        help="SLOs for goodput, e.g. ttft:200 tpot:20 e2el:2000 (milliseconds)",
    )
    p.add_argument("--out", metavar="DIR", help="where run folders go (default: results)")
    p.add_argument("--run-id", metavar="ID", help="name the run folder (default: time + random)")
    p.add_argument("--no-report", action="store_true", help="skip bench.html")


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark the flags describe; print each level and what limited it."""
    from evalkit.cli.gate import config_for
    from evalkit.cli.run import prespawn_simulators

    config = config_for(args)
    prespawn_simulators(config, args.target or config.run.targets)

    from evalkit.bench import bench

    result = bench(
        args.suites,
        args.target,
        concurrency=args.concurrency,
        rate=args.rate,
        burstiness=args.burstiness,
        sweep=args.sweep,
        max_concurrency=args.max_concurrency,
        requests=args.requests,
        warmup=args.warmup,
        input_tokens=args.input_tokens,
        output_tokens=args.output_tokens,
        spread=args.spread,
        exact=not args.no_exact,
        seed=args.seed,
        goodput=args.goodput,
        workers=args.workers,
        out=args.out,
        run_id=args.run_id,
        report=not args.no_report,
        config=config,
        argv=args.argv,
    )
    for path in result.files:
        print(f"wrote {path}")
    if result.warnings:
        print(f"{len(result.warnings)} warning(s), see above and bench.json", file=sys.stderr)
    if result.status == "interrupted":
        print("interrupted: bench.json holds the levels that finished", file=sys.stderr)
    return result.exit_code


__all__ = ["add_bench_parser", "cmd_bench"]
