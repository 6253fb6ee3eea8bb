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
_SEP = "\x1f"  # between the run, suite and sample id of a sample's key


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


def _round6(values: Any) -> Any:
    """Floats to six significant digits: plenty on screen, and a third of the digits."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v) & (v != 0)
    exp = np.floor(np.log10(np.abs(np.where(finite, v, 1.0)))).astype(int)
    k = np.clip(5 - exp, -300, 300)
    up = np.where(k >= 0, 10.0 ** np.maximum(k, 0), 1.0)
    down = np.where(k < 0, 10.0 ** np.maximum(-k, 0), 1.0)
    return np.where(finite, np.round(v * up / down) * down / up, v)


def _floats(df: pd.DataFrame, name: str) -> Any:
    """A numeric column as a float array rounded for the page (NaN for missing)."""
    import numpy as np

    if name not in df.columns:
        return np.full(len(df), np.nan)
    return _round6(df[name].to_numpy(dtype=np.float64, na_value=np.nan))


def _rounded(values: Any) -> list[Any]:
    """``_round6`` as a list, NaN and infinities as None."""
    import math

    return [x if math.isfinite(x) else None for x in _round6(values).tolist()]


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


def _text(df: pd.DataFrame, name: str) -> pd.Series[Any]:
    """A text column as ``str`` (missing as "" when ``name`` is a key that should have none)."""
    import pandas as pd

    if name not in df.columns:
        return pd.Series([None] * len(df), dtype="str", index=df.index)
    return df[name].astype("str")


def _codes(df: pd.DataFrame, name: str, *, sort: bool) -> tuple[Any, list[str]]:
    """A text column as integer codes (-1 for missing) and its labels (sorted, or as they come)."""
    import pandas as pd

    codes, labels = pd.factorize(_text(df, name), sort=sort, use_na_sentinel=True)
    return codes, [str(v) for v in labels]


def _previews(df: pd.DataFrame, name: str, limit: int) -> list[str | None]:
    """The first ``limit`` characters of a text column (cut before it becomes Python strings)."""
    heads = _text(df, name).str.slice(0, limit).to_numpy(dtype=object)
    return [v if isinstance(v, str) and v else None for v in heads.tolist()]


def _tool_names(df: pd.DataFrame) -> list[str | None]:
    """Each record's tool-call names, comma-separated (None without calls)."""
    out: list[str | None] = [None] * len(df)
    if "tool_calls" not in df.columns:
        return out
    calls = df["tool_calls"]
    for i in calls.notna().to_numpy().nonzero()[0].tolist():
        names = [str(c.get("name", "")) for c in as_list(calls.iat[i]) if isinstance(c, dict)]
        out[i] = ", ".join(names) or None
    return out


def _groups(df: pd.DataFrame) -> Any:
    """Each record's group: its (suite, sample id, epoch), numbered in the table's order.

    Suite, then sample id in natural order ("q2" before "q10"), then epoch;
    the records of one group are one sample's answers side by side.
    """
    import numpy as np
    import pandas as pd

    suites = pd.factorize(_text(df, "suite").fillna(""), sort=True)[0]
    ids, id_labels = pd.factorize(_text(df, "sample_id").fillna(""))
    epochs = df["epoch"].to_numpy(dtype=np.int64) if "epoch" in df.columns else np.zeros(len(df))
    natural = sorted(range(len(id_labels)), key=lambda k: _natural(str(id_labels[k])))
    rank = np.empty(len(id_labels), dtype=np.int64)
    rank[natural] = np.arange(len(id_labels))
    span = int(epochs.max()) + 1 if len(epochs) else 1
    order = (suites.astype(np.int64) * max(len(id_labels), 1) + rank[ids]) * span + epochs
    return np.unique(order, return_inverse=True)[1].reshape(-1)  # sorted keys: the table's order


