"""The data of the report pages' sample table: its rows, and each row's transcript on demand.

The rows block holds, column by column, what the table shows, sorts,
groups, filters and searches (texts cut to a preview); the page inflates it
after its first paint. Transcripts (the record's output, tool calls, grader
verdicts and timings; the sample's messages and expected answer) are packed
in blocks of ``CHUNK`` records or samples, and the page inflates a block the
first time one of its rows is opened. So the page's first paint does not
wait for the transcripts, and a 100,000-record page holds only the blocks
someone opened.

Texts are bounded per page, not only per record: each output, preview and
message is cut to its share of a budget (between a floor and a ceiling), so
a page stays within tens of megabytes however many records it holds, and a
cut text says so and where the full one is (records.jsonl, the run's
samples/ snapshot).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.report.packing import clip_middle, pack
from evalkit.report.transcripts import as_list, call, sample_view, scores_view
from evalkit.runfolder import iter_sample_chunks

if TYPE_CHECKING:
    import pandas as pd
    from markupsafe import Markup

CHUNK = 1_000  # records (or samples) per transcript block
OUTPUT_BUDGET = 30_000_000  # characters of model output per page, all records together
MESSAGE_BUDGET = 15_000_000  # characters of sample messages per page
PREVIEW_BUDGET = 10_000_000  # characters of the searchable output previews per page
OUTPUT_CHARS = (1_000, 50_000)  # the floor and ceiling of one record's share
MESSAGE_CHARS = (1_000, 6_000)
PREVIEW_CHARS = (100, 500)
MAX_MESSAGE_CHARS = MESSAGE_CHARS[1]

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
_NUMBERS = ("score", "e2e_s", "ttft_s", "completion_tokens", "cost_usd")
_DIGITS = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Payload:
    """The packed blocks of one page: the rows, then transcripts per CHUNK records and samples."""

    rows: Markup
    records: list[Markup]
    samples: list[Markup]


def share(budget: int, n: int, bounds: tuple[int, int]) -> int:
    """Characters each of ``n`` texts may keep: ``budget / n`` within ``bounds``."""
    low, high = bounds
    return max(low, min(high, budget // max(n, 1)))


def _natural(text: str) -> tuple[Any, ...]:
    """A sort key that puts "q-2" before "q-10"."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(text))


def _rounded(values: Any) -> list[Any]:
    """Floats to six significant digits (plenty on screen, a third of the digits), NaN as None."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v) & (v != 0)
    exp = np.floor(np.log10(np.abs(np.where(finite, v, 1.0)))).astype(int)
    k = np.clip(5 - exp, -300, 300)
    up = np.where(k >= 0, 10.0 ** np.maximum(k, 0), 1.0)
    down = np.where(k < 0, 10.0 ** np.maximum(-k, 0), 1.0)
    out = np.where(finite, np.round(v * up / down) * down / up, v)
    return [None if x != x or x in (np.inf, -np.inf) else x for x in out.tolist()]


class _Columns:
    """A frame's columns as JSON-ready Python values (None for missing), a slice at a time.

    Numbers are converted to arrays once per column; text and nested values
    only for the rows asked for, so that a 100,000-record frame is never
    copied into Python objects whole.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._arrays: dict[str, tuple[str, Any, Any]] = {}

    def _array(self, name: str) -> tuple[str, Any, Any]:
        import numpy as np
        import pandas as pd

        if name not in self._arrays:
            col = self.df[name]
            entry: tuple[str, Any, Any]
            if pd.api.types.is_float_dtype(col.dtype):
                entry = ("float", col.to_numpy(dtype=np.float64, na_value=np.nan), None)
            elif pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
                kind = "bool" if pd.api.types.is_bool_dtype(col.dtype) else "int"
                missing = col.isna().to_numpy()
                entry = (kind, col.fillna(0).to_numpy(dtype=np.int64), missing)
            elif pd.api.types.is_datetime64_any_dtype(col.dtype):
                times = col.dt.tz_convert("UTC").dt.tz_localize(None) if col.dt.tz else col
                text = np.datetime_as_string(times.to_numpy(dtype="datetime64[ms]"), unit="ms")
                entry = ("time", text, col.isna().to_numpy())
            else:
                entry = ("object", col, None)
            self._arrays[name] = entry
        return self._arrays[name]

    def values(self, name: str, start: int = 0, stop: int | None = None) -> list[Any]:
        """Rows ``start:stop`` of column ``name`` (all None when the frame has no such column)."""
        stop = len(self.df) if stop is None else min(stop, len(self.df))
        if name not in self.df.columns:
            return [None] * max(stop - start, 0)
        kind, data, missing = self._array(name)
        if kind == "float":
            return _rounded(data[start:stop])
        if kind == "object":
            return list(data.iloc[start:stop].to_numpy(dtype=object, na_value=None).tolist())
        out = data[start:stop].tolist()
        if kind == "bool":
            out = [bool(v) for v in out]
        elif kind == "time":
            out = [f"{v}Z" for v in out]
        return [None if m else v for v, m in zip(out, missing[start:stop].tolist(), strict=True)]


def _codes(df: pd.DataFrame, name: str, *, sort: bool) -> tuple[list[int], list[str]]:
    """A text column as integer codes (-1 for missing) and its labels (sorted, or as they come)."""
    import pandas as pd

    if name not in df.columns:
        return [-1] * len(df), []
    codes, labels = pd.factorize(df[name].astype("str"), sort=sort, use_na_sentinel=True)
    return codes.tolist(), [str(v) for v in labels]


def _head(text: Any, limit: int) -> str | None:
    return None if text is None or text == "" else str(text)[:limit]


