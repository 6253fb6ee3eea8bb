"""Run folders as tidy DataFrames: one row per record, one call.

The records come as plain dicts from the run folder's fast path, a few
thousand at a time (``runfolder.iter_record_chunks``), and each chunk's
values go straight into typed columns (``columns.Column``): only the nested
fields (error, itl_s, tool_calls, scores) are flattened in Python, and the
run never sits in memory as dicts, so a 100,000-record run loads in bounded
memory. Every column has a fixed dtype (see ``columns``). pandas is imported
inside the functions so that ``import evalkit.metrics`` stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.metrics.columns import CATEGORICAL, Column, kind_of
from evalkit.metrics.nested import score_entries, tags, tool_call_entries, uniform
from evalkit.runfolder import iter_record_chunks, iter_sample_chunks, read_manifest_if_any
from evalkit.types import percentile

if TYPE_CHECKING:
    import pandas as pd

# Record fields kept as they are (missing ones get the default or null), in column order.
_PLAIN = (
    "run_id",
    "target",
    "model",
    "suite",
    "sample_id",
    "epoch",
    "status",
    "skip_reason",
    "http_status",
    "attempts",
    "throttled",
    "started_at",
    "queue_s",
    "retry_wait_s",
    "ttft_s",
    "e2e_s",
    "tpot_s",
    "output_tps",
    "prompt_tokens",
    "completion_tokens",
    "tokens_source",
    "cost_usd",
    "output",
    "finish_reason",
    "score",
    "passed",
    "cluster",
)
_DEFAULTS = {"retry_wait_s": 0.0}
_NESTED = ("error", "itl_s", "tool_calls", "scores", "schema_version", "tags")
_ITL = ("itl_n", "itl_mean_s", "itl_p50_s", "itl_p90_s", "itl_p99_s", "itl_max_s")
# Sample metadata joined onto each record: the needle grid cell and the length estimate.
NEEDLE_KEYS = ("context_length", "depth", "estimated_prompt_tokens", "chars_per_token")


def _itl(value: Any) -> tuple[Any, ...]:
    """(n, mean, p50, p90, p99, max) from an ItlStats dict or a raw list of gaps."""
    if isinstance(value, dict):
        return (
            value.get("n"),
            value.get("mean"),
            value.get("p50"),
            value.get("p90"),
            value.get("p99"),
            value.get("max"),
        )
    if isinstance(value, list) and value:
        gaps = sorted(float(g) for g in value)
        p50, p90, p99 = (percentile(gaps, q) for q in (0.5, 0.9, 0.99))
        return (len(gaps), math.fsum(gaps) / len(gaps), p50, p90, p99, gaps[-1])
    return (None,) * 6


def _needle_meta(run_dir: Path, suites: Iterable[str]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(suite, sample_id) -> the NEEDLE_KEYS values from the snapshot's sample metadata."""
    out: dict[tuple[str, str], tuple[Any, ...]] = {}
    for suite in suites:
        for chunk in iter_sample_chunks(run_dir, suite):
            for sample in chunk:
                meta = sample.get("metadata")
                if isinstance(meta, dict) and any(k in meta for k in NEEDLE_KEYS):
                    out[(suite, str(sample.get("id")))] = tuple(meta.get(k) for k in NEEDLE_KEYS)
    return out


