"""The JSON the report pages' script reads: the table's rows and, parsed on demand, transcripts.

Two ``<script type="application/json">`` blocks carry it. The rows block is
small (the columns the table shows, outputs cut to what the search reads) and
is parsed when the page loads; the details block holds each record's output,
tool calls, scores and timings, and every sample's messages, and the page
parses it only when a row is first opened. Everything here is untrusted text
on its way into HTML, so ``script_json`` escapes what could close the tag,
and long texts and large images are cut to bounds that keep a 10,000-record
page usable.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.metrics.nested import parsed
from evalkit.runfolder import read_sample_dicts

if TYPE_CHECKING:
    import pandas as pd
    from markupsafe import Markup

MAX_MESSAGE_CHARS = 6_000  # longer messages (needle haystacks) keep a head and a tail
MAX_OUTPUT_CHARS = 50_000
MAX_IMAGE_CHARS = 400_000  # a larger inline image is named, not embedded
SEARCH_CHARS = 500  # how much of each output the free-text filter searches
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


def json_scalar(value: Any) -> Any:
    """Return ``value`` as a JSON-ready scalar: NaN, NA and NaT as None, numpy scalars as Python."""
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


def clip_middle(text: str, limit: int) -> tuple[str, str | None]:
    """Cut ``text`` longer than ``limit`` to its head and tail; return it and a note saying so."""
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
        text, note = clip_middle(content, MAX_MESSAGE_CHARS)
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
        for sample in read_sample_dicts(run_dir, suite):
            sid = str(sample.get("id"))
            if (suite, sid) not in wanted:
                continue
            expected = sample.get("expected")
            if expected is not None:
                expected = clip_middle(_pretty(expected), 4000)[0]
            out[f"{run_id}/{suite}/{sid}"] = {
                "messages": [_message(m) for m in sample.get("messages", [])],
                "expected": expected,
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
    "skip_reason",
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
            "score": json_scalar(sc.get("score")),
            "passed": bool(sc.get("passed")),
            "explanation": str(sc.get("explanation") or ""),
        }
        raw = parsed(sc.get("details"))  # JSON text in a load_run frame
        details = dict(raw) if isinstance(raw, dict) else ({"details": raw} if raw else {})
        diff = details.pop("diff", None)
        if diff is not None:
            entry["diff"] = _json_safe(diff)
        if details:
            entry["details"] = _pretty(details)
        out.append(entry)
    return out


def sample_payload(df: pd.DataFrame, run_dirs: Mapping[str, Path]) -> tuple[Markup, Markup]:
    """Serialise the table's rows (parsed at load) and the transcripts (parsed on first expand).

    ``df`` is one or more runs as ``metrics.load_run``/``load_runs`` return
    them; ``run_dirs`` maps each run id to its folder, where the samples'
    messages are read. Returns the two ``script_json`` blocks.
    """
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
        output, note = clip_middle(outputs[i], MAX_OUTPUT_CHARS)
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


__all__ = [
    "MAX_IMAGE_CHARS",
    "MAX_MESSAGE_CHARS",
    "MAX_OUTPUT_CHARS",
    "SEARCH_CHARS",
    "clip_middle",
    "json_scalar",
    "sample_payload",
    "script_json",
]
