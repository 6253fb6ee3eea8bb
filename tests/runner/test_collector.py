"""A run keeps the garbage collector off its data, and leaves the collector as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import write_suite

from evalkit.runner.plan import plan
from evalkit.runner.run import frozen_for_collector
from evalkit.suite import load_suite
from evalkit.suite.loader import bulk_allocation


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_no_collection_inside_a_bulk_allocation_and_the_objects_end_up_old() -> None:
    with bulk_allocation():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    old = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(m) in old for m in made)


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with bulk_allocation():
        pass
    assert not gc.isenabled()


def test_loading_and_planning_leave_the_collector_as_it_was(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path, 50))
    items = plan(["a", "b"], [suite])
    assert len(items) == 100
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_run_freezes_what_it_holds_and_thaws_it_after() -> None:
    held = [[i] for i in range(1000)]
    with frozen_for_collector():
        assert gc.get_freeze_count() >= len(held)
    assert gc.get_freeze_count() == 0


def test_what_someone_else_froze_stays_frozen() -> None:
    gc.freeze()
    theirs = gc.get_freeze_count()
    with frozen_for_collector(), bulk_allocation():
        pass
    assert gc.get_freeze_count() == theirs
