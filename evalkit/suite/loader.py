"""Load suites from disk: JSONL lines or a generator, manifest defaults, images.

Every problem in every file is collected and raised at once as a
``SuiteError`` whose lines read ``file:line: [field] reason``; nothing is
sent until the suites load cleanly.

A suite path is one of:
- a folder holding ``manifest.toml``;
- a manifest ``.toml`` file (``samples = "x.jsonl"`` or a ``[generator]``);
- a ``.jsonl`` file (with the defaults of a ``manifest.toml`` beside it that
  names it as its ``samples``).

A run validates what it will send. Every line is parsed and its ``id``
checked (ids must be unique, and a shard is chosen by id), but only the
samples the run covers (``select``: ``--limit``, ``--shard``) are validated
in full, graders, images and all; ``suites validate`` and a run without a
selection validate every sample. So 100,000 lines cost one quick pass, and
every problem of a sample that will be sent is still reported before the
first request.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic import ValidationError

from evalkit.errors import Problem, SuiteError
from evalkit.suite import hf, needle
from evalkit.suite.generators import GENERATORS, GenContext
from evalkit.suite.images import ImageError, images_digest, inline_images, raw_image_urls
from evalkit.suite.jsonl import read_lines
from evalkit.suite.manifest import MANIFEST, locate, read_manifest
from evalkit.suite.schema import (
    GraderSpec,
    Sample,
    SuiteDefaults,
    SuiteManifest,
    parse_grader_list,
    problems_of,
)

BUILTIN_GENERATORS = (hf, needle)
"""The generator modules shipped with evalkit (imported for their registrations)."""


Select = Callable[[str, int, str], bool]
"""Whether a run covers a sample: (suite name, the sample's position from 0, its id)."""


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
    """A loaded suite: validated samples with defaults applied and images inlined.

    ``samples`` are those the load covered: every sample unless a selection
    was given (``total`` then counts them all).
    """

    name: str
    path: str
    kind: str
    samples: list[Sample]
    sha256: str
    description: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # sample id -> source line
    total: int | None = None

    @property
    def size(self) -> int:
        """How many samples the suite has, loaded or not."""
        return len(self.samples) if self.total is None else self.total


def _sample_id(obj: dict[str, Any]) -> str | None:
    """The line's id as its sample will have it, or None when it is not a valid id."""
    raw = obj.get("id")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    return raw if isinstance(raw, str) and raw else None


class _Graders:
    """The ``grader`` fields of a suite's lines, parsed and checked once per distinct value.

    Most lines repeat one grader object (or take the manifest's): parsing and
    vetting it once, and sharing its specs, is much of what makes a large
    suite load fast.
    """

    def __init__(self, checks: GraderChecks | None) -> None:
        self.checks = checks
        self._seen: dict[str, tuple[list[GraderSpec] | None, list[tuple[str, str]]]] = {}

    @staticmethod
    def _key(raw: Any) -> str:
        if isinstance(raw, str):
            return raw
        try:
            return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:  # an integer beyond 64 bits
            return json.dumps(raw, sort_keys=True, default=repr)

    def parse(self, raw: Any) -> tuple[list[GraderSpec] | None, list[tuple[str, str]]]:
        """(the specs, None if malformed; [(field, problem)] from the checks)."""
        key = self._key(raw)
        known = self._seen.get(key)
        if known is None:
            try:
                specs: list[GraderSpec] | None = parse_grader_list(raw)
            except ValueError:
                specs = None  # the sample's own validation reports the field
            problems: list[tuple[str, str]] = []
            if self.checks is not None:
                for spec in specs or ():
                    try:
                        self.checks.check_spec(spec)
                    except ValueError as exc:
                        problems.append((f"grader.{spec.type}", str(exc)))
            known = self._seen[key] = (specs, problems)
        return known


def _validate(
    obj: dict[str, Any],
    defaults: SuiteDefaults | None,
    graders: _Graders,
    file: str,
    lineno: int | None,
    problems: list[Problem],
) -> Sample | None:
    """One line as a Sample, defaults applied; None (its problems noted) if it is not one.

    ``obj`` is the line's own object (parsed for this load), so it is updated in place.
    """
    if defaults is not None:
        if "grader" not in obj and defaults.grader:
            obj["grader"] = defaults.grader
        if defaults.params:
            obj["params"] = {**defaults.params, **(obj.get("params") or {})}
        if defaults.tags:
            obj["tags"] = [*defaults.tags, *(obj.get("tags") or [])]
    # Checked on the raw field so that a line's grader problems are reported
    # with its other problems, not after they are fixed.
    specs, grader_problems = graders.parse(obj.get("grader"))
    problems.extend(Problem(file, lineno, f, msg) for f, msg in grader_problems)
    if specs is not None:
        obj["grader"] = specs
    try:
        sample = Sample.model_validate(obj)
    except ValidationError as exc:
        problems.extend(problems_of(exc, file, lineno, "unknown field"))
        return None
    if not sample.grader:
        problems.append(
            Problem(file, lineno, "grader", "no grader (set one here or in the manifest)")
        )
    return sample


def _build_samples(
    raw: Iterable[tuple[int | None, Any, str | None]],
    *,
    file: str,
    suite: str,
    manifest: SuiteManifest | None,
    base: Path,
    problems: list[Problem],
    checks: GraderChecks | None = None,
    select: Select | None = None,
    generated: bool = False,
    images: list[str] | None = None,
) -> tuple[list[Sample], dict[str, int], int]:
    """(the covered samples, their source lines, how many samples the suite has).

    ``images`` receives the image URL of every line, covered or not (for the
    suite's hash, which must not depend on what a run covers).
    """
    samples: list[Sample] = []
    lines: dict[str, int] = {}
    first_line: dict[str, int | None] = {}  # every id of the suite -> its line
    graders = _Graders(checks)
    defaults = manifest.defaults if manifest else None
    source_file = file
    position = 0
    for index, obj, error in raw:
        file, lineno = source_file, index
        position += 1
        if error is not None:
            problems.append(Problem(file, lineno, None, error))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(file, lineno, None, "a sample must be a JSON object"))
            continue
        source = (obj.get("metadata") or {}).get("source") if generated else None
        if isinstance(source, str) and source:
            # A generated sample names its origin ("row 3 of data.csv"); the
            # generator's output index would mislead as a line number.
            file, lineno = f"{source_file}: {source}", None
        if images is not None:
            images.extend(raw_image_urls(obj))
        sample_id = _sample_id(obj)
        if sample_id is not None:
            if sample_id in first_line:
                first = first_line[sample_id]
                problems.append(
                    Problem(
                        file, lineno, "id", f"duplicate id {sample_id!r} (first at line {first})"
                    )
                )
                continue
            first_line[sample_id] = index
            if select is not None and not select(suite, position - 1, sample_id):
                continue  # not sent by this run: its id was all it needed
        # (A line without a valid id is validated whatever the selection: that reports it.)
        sample = _validate(obj, defaults, graders, file, lineno, problems)
        if sample is None:
            continue
        try:
            inline_images(sample, base)
        except ImageError as exc:
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
    return samples, lines, position


