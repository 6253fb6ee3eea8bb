"""How often does the latency gate cry wolf, and does it catch a 2x slower endpoint?

Makes ``--runs`` equal runs (default 20) of one suite against two endpoints,
plus a baseline each, then ``--runs`` runs against a 2x slower version of
each endpoint:

- ``jitter``: a small aiohttp app in its own process (this file, ``--serve``)
  that answers every request after a random delay: a per-sample base (50 to
  250 ms, from a hash of the prompt: long questions are slow in every run),
  times log-normal noise (sigma 0.35), plus a 0.3 to 1.0 s stall on 5% of
  requests. ``/x2/v1`` doubles every delay.
- ``sim``: the built-in simulated target as ``evalkit run`` starts it, with
  its default speed (20 ms to the first token, 400 tokens/s: much faster
  than a real model, so what is measured is mostly the harness and the
  machine); ``sim-slow`` has half that speed.
- ``sim-paced``: the same simulator paced like a real model (250 ms to the
  first token, 100 tokens/s, jitter 0.3); ``sim-paced-slow`` at half speed.

Every run is then gated (``evaluate_gate`` with the ``[gate]`` defaults, or
the thresholds given as flags) against the baseline, and also every equal run
against every other equal run (both ways round): any breach between equal
runs is a false alarm; a slow run that passes its gate is a miss. For
contrast, the old rule (the ratio of the two runs' p90s above
``max_latency_rise``) is applied to the same pairs.

    .venv/bin/python -m benchmarks.gate_noise    # jitter and sim: 20 + 20 runs each, 60 samples
    .venv/bin/python -m benchmarks.gate_noise --endpoints jitter,sim,sim-paced
    .venv/bin/python -m benchmarks.gate_noise --runs 30 -n 40 --latency-floor-s 0.05
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIM_MODEL = "evalkit-sim/mistral-small-3.1-24b-instruct"


# --- the jittery endpoint (runs in its own process) ------------------------------------------


def _base_delay(prompt: str) -> float:
    """50 to 250 ms, the same for a prompt in every run."""
    digest = hashlib.sha256(prompt.encode()).digest()
    return 0.05 + 0.2 * digest[0] / 255


def serve(port: int) -> None:
    """Answer chat completions after a random delay; ``/x<k>/v1`` multiplies it by k."""
    from aiohttp import web

    rng = random.Random()  # unseeded: every run draws its own noise

    async def complete(request: web.Request) -> web.Response:
        factor = float(request.match_info["factor"])
        body = await request.json()
        prompt = str(body["messages"][-1]["content"])
        delay = _base_delay(prompt) * rng.lognormvariate(0.0, 0.35)
        if rng.random() < 0.05:
            delay += rng.uniform(0.3, 1.0)
        await asyncio.sleep(delay * factor)
        return web.json_response(
            {
                "id": "cmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "jitter"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13},
            }
        )

    app = web.Application()
    app.router.add_post("/x{factor}/v1/chat/completions", complete)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_endpoint(port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "benchmarks.gate_noise", "--serve", str(port)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd, env=env, cwd=REPO)
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "x"}]}).encode()
    for _ in range(200):
        try:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/x0/v1/chat/completions",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(req, timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the jittery endpoint did not start")


# --- runs and gates -------------------------------------------------------------------------


_WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while")


def _write_suite(path: Path, n: int) -> None:
    """n items whose answers run from 4 to 60 words: the simulator streams them at its speed."""
    with path.open("w") as fh:
        for i in range(n):
            length = 4 + (i * 7) % 57
            answer = " ".join(_WORDS[(i + k) % len(_WORDS)] for k in range(length))
            item = {
                "id": f"q{i}",
                "prompt": f"Repeat sentence {i} of the list.",
                "expected": answer,
                "grader": "includes",
                "params": {"max_tokens": 256},
            }
            fh.write(json.dumps(item) + "\n")


def _config(port: int, concurrency: int) -> dict[str, Any]:
    jitter = {"model": "jitter", "stream": False, "max_concurrency": concurrency}
    # The built-in simulator as `sim` is (model, prices), at other speeds; every endpoint
    # gets the same concurrency.
    sim = {
        "simulated": True,
        "model": SIM_MODEL,
        "price_input_per_mtok": 0.35,
        "price_output_per_mtok": 0.55,
        "max_concurrency": concurrency,
    }
    return {
        "targets": {
            "jitter": {**jitter, "base_url": f"http://127.0.0.1:{port}/x1/v1"},
            "jitter-slow": {**jitter, "base_url": f"http://127.0.0.1:{port}/x2/v1"},
            "sim": {"max_concurrency": concurrency},  # the built-in one, otherwise as it is
            "sim-slow": {**sim, "sim": {"ttft_s": 0.04, "tokens_per_s": 200}},
            "sim-paced": {**sim, "sim": {"ttft_s": 0.25, "tokens_per_s": 100, "jitter": 0.3}},
            "sim-paced-slow": {**sim, "sim": {"ttft_s": 0.5, "tokens_per_s": 50, "jitter": 0.3}},
        }
    }


@dataclass
class Tally:
    """Gate verdicts on one endpoint."""

    equal_pairs: int = 0
    false_alarms: int = 0
    old_false_alarms: int = 0
    slow_pairs: int = 0
    caught: int = 0
    old_caught: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    equal_low: list[float] = field(default_factory=list)
    slow_low: list[float] = field(default_factory=list)
    equal_ratio: list[float] = field(default_factory=list)


def _p90(df: Any) -> float:
    from evalkit.metrics import percentile

    return percentile(df.loc[df["status"].astype(str) == "ok", "e2e_s"], 90)


def _latency_rise(base: Any, cur: Any) -> Any:
    from evalkit.metrics.rise import bootstrap_rise
    from evalkit.report.gate import _measured

    before, after, paired = _measured(base, cur, "e2e_s", ok_only=True)
    return bootstrap_rise(before, after, statistic="median_ratio", paired=paired)


def _judge(base: Any, cur: Any, gate: Any, tally: Tally, slow: bool) -> None:
    from evalkit.report.gate import evaluate_gate

    breaches = evaluate_gate(cur, base, gate)
    old_allowed = gate.max_latency_rise or 0.25
    old = _p90(cur) / _p90(base) - 1 > old_allowed
    rise = _latency_rise(base, cur)
    if slow:
        tally.slow_pairs += 1
        tally.caught += any(b.kind == "latency" for b in breaches)
        tally.old_caught += old
        tally.slow_low.append(rise.low)
    else:
        tally.equal_pairs += 1
        tally.false_alarms += bool(breaches)
        tally.old_false_alarms += old
        tally.equal_low.append(rise.low)
        tally.equal_ratio.append(rise.ratio)
        for b in breaches:
            tally.kinds[b.kind] = tally.kinds.get(b.kind, 0) + 1


def _run(suite: Path, target: str, out: Path, config: Any, run_id: str) -> Any:
    from evalkit.lifecycle import run
    from evalkit.metrics import load_run

    result = run(
        [str(suite)],
        [target],
        out=out,
        run_id=run_id,
        report=False,
        config=config,
        progress=False,
        echo=None,
    )
    return load_run(result.run_dir)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, default=20, help="equal runs and slow runs per endpoint")
    ap.add_argument("-n", "--samples", type=int, default=60)
    ap.add_argument("-c", "--concurrency", type=int, default=8, help="requests in flight per run")
    ap.add_argument(
        "--endpoints",
        default="jitter,sim",
        help="comma-separated: jitter, sim, sim-paced (the slowest: about 5 minutes on its own)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the work folder (suite, runs)")
    ap.add_argument("--max-latency-rise", type=float, default=None)
    ap.add_argument("--latency-floor-s", type=float, default=None)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve)
        return 0

    from evalkit.config import GateConfig, parse_config

    overrides = {
        k: v
        for k, v in (
            ("max_latency_rise", args.max_latency_rise),
            ("latency_floor_s", args.latency_floor_s),
        )
        if v is not None
    }
    gate = GateConfig(**overrides)
    tmp = Path(tempfile.mkdtemp(prefix="evalkit-gate-noise-"))
    suite = tmp / "suite.jsonl"
    _write_suite(suite, args.samples)
    port = _free_port()
    endpoint = _start_endpoint(port)
    config = parse_config(_config(port, args.concurrency), "gate_noise")
    started = time.perf_counter()
    results: dict[str, Tally] = {}
    try:
        for name in args.endpoints.split(","):
            endpoint_started = time.perf_counter()
            slow_name = f"{name}-slow"
            base = _run(suite, name, tmp / name, config, "base")
            equal = [_run(suite, name, tmp / name, config, f"eq{i}") for i in range(args.runs)]
            slow = [_run(suite, slow_name, tmp / name, config, f"x2-{i}") for i in range(args.runs)]
            tally = Tally()
            for cur in equal:
                _judge(base, cur, gate, tally, slow=False)
            for a, b in itertools.permutations(equal, 2):
                _judge(a, b, gate, tally, slow=False)
            for cur in slow:
                _judge(base, cur, gate, tally, slow=True)
            results[name] = tally
            p90s = [_p90(df) * 1000 for df in [base, *equal]]
            slow_p90s = [_p90(df) * 1000 for df in slow]
            print(
                f"{name}: p90 of the equal runs {min(p90s):.0f} to {max(p90s):.0f} ms; "
                f"2x slow runs {min(slow_p90s):.0f} to {max(slow_p90s):.0f} ms "
                f"({time.perf_counter() - endpoint_started:.0f} s)"
            )
    finally:
        endpoint.terminate()
        endpoint.wait()
        if args.keep:
            print(f"work folder kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)  # 41 run folders per endpoint

    print(
        f"\n{args.runs} equal + {args.runs} 2x-slow runs per endpoint, {args.samples} samples, "
        f"gate: max_latency_rise={gate.max_latency_rise}, "
        f"latency_floor_s={gate.latency_floor_s} ({time.perf_counter() - started:.0f} s)"
    )
    print(
        f"{'endpoint':<10}{'false alarms':>22}{'old rule':>18}{'2x caught':>14}{'old rule':>12}"
        f"{'max low, equal':>16}{'min low, 2x':>13}"
    )
    for name, t in results.items():
        print(
            f"{name:<10}{f'{t.false_alarms}/{t.equal_pairs}':>22}"
            f"{f'{t.old_false_alarms}/{t.equal_pairs}':>18}"
            f"{f'{t.caught}/{t.slow_pairs}':>14}{f'{t.old_caught}/{t.slow_pairs}':>12}"
            f"{_pct(max(t.equal_low)):>16}{_pct(min(t.slow_low)):>13}"
        )
        if t.kinds:
            print(f"  false alarms by kind: {t.kinds}")
    print(
        "\nlow: the bootstrap's 95% lower bound on the typical per-sample latency ratio, as a rise "
        "(equal runs: the highest seen; 2x runs: the lowest)"
    )
    missed = sum(t.slow_pairs - t.caught for t in results.values())
    alarms = sum(t.false_alarms for t in results.values())
    return 1 if missed or alarms else 0


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{(x - 1) * 100:+.1f}%"


if __name__ == "__main__":
    sys.exit(main())
