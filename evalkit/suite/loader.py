"""Load suites from disk: JSONL lines or a generator, manifest defaults, images.

Every problem in every file is collected and raised at once as a
``SuiteError`` whose lines read ``file:line: [field] reason``; nothing is
sent until the suites load cleanly.

A suite path is one of:
- a folder holding ``manifest.toml``;
- a manifest ``.toml`` file (``samples = "x.jsonl"`` or a ``[generator]``);
- a ``.jsonl`` file (with the defaults of a ``manifest.toml`` beside it that
  names it as its ``samples``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from evalkit.errors import Problem, SuiteError
from evalkit.suite import hf, needle
from evalkit.suite.generators import GENERATORS, GenContext
from evalkit.suite.schema import GraderSpec, Sample, SuiteManifest, parse_grader_list

MANIFEST = "manifest.toml"
BUILTIN_GENERATORS = (hf, needle)
"""The generator modules shipped with evalkit (imported for their registrations)."""


class GraderChecks(Protocol):
    """What the loader asks of the graders for each line (the runner supplies it).

    Both raise ``ValueError`` saying what is wrong. ``check_spec`` sees each
    grader spec of the raw line, so its problems come out with the line's
    other problems; ``check_sample`` sees a valid sample with each of its
    specs, and its problems are reported under ``[expected]``.
    """

    def check_spec(self, spec: GraderSpec) -> None: ...

    def check_sample(self, spec: GraderSpec, sample: Sample) -> None: ...


@dataclass(frozen=True)
class Suite:
    """A loaded suite: validated samples with defaults applied and images inlined."""

    name: str
    path: str
    kind: str
    samples: list[Sample]
    sha256: str
    description: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # sample id -> source line


def _field_of(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _image_to_data_uri(url: str, base: Path) -> str:
    if url.startswith(("http://", "https://", "data:")):
        return url
    if "://" in url:
        raise ValueError(f"unsupported image URL scheme in {url!r}")
    target = (base / url).resolve()
    if not target.is_relative_to(base.resolve()):
        raise ValueError(f"image {url!r} is outside the suite's folder")
    if not target.is_file():
        raise ValueError(f"image {url!r} not found")
    mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        raise ValueError(f"{url!r} is not an image file")
    raw = target.read_bytes()
    if not raw:
        raise ValueError(f"image {url!r} is an empty file")
    data = base64.b64encode(raw).decode("ascii")
    return f"data:{mime};base64,{data}"


class _ImageError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _inline_images(sample: Sample, base: Path) -> None:
    for i, msg in enumerate(sample.messages):
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if part.get("type") == "image_url":
                try:
                    part["image_url"] = {
                        **part["image_url"],
                        "url": _image_to_data_uri(part["image_url"]["url"], base),
                    }
                except ValueError as exc:
                    raise _ImageError(
                        f"messages[{i}].content[{j}].image_url.url", str(exc)
                    ) from None


def _build_samples(
    raw: Iterable[tuple[int | None, Any]],
    *,
    file: str,
    manifest: SuiteManifest | None,
    base: Path,
    problems: list[Problem],
    checks: GraderChecks | None = None,
    generated: bool = False,
) -> tuple[list[Sample], dict[str, int]]:
    samples: list[Sample] = []
    lines: dict[str, int] = {}
    defaults = manifest.defaults if manifest else None
    source_file = file
    for index, obj in raw:
        file, lineno = source_file, index
        if not isinstance(obj, dict):
            problems.append(Problem(file, lineno, None, "a sample must be a JSON object"))
            continue
        source = (obj.get("metadata") or {}).get("source") if generated else None
        if isinstance(source, str) and source:
            # A generated sample names its origin ("row 3 of data.csv"); the
            # generator's output index would mislead as a line number.
            file, lineno = f"{source_file}: {source}", None
        if defaults is not None:
            obj = dict(obj)
            if "grader" not in obj and defaults.grader:
                obj["grader"] = [g.to_json() for g in defaults.grader]
            if defaults.params:
                obj["params"] = {**defaults.params, **(obj.get("params") or {})}
            if defaults.tags:
                obj["tags"] = [*defaults.tags, *(obj.get("tags") or [])]
        if checks is not None:
            # Checked on the raw field so that a line's grader problems are
            # reported with its other problems, not after they are fixed.
            _check_graders(obj.get("grader"), checks, Problem(file, lineno, None, ""), problems)
        try:
            sample = Sample.model_validate(obj)
        except ValidationError as exc:
            for err in exc.errors():
                where = _field_of(tuple(err["loc"])) or None
                msg = err["msg"].removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = "unknown field"
                problems.append(Problem(file, lineno, where, msg))
            continue
        if not sample.grader:
            problems.append(
                Problem(file, lineno, "grader", "no grader (set one here or in the manifest)")
            )
        if sample.id in lines:
            problems.append(
                Problem(
                    file,
                    lineno,
                    "id",
                    f"duplicate id {sample.id!r} (first at line {lines[sample.id]})",
                )
            )
            continue
        try:
            _inline_images(sample, base)
        except _ImageError as exc:
            problems.append(Problem(file, lineno, exc.field, str(exc)))
            continue
        if checks is not None:
            for spec in sample.grader:
                try:
                    checks.check_sample(spec, sample)
                except ValueError as exc:
                    problems.append(Problem(file, lineno, "expected", f"{spec.type}: {exc}"))
        lines[sample.id] = index or 0
        samples.append(sample)
    return samples, lines


def _check_graders(raw: Any, checks: GraderChecks, where: Problem, problems: list[Problem]) -> None:
    try:
        specs = parse_grader_list(raw)
    except ValueError:
        return  # the sample's own validation reports a malformed grader field
    for spec in specs:
        try:
            checks.check_spec(spec)
        except ValueError as exc:
            problems.append(Problem(where.file, where.line, f"grader.{spec.type}", str(exc)))


def _read_jsonl(path: Path, problems: list[Problem]) -> tuple[list[tuple[int, Any]], bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "suite file not found"))
        return [], b""
    except IsADirectoryError:
        problems.append(Problem(str(path), None, None, f"is a folder without {MANIFEST}"))
        return [], b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), None, None, f"not UTF-8 text ({exc.reason})"))
        return [], data
    before = len(problems)  # problems of earlier files must not hide this one's
    out: list[tuple[int, Any]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append((lineno, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(str(path), lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
            )
    if not out and len(problems) == before:
        problems.append(Problem(str(path), None, None, "the suite has no samples"))
    return out, data


def _read_manifest(path: Path, problems: list[Problem]) -> SuiteManifest | None:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "manifest not found"))
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, None, f"invalid TOML: {exc}"))
        return None
    try:
        return SuiteManifest.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(
                Problem(
                    str(path),
                    None,
                    _field_of(tuple(err["loc"])) or None,
                    msg.removeprefix("Value error, "),
                )
            )
        return None


def _locate(path: Path, problems: list[Problem]) -> tuple[Path | None, Path | None]:
    """(manifest, jsonl) for a suite path; either may be None."""
    if path.is_dir():
        manifest = path / MANIFEST
        if not manifest.exists():
            problems.append(Problem(str(path), None, None, f"folder has no {MANIFEST}"))
            return None, None
        return manifest, None
    if path.suffix == ".toml":
        return path, None
    if path.suffix == ".jsonl":
        beside = path.parent / MANIFEST
        if beside.exists():
            try:
                named = tomllib.loads(beside.read_text("utf-8")).get("samples")
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                named = None
            if named and (path.parent / named).resolve() == path.resolve():
                return beside, path
        return None, path
    if not path.exists():
        problems.append(Problem(str(path), None, None, "suite file not found"))
    else:
        problems.append(
            Problem(str(path), None, None, "a suite is a .jsonl file, a manifest .toml or a folder")
        )
    return None, None


def _load_one(
    path: Path,
    context_window: int | None,
    problems: list[Problem],
    checks: GraderChecks | None,
) -> Suite | None:
    before = len(problems)
    manifest_path, jsonl = _locate(path, problems)
    manifest = _read_manifest(manifest_path, problems) if manifest_path else None
    if len(problems) > before:
        return None
    digest = hashlib.sha256()
    if manifest_path is not None:
        digest.update(manifest_path.read_bytes())
    base = (manifest_path or jsonl or path).parent
    if manifest is not None and manifest.samples is not None:
        jsonl = base / manifest.samples
    if jsonl is not None:
        raw, data = _read_jsonl(jsonl, problems)
        digest.update(data)
        file = str(jsonl)
    else:
        assert manifest is not None and manifest.generator is not None
        file = str(manifest_path)
        options = dict(manifest.generator)
        gen_name = options.pop("type", None)
        gen = GENERATORS.get(str(gen_name))
        if gen is None:
            problems.append(
                Problem(file, None, "generator.type", f"unknown generator {gen_name!r}")
            )
            return None
        try:
            generated = gen(options, GenContext(base_dir=base, context_window=context_window))
        except (ValueError, TypeError) as exc:
            problems.append(Problem(file, None, "generator", str(exc)))
            return None
        raw = list(enumerate(generated, start=1))
        digest.update(json.dumps(generated, sort_keys=True).encode())
    samples, lines = _build_samples(
        raw,
        file=file,
        manifest=manifest,
        base=base,
        problems=problems,
        checks=checks,
        generated=jsonl is None,
    )
    if len(problems) > before:
        return None
    name = (manifest.name if manifest and manifest.name else None) or (
        base.resolve().name if jsonl is None or manifest is not None else Path(file).stem
    )
    bad_name = _name_problem(name)
    if bad_name:
        named_in = manifest_path if manifest and manifest.name else path
        problems.append(Problem(str(named_in), None, "name", bad_name))
        return None
    digest.update(_image_urls(samples))
    return Suite(
        name=name,
        path=str(path),
        kind=manifest.kind if manifest else "chat",
        samples=samples,
        sha256=digest.hexdigest(),
        description=manifest.description if manifest else "",
        lines=lines,
    )


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a suite, or None: it becomes a file name in every run folder."""
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        return f"suite name {name!r} must be a plain file name: no '/' or '\\', no leading '.'"
    if not name.isprintable():
        return f"suite name {name!r} has control characters"
    if len(name.encode()) > 200:
        return f"suite name {name[:20]!r}... is longer than a file name can be (200 bytes)"
    return None


