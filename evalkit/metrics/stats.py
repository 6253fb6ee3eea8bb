"""Error bars for eval scores: CLT and clustered standard errors, Wilson intervals.

The formulas follow Evan Miller, "Adding Error Bars to Evals" (arXiv
2411.00640): questions are a sample from a super-population, so a mean score
gets a standard error from the central limit theorem; items that share a
passage, a haystack or a template are not independent, and their SE is
computed over clusters (with inspect_ai's finite-cluster correction C/(C-1)).

The normal interval fails at small n and near 0 or 1: 3 correct of 3 has
SE 0 and the "interval" [1, 1], and 23 of 24 gives [87.8%, 103.8%]. So every
accuracy interval is ``accuracy_ci``'s Wilson score interval, which stays in
[0, 1] at any n, over an effective sample size that shrinks where items are
clustered (a design effect). A paired difference with few flips gets an exact
(sign test / McNemar) verdict from ``paired_ci``; see its docstring.
Pure Python: no numpy, so this module costs nothing to import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from evalkit.metrics.exact import clopper_pearson, sign_test, z_alpha

Z95 = 1.96
SMALL_N = 30  # below this many items (or non-zero differences) the normal interval is not trusted


@dataclass(frozen=True)
class CI:
    """A mean with its standard error and an interval.

    ``method`` says how the interval was made: "normal" (mean +- z SE),
    "wilson" (Wilson score interval of a proportion) or "exact" (from the
    exact binomial distribution of paired flips). ``se`` is always the
    CLT (or clustered) standard error.
    """

    mean: float
    se: float
    low: float
    high: float
    n: int
    clustered: bool
    method: str = "normal"

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly above or below 0 (NaN bounds never do)."""
        return self.low > 0 or self.high < 0


def _clt_se(scores: Sequence[float], mean: float) -> float:
    n = len(scores)
    if n < 2:
        return math.nan
    ss = math.fsum((s - mean) ** 2 for s in scores)
    return math.sqrt(ss / (n * (n - 1)))


def _clustered_se(scores: Sequence[float], clusters: Sequence[str | None], mean: float) -> float:
    # An item without a cluster id is a cluster of its own: it shares nothing.
    sums: dict[object, float] = {}
    for i, (s, c) in enumerate(zip(scores, clusters, strict=True)):
        key: object = ("", c) if c is not None else (None, i)
        sums[key] = sums.get(key, 0.0) + (s - mean)
    n_clusters = len(sums)
    if n_clusters < 2:
        return math.nan
    total = math.fsum(v * v for v in sums.values())
    return math.sqrt(total * n_clusters / (n_clusters - 1)) / len(scores)


