"""Suites from Hugging Face ``datasets``: local JSON/JSONL/CSV/parquet files or a hub id.

A manifest such as::

    kind = "chat"
    [generator]
    type = "hf"
    path = "data/questions.csv"       # a file or folder beside the manifest, or a hub id
    split = "test"
    columns = { id = "qid", prompt = "question", expected = "answer" }
    prompt_template = "Q: {question}\\nChoices: {choices}"   # optional
    limit = 100                                               # optional
    [defaults]
    grader = "normalized"

turns each row into a sample. ``datasets`` is imported only when such a
suite is loaded: it takes seconds to import.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalkit.suite.generators import GenContext, generator
from evalkit.suite.schema import Sample

OPTIONS = ("path", "split", "name", "columns", "prompt_template", "limit", "cache_dir")
COLUMN_ROLES = ("id", "prompt", "system", "expected", "messages", "tags")
BUILDERS = {".json": "json", ".jsonl": "json", ".csv": "csv", ".parquet": "parquet"}
MAX_ROW_PROBLEMS = 5  # row problems spelled out; the rest are counted
_OTHER_FILE_SUFFIXES = (".txt", ".tsv", ".arrow", ".gz", ".zip", ".xlsx", ".xml", ".yaml", ".toml")


def _text_option(options: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = options.get(name, default)
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _columns(options: dict[str, Any]) -> dict[str, str]:
    raw = options.get("columns", {})
    if not isinstance(raw, dict):
        raise ValueError("columns must be a table such as { prompt = 'question' }")
    unknown = sorted(set(raw) - set(COLUMN_ROLES))
    if unknown:
        raise ValueError(f"columns: unknown key(s) {unknown}; known: {list(COLUMN_ROLES)}")
    for role, col in raw.items():
        if not isinstance(col, str) or not col:
            raise ValueError(f"columns.{role} must name a column, not {col!r}")
    return dict(raw)


def _local_files(path: Path) -> tuple[str, list[str]]:
    """(builder, files) for a local file or a folder of data files of one format."""
    if path.is_file():
        files = [path]
    else:
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in BUILDERS)
        if not files:
            raise ValueError(f"folder {str(path)!r} holds no .json, .jsonl, .csv or .parquet file")
    builders = {BUILDERS.get(p.suffix.lower()) for p in files}
    if None in builders:
        raise ValueError(f"{str(path)!r}: the hf generator reads .json, .jsonl, .csv or .parquet")
    if len(builders) > 1:
        raise ValueError(f"folder {str(path)!r} mixes data formats {sorted(map(str, builders))}")
    return str(builders.pop()), [str(p) for p in files]


def _looks_local(source: str) -> bool:
    """Whether ``source`` is meant as a path rather than a hub id such as ``owner/name``."""
    path = Path(source)
    return (
        path.is_absolute()
        or source.startswith(".")
        or source.count("/") > 1
        or path.suffix.lower() in (*BUILDERS, *_OTHER_FILE_SUFFIXES)
    )


def _load_rows(options: dict[str, Any], base: Path) -> tuple[list[dict[str, Any]], bool]:
    """The split's rows, and whether they came from local files (not the hub)."""
    source = _text_option(options, "path")
    if source is None:
        raise ValueError("the hf generator needs 'path' (a data file, a folder or a hub id)")
    split = _text_option(options, "split", "train") or "train"
    config_name = _text_option(options, "name")
    cache_dir = _text_option(options, "cache_dir")
    try:
        import datasets
    except ImportError:
        raise ValueError("the hf generator needs the 'datasets' package installed") from None
    local = base / source
    if not local.exists() and _looks_local(source):
        raise ValueError(f"data file or folder {source!r} not found (relative to {str(base)!r})")
    kwargs: dict[str, Any] = {"split": split}
    if cache_dir is not None:
        kwargs["cache_dir"] = str(base / cache_dir)
    # Progress bars would interleave with the runner's own output.
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        if local.exists():
            builder, files = _local_files(local)
            ds = datasets.load_dataset(builder, data_files={split: files}, **kwargs)
        else:
            ds = datasets.load_dataset(source, config_name, **kwargs)
    except ValueError:
        raise
    # datasets raises many unrelated types (missing file, hub errors, parser
    # errors); each one means the suite cannot be loaded, which is a suite problem.
    except Exception as exc:
        raise ValueError(f"cannot load dataset {source!r}: {type(exc).__name__}: {exc}") from None
    finally:
        if bars:
            datasets.enable_progress_bars()
    return [dict(row) for row in ds], local.exists()


def _render(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _template_fields(template: str) -> list[str]:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"prompt_template: {exc}") from None
    if any(not name or name.isdigit() for name in names):
        raise ValueError("prompt_template: name a column in every {field}, e.g. {question}")
    return names


