"""The report pages' data blocks: JSON, deflated and base64-encoded, decoded by the page's script.

A block is a ``<script type="application/octet-stream">`` element whose text
is base64: it cannot hold ``<``, ``>`` or ``&``, so no untrusted string can
close the element or become markup, and it is about a fifth of the JSON's
size for typical records. The page inflates a block with the browser's own
``DecompressionStream("deflate")`` (no library, no request, works from
``file://``). ``unpack`` is the reverse, for tests and tools.

Also here: the value conversions the blocks and the page's tables share
(``json_scalar``, ``json_safe``, ``clip_middle``).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from markupsafe import Markup

LEVEL = 3  # a tenth bigger than zlib's default 6 and twice as fast (9: 3x slower, 2% smaller)


def pack(data: Any) -> Markup:
    """``data`` as the text of a data block: JSON, deflated (zlib format), base64."""
    from markupsafe import Markup

    try:  # numpy arrays as JSON arrays, NaN as null
        raw = orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY)
    except orjson.JSONEncodeError:  # a lone surrogate: JSON escapes carry it, UTF-8 cannot
        text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=_plain)
        raw = text.encode("ascii")
    return Markup(base64.b64encode(zlib.compress(raw, LEVEL)).decode("ascii"))


def _plain(value: Any) -> Any:
    """A numpy array as a list, NaN as None (for ``json.dumps``)."""
    if hasattr(value, "tolist"):
        items = value.tolist()
        return [None if isinstance(v, float) and not math.isfinite(v) else v for v in items]
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def unpack(text: str) -> Any:
    """The data of a block written by ``pack``."""
    return json.loads(zlib.decompress(base64.b64decode(text)))


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


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON.parse rejects them) and odd types as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
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


__all__ = ["clip_middle", "json_safe", "json_scalar", "pack", "unpack"]
