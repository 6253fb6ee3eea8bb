"""Error-bar formulas against values worked out by hand (Miller 2024; inspect_ai's cluster SE).

Also the small-sample rule: Wilson and exact binomial intervals, the sign test.
"""

from __future__ import annotations

import math

import pytest

from evalkit.metrics import accuracy_ci, mean_ci, paired_ci, wilson
from evalkit.metrics.exact import binom_cdf, clopper_pearson, sign_test
from evalkit.metrics.stats import effective_n


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


# --- small samples: Wilson for accuracy, exact tests for paired differences ----------------

ALPHA = math.erfc(1.96 / math.sqrt(2))  # the two-sided level of a 1.96-sigma interval


def test_exact_binomial_tools_by_hand() -> None:
    # P(X <= 1), X ~ Bin(4, 0.3): 0.7^4 + 4 * 0.3 * 0.7^3
    assert binom_cdf(1, 4, 0.3) == pytest.approx(0.7**4 + 4 * 0.3 * 0.7**3)
    assert binom_cdf(4, 4, 0.3) == 1.0 and binom_cdf(-1, 4, 0.3) == 0.0
    low, high = clopper_pearson(8, 10)  # the textbook [0.444, 0.975]
    assert (low, high) == pytest.approx((0.4439, 0.9748), abs=1e-4)
    assert clopper_pearson(0, 3)[1] == pytest.approx(1 - 0.025 ** (1 / 3))
    assert clopper_pearson(3, 3) == pytest.approx((0.025 ** (1 / 3), 1.0))
    # sign test: twice the smaller binomial(1/2) tail, capped at 1
    assert sign_test(3, 0) == sign_test(0, 3) == 0.25
    assert sign_test(6, 0) == 1 / 32
    assert sign_test(10, 3) == pytest.approx(2 * (1 + 13 + 78 + 286) / 2**13)
    assert sign_test(0, 0) == sign_test(5, 5) == 1.0


@pytest.mark.parametrize("n", range(1, 11))
def test_accuracy_interval_is_wilson_and_inside_the_unit_interval_at_small_n(n: int) -> None:
    for k in range(n + 1):
        ci = accuracy_ci([1.0] * k + [0.0] * (n - k))
        assert ci.method == "wilson" and ci.n == n and ci.mean == pytest.approx(k / n)
        assert (ci.low, ci.high) == pytest.approx(wilson(k, n))
        assert 0.0 <= ci.low <= ci.mean <= ci.high <= 1.0
        assert ci.low < ci.high  # never a point, not even at 0 of n or n of n


@pytest.mark.parametrize("n", range(1, 11))
def test_all_pass_and_all_fail_touch_their_end_only(n: int) -> None:
    passed = accuracy_ci([1.0] * n)
    assert passed.high == 1.0 and 0.0 < passed.low < 1.0
    failed = accuracy_ci([0.0] * n)
    assert failed.low == 0.0 and 0.0 < failed.high < 1.0
    assert passed.low == pytest.approx(1 - failed.high)  # Wilson is symmetric in k <-> n - k


def test_the_reported_intervals_that_left_the_unit_interval() -> None:
    # The cases: 23 of 24 gave [91.1%, 100.5%]-like bounds; 8 samples gave
    # [-3.3%, 24.1%] and [40.9%, 103.3%] with the normal interval.
    for scores in ([1.0] * 23 + [0.0], [1.0] + [0.0] * 7, [1.0] * 6 + [0.0] * 2):
        normal = mean_ci(scores)
        assert normal.low < 0 or normal.high > 1
        ci = accuracy_ci(scores)
        assert 0.0 <= ci.low < ci.mean < ci.high <= 1.0


def test_large_samples_are_wilson_too_and_close_to_the_normal_interval() -> None:
    scores = [1.0, 0.0] * 200
    ci, normal = accuracy_ci(scores), mean_ci(scores)
    assert ci.method == "wilson" and ci.se == normal.se
    assert (ci.low, ci.high) == pytest.approx((normal.low, normal.high), abs=0.002)


