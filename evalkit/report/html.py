"""report.html and compare.html: one self-contained page each, safe with untrusted outputs.

The pages carry their CSS, script and charts inline and fetch nothing, so
a CI artifact opens offline. Model outputs, tool-call arguments, grader
explanations and sample prompts are untrusted text: Jinja renders with
autoescape on, and the client-side table reads its data from a
``<script type="application/json">`` block (serialised by ``script_json``
so that no string can close the tag) and builds the DOM with
``textContent`` only. The only markup placed unescaped is what evalkit
itself produced: the stylesheet, the script and the sanitised chart SVGs.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.records import read_manifest

if TYPE_CHECKING:
    import jinja2
    import pandas as pd
    from markupsafe import Markup

REPORT_FILE = "report.html"
TEMPLATES = Path(__file__).with_name("templates")
MAX_MESSAGE_CHARS = 6_000  # longer messages (needle haystacks) keep a head and a tail
MAX_OUTPUT_CHARS = 50_000
MAX_IMAGE_CHARS = 400_000  # a larger inline image is named, not embedded
SEARCH_CHARS = 500  # how much of each output the free-text filter searches
MAX_FLIPS = 200  # per direction, on the comparison page
_IMAGE_URI = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_ESCAPES["\u2029"] = "\\u2029"
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


# --- serialisation -------------------------------------------------------------------------


def script_json(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block that no string can break out of.

    ``<``, ``>``, ``&`` and U+2028/U+2029 only ever occur inside JSON strings,
    where their ``\\uXXXX`` escapes decode to the same text.
    """
    from markupsafe import Markup

    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(_JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text))


def _clean(value: Any) -> Any:
    """A JSON-ready scalar: NaN, NA and NaT become None, numpy scalars Python ones."""
    import datetime as dt

    import pandas as pd

    if value is None or isinstance(value, str | bool):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int | bool):
        return value
    return str(value)


def _table_rows(table: pd.DataFrame, keys: Sequence[str]) -> list[dict[str, Any]]:
    """A metrics table as plain dicts, group keys as fields whether indexed or not."""
    if any(k not in table.columns for k in keys):
        table = table.reset_index()
    rows = []
    for rec in table.to_dict("records"):
        rows.append(
            {str(k): v if isinstance(v, dict | list) else _clean(v) for k, v in rec.items()}
        )
    return rows