def _check_columns(
    columns: dict[str, str], template: str | None, available: Mapping[str, Any]
) -> None:
    wanted = [(f"columns.{role}", col) for role, col in columns.items()]
    if template is not None:
        wanted += [("prompt_template", name) for name in _template_fields(template)]
    for where, col in wanted:
        if col not in available:
            raise ValueError(
                f"{where}: column {col!r} is not in the dataset (columns: {sorted(available)})"
            )


def _where(source: str, split: str, local: bool) -> str:
    """How a row's dataset is named in messages: the path as written, or hub id and split."""
    return source if local else f"{source} (split {split!r})"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _row_sample(
    row: dict[str, Any], index: int, columns: dict[str, str], template: str | None, split: str
) -> tuple[dict[str, Any], list[str]]:
    """One row as a raw sample, and what is wrong with the row (``[field] reason`` each)."""
    problems: list[str] = []
    sample: dict[str, Any] = {"metadata": {"row": index}}
    if "id" in columns:
        value = row[columns["id"]]
        if value is None:
            problems.append(f"[id] column {columns['id']!r} is empty")
        sample["id"] = str(value)
    else:
        sample["id"] = f"{split}-{index}"
    if template is not None:
        blank = [name for name in _template_fields(template) if row[name] is None]
        if blank:
            problems.append(f"[prompt_template] column(s) {blank} are empty")
        sample["prompt"] = template.format_map({k: _render(v) for k, v in row.items()})
    elif "prompt" in columns:
        if _is_blank(row[columns["prompt"]]):
            problems.append(f"[prompt] column {columns['prompt']!r} is empty")
        sample["prompt"] = _render(row[columns["prompt"]])
    elif "messages" in columns:
        if row[columns["messages"]] is None:
            problems.append(f"[messages] column {columns['messages']!r} is empty")
        sample["messages"] = row[columns["messages"]]
    if "system" in columns and row[columns["system"]] is not None:
        sample["system"] = str(row[columns["system"]])
    if "expected" in columns:
        sample["expected"] = row[columns["expected"]]
    if "tags" in columns and row[columns["tags"]] is not None:
        tags = row[columns["tags"]]
        sample["tags"] = [str(t) for t in tags] if isinstance(tags, list) else [str(tags)]
    if not problems:
        # Validated here, not only by the loader, so that a bad row is named
        # by its row in the dataset rather than by a line of the manifest.
        try:
            Sample.model_validate(sample)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                problems.append(f"[{where}] {msg}" if where else msg)
    return sample, problems


def _raise_row_problems(bad: list[str]) -> None:
    shown = bad[:MAX_ROW_PROBLEMS]
    more = len(bad) - len(shown)
    tail = f"; and {more} more row problem(s)" if more else ""
    raise ValueError("; ".join(shown) + tail)


@generator("hf")
def hf_generator(options: dict[str, Any], ctx: GenContext) -> list[dict[str, Any]]:
    """The ``[generator] type = "hf"`` entry: one sample per dataset row.

    A row that cannot become a sample (an empty id or prompt cell, a
    malformed ``messages`` value, a duplicate id) fails the suite with a
    message naming it as ``row N of <path>`` (rows count from 1, after any
    CSV header). Each sample's ``metadata`` holds ``row`` (its index in the
    split, from 0) and ``source`` (that same ``row N of <path>`` label), the
    hint the loader may use to name the row in problems it finds itself.
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"unknown hf option(s) {unknown}; known: {list(OPTIONS)}")
    columns = _columns(options)
    template = _text_option(options, "prompt_template")
    if template is None and "prompt" not in columns and "messages" not in columns:
        raise ValueError("map columns.prompt or columns.messages, or give a prompt_template")
    limit = options.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"limit must be a positive integer, not {limit!r}")
    rows, local = _load_rows(options, ctx.base_dir)
    if not rows:
        raise ValueError("the dataset split has no rows")
    _check_columns(columns, template, rows[0])
    split = str(options.get("split", "train"))
    where = _where(str(options["path"]), split, local)
    out: list[dict[str, Any]] = []
    bad: list[str] = []
    first_row: dict[str, int] = {}
    for index, row in enumerate(rows[:limit] if limit else rows):
        label = f"row {index + 1} of {where}"
        sample, problems = _row_sample(row, index, columns, template, split)
        sample["metadata"]["source"] = label
        if not problems and sample["id"] in first_row:
            first = first_row[sample["id"]]
            problems.append(f"[id] duplicate id {sample['id']!r} (first at row {first})")
        first_row.setdefault(sample["id"], index + 1)
        bad += [f"{label}: {p}" for p in problems]
        out.append(sample)
    if bad:
        _raise_row_problems(bad)
    return out


__all__ = ["BUILDERS", "COLUMN_ROLES", "OPTIONS", "hf_generator"]
