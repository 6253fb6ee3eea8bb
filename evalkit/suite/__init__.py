"""Suites: the sample contract, loading with file:line errors, and generators."""

from evalkit.suite.generators import GenContext, generator
from evalkit.suite.loader import Suite, load_suite, load_suites
from evalkit.suite.schema import GraderSpec, Sample, SuiteManifest

__all__ = [
    "GenContext",
    "GraderSpec",
    "Sample",
    "Suite",
    "SuiteManifest",
    "generator",
    "load_suite",
    "load_suites",
]