def _read_jsonl(
    path: Path, problems: list[Problem]
) -> tuple[Iterable[tuple[int, Any, str | None]], bytes]:
    """The file's lines (parsed as they are iterated) and its bytes, for the hash."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(str(path), None, None, "suite file not found"))
        return [], b""
    except IsADirectoryError:
        problems.append(Problem(str(path), None, None, f"is a folder without {MANIFEST}"))
        return [], b""
    return read_lines(data), data


def _load_one(
    path: Path,
    context_window: int | None,
    problems: list[Problem],
    checks: GraderChecks | None,
    select: Select | None,
) -> Suite | None:
    before = len(problems)
    manifest_path, jsonl = locate(path, problems)
    manifest = read_manifest(manifest_path, problems) if manifest_path else None
    if len(problems) > before:
        return None
    digest = hashlib.sha256()
    if manifest_path is not None:
        digest.update(manifest_path.read_bytes())
    base = (manifest_path or jsonl or path).parent
    if manifest is not None and manifest.samples is not None:
        jsonl = base / manifest.samples
    raw: Iterable[tuple[int | None, Any, str | None]]
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
        digest.update(json.dumps(generated, sort_keys=True).encode())
        # Copies: building a sample updates its object, and a generator may repeat one.
        raw = [
            (i, dict(obj) if isinstance(obj, dict) else obj, None)
            for i, obj in enumerate(generated, start=1)
        ]
    # Named before the lines are read: a shard is chosen by (suite name, sample id).
    name = (manifest.name if manifest and manifest.name else None) or (
        base.resolve().name if jsonl is None or manifest is not None else Path(file).stem
    )
    bad_name = _name_problem(name)
    if bad_name:
        named_in = manifest_path if manifest and manifest.name else path
        problems.append(Problem(str(named_in), None, "name", bad_name))
    images: list[str] = []
    samples, lines, size = _build_samples(
        raw,
        file=file,
        suite=name,
        manifest=manifest,
        base=base,
        problems=problems,
        checks=checks,
        select=select,
        generated=jsonl is None,
        images=images,
    )
    if not size and len(problems) == before:
        problems.append(Problem(file, None, None, "the suite has no samples"))
    if len(problems) > before:
        return None
    if images:  # (a suite without images keeps the hash it had before images counted)
        digest.update(images_digest(images, base))
    return Suite(
        name=name,
        path=str(path),
        kind=manifest.kind if manifest else "chat",
        samples=samples,
        sha256=digest.hexdigest(),
        description=manifest.description if manifest else "",
        lines=lines,
        total=size,
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


@contextlib.contextmanager
def bulk_allocation() -> Iterator[None]:
    """No garbage collection inside: for code that makes many long-lived objects, no cycles.

    Each collection would walk every object made so far (loading 100,000
    samples, that was half the time of the load). On the way out the new
    objects go straight to the oldest generation (``freeze`` then
    ``unfreeze`` moves them there without a walk); left in the youngest, the
    next few collections would each walk them all, stalling whatever runs
    next. The loader and the run's plan use it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # unfreeze() would thaw what someone else froze
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def load_suites(
    paths: Iterable[str | Path],
    *,
    context_window: int | None = None,
    checks: GraderChecks | None = None,
    select: Select | None = None,
) -> list[Suite]:
    """Load every suite, or raise one ``SuiteError`` listing every problem found.

    ``checks`` vets every grader spec, and every sample against its graders,
    as its line is read, so grader problems come out with all the others.
    ``select`` limits the full validation, and each suite's ``samples``, to
    the samples a run covers (see the module docstring); every line's JSON
    and id are checked whatever it says.
    """
    paths = list(paths)
    problems: list[Problem] = []
    suites: list[Suite] = []
    with bulk_allocation():
        for p in paths:
            suite = _load_one(Path(p), context_window, problems, checks, select)
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
    "GraderChecks",
    "Select",
    "Suite",
    "bulk_allocation",
    "load_suite",
    "load_suites",
]
