"""Graders for a run: built once per distinct spec, and vetted with every sample at load.

The loader asks two things of the graders as it reads each line (see
``suite.loader.GraderChecks``): can this spec be built, and does this
sample suit it. Both are answered here from one cache, so a spec is built
once however many lines use it, and every problem is a ``file:line``
problem reported before any request. The runner knows no grader by name:
what a grader needs to know about the run (the configured targets) it gets
in a ``BuildContext``.
"""

from __future__ import annotations

import json

from evalkit.config import Config
from evalkit.graders import BuildContext, BuiltGrader, build
from evalkit.suite.loader import Select, Suite, load_suites
from evalkit.suite.schema import GraderSpec, Sample

BuiltGraders = list[BuiltGrader]


class GraderCache:
    """Built graders, one per distinct spec; also the loader's grader checks."""

    def __init__(self, config: Config) -> None:
        self._context = BuildContext(targets=frozenset(config.target_names()))
        self._built: dict[str, BuiltGrader | ValueError] = {}
        # The loader shares one spec object among the lines that repeat it: looking
        # it up by identity spares a JSON dump per sample. The spec is kept so
        # that its id cannot be reused.
        self._by_object: dict[int, tuple[GraderSpec, BuiltGrader | ValueError]] = {}

    def get(self, spec: GraderSpec) -> BuiltGrader:
        """The built grader for ``spec``; ValueError says what is wrong with it."""
        known = self._by_object.get(id(spec))
        if known is not None:
            built = known[1]
        else:
            key = json.dumps(spec.to_json(), sort_keys=True, default=str)
            found = self._built.get(key)
            if found is None:
                try:
                    found = build(spec, self._context)
                except ValueError as exc:
                    found = exc  # a spec used on many lines is built (and fails) once
                self._built[key] = found
            built = found
            self._by_object[id(spec)] = (spec, built)
        if isinstance(built, ValueError):
            raise ValueError(str(built))
        return built

    def check_spec(self, spec: GraderSpec) -> None:
        """Raise ValueError if ``spec`` cannot be built."""
        self.get(spec)

    def check_sample(self, spec: GraderSpec, sample: Sample) -> None:
        """Raise ValueError if ``sample`` does not suit the grader (a spec that does
        not build is reported by ``check_spec`` alone)."""
        try:
            built = self.get(spec)
        except ValueError:
            return
        built.check(sample)

    def for_sample(self, sample: Sample) -> BuiltGraders:
        """``sample``'s graders, in order (its specs were vetted when it loaded)."""
        return [self.get(spec) for spec in sample.grader]


def load_checked(
    config: Config, paths: list[str], context_window: int | None, select: Select | None = None
) -> tuple[list[Suite], GraderCache]:
    """Load suites, graders and samples vetted line by line; all problems raise together.

    ``select`` (see ``plan.selection``) names the samples a run covers: only
    they are validated in full and held by the suites. The cache returned
    holds every grader those samples use (``for_sample``).
    """
    cache = GraderCache(config)
    suites = load_suites(paths, context_window=context_window, checks=cache, select=select)
    return suites, cache


__all__ = ["BuiltGraders", "GraderCache", "load_checked"]