def _image_urls(samples: list[Sample]) -> bytes:
    """The samples' image URLs as inlined (data URIs of the files), to hash with the suite.

    An edited image file then changes the suite as an edited line does.
    """
    urls = [
        str(part["image_url"].get("url", ""))
        for sample in samples
        for msg in sample.messages
        if isinstance(content := msg.get("content"), list)
        for part in content
        if part.get("type") == "image_url"
    ]
    return "\n".join(urls).encode()


def load_suites(
    paths: Iterable[str | Path],
    *,
    context_window: int | None = None,
    checks: GraderChecks | None = None,
) -> list[Suite]:
    """Load every suite, or raise one ``SuiteError`` listing every problem found.

    ``checks`` vets every grader spec, and every sample against its graders,
    as its line is read, so grader problems come out with all the others.
    """
    paths = list(paths)
    problems: list[Problem] = []
    suites: list[Suite] = []
    for p in paths:
        suite = _load_one(Path(p), context_window, problems, checks)
        if suite is not None:
            suites.append(suite)
    names: dict[str, str] = {}
    for s in suites:
        if s.name in names:
            problems.append(
                Problem(s.path, None, "name", f"suite name {s.name!r} also used by {names[s.name]}")
            )
        names[s.name] = s.path
    if problems:
        order = {str(p): i for i, p in enumerate(paths)}
        problems.sort(key=lambda p: (order.get(p.file, len(order)), p.file, p.line or 0))
        raise SuiteError(problems)
    return suites


def load_suite(path: str | Path, *, context_window: int | None = None) -> Suite:
    """Load one suite (see ``load_suites``)."""
    return load_suites([path], context_window=context_window)[0]


__all__ = [
    "BUILTIN_GENERATORS",
    "MANIFEST",
    "GraderChecks",
    "Suite",
    "load_suite",
    "load_suites",
]