def _as_list(value: Any) -> list[Any]:
    """A list column's cell (list, JSON text after parquet, or missing) as a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        parsed = json.loads(value)
        return parsed if isinstance(parsed, list) else []
    if value is not None and hasattr(value, "tolist"):
        out = value.tolist()
        return out if isinstance(out, list) else []
    return []


def _pretty(text: Any) -> str:
    """JSON text indented for reading; anything that is not JSON is returned as it is."""
    if not isinstance(text, str):
        return json.dumps(text, indent=2, ensure_ascii=False, default=str)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON.parse rejects them) and odd types as text."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _clip(text: str, limit: int) -> tuple[str, str | None]:
    """Head and tail of ``text`` when it is longer than ``limit``, and a note saying so."""
    if len(text) <= limit:
        return text, None
    keep = limit // 2
    cut = len(text) - 2 * keep
    note = f"{cut:,} of {len(text):,} characters omitted from the middle"
    return f"{text[:keep]}\n\n[… {cut:,} characters omitted …]\n\n{text[-keep:]}", note


# --- transcripts ---------------------------------------------------------------------------


def _parts(content: Any) -> list[dict[str, str]]:
    """A message's content as typed parts: text, an embeddable image, or a named reference."""
    if content is None:
        return []
    if isinstance(content, str):
        text, note = _clip(content, MAX_MESSAGE_CHARS)
        return [{"t": "text", "v": text}] + ([{"t": "note", "v": note}] if note else [])
    if not isinstance(content, list):
        return [{"t": "text", "v": _pretty(content)}]
    parts: list[dict[str, str]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.extend(_parts(str(part.get("text", ""))))
        elif kind == "image_url":
            img = part.get("image_url")
            url = str(img.get("url", "")) if isinstance(img, dict) else str(img)
            if _IMAGE_URI.fullmatch(url) and len(url) <= MAX_IMAGE_CHARS:
                parts.append({"t": "img", "v": url})
            else:
                shown = url if len(url) <= 200 else f"{url[:120]}… ({len(url):,} characters)"
                parts.append({"t": "ref", "v": f"image: {shown}"})
        else:
            parts.append({"t": "text", "v": _pretty(part)})
    return parts


def _message(msg: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"role": str(msg.get("role", "?")), "parts": _parts(msg.get("content"))}
    calls = msg.get("tool_calls")
    if isinstance(calls, list) and calls:
        out["calls"] = [_call(c.get("function", c)) for c in calls if isinstance(c, dict)]
    if msg.get("tool_call_id"):
        out["tool_call_id"] = str(msg["tool_call_id"])
    return out


def _call(call: Mapping[str, Any]) -> dict[str, str]:
    # Arguments stay raw JSON text: the page pretty-prints them when a row opens.
    return {"name": str(call.get("name", "")), "args": str(call.get("arguments", ""))}


def _load_samples(
    run_id: str, run_dir: Path, wanted: set[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """``"run/suite/id"`` -> the sample's messages and expected answer, for the records shown."""
    out: dict[str, dict[str, Any]] = {}
    for suite in {s for s, _ in wanted}:
        path = run_dir / "samples" / f"{suite}.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    sample = json.loads(line)
                except ValueError:
                    continue
                sid = str(sample.get("id"))
                if (suite, sid) not in wanted:
                    continue
                expected = sample.get("expected")
                out[f"{run_id}/{suite}/{sid}"] = {
                    "messages": [_message(m) for m in sample.get("messages", [])],
                    "expected": None if expected is None else _clip(_pretty(expected), 4000)[0],
                }
    return out


_TIMINGS = (
    "queue_s",
    "ttft_s",
    "e2e_s",
    "tpot_s",
    "itl_mean_s",
    "itl_p90_s",
    "output_tps",
    "prompt_tokens",
    "completion_tokens",
    "tokens_source",
    "cost_usd",
    "attempts",
    "retry_wait_s",
    "http_status",
    "finish_reason",
    "started_at",
)
_ROW_COLUMNS = (
    "arm",
    "suite",
    "sample_id",
    "epoch",
    "status",
    "passed",
    "score",
    "error_type",
    "e2e_s",
    "ttft_s",
    "completion_tokens",
    "cost_usd",
    "output",
    "error_message",
    "tool_names",
)


def _values(df: pd.DataFrame, name: str) -> list[Any]:
    """A column as JSON-ready Python values (None for missing), converted all at once."""
    import pandas as pd

    if name not in df.columns:
        return [None] * len(df)
    col = df[name]
    if pd.api.types.is_float_dtype(col.dtype):
        # Six significant digits are plenty on screen and halve the payload.
        return [None if v != v else float(f"{v:.6g}") for v in col.to_numpy(dtype=float).tolist()]
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return [None if pd.isna(v) else v.isoformat() for v in col]
    return list(col.astype(object).where(col.notna(), None).tolist())


def _scores(raw: Any) -> list[dict[str, Any]]:
    out = []
    for sc in _as_list(raw):
        if not isinstance(sc, dict):
            continue
        entry: dict[str, Any] = {
            "grader": str(sc.get("grader", "")),
            "score": _clean(sc.get("score")),
            "passed": bool(sc.get("passed")),
            "explanation": str(sc.get("explanation") or ""),
        }
        details = dict(sc.get("details") or {})
        diff = details.pop("diff", None)
        if diff is not None:
            entry["diff"] = _json_safe(diff)
        if details:
            entry["details"] = _pretty(details)
        out.append(entry)
    return out


def _sample_payload(df: pd.DataFrame, run_dirs: Mapping[str, Path]) -> tuple[Markup, Markup]:
    """The table's rows (small, parsed at load) and the transcripts (parsed on first expand)."""
    cols = {
        name: _values(df, name)
        for name in {*_ROW_COLUMNS, *_TIMINGS, "run_id", "tool_calls", "scores"} - {"tool_names"}
    }
    outputs = [str(o or "") for o in cols["output"]]
    cols["tool_names"] = [
        ", ".join(str(c.get("name", "")) for c in _as_list(calls) if isinstance(c, dict)) or None
        for calls in cols["tool_calls"]
    ]
    row_cols = [
        cols[c] if c != "output" else [o[:SEARCH_CHARS] for o in outputs] for c in _ROW_COLUMNS
    ]
    rows = [list(r) for r in zip(*row_cols, strict=True)]
    details: list[dict[str, Any]] = []
    wanted: dict[str, set[tuple[str, str]]] = {}
    for i, (run, suite, sid) in enumerate(
        zip(cols["run_id"], cols["suite"], cols["sample_id"], strict=True)
    ):
        output, note = _clip(outputs[i], MAX_OUTPUT_CHARS)
        detail: dict[str, Any] = {
            "key": f"{run}/{suite}/{sid}",
            "output": output,
            "calls": [_call(c) for c in _as_list(cols["tool_calls"][i]) if isinstance(c, dict)],
            "scores": _scores(cols["scores"][i]),
            "timings": [cols[k][i] for k in _TIMINGS],  # in the order of "timing_keys"
        }
        if note:
            detail["output_note"] = note
        if cols["error_type"][i] is not None:
            detail["error"] = f"{cols['error_type'][i]}: {cols['error_message'][i] or ''}"
        details.append(detail)
        wanted.setdefault(str(run), set()).add((str(suite), str(sid)))
    samples: dict[str, dict[str, Any]] = {}
    for run, keys in wanted.items():
        # A run folder whose records carry another run id (renamed) still finds its samples.
        run_dir = run_dirs.get(run) or (
            next(iter(run_dirs.values())) if len(run_dirs) == 1 else None
        )
        if run_dir is not None:
            samples.update(_load_samples(run, run_dir, keys))
    return (
        script_json({"cols": list(_ROW_COLUMNS), "rows": rows}),
        script_json({"timing_keys": list(_TIMINGS), "records": details, "samples": samples}),
    )


# --- tables --------------------------------------------------------------------------------


def _public_url(url: str) -> str:
    """``url`` without user info, query or fragment: where a key could hide in a URL."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "(unparsable URL)"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _manifest_view(run_dir: Path) -> dict[str, Any]:
    """run.json fields the header shows; targets keep name, model and URL only, never headers."""
    m = read_manifest(run_dir)
    targets = [
        {
            "name": str(t.get("name", "")),
            "model": str(t.get("model", "")),
            "base_url": _public_url(str(t.get("base_url", ""))) or "(in-process)",
            "simulated": bool(t.get("simulated", False)),
        }
        for t in m.targets
    ]
    return {
        "run_id": m.run_id,
        "status": m.status,
        "partial": m.status != "finished",
        "created_at": m.created_at,
        "finished_at": m.finished_at,
        "evalkit_version": m.evalkit_version,
        "suites": [
            {"name": s.name, "kind": s.kind, "n": s.n_samples, "sha": s.sha256[:12], "path": s.path}
            for s in m.suites
        ],
        "targets": targets,
        "simulated": [t["name"] for t in targets if t["simulated"]],
        "notes": list(m.notes),
    }


def _summary(df: pd.DataFrame, by: tuple[str, ...]) -> list[dict[str, Any]]:
    from evalkit import metrics

    return _table_rows(metrics.summary_table(df, by=by), by)


def _arms(df: pd.DataFrame) -> list[str]:
    return [str(a) for a in dict.fromkeys(df["arm"].astype(str))]


def _charts(
    df: pd.DataFrame,
    arms: list[str],
    by_suite: list[dict[str, Any]],
    per_arm: list[dict[str, Any]],
) -> dict[str, Any]:
    """Every chart the data supports, as sanitised SVG markup."""
    import pandas as pd
    from markupsafe import Markup

    from evalkit import metrics
    from evalkit.report import plots

    charts: dict[str, Any] = {}
    ok = df[df["status"] == "ok"]
    if not ok.empty:
        charts["latency"] = plots.latency_cdf(df, arms)
    if by_suite:
        charts["accuracy"] = plots.accuracy_by_suite(pd.DataFrame(by_suite), arms)
    if per_arm:
        charts["cost"] = plots.cost_vs_accuracy(pd.DataFrame(per_arm), arms)
    grid = _needle_grid(df)
    if grid is not None:
        charts["needle"] = plots.needle_heatmap(grid, arms)
    freq = _timeline_freq(df)
    if freq is not None:
        charts["timeline"] = plots.timeline_chart(metrics.timeline(df, freq=freq, by="arm"), arms)
    return {k: Markup(v) for k, v in charts.items()}


_BUCKETS_S = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)


def _timeline_freq(df: pd.DataFrame) -> str | None:
    """A bucket length giving the timeline 30 to 75 points; None for a run under a second."""
    import pandas as pd

    start = df["started_at"].min()
    end = (df["started_at"] + pd.to_timedelta(df["e2e_s"].fillna(0.0), unit="s")).max()
    if pd.isna(start) or pd.isna(end):
        return None
    span = (end - start).total_seconds()
    if span < 1:
        return None
    bucket = next((b for b in _BUCKETS_S if span / b <= 75), _BUCKETS_S[-1])
    return f"{round(bucket * 1000)}ms"


def _needle_grid(df: pd.DataFrame) -> pd.DataFrame | None:
    """metrics.needle_grid with its keys as columns, or None without needle records."""
    from evalkit import metrics

    if "context_length" not in df.columns or df["context_length"].isna().all():
        return None
    grid = metrics.needle_grid(df)
    return grid if len(grid) else None


# --- rendering -----------------------------------------------------------------------------


@functools.cache
def _env() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evalkit.report", "templates"),
        autoescape=True,  # every {{ }} is HTML-escaped unless evalkit made it Markup itself
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=fmt_pct, secs=fmt_secs, usd=fmt_usd, num=fmt_num)
    return env


def fmt_pct(value: Any, digits: int = 1) -> str:
    """0.7134 -> "71.3%"; missing -> an en dash."""
    v = _clean(value)
    return "–" if v is None else f"{float(v) * 100:.{digits}f}%"


def fmt_secs(value: Any) -> str:
    """Seconds as "42.1 ms" or "1.23 s"; missing -> an en dash."""
    v = _clean(value)
    if v is None:
        return "–"
    v = float(v)
    if abs(v) < 1:
        return f"{v * 1000:.1f} ms" if abs(v) < 0.1 else f"{v * 1000:.0f} ms"
    return f"{v:.2f} s"


def fmt_usd(value: Any) -> str:
    """A dollar amount with enough digits to be non-zero at per-request scales."""
    v = _clean(value)
    if v is None:
        return "–"
    v = float(v)
    if v == 0:
        return "$0"
    if abs(v) >= 1:
        return f"${v:,.2f}"
    if abs(v) >= 0.01:
        return f"${v:.4f}"
    return f"${v:.6f}"


def fmt_num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators; missing -> an en dash."""
    v = _clean(value)
    return "–" if v is None else f"{float(v):,.{digits}f}"


@functools.cache
def _assets() -> dict[str, Any]:
    """The inline stylesheet and script, and the CSP hash that lets only that script run."""
    import base64
    import hashlib

    from markupsafe import Markup

    from evalkit import __version__

    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    assert "</script" not in script.lower() and "</style" not in css.lower()
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return {
        "css": Markup(css),
        "script": Markup(script),
        "script_hash": f"sha256-{digest}",
        "generator_version": __version__,
    }


def _render(template: str, out: Path, **context: Any) -> Path:
    html = _env().get_template(template).render(**_assets(), **context)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out


def write_report(run_dir: Path, out: Path | None = None, *, df: pd.DataFrame | None = None) -> Path:
    """Render the run folder's report.html (or ``out``) and return its path.

    ``df`` is the run as ``metrics.load_run`` returns it; passed in, it is not
    loaded again.
    """
    from evalkit import metrics

    run_dir = Path(run_dir)
    if df is None:
        df = metrics.load_run(run_dir)
    run = _manifest_view(run_dir)
    by_suite = _summary(df, ("arm", "suite")) if len(df) else []
    per_arm = _summary(df, ("arm",)) if len(df) else []
    arms = _arms(df)
    rows_json, details_json = _sample_payload(df, {run["run_id"]: run_dir})
    return _render(
        "report.html.j2",
        Path(out) if out is not None else run_dir / REPORT_FILE,
        run=run,
        n_records=len(df),
        arms=arms,
        overview=by_suite,
        per_arm=per_arm,
        charts=_charts(df, arms, by_suite, per_arm) if len(df) else {},
        rows_json=rows_json,
        details_json=details_json,
    )


def _breach_view(breach: Any) -> dict[str, str]:
    import dataclasses

    message = getattr(breach, "message", None) or str(breach)
    fields: dict[str, Any] = {}
    if dataclasses.is_dataclass(breach) and not isinstance(breach, type):
        fields = dataclasses.asdict(breach)
    elif isinstance(breach, Mapping):
        fields = dict(breach)
    fields.pop("message", None)
    return {"message": str(message), "fields": ", ".join(f"{k}={v}" for k, v in fields.items())}


def _flip_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for rec in table.to_dict("records"):
        row = {str(k): _clean(v) if not isinstance(v, list | dict) else v for k, v in rec.items()}
        for side in ("a", "b"):
            row[f"output_{side}"] = _clip(str(row.get(f"output_{side}") or ""), 4000)[0]
        rows.append(row)
    return rows


def _flips(df: pd.DataFrame, a: str, b: str) -> dict[str, Any]:
    """The flips between arms a and b, split by direction, at most MAX_FLIPS each."""
    from evalkit import metrics

    table = metrics.flips(df, a, b)
    up = table[table["direction"] == "up"]
    down = table[table["direction"] == "down"]
    return {
        "a": a,
        "b": b,
        "up": _flip_rows(up.head(MAX_FLIPS)),
        "down": _flip_rows(down.head(MAX_FLIPS)),
        "n_up": len(up),
        "n_down": len(down),
    }


def write_compare_report(
    run_dirs: list[Path], out: Path, *, gate_breaches: list[Any] | None = None
) -> Path:
    """Render a comparison page of several runs (or of one run's several targets).

    The first arm is the baseline: every other arm is compared with it on
    the samples both have (paired differences with SE and 95% CI, flips in
    each direction with both outputs, latency and cost deltas).
    """
    from evalkit import metrics

    dirs = [Path(d) for d in run_dirs]
    df = metrics.load_runs(dirs)
    runs = [_manifest_view(d) for d in dirs]
    arms = _arms(df)
    by_suite = _summary(df, ("arm", "suite")) if len(df) else []
    per_arm = _summary(df, ("arm",)) if len(df) else []
    pairs = []
    for b in arms[1:]:
        diff = _table_rows(metrics.paired_diff(df, arms[0], b, by="suite"), ("suite",))
        pairs.append({"a": arms[0], "b": b, "diffs": diff, "flips": _flips(df, arms[0], b)})
    suites = list(dict.fromkeys(str(r["suite"]) for r in by_suite))
    side = {(str(r["arm"]), str(r["suite"])): r for r in by_suite}
    rows_json, details_json = _sample_payload(
        df, {r["run_id"]: d for r, d in zip(runs, dirs, strict=True)}
    )
    return _render(
        "compare.html.j2",
        Path(out),
        runs=runs,
        arms=arms,
        suites=suites,
        side=side,
        totals={str(r["arm"]): r for r in per_arm},
        pairs=pairs,
        breaches=[_breach_view(b) for b in gate_breaches or []],
        gated=gate_breaches is not None,
        simulated=sorted({t for r in runs for t in r["simulated"]}),
        charts=_charts(df, arms, by_suite, per_arm) if len(df) else {},
        rows_json=rows_json,
        details_json=details_json,
        n_records=len(df),
    )


__all__ = [
    "REPORT_FILE",
    "fmt_num",
    "fmt_pct",
    "fmt_secs",
    "fmt_usd",
    "script_json",
    "write_compare_report",
    "write_report",
]
