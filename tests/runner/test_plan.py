"""Planning: interleaving, limits, shards (a partition), resume skips done keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import write_suite

from evalkit.errors import ConfigError
from evalkit.runner.plan import parse_shard, plan, selection
from evalkit.suite.loader import Suite, load_suites
from evalkit.suite.schema import Sample


def suite(name: str, n: int) -> Suite:
    samples = [Sample(id=f"{name}{i}", prompt="q", grader=["exact"]) for i in range(n)]
    return Suite(name=name, path=name, kind="chat", samples=samples, sha256="x")


def test_plan_covers_targets_suites_samples_epochs() -> None:
    items = plan(["a", "b"], [suite("s", 3), suite("t", 2)], epochs=2)
    assert len(items) == 2 * 5 * 2
    assert len({i.key for i in items}) == len(items)
    assert [i.target for i in items[:4]] == ["a", "b", "a", "b"]


def test_limit_takes_the_first_samples_of_each_suite(tmp_path: Path) -> None:
    paths = [write_suite(tmp_path, 10, "s"), write_suite(tmp_path, 2, "t")]
    suites = load_suites(paths, select=selection(3, None))
    assert [s.size for s in suites] == [10, 2]
    items = plan(["a"], suites)
    assert [(i.suite, i.sample.id) for i in items] == [
        ("s", "q0"),
        ("s", "q1"),
        ("s", "q2"),
        ("t", "q0"),
        ("t", "q1"),
    ]


def test_shards_partition_the_samples_and_keep_targets_together(tmp_path: Path) -> None:
    path = write_suite(tmp_path, 50, "s")
    full = {i.key for i in plan(["a", "b"], load_suites([path]))}
    parts = [
        {i.key for i in plan(["a", "b"], load_suites([path], select=selection(None, (k, 3))))}
        for k in (1, 2, 3)
    ]
    assert set().union(*parts) == full
    assert sum(len(p) for p in parts) == len(full)
    for part in parts:
        ids = {(k[1], k[2]) for k in part}
        assert all(("a", s, i, 0) in part and ("b", s, i, 0) in part for s, i in ids)


def test_resume_skips_done_keys() -> None:
    items = plan(["a"], [suite("s", 4)], done=[("a", "s", "s1", 0)])
    assert [i.sample.id for i in items] == ["s0", "s2", "s3"]


@pytest.mark.parametrize("text", ["0/2", "3/2", "x", "1-2", "1/0"])
def test_bad_shard_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(text)
