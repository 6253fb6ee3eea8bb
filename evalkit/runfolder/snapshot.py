"""samples/<suite>.jsonl: the samples exactly as the run saw them.

Re-grading, the reports and the DataFrame's needle columns read the
snapshot, never the suite files, which may have changed since the run.
Each file is written once, atomically, when the run folder is created (or
merged); a line that is not a sample is an error naming ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from evalkit.errors import ConfigError
from evalkit.runfolder.jsonl import (
    iter_object_chunks,
    model_line,
    read_models,
    read_objects,
    write_lines_atomic,
)
from evalkit.runfolder.layout import SAMPLES_DIR, samples_dir, samples_path, snapshot_suites
from evalkit.suite.schema import Sample


def write_snapshot(run_dir: Path, suites: Mapping[str, Iterable[Sample]]) -> None:
    """Write samples/<suite>.jsonl for each suite name -> its samples, in order."""
    samples_dir(run_dir).mkdir(exist_ok=True)
    for name, samples in suites.items():
        write_lines_atomic(samples_path(run_dir, name), (model_line(s) for s in samples))


def read_sample_dicts(run_dir: Path, suite: str) -> list[dict[str, Any]]:
    """One suite's snapshot as plain dicts, fast ([] when the run has no such file)."""
    return read_objects(samples_path(run_dir, suite), "sample")


def iter_sample_chunks(
    run_dir: Path, suite: str, size: int = 4096
) -> Iterator[list[dict[str, Any]]]:
    """One suite's snapshot as plain dicts, ``size`` at a time (bounded memory for bulk reads)."""
    return iter_object_chunks(samples_path(run_dir, suite), "sample", size)


def read_samples(run_dir: Path) -> dict[tuple[str, str], Sample]:
    """(suite, sample id) -> the validated sample, for every suite of the snapshot, in order.

    ConfigError when the run has no snapshot (a run folder always has one);
    RunFolderError naming the line and field of a sample that does not validate.
    """
    if not samples_dir(run_dir).is_dir():
        raise ConfigError(f"{run_dir} has no {SAMPLES_DIR}/ snapshot of its samples")
    return {
        (suite, sample.id): sample
        for suite in snapshot_suites(run_dir)
        for sample in read_models(samples_path(run_dir, suite), Sample, "sample")
    }


__all__ = ["iter_sample_chunks", "read_sample_dicts", "read_samples", "write_snapshot"]
