"""bench.html: throughput-latency curves per target and a table per target's levels.

The curves put each level at its output throughput (x) against a latency
(y): TTFT, TPOT and end-to-end, median solid and p99 dashed, one colour per
target (per run and target when comparing runs). A level where the client
itself was the limit is flagged in its table row and its tooltip, so that a
bend in a curve is not read as the endpoint's. Simulated targets are labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.bench.results import BENCH_HTML, read_bench
from evalkit.bench.svg import PALETTE, Series, line_chart
from evalkit.report.format import number, seconds

CURVES = (
    ("ttft", "Time to first token"),
    ("tpot", "Time per output token (TPOT)"),
    ("e2el", "End-to-end latency"),
)


def _ms(v: Any) -> str:
    return seconds(v / 1000) if isinstance(v, int | float) else seconds(None)


def curves(groups: Sequence[tuple[str, list[dict[str, Any]]]]) -> list[str]:
    """One SVG chart per latency in ``CURVES``; a median and a p99 line per group."""
    charts = []
    for metric, title in CURVES:
        series = []
        for i, (name, entries) in enumerate(groups):
            color = PALETTE[i % len(PALETTE)]
            for stat, dashed in (("median", False), ("p99", True)):
                pts, tips = [], []
                for e in entries:
                    y = e.get(f"{stat}_{metric}_ms")
                    if y is None:
                        continue
                    pts.append((float(e["output_throughput"]), float(y)))
                    flag = " (client-limited)" if e.get("client_limit") else ""
                    tips.append(
                        f"{name} {e['label']}{flag}: {stat} {_ms(y)} at "
                        f"{e['output_throughput']:.0f} tok/s, {e['request_throughput']:.1f} req/s"
                    )
                series.append(Series(f"{name} {stat}", pts, tips, color, dashed))
        charts.append(
            line_chart(
                series,
                title=title,
                x_label="output throughput (tokens/s)",
                y_label=f"{title.split(' (')[0]} (ms)",
            )
        )
    return charts


def level_rows(entries: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The table rows of a target's levels, formatted."""
    rows = []
    for e in entries:
        errors = ", ".join(f"{k} {v}" for k, v in (e.get("errors") or {}).items())
        load = e.get("client_load") or {}
        good = e.get("request_goodput")
        rows.append(
            {
                "level": str(e["label"]),
                "completed": number(e["completed"]),
                "failed": number(e["failed"]) + (f" ({errors})" if errors else ""),
                "req_s": number(e["request_throughput"], 2),
                "goodput": "–" if good is None else number(good, 2),
                "tok_s": number(e["output_throughput"]),
                "ttft": f"{_ms(e['median_ttft_ms'])} / {_ms(e['p99_ttft_ms'])}",
                "tpot": f"{_ms(e['median_tpot_ms'])} / {_ms(e['p99_tpot_ms'])}",
                "itl": f"{_ms(e['median_itl_ms'])} / {_ms(e['p99_itl_ms'])}",
                "e2el": f"{_ms(e['median_e2el_ms'])} / {_ms(e['p99_e2el_ms'])}",
                "queue": _ms(e["p99_client_queue_time_ms"]),
                "client": (
                    f"{load.get('busiest_cores', 0):.0%} CPU, lag p99 "
                    f"{load.get('lag_p99_ms', 0):.1f} ms"
                ),
                "limit": e.get("client_limit") or "",
            }
        )
    return rows


def by_target(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Entries grouped by target, in order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        out.setdefault(str(e["target"]), []).append(e)
    return out


def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("evalkit.bench", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_bench(data: dict[str, Any]) -> str:
    """bench.html's text for a bench.json document."""
    from markupsafe import Markup

    groups = by_target(data.get("levels", []))
    targets = [
        {
            "name": name,
            "model": entries[0].get("model", ""),
            "simulated": bool(entries[0].get("simulated")),
            "rows": level_rows(entries),
            "saturation": data.get("saturation", {}).get(name),
        }
        for name, entries in groups.items()
    ]
    return str(
        _env()
        .get_template("bench.html.j2")
        .render(
            title=f"evalkit bench {data.get('run_id', '')}",
            data=data,
            settings=data.get("settings", {}),
            targets=targets,
            # svg.line_chart escapes every text it writes.
            charts=[Markup(c) for c in curves(list(groups.items()))],
        )
    )


def write_bench_report(run_dir: Path) -> Path:
    """Write bench.html into a benchmark's run folder; returns its path."""
    path = Path(run_dir) / BENCH_HTML
    path.write_text(render_bench(read_bench(run_dir)), encoding="utf-8")
    return path


__all__ = ["CURVES", "by_target", "curves", "level_rows", "render_bench", "write_bench_report"]
