"""The one fast path from a run folder's JSONL files to plain dicts, and back.

records.jsonl and the sample snapshot are read through here, by the
DataFrame loader as by the typed readers: orjson (about 3x json's speed on
records), one object per line. Only a kill mid-write can leave a broken
line, and only at the end, so a torn last line is skipped and a bad line
anywhere else is a ``RunFolderError`` (a ValueError) naming ``file:line``.
Strings are made valid UTF-8: a model can send a lone surrogate
(``"\\ud800"``), which JSON escapes can carry but UTF-8 text, pyarrow and
orjson cannot, so it becomes "?".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

from evalkit.errors import RunFolderError, StorageError

M = TypeVar("M", bound=BaseModel)


def scrub(value: Any) -> Any:
    """``value`` with lone surrogates replaced: UTF-8 (and pyarrow strings) cannot hold them."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    return value


def _loads_line(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        # orjson refuses lone surrogates that json accepts; anything else fails here too.
        return scrub(json.loads(line))


def read_objects(path: Path, what: str) -> list[dict[str, Any]]:
    """Every line of the JSONL file ``path`` as a dict ([] if there is no file).

    A torn last line is skipped; any other line that is not a JSON object is
    a RunFolderError "``path``:``line``: not a JSON ``what``".
    """
    return [obj for chunk in iter_object_chunks(path, what) for obj in chunk]


def iter_object_chunks(path: Path, what: str, size: int = 4096) -> Iterator[list[dict[str, Any]]]:
    """The lines of the JSONL file ``path`` as dicts, ``size`` lines at a time (none if no file).

    The rules of ``read_objects``; only one chunk's lines and objects are in
    memory at once, so a bulk reader that keeps what it needs from each chunk
    never holds the whole file as Python objects.
    """
    try:
        fh = Path(path).open("rb")  # noqa: SIM115 (closed by _chunks; a missing file is no chunk)
    except FileNotFoundError:
        return
    with fh:
        yield from _chunks(fh, path, what, size)


def _chunks(
    fh: Iterable[bytes], path: Path, what: str, size: int
) -> Iterator[list[dict[str, Any]]]:
    lineno = 0  # of the chunk's first line
    bad: int | None = None  # a line that failed: an error unless nothing follows it
    it = iter(fh)
    while lines := list(itertools.islice(it, size)):
        if bad is not None and any(line.strip() for line in lines):
            raise RunFolderError(f"{path}:{bad}: not a JSON {what}")
        try:  # the common case, at C speed; anything odd takes the careful loop below
            out = [orjson.loads(line) for line in lines if line.strip()]
            if all(type(obj) is dict for obj in out):
                yield out
                lineno += len(lines)
                continue
        except orjson.JSONDecodeError:
            pass
        out = []
        for i, line in enumerate(lines, start=lineno + 1):
            if not line.strip():
                continue
            if bad is not None:
                raise RunFolderError(f"{path}:{bad}: not a JSON {what}")
            try:
                obj = _loads_line(line)
            except ValueError:
                bad = i  # torn by a kill if it is the last line: resume redoes it
                continue
            if type(obj) is not dict:
                raise RunFolderError(f"{path}:{i}: not a JSON {what} (a JSON object)")
            out.append(obj)
        if out:
            yield out
        lineno += len(lines)


def read_models(path: Path, model: type[M], what: str) -> list[M]:
    """Every line of the JSONL file ``path`` validated as ``model`` ([] if there is no file).

    The same rules as ``read_objects``; a line that does not validate is a
    RunFolderError naming ``path:line`` and the field.
    """
    try:
        lines = Path(path).read_bytes().splitlines()
    except FileNotFoundError:
        return []
    try:  # pydantic parses and validates each line in one go: the common case
        return [model.model_validate_json(line) for line in lines if line.strip()]
    except ValidationError:
        pass  # a torn tail, a lone surrogate or a bad line: the careful path says which
    out: list[M] = []
    for i, data in enumerate(read_objects(path, what)):
        try:
            out.append(model.model_validate(data))
        except ValidationError as exc:
            raise _invalid_line(path, i, exc) from None
    return out


def _invalid_line(path: Path, index: int, exc: ValidationError) -> RunFolderError:
    """The error for the ``index``-th object of ``path`` failing its model."""
    lines = (i for i, line in enumerate(Path(path).read_bytes().splitlines()) if line.strip())
    lineno = next((i + 1 for k, i in enumerate(lines) if k == index), None)
    return invalid(f"{path}:{lineno}", exc)


def invalid(where: str, exc: ValidationError) -> RunFolderError:
    """The error for a run folder file's content at ``where`` failing its model: the first field."""
    err = exc.errors()[0]
    field = ".".join(str(part) for part in err["loc"]) or "(the object)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return RunFolderError(f"{where}: [{field}] {err['msg']}{more}")


def model_line(model: BaseModel) -> str:
    """``model`` as one JSON line of valid UTF-8 (a lone surrogate in a string becomes "?")."""
    try:
        return model.model_dump_json() + "\n"
    except PydanticSerializationError:  # it cannot encode a lone surrogate as UTF-8
        return json.dumps(scrub(model.model_dump(mode="json")), ensure_ascii=False) + "\n"


def write_lines_atomic(path: Path, lines: Iterable[str]) -> int:
    """Write ``lines`` to ``path`` through a temporary file, so a kill leaves the old file whole.

    Returns the number of lines written. ``StorageError`` when the disk
    refuses (full, read-only): the old file, if any, is left as it was.
    """
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(line)
                n += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StorageError(f"could not write {path}: {exc.strerror or exc}") from None
        raise
    return n


__all__ = [
    "invalid",
    "iter_object_chunks",
    "model_line",
    "read_models",
    "read_objects",
    "scrub",
    "write_lines_atomic",
]