def test_fractional_scores_stay_inside_and_are_no_narrower_than_binary() -> None:
    scores = [0.5, 1.0, 0.25, 0.75, 0.5]
    ci = accuracy_ci(scores)
    assert 0.0 <= ci.low < ci.mean < ci.high <= 1.0
    # p(1 - p) bounds the variance of scores in [0, 1]: the interval covers the normal one.
    normal = mean_ci(scores)
    assert ci.low <= normal.low and ci.high >= normal.high


def test_clustered_accuracy_shrinks_the_effective_sample_to_the_clusters() -> None:
    # Two haystacks, each answered the same way throughout: 10 items worth 2.
    scores = [1.0] * 5 + [0.0] * 5
    clusters = ["a"] * 5 + ["b"] * 5
    ci = accuracy_ci(scores, clusters)
    assert ci.clustered and ci.method == "wilson"
    assert effective_n(ci, clusters) == pytest.approx(2.0)
    assert (ci.low, ci.high) == pytest.approx(wilson(1, 2))
    unclustered = accuracy_ci(scores)
    assert ci.low < unclustered.low and ci.high > unclustered.high


def test_clustered_all_pass_uses_the_number_of_clusters() -> None:
    ci = accuracy_ci([1.0] * 12, ["a", "b", "c"] * 4)
    assert (ci.low, ci.high) == pytest.approx(wilson(3, 3))
    one = accuracy_ci([1.0, 0.0, 1.0], ["a", "a", "a"])  # one cluster: no SE at all
    assert one.clustered and math.isnan(one.se)
    assert (one.low, one.high) == pytest.approx(_wilson_p(2 / 3, 1))
    assert one.low >= 0.0 and one.high <= 1.0


def test_uncorrelated_clusters_keep_about_n() -> None:
    # Each cluster holds one pass and one fail: no cluster effect, n_eff = n (clamped).
    scores = [1.0, 0.0] * 10
    clusters = [c for c in "abcdefghij" for _ in range(2)]
    ci = accuracy_ci(scores, clusters)
    assert effective_n(ci, clusters) == 20.0
    assert (ci.low, ci.high) == pytest.approx(wilson(10, 20))


def _wilson_p(p: float, n: float) -> tuple[float, float]:
    z2 = 1.96**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = 1.96 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def test_three_flips_are_not_significant() -> None:
    test = paired_ci([-1, -1, -1])
    assert mean_ci([-1, -1, -1]).excludes_zero  # the normal interval says [-1, -1]
    assert test.p_value == 0.25 and not test.significant
    assert test.ci.method == "exact" and (test.n_pos, test.n_neg) == (0, 3)
    # Clopper-Pearson on 0 of 3 flips up, mapped to the difference by (2q - 1) * 3/3
    q_high = clopper_pearson(0, 3, ALPHA)[1]
    assert (test.ci.low, test.ci.high) == pytest.approx((-1.0, 2 * q_high - 1))
    assert test.ci.low < 0 < test.ci.high


def test_enough_one_way_flips_are_significant() -> None:
    diffs = [1.0] * 6 + [0.0] * 34
    test = paired_ci(diffs)
    assert test.p_value == 1 / 32 and test.significant
    normal = mean_ci(diffs)
    q_low = (ALPHA / 2) ** (1 / 6)  # Clopper-Pearson lower bound of 6 of 6
    assert test.ci.low == pytest.approx(min((2 * q_low - 1) * 6 / 40, normal.low))
    assert test.ci.high == pytest.approx(normal.high)  # the hull with the normal interval


def test_constant_fractional_differences_are_not_significant_at_small_n() -> None:
    test = paired_ci([0.5, 0.5, 0.5])
    assert test.ci.se == 0 and test.ci.excludes_zero  # normal: [0.5, 0.5]
    assert test.ci.method == "normal" and test.p_value == 0.25 and not test.significant


def test_many_flips_use_the_normal_rule() -> None:
    diffs = [1.0] * 25 + [-1.0] * 10 + [0.0] * 65
    test = paired_ci(diffs)
    normal = mean_ci(diffs)
    assert test.ci == normal and test.significant == normal.excludes_zero
    assert test.p_value == pytest.approx(math.erfc(abs(normal.mean / normal.se) / math.sqrt(2)))
