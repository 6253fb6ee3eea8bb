"""Rate limits without hammering or stalling: evalkit against an enforcing endpoint.

The simulator enforces a requests-per-minute quota (a token bucket holding
one second's worth, refused with 429 + Retry-After), with and without the
``x-ratelimit-*`` headers. evalkit runs a suite at ``max_concurrency`` 64,
far above what the quota allows, and this script reports the rate it
achieved as a share of the quota and how many 429s it collected.

    .venv/bin/python -m benchmarks.bench_ratelimit              # 100 req/s quota, 1,500 requests
    .venv/bin/python -m benchmarks.bench_ratelimit --rpm 3000 -n 600 --ttft 0.2

The achieved rate is measured over the span from the first request's send
to the last answer (so the start-up and the report are not counted); the
quota's bucket starts full, so the share is also given without that first
second's worth.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import datetime
from pathlib import Path

import evalkit
from evalkit.config import parse_config
from evalkit.runfolder import read_record_dicts


def _suite(folder: Path, n: int) -> Path:
    path = folder / "load.jsonl"
    with path.open("w") as fh:
        for i in range(n):
            line = {"id": f"q{i}", "prompt": f"What is {i} + 1?", "expected": str(i + 1)}
            fh.write(json.dumps({**line, "grader": "exact", "params": {"max_tokens": 8}}) + "\n")
    return path


def _span(records: list[dict[str, object]]) -> float:
    starts = [datetime.fromisoformat(str(r["started_at"]).replace("Z", "+00:00")) for r in records]
    ends = [
        s.timestamp() + float(r.get("e2e_s") or 0.0)  # type: ignore[arg-type]
        for s, r in zip(starts, records, strict=True)
    ]
    return max(ends) - min(s.timestamp() for s in starts)


def measure(rpm: float, n: int, ttft: float, headers: bool, folder: Path) -> dict[str, float]:
    """One run against the enforcing simulator: achieved share of the quota and 429s."""
    sim = {
        "skill": 1.0,
        "ttft_s": ttft,
        "tokens_per_s": 0,
        "limit_rpm": rpm,
        "limit_headers": headers,
    }
    config = parse_config(
        {"targets": {"limited": {"simulated": True, "model": "sim-limited", "sim": sim}}},
        "<bench>",
    )
    config = config.model_copy(
        update={
            "targets": {
                "limited": config.targets["limited"].model_copy(update={"max_concurrency": 64})
            }
        }
    )
    result = evalkit.run(
        [str(_suite(folder, n))],
        ["limited"],
        out=folder / "results",
        config=config,
        report=False,
        progress=False,
        echo=None,
    )
    records = read_record_dicts(result.run_dir)
    span = _span(records)
    throttled = sum(int(r.get("throttled") or 0) for r in records)  # type: ignore[call-overload]
    ok = sum(r["status"] == "ok" for r in records)
    return {
        "records": len(records),
        "ok": ok,
        "span_s": span,
        "share": (ok / span) / (rpm / 60.0),
        # The bucket starts full (one second's worth): without that head start.
        "share_after_burst": ((ok - rpm / 60.0) / span) / (rpm / 60.0),
        "throttled": throttled,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rpm", type=float, default=6000.0, help="the enforced quota")
    ap.add_argument("-n", type=int, default=1500, help="requests per run")
    ap.add_argument("--ttft", type=float, default=0.02, help="the endpoint's latency, s")
    args = ap.parse_args()
    for headers in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            m = measure(args.rpm, args.n, args.ttft, headers, Path(tmp))
        label = "with x-ratelimit headers" if headers else "429 + Retry-After only"
        print(
            f"{label:<26} {m['ok']:.0f}/{m['records']:.0f} ok in {m['span_s']:.2f} s: "
            f"{m['share']:.1%} of the quota ({m['share_after_burst']:.1%} after the first "
            f"second's burst), {m['throttled']:.0f} x 429 "
            f"({m['throttled'] / max(m['records'], 1):.1%} of requests)"
        )


if __name__ == "__main__":
    main()