def _indices(cols: _Columns) -> tuple[list[int], list[tuple[str, str, str]], list[int]]:
    """Each record's sample index (run, suite, id) and group index (suite, id, epoch, sorted)."""
    runs = cols.values("run_id")
    suites = [str(s) for s in cols.values("suite")]
    ids = [str(s) for s in cols.values("sample_id")]
    epochs = [int(e or 0) for e in cols.values("epoch")]
    sample_of: dict[tuple[str, str, str], int] = {}
    s = [
        sample_of.setdefault((str(r), su, i), len(sample_of))
        for r, su, i in zip(runs, suites, ids, strict=True)
    ]
    groups = sorted(
        set(zip(suites, ids, epochs, strict=True)), key=lambda k: (k[0], _natural(k[1]), k[2])
    )
    group_of = {key: n for n, key in enumerate(groups)}
    g = [group_of[key] for key in zip(suites, ids, epochs, strict=True)]
    return s, list(sample_of), g


def _rows(columns: _Columns, s: list[int], g: list[int], preview: int) -> dict[str, Any]:
    """The rows block: every column the table shows, sorts, groups, filters or searches."""
    df = columns.df
    arm, arms = _codes(df, "arm", sort=False)
    suite, suites = _codes(df, "suite", sort=True)
    etype, etypes = _codes(df, "error_type", sort=True)
    status = columns.values("status")
    passed = columns.values("passed")
    calls = columns.values("tool_calls")
    cols: dict[str, Any] = {
        "arm": arm,
        "suite": suite,
        "sample_id": columns.values("sample_id"),
        "epoch": [int(e or 0) for e in columns.values("epoch")],
        "s": s,
        "g": g,
        "res": [
            2 if st == "error" else 0 if ok else 1 for st, ok in zip(status, passed, strict=True)
        ],
        "error_type": etype,
        **{name: columns.values(name) for name in _NUMBERS},
        "output": [_head(o, preview) for o in columns.values("output")],
        "error_message": [_head(m, preview) for m in columns.values("error_message")],
        "tool_names": [
            ", ".join(str(c.get("name", "")) for c in as_list(v) if isinstance(c, dict)) or None
            for v in calls
        ],
    }
    labels = {"arm": arms, "suite": suites, "error_type": etypes, "res": ["pass", "fail", "error"]}
    return {"n": len(df), "chunk": CHUNK, "labels": labels, "cols": cols, "preview_chars": preview}


def _details(columns: _Columns, limit: int) -> Iterator[list[dict[str, Any]]]:
    """Each record's transcript (output, calls, verdicts, timings, error), CHUNK at a time."""
    for start in range(0, len(columns.df), CHUNK):
        stop = start + CHUNK
        names = (*_TIMINGS, "output", "tool_calls", "scores", "error_type", "error_message")
        cols = {name: columns.values(name, start, stop) for name in names}
        errors = zip(cols["error_type"], cols["error_message"], strict=True)
        chunk = []
        for i, (etype, message) in enumerate(errors):
            output, note = clip_middle(str(cols["output"][i] or ""), limit)
            detail: dict[str, Any] = {
                "output": output,
                "calls": [call(c) for c in as_list(cols["tool_calls"][i]) if isinstance(c, dict)],
                "scores": scores_view(cols["scores"][i]),
                "timings": [cols[k][i] for k in _TIMINGS],  # in the order of "timing_keys"
            }
            if note:
                detail["output_note"] = f"{note}; the full text is in the run's records.jsonl"
            if etype is not None:
                detail["error"] = f"{etype}: {message or ''}"
            chunk.append(detail)
        yield chunk


def _samples(
    keys: list[tuple[str, str, str]], run_dirs: Mapping[str, Path], limit: int
) -> list[dict[str, Any] | None]:
    """The view of each sample key (run, suite, id) from its run's snapshot; None if not found."""
    index = {key: n for n, key in enumerate(keys)}
    out: list[dict[str, Any] | None] = [None] * len(keys)
    for run in dict.fromkeys(k[0] for k in keys):
        # A run folder whose records carry another run id (renamed) still finds its samples.
        run_dir = run_dirs.get(run) or (
            next(iter(run_dirs.values())) if len(run_dirs) == 1 else None
        )
        if run_dir is None:
            continue
        for suite in dict.fromkeys(k[1] for k in keys if k[0] == run):
            for chunk in iter_sample_chunks(run_dir, suite):
                for sample in chunk:
                    n = index.get((run, suite, str(sample.get("id"))))
                    if n is not None:
                        out[n] = sample_view(sample, limit)
    return out


def sample_payload(df: pd.DataFrame, run_dirs: Mapping[str, Path]) -> Payload:
    """Pack the table's rows and the transcripts of ``df``'s records and samples.

    ``df`` is one or more runs as ``metrics.load_run``/``load_runs`` return
    them; ``run_dirs`` maps each run id to its folder, where the samples'
    messages are read.
    """
    n = len(df)
    columns = _Columns(df)
    s, keys, g = _indices(columns)
    rows = _rows(columns, s, g, share(PREVIEW_BUDGET, n, PREVIEW_CHARS))
    rows["timing_keys"] = list(_TIMINGS)
    limit = share(OUTPUT_BUDGET, n, OUTPUT_CHARS)
    records = [pack(chunk) for chunk in _details(columns, limit)]
    views = _samples(keys, run_dirs, share(MESSAGE_BUDGET, len(keys), MESSAGE_CHARS))
    samples = [pack(views[i : i + CHUNK]) for i in range(0, len(views), CHUNK)]
    return Payload(pack(rows), records, samples)


__all__ = [
    "CHUNK",
    "MAX_MESSAGE_CHARS",
    "OUTPUT_BUDGET",
    "Payload",
    "sample_payload",
    "share",
]