def mean_ci(
    scores: Sequence[float],
    clusters: Sequence[str | None] | None = None,
    z: float = Z95,
) -> CI:
    """Mean of ``scores`` with its standard error and a ``z``-sigma interval.

    Without clusters: SE = sqrt(sum((s_i - mean)^2) / (n (n - 1))), i.e. the
    sample standard deviation over sqrt(n). With clusters (and at least one
    not None): SE = sqrt(C/(C-1) * sum_c (sum_{i in c} (s_i - mean))^2) / n,
    where an item whose cluster is None counts as a cluster of its own. The SE
    (and so the interval) is NaN when there are fewer than 2 items, or fewer
    than 2 clusters when clustered. The interval is not clipped to [0, 1].
    """
    values = [float(s) for s in scores]
    n = len(values)
    if clusters is not None and len(clusters) != n:
        raise ValueError(f"{len(clusters)} clusters for {n} scores")
    if n == 0:
        return CI(math.nan, math.nan, math.nan, math.nan, 0, False)
    mean = math.fsum(values) / n
    clustered = clusters is not None and any(c is not None for c in clusters)
    if clustered:
        assert clusters is not None
        se = _clustered_se(values, clusters, mean)
    else:
        se = _clt_se(values, mean)
    return CI(mean, se, mean - z * se, mean + z * se, n, clustered)


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` over ``n`` (possibly effective) trials."""
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z2 / (4 * n * n)) / denom
    # The interval always holds p; rounding must not push 1 of 1 below 1.
    return (max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p)))


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaNs when n is 0).

    Better than the normal interval for small n or proportions near 0 or 1,
    where the CLT interval collapses to a point or leaves [0, 1].
    """
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ValueError(f"k={k} successes is outside [0, n={n}]")
    return _wilson(k / n, n, z)


def _is_binary(values: Sequence[float], allowed: tuple[float, ...]) -> bool:
    return all(float(v) in allowed for v in values)


def _hull(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The smallest interval holding both (a NaN interval is left out)."""
    parts = [x for x in (a, b) if not (math.isnan(x[0]) or math.isnan(x[1]))]
    if not parts:
        return (math.nan, math.nan)
    return (min(p[0] for p in parts), max(p[1] for p in parts))


def _n_clusters(clusters: Sequence[str | None]) -> int:
    named = {c for c in clusters if c is not None}
    return len(named) + sum(1 for c in clusters if c is None)


def effective_n(ci: CI, clusters: Sequence[str | None] | None) -> float:
    """The number of independent items ``ci``'s scores are worth (Kish's n / design effect).

    Unclustered: n. Clustered: p(1 - p) / SE^2, the sample size at which a
    proportion p of independent 0/1 items would have the clustered SE,
    clamped to [number of clusters, n]: clustering never adds information,
    and C clusters that each hold one repeated answer are still worth C
    answers. When p is 0 or 1 (or the clustered SE is undefined) the design
    effect cannot be estimated, and the cautious end, the number of
    clusters, is used.
    """
    if not ci.clustered or clusters is None:
        return float(ci.n)
    n_clusters = _n_clusters(clusters)
    spread = ci.mean * (1 - ci.mean)
    if spread <= 0 or math.isnan(ci.se):
        return float(n_clusters)
    if ci.se <= 0:
        return float(ci.n)
    return min(float(ci.n), max(float(n_clusters), spread / (ci.se * ci.se)))


def accuracy_ci(
    scores: Sequence[float],
    clusters: Sequence[str | None] | None = None,
    z: float = Z95,
) -> CI:
    """The one interval of every accuracy: mean score, its SE, and a Wilson interval in [0, 1].

    ``low``/``high`` are the Wilson score interval of the mean p over the
    effective sample size (``effective_n``): n independent items, or fewer
    when items share a cluster (a needle haystack), by the design effect
    SE_clustered^2 / (p(1 - p) / n). Wilson holds at any n and near 0 or 1,
    where the normal interval collapses to a point or leaves [0, 1]; for
    scores between 0 and 1 (a judge's 0.5), p(1 - p) bounds their variance,
    so the interval is if anything wide. ``method`` is "wilson"; ``se`` is
    ``mean_ci``'s (CLT, or clustered), for readers who want it. Every table,
    report and gate shows accuracy through this function.
    """
    values = [float(s) for s in scores]
    ci = mean_ci(values, clusters, z)
    if ci.n == 0:
        return replace(ci, method="wilson")
    low, high = _wilson(min(max(ci.mean, 0.0), 1.0), effective_n(ci, clusters), z)
    return replace(ci, low=low, high=high, method="wilson")


@dataclass(frozen=True)
class PairedTest:
    """A paired difference (b - a): its interval, p-value and whether it is significant."""

    ci: CI
    p_value: float
    significant: bool
    n_pos: int
    n_neg: int


def paired_ci(
    diffs: Sequence[float],
    clusters: Sequence[str | None] | None = None,
    z: float = Z95,
) -> PairedTest:
    """The mean of per-item differences b - a, with an interval and a significance verdict.

    With at least ``SMALL_N`` non-zero differences and a positive SE: the
    normal interval of ``mean_ci`` (clustered if given), the normal p-value,
    and significant when the interval excludes 0. Otherwise (few flips, or
    every difference the same so that the SE is 0) the decision is exact:
    ``p_value`` is the two-sided sign test on the non-zero differences (the
    exact McNemar test on 0/1 scores), and significant needs p below the
    interval's level (0.05 for z = 1.96) as well as an interval that excludes
    0. When every difference is -1, 0 or 1 (0/1 scores) the interval is
    exact too (``method`` "exact"): the Clopper-Pearson interval of the share
    q of flips that go up, as (2q - 1) * flips / n. That interval holds the
    number of flips fixed, so it is widened to cover the normal interval
    (clustered when there are clusters), which carries that variation.
    Three items that all flip down thus give [-1, +0.42] and p = 0.25: not
    significant.
    """
    values = [float(d) for d in diffs]
    ci = mean_ci(values, clusters, z)
    n_pos = sum(1 for d in values if d > 0)
    n_neg = sum(1 for d in values if d < 0)
    flips = n_pos + n_neg
    alpha = z_alpha(z)
    if flips >= SMALL_N and ci.se > 0:
        p = math.erfc(abs(ci.mean / ci.se) / math.sqrt(2))
        return PairedTest(ci, p, ci.excludes_zero, n_pos, n_neg)
    p = sign_test(n_pos, n_neg)
    if flips and _is_binary(values, (-1.0, 0.0, 1.0)):
        q_low, q_high = clopper_pearson(n_pos, flips, alpha)
        share = flips / ci.n
        bounds = _hull(((2 * q_low - 1) * share, (2 * q_high - 1) * share), (ci.low, ci.high))
        ci = replace(ci, low=bounds[0], high=bounds[1], method="exact")
    return PairedTest(ci, p, p < alpha and ci.excludes_zero, n_pos, n_neg)


__all__ = [
    "CI",
    "SMALL_N",
    "Z95",
    "PairedTest",
    "accuracy_ci",
    "effective_n",
    "mean_ci",
    "paired_ci",
    "wilson",
]
