"""Error-bar formulas against values worked out by hand (Miller 2024; inspect_ai's cluster SE)."""

from __future__ import annotations

import math

import pytest

from evalkit.metrics import mean_ci, wilson


def test_clt_standard_error_by_hand() -> None:
    # mean 0.75; sum of squared deviations 3 * 0.0625 + 0.5625 = 0.75; n(n-1) = 12
    ci = mean_ci([1, 0, 1, 1])
    assert ci.mean == pytest.approx(0.75)
    assert ci.se == pytest.approx(0.25)
    assert (ci.low, ci.high) == pytest.approx((0.75 - 1.96 * 0.25, 0.75 + 1.96 * 0.25))
    assert ci.n == 4 and not ci.clustered


def test_clt_is_sample_sd_over_sqrt_n() -> None:
    scores = [0.2, 0.9, 0.4, 0.4, 1.0, 0.0, 0.7]
    mean = sum(scores) / len(scores)
    sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1))
    assert mean_ci(scores).se == pytest.approx(sd / math.sqrt(len(scores)))


def test_clustered_standard_error_by_hand() -> None:
    # mean 0.5; cluster sums of deviations: a = +1, b = -1, c = 0 -> sum of squares 2;
    # finite-cluster correction C/(C-1) = 3/2 -> sqrt(3) / n with n = 6
    ci = mean_ci([1, 1, 0, 0, 1, 0], clusters=["a", "a", "b", "b", "c", "c"])
    assert ci.clustered
    assert ci.se == pytest.approx(math.sqrt(3) / 6)
    assert ci.low == pytest.approx(0.5 - 1.96 * math.sqrt(3) / 6)


def test_items_without_cluster_are_their_own_cluster() -> None:
    # a: 0.5 - 0.5 = 0; the two unclustered items: +0.5 and -0.5 -> 0.5; C = 3 -> * 1.5
    ci = mean_ci([1, 0, 1, 0], clusters=["a", "a", None, None])
    assert ci.se == pytest.approx(math.sqrt(0.75) / 4)


def test_singleton_clusters_reduce_to_the_clt_error() -> None:
    scores = [1, 0, 0, 1, 1, 1, 0, 1]
    clustered = mean_ci(scores, clusters=[str(i) for i in range(len(scores))])
    assert clustered.clustered
    assert clustered.se == pytest.approx(mean_ci(scores).se)


def test_clustering_widens_the_interval_for_correlated_items() -> None:
    scores = [1] * 10 + [0] * 10
    clusters = ["x"] * 10 + ["y"] * 5 + ["z"] * 5
    assert mean_ci(scores, clusters).se > mean_ci(scores).se


def test_all_none_clusters_mean_unclustered() -> None:
    ci = mean_ci([1, 0, 1], clusters=[None, None, None])
    assert not ci.clustered
    assert ci.se == pytest.approx(mean_ci([1, 0, 1]).se)


@pytest.mark.parametrize(
    ("scores", "clusters"),
    [([], None), ([1.0], None), ([1, 0, 1], ["a", "a", "a"])],
)
def test_too_few_items_or_clusters_give_nan(
    scores: list[float], clusters: list[str] | None
) -> None:
    ci = mean_ci(scores, clusters)
    assert math.isnan(ci.se) and math.isnan(ci.low) and math.isnan(ci.high)
    assert not ci.excludes_zero


def test_cluster_count_must_match() -> None:
    with pytest.raises(ValueError, match="2 clusters for 3 scores"):
        mean_ci([1, 0, 1], clusters=["a", "b"])


def test_wilson_by_hand() -> None:
    # 8 of 10: centre (0.8 + 1.96^2/20) / (1 + 1.96^2/10), the textbook [0.490, 0.943]
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_stays_inside_unit_interval_at_the_edges() -> None:
    low, high = wilson(0, 10)
    assert low == 0.0 and 0 < high < 0.35
    low, high = wilson(10, 10)
    assert high == 1.0 and 0.65 < low < 1
    assert all(math.isnan(x) for x in wilson(0, 0))
    with pytest.raises(ValueError):
        wilson(11, 10)