def _rows(df: pd.DataFrame, s: Any, g: Any, preview: int) -> dict[str, Any]:
    """The rows block: every column the table shows, sorts, groups, filters or searches."""
    import numpy as np

    arm, arms = _codes(df, "arm", sort=False)
    suite, suites = _codes(df, "suite", sort=True)
    etype, etypes = _codes(df, "error_type", sort=True)
    error = (_text(df, "status") == "error").to_numpy(dtype=bool, na_value=False)
    skipped = (_text(df, "status") == "skipped").to_numpy(dtype=bool, na_value=False)
    passed = df["passed"].fillna(False).to_numpy(dtype=bool) if "passed" in df else error & False
    cols: dict[str, Any] = {
        "arm": arm,
        "suite": suite,
        "sample_id": [str(v) for v in _text(df, "sample_id").fillna("").tolist()],
        "epoch": df["epoch"].to_numpy(dtype=np.int64) if "epoch" in df else np.zeros(len(df)),
        "s": s,
        "g": g,
        "res": np.where(skipped, 3, np.where(error, 2, np.where(passed, 0, 1))),
        "error_type": etype,
        **{name: _floats(df, name) for name in _NUMBERS},
        # A skipped item has no output: its preview says why it was never sent.
        "output": [
            f"skipped: {why}"[:preview] if skip else out
            for skip, why, out in zip(
                skipped,
                _text(df, "skip_reason").fillna("").tolist(),
                _previews(df, "output", preview),
                strict=True,
            )
        ],
        "error_message": _previews(df, "error_message", preview),
        "tool_names": _tool_names(df),
    }
    labels = {
        "arm": arms,
        "suite": suites,
        "error_type": etypes,
        "res": ["pass", "fail", "error", "skipped"],
    }
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


def _sample_blocks(df: pd.DataFrame, run_dirs: Mapping[str, Path]) -> tuple[Any, list[Markup]]:
    """The packed views of the records' samples, and each record's sample index (-1: none).

    Samples are numbered in the order of their runs' snapshots and packed
    CHUNK at a time as the snapshots are read, so that only one block of
    views is in memory at once.
    """
    import numpy as np
    import pandas as pd

    runs, suites = _text(df, "run_id").fillna(""), _text(df, "suite").fillna("")
    keys = runs + _SEP + suites + _SEP + _text(df, "sample_id").fillna("")
    wanted = set(keys.unique().tolist())
    limit = share(MESSAGE_BUDGET, len(wanted), MESSAGE_CHARS)
    order: list[str] = []
    views: list[dict[str, Any]] = []
    blocks: list[Markup] = []
    for run in dict.fromkeys(runs.tolist()):
        # A run folder whose records carry another run id (renamed) still finds its samples.
        run_dir = run_dirs.get(run) or (
            next(iter(run_dirs.values())) if len(run_dirs) == 1 else None
        )
        if run_dir is None:
            continue
        for suite in dict.fromkeys(suites[runs == run].tolist()):
            prefix = f"{run}{_SEP}{suite}{_SEP}"
            for chunk in iter_sample_chunks(run_dir, suite):
                for sample in chunk:
                    key = prefix + str(sample.get("id"))
                    if key not in wanted:
                        continue
                    wanted.discard(key)  # the first of a duplicated id wins
                    order.append(key)
                    views.append(sample_view(sample, limit))
                    if len(views) == CHUNK:
                        blocks.append(pack(views))
                        views = []
    if views:
        blocks.append(pack(views))
    if not order:
        return np.full(len(df), -1), blocks
    return pd.Index(order, dtype="str").get_indexer(pd.Index(keys)), blocks


def sample_payload(df: pd.DataFrame, run_dirs: Mapping[str, Path]) -> Payload:
    """Pack the table's rows and the transcripts of ``df``'s records and samples.

    ``df`` is one or more runs as ``metrics.load_run``/``load_runs`` return
    them; ``run_dirs`` maps each run id to its folder, where the samples'
    messages are read.
    """
    n = len(df)
    s, samples = _sample_blocks(df, run_dirs)
    rows = _rows(df, s, _groups(df), share(PREVIEW_BUDGET, n, PREVIEW_CHARS))
    rows["timing_keys"] = list(_TIMINGS)
    limit = share(OUTPUT_BUDGET, n, OUTPUT_CHARS)
    records = [pack(chunk) for chunk in _details(_Columns(df), limit)]
    return Payload(pack(rows), records, samples)


__all__ = [
    "CHUNK",
    "MAX_MESSAGE_CHARS",
    "OUTPUT_BUDGET",
    "Payload",
    "sample_payload",
    "share",
]