def _flatten(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """A chunk's columns for the nested fields: error, itl_s, tool_calls, scores and tags."""
    cols: dict[str, list[Any]] = {}
    errors = [r.get("error") or {} for r in records]
    cols["error_type"] = [e.get("type") for e in errors]
    cols["error_message"] = [e.get("message") for e in errors]
    itls = [_itl(r.get("itl_s")) for r in records]
    for k, name in enumerate(_ITL):
        cols[name] = [t[k] for t in itls]
    calls = [tool_call_entries(r.get("tool_calls")) for r in records]
    cols["tool_calls"] = calls
    cols["n_tool_calls"] = [len(c) if c else 0 for c in calls]
    scores = [score_entries(r.get("scores")) for r in records]
    cols["scores"] = scores
    cols["explanation"] = [s[0].get("explanation") if s else None for s in scores]
    # The primary grader's verdicts on the output as it stands and on the extracted answer.
    cols["strict_score"] = [s[0].get("strict") if s else None for s in scores]
    cols["extracted_score"] = [s[0].get("extracted") if s else None for s in scores]
    cols["tags"] = [tags(r.get("tags")) for r in records]
    n = len(records)
    for i, rec_scores in enumerate(scores):
        seen: set[str] = set()
        for sc in rec_scores:
            grader = str(sc.get("grader"))
            if grader in seen:
                continue  # the first occurrence of a grader name wins
            seen.add(grader)
            if f"score_{grader}" not in cols:
                cols[f"score_{grader}"] = [None] * n
                cols[f"passed_{grader}"] = [None] * n
            cols[f"score_{grader}"][i] = sc.get("score")
            cols[f"passed_{grader}"][i] = sc.get("passed")
    return cols


class _Frame:
    """The columns of a run's frame, filled one chunk of records at a time."""

    def __init__(self) -> None:
        self.n = 0
        self.columns: dict[str, Column] = {}
        self.extra: dict[str, list[Any]] = {}  # fields the schema does not know, raw

    def _column(self, name: str) -> Column:
        col = self.columns.get(name)
        if col is None:
            kind = kind_of(name)
            assert kind is not None, name
            col = self.columns[name] = Column(name, kind)
            col.pad(self.n)  # the rows before the column's first value
        return col

    def add(self, records: list[dict[str, Any]]) -> None:
        """Append a chunk of records."""
        for name in _PLAIN:
            default = _DEFAULTS.get(name)
            self._column(name).add([r.get(name, default) for r in records])
        for name, values in _flatten(records).items():
            self._column(name).add(values)
        known = {*_PLAIN, *_NESTED}
        for name in {k for r in records for k in r} - known:
            kept = self.extra.setdefault(name, [None] * self.n)
            kept.extend(r.get(name) for r in records)
        self.n += len(records)
        for col in self.columns.values():
            col.pad(self.n - col.n)  # a grader this chunk did not use
        for values in self.extra.values():
            values.extend([None] * (self.n - len(values)))

    def frame(self, run_dir: Path, simulated: set[str]) -> pd.DataFrame:
        """The DataFrame: the record columns, the extra fields, and the joined columns."""
        import pandas as pd

        if not self.columns:
            self.add([])  # no records: every fixed column, empty
        target = self.columns["target"].series()
        suites = self.columns["suite"].series()
        ids = self.columns["sample_id"].series()
        data: dict[str, Any] = {name: col.series() for name, col in self.columns.items()}
        for name in sorted(self.extra):
            data[name] = uniform(self.extra[name])
        data["simulated"] = target.astype(str).isin(simulated).to_numpy()
        data["arm"] = target.copy()
        needle = _needle_meta(run_dir, [str(s) for s in suites.cat.categories])
        absent = (None,) * len(NEEDLE_KEYS)
        joined = [needle.get(key, absent) for key in zip(suites.astype(str), ids, strict=True)]
        for k, name in enumerate(NEEDLE_KEYS):
            col = Column(name, "float" if name in ("depth", "chars_per_token") else "Int64")
            col.add([row[k] for row in joined])
            data[name] = col.series()
        return pd.DataFrame(data)


def load_run(path: str | Path) -> pd.DataFrame:
    """One row per record of the run folder ``path``, with tidy columns and stable dtypes.

    Record fields are flattened: ``error`` -> ``error_type``/``error_message``,
    ``itl_s`` -> ``itl_n``/``itl_mean_s``/``itl_p50_s``/``itl_p90_s``/
    ``itl_p99_s``/``itl_max_s``; ``tool_calls`` and ``scores`` stay list
    columns of uniform dicts (``nested.TOOL_CALL_KEYS``, ``nested.SCORE_KEYS``;
    a score's free-form ``details`` is JSON text), plus ``n_tool_calls``,
    ``explanation`` of the primary grader, its ``strict_score`` and
    ``extracted_score`` (a text grader's verdicts on the output as it stands
    and on the answer extracted from it; null for other graders), and
    ``score_<grader>``/``passed_<grader>`` per grader name (first occurrence).
    Joined: ``simulated`` (from run.json), ``arm`` (the target name), and
    ``context_length``/``depth``/``estimated_prompt_tokens``/``chars_per_token``
    from the samples' metadata (null when absent). Fields a record has beyond
    these are kept as they are when their values share one scalar type, else
    as JSON text. Each known column has one dtype whatever the run holds
    (``evalkit.metrics.columns``), so the frame writes to parquet as is and
    reads back with the same dtypes: ``df.to_parquet(path)`` (list columns
    come back from ``pd.read_parquet`` as arrays). A torn last line is
    skipped. ``df.attrs`` holds ``run_id``, ``run_dir`` and ``targets`` (the
    run's targets, its comparison reference first: ``settings.reference`` of
    run.json, by default the first ``--target``).
    """
    run_dir = Path(path)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run folder")
    columns = _Frame()
    for chunk in iter_record_chunks(run_dir):
        columns.add(chunk)
    manifest = read_manifest_if_any(run_dir)
    df = columns.frame(run_dir, manifest.simulated_targets() if manifest else set())
    df.attrs["run_id"] = manifest.run_id if manifest else run_dir.name
    df.attrs["run_dir"] = str(run_dir)
    seen = df["target"].astype(str).unique().tolist() if "target" in df.columns else []
    df.attrs["targets"] = _target_order(manifest, seen)
    return df


def _target_order(manifest: Any, seen: Iterable[Any]) -> list[str]:
    """The run's targets, its comparison reference first, then as given to the run.

    Not the order records happen to finish in: a comparison of the run's
    targets must not depend on it. Targets run.json does not name (a folder
    without one) follow in sorted order.
    """
    order: list[str] = []
    if manifest is not None:
        settings = manifest.settings
        ref = [settings.reference] if settings.reference else []
        order = list(dict.fromkeys([*ref, *settings.targets, *(t.name for t in manifest.targets)]))
    return order + sorted({str(t) for t in seen} - set(order))


def _labels(frames: Sequence[pd.DataFrame]) -> list[str]:
    labels: list[str] = []
    for i, frame in enumerate(frames):
        base = frame.attrs.get("run_id")
        if not base and "run_id" in frame.columns and len(frame):
            base = frame["run_id"].iloc[0]
        base = str(base or f"run{i + 1}")
        label, k = base, 2
        while label in labels:
            label, k = f"{base}#{k}", k + 1
        labels.append(label)
    return labels


def concat_runs(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several load_run frames as one, with ``arm`` unique per (run, target).

    A target name found in more than one run becomes "<run_id>/<target>" in
    every run that has it; a run id given twice gets "#2", "#3"... appended.
    Each frame's label is in ``df.attrs["runs"]``, in order, and each run's
    target order (``load_run``'s ``targets``) in ``df.attrs["run_targets"]``.
    """
    import pandas as pd

    if not frames:
        raise ValueError("concat_runs needs at least one run")
    labels = _labels(frames)
    runs_of: dict[str, int] = {}
    for frame in frames:
        for target in frame["target"].astype(str).unique():
            runs_of[target] = runs_of.get(target, 0) + 1
    parts = []
    for frame, label in zip(frames, labels, strict=True):
        part = frame.copy()
        targets = part["target"].astype(str)
        shared = targets.map(lambda t: runs_of[t] > 1).astype(bool)
        part["arm"] = targets.where(~shared, label + "/" + targets)
        part["run_label"] = label
        part.attrs = {}
        parts.append(part)
    orders = {
        label: list(frame.attrs.get("targets") or [])
        for frame, label in zip(frames, labels, strict=True)
    }
    df = pd.concat(parts, ignore_index=True)
    for name in (*CATEGORICAL, "run_label"):
        if name in df.columns:
            df[name] = df[name].astype("category")
    df.attrs["runs"] = labels
    df.attrs["run_targets"] = orders
    return df


def load_runs(paths: Iterable[str | Path]) -> pd.DataFrame:
    """load_run of each path, concatenated with ``arm`` unique per (run, target)."""
    return concat_runs([load_run(p) for p in paths])


def to_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a load_run/load_runs frame as parquet (pyarrow), creating the folder; returns the path.

    The frame is parquet-ready as it is (see ``load_run``); this only adds
    the folder and drops the row index.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(out, engine="pyarrow", index=False)
    return out


__all__ = ["concat_runs", "load_run", "load_runs", "to_parquet"]
