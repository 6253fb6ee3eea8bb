"""What a run has left to do: targets x suites x samples x epochs, minus done work.

Which samples a run covers (``--limit``, ``--shard``) is decided by
``selection``, which the suite loader applies as it reads the lines, so that
only those samples are validated in full; ``plan`` takes every sample the
loaded suites hold. Resume is the same computation as a fresh run with a
non-empty ``done`` set, so there is one code path and no way for the two to
disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from evalkit.errors import ConfigError
from evalkit.runfolder import Key
from evalkit.suite.loader import Select, Suite, bulk_allocation
from evalkit.suite.schema import Sample


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One request to make: a sample of a suite, for a target, in an epoch."""

    target: str
    suite: str
    sample: Sample
    epoch: int

    @property
    def key(self) -> Key:
        return (self.target, self.suite, self.sample.id, self.epoch)


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> (2, 4); shards count from 1."""
    try:
        i_text, n_text = text.split("/")
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise ConfigError(f"--shard: expected i/n such as 1/4, got {text!r}") from None
    if n < 1 or not 1 <= i <= n:
        raise ConfigError(f"--shard: need 1 <= i <= n, got {text!r}")
    return i, n


def in_shard(suite: str, sample_id: str, shard: tuple[int, int] | None) -> bool:
    """Whether a sample belongs to a shard; every target and epoch of it goes together."""
    if shard is None:
        return True
    i, n = shard
    digest = hashlib.sha256(f"{suite}\0{sample_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n == i - 1


def selection(limit: int | None, shard: tuple[int, int] | None) -> Select | None:
    """The samples of each suite a run covers: the first ``limit``, then the shard's.

    None when the run covers every sample.
    """
    if limit is None and shard is None:
        return None

    def covers(suite: str, position: int, sample_id: str) -> bool:
        return (limit is None or position < limit) and in_shard(suite, sample_id, shard)

    return covers


def plan(
    targets: list[str],
    suites: list[Suite],
    *,
    epochs: int = 1,
    done: Iterable[Key] = (),
) -> list[WorkItem]:
    """Every item still to run, interleaved so that all targets progress together.

    Each suite's ``samples`` are the ones the run covers (see ``selection``).
    """
    skip = set(done)
    items: list[WorkItem] = []
    chosen: list[tuple[str, list[Sample]]] = [(s.name, s.samples) for s in suites]
    with bulk_allocation():  # an item per request: 100,000 of them would set off full collections
        for epoch in range(epochs):
            for suite_name, samples in chosen:
                for sample in samples:
                    for target in targets:
                        item = WorkItem(target, suite_name, sample, epoch)
                        if item.key not in skip:
                            items.append(item)
    return items


__all__ = ["WorkItem", "in_shard", "parse_shard", "plan", "selection"]
