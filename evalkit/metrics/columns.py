"""The columns of a run's DataFrame, built chunk by chunk, each with one dtype whatever the data.

``load_run`` reads records.jsonl a few thousand lines at a time and hands
each chunk's values here; numbers and group keys become compact arrays at
once, so a 100,000-record run never sits in memory as Python dicts. Every
column has a fixed dtype, chosen by its name and not by what the run holds:
a run without errors still has a ``str`` ``error_message`` and ``error_type``
(all missing), so frames of different runs concatenate, and a parquet round
trip gives back the same dtypes.

    category   the group keys (run_id, target, model, suite, status, arm),
               categories sorted
    str        other text (sample_id, output, error_type, error_message, ...),
               missing as NaN
    float64    timings, cost, scores; missing as NaN
    Int64      counts that may be missing (tokens, http_status)
    int64 / bool / boolean / datetime64[us, UTC] / object (lists of dicts)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["category", "str", "float", "Int64", "int", "bool", "boolean", "time", "object"]

CATEGORICAL = ("run_id", "target", "model", "suite", "status", "arm")
STRING = (
    "sample_id",
    "output",
    "error_type",
    "error_message",
    "finish_reason",
    "skip_reason",
    "tokens_source",
    "explanation",
    "cluster",
)
FLOAT = (
    "queue_s",
    "retry_wait_s",
    "ttft_s",
    "e2e_s",
    "tpot_s",
    "output_tps",
    "cost_usd",
    "score",
    "strict_score",
    "extracted_score",
    "itl_mean_s",
    "itl_p50_s",
    "itl_p90_s",
    "itl_p99_s",
    "itl_max_s",
    "depth",
    "chars_per_token",
)
NULLABLE_INT = (
    "http_status",
    "prompt_tokens",
    "completion_tokens",
    "itl_n",
    "context_length",
    "estimated_prompt_tokens",
)
_FIXED: dict[str, Kind] = {
    **dict.fromkeys(CATEGORICAL, "category"),
    **dict.fromkeys(STRING, "str"),
    **dict.fromkeys(FLOAT, "float"),
    **dict.fromkeys(NULLABLE_INT, "Int64"),
    "epoch": "int",
    "attempts": "int",
    "throttled": "int",
    "n_tool_calls": "int",
    "passed": "bool",
    "simulated": "bool",
    "started_at": "time",
    "tags": "object",
    "tool_calls": "object",
    "scores": "object",
}
# What a missing value of an int or bool column means (the record schema's defaults).
_DEFAULTS: dict[str, Any] = {"epoch": 0, "attempts": 1, "throttled": 0, "passed": False}


def kind_of(name: str) -> Kind | None:
    """The dtype family of a column by its name; None for a field the schema does not know."""
    if name in _FIXED:
        return _FIXED[name]
    if name.startswith("score_"):
        return "float"
    if name.startswith("passed_"):
        return "boolean"
    return None


def _floats(values: Sequence[Any]) -> Any:
    """``values`` as a float64 array: None as NaN, anything that is not a number as NaN."""
    import numpy as np

    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        out = np.empty(len(values), dtype=np.float64)
        for i, v in enumerate(values):
            try:
                out[i] = math.nan if v is None or isinstance(v, str) else float(v)
            except (TypeError, ValueError):
                out[i] = math.nan
        return out


class Column:
    """One column, filled chunk by chunk (``add``) and converted once (``series``)."""

    def __init__(self, name: str, kind: Kind) -> None:
        self.name = name
        self.kind = kind
        self.n = 0
        self._parts: list[Any] = []  # arrays (numbers, codes) or Python values
        self._codes: dict[str, int] = {}  # category -> code, in order of appearance

    def add(self, values: Sequence[Any]) -> None:
        """Append a chunk of raw record values (None for missing)."""
        import numpy as np

        kind = self.kind
        if kind in ("float", "Int64"):
            self._parts.append(_floats(values))
        elif kind == "category":
            # The chunk's few distinct values get the column's codes, then every row at once.
            import pandas as pd

            local, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
            codes = self._codes
            known = [codes.setdefault(str(v), len(codes)) for v in uniques.tolist()]
            self._parts.append(np.append(np.asarray(known, dtype=np.int32), -1)[local])
        elif kind in ("int", "bool"):
            default = _DEFAULTS.get(self.name, 0)
            dtype = np.int64 if kind == "int" else np.bool_
            self._parts.append(np.array([default if v is None else v for v in values], dtype))
        elif kind == "str":
            # Arrow strings at once: the chunk's str objects (and the memory they pin) go.
            import pyarrow as pa

            texts = [v if v is None or type(v) is str else str(v) for v in values]
            self._parts.append(pa.array(texts, type=pa.large_string()))
        elif kind == "time":
            import pandas as pd

            times = pd.to_datetime(pd.Series(values, dtype="str"), utc=True, format="ISO8601")
            self._parts.append(times.dt.as_unit("us").to_numpy(dtype="datetime64[us]"))
        else:  # boolean, object: converted at the end
            self._parts.extend(values)
        self.n += len(values)

    def pad(self, n: int) -> None:
        """Append ``n`` missing values (a column first seen after ``n`` rows, or absent)."""
        if n > 0:
            self.add([None] * n)

    def series(self) -> pd.Series[Any]:
        """The column as a pandas Series of its fixed dtype."""
        import numpy as np
        import pandas as pd

        kind, parts = self.kind, self._parts
        if kind == "float":
            return pd.Series(_concat(parts, np.float64), name=self.name, dtype="float64")
        if kind == "Int64":
            return pd.Series(pd.array(_concat(parts, np.float64), dtype="Int64"), name=self.name)
        if kind in ("int", "bool"):
            dtype = np.int64 if kind == "int" else np.bool_
            return pd.Series(_concat(parts, dtype), name=self.name)
        if kind == "category":
            return pd.Series(self._categorical(_concat(parts, np.int32)), name=self.name)
        if kind == "str":
            import pyarrow as pa

            texts = pa.chunked_array(parts, type=pa.large_string())
            return pd.Series(texts, name=self.name, dtype="str")
        if kind == "boolean":
            return pd.Series(pd.array(parts, dtype="boolean"), name=self.name)
        if kind == "time":
            times = pd.DatetimeIndex(_concat(parts, "datetime64[us]")).tz_localize("UTC")
            return pd.Series(times, name=self.name)
        return pd.Series(parts, name=self.name, dtype=object)

    def _categorical(self, codes: Any) -> pd.Categorical:
        """Codes in order of appearance as a Categorical with sorted ``str`` categories."""
        import numpy as np
        import pandas as pd

        labels = list(self._codes)
        order = sorted(range(len(labels)), key=labels.__getitem__)
        remap = np.empty(len(labels) + 1, dtype=np.int32)
        remap[-1] = -1  # missing stays missing: codes of -1 index the last slot
        for new, old in enumerate(order):
            remap[old] = new
        categories = pd.Index([labels[i] for i in order], dtype="str")
        return pd.Categorical.from_codes(remap[codes], categories=categories)


def _concat(parts: list[Any], dtype: Any) -> Any:
    import numpy as np

    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)


__all__ = ["CATEGORICAL", "FLOAT", "NULLABLE_INT", "STRING", "Column", "Kind", "kind_of"]
