"""Benchmark runs side by side: ``evalkit compare`` when every run given is a benchmark.

Levels are matched by target and level label (``c=16``, ``8 req/s``); each
figure of a later run is shown with its relative change from the first run.
compare.md holds the tables and compare.html the curves of every run and
target on the same axes, plus the tables.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from evalkit.bench.report import by_target, curves
from evalkit.bench.results import read_bench
from evalkit.report.format import change, number, seconds

FIGURES = (
    ("request_throughput", "req/s", False),
    ("output_throughput", "output tok/s", False),
    ("median_ttft_ms", "TTFT p50", True),
    ("p99_ttft_ms", "TTFT p99", True),
    ("median_tpot_ms", "TPOT p50", True),
    ("median_itl_ms", "ITL p50", True),
    ("median_e2el_ms", "E2EL p50", True),
)


def _fmt(value: Any, is_ms: bool) -> str:
    if not isinstance(value, int | float):
        return "–"
    return seconds(value / 1000) if is_ms else number(value, 1)


def _rel(new: Any, old: Any) -> str:
    if not isinstance(new, int | float) or not isinstance(old, int | float) or not old:
        return ""
    return f" ({change((new - old) / old)})"


def _index(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(e["target"]), str(e["label"])): e for e in data.get("levels", [])}


def compare_tables(runs: list[tuple[str, dict[str, Any]]]) -> str:
    """compare.md: one table per figure, a row per (target, level), a column per run."""
    base = _index(runs[0][1])
    keys = list(base)
    for _, data in runs[1:]:
        keys += [k for k in _index(data) if k not in keys]
    indexed = [_index(data) for _, data in runs]
    lines = [f"# Benchmark comparison: {', '.join(name for name, _ in runs)}", ""]
    lines.append("Levels are matched by target and level; changes are relative to the first run.")
    for key, title, is_ms in FIGURES:
        lines += ["", f"## {title}", ""]
        lines.append("| target | level | " + " | ".join(name for name, _ in runs) + " |")
        lines.append("|---|---|" + "---:|" * len(runs))
        for target, label in keys:
            first = base.get((target, label), {}).get(key)
            cells = []
            for i, idx in enumerate(indexed):
                value = idx.get((target, label), {}).get(key)
                cells.append(_fmt(value, is_ms) + (_rel(value, first) if i else ""))
            lines.append(f"| {target} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compare_html(runs: list[tuple[str, dict[str, Any]]], markdown: str) -> str:
    """compare.html: the curves of every run and target together, then the tables as text."""
    groups = []
    for name, data in runs:
        for target, entries in by_target(data.get("levels", [])).items():
            groups.append((f"{name} {target}", entries))
    charts = "".join(curves(groups))
    title = escape(f"evalkit bench comparison: {', '.join(n for n, _ in runs)}")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px}"
        "svg{border:1px solid #eee;font-size:11px;margin:4px}pre{font-size:13px}</style>"
        f"</head><body><h1>{title}</h1><div>{charts}</div>"
        f"<pre>{escape(markdown)}</pre></body></html>\n"
    )


def compare_bench(run_dirs: list[Path], dest: Path) -> tuple[str, list[Path]]:
    """Write compare.md and compare.html for benchmark runs into ``dest``; (markdown, files)."""
    runs = [(Path(d).name, read_bench(Path(d))) for d in run_dirs]
    md = compare_tables(runs)
    dest.mkdir(parents=True, exist_ok=True)
    md_path, html_path = dest / "compare.md", dest / "compare.html"
    md_path.write_text(md, encoding="utf-8")
    html_path.write_text(compare_html(runs, md), encoding="utf-8")
    return md, [md_path, html_path]


__all__ = ["FIGURES", "compare_bench", "compare_html", "compare_tables"]
