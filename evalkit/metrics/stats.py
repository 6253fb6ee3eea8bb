"""Error bars for eval scores: CLT and clustered standard errors, Wilson intervals.

The formulas follow Evan Miller, "Adding Error Bars to Evals" (arXiv
2411.00640): questions are a sample from a super-population, so a mean score
gets a standard error from the central limit theorem; items that share a
passage, a haystack or a template are not independent, and their SE is
computed over clusters (with inspect_ai's finite-cluster correction C/(C-1)).

The normal interval fails at small n: 3 correct of 3 has SE 0 and the
"interval" [1, 1]; 3 flips the same way have a paired SE of 0 and look
significant. So for 0/1 scores, when n < ``SMALL_N`` or the SE is 0,
``accuracy_ci`` gives the Wilson interval and ``paired_ci`` an exact
(sign test / McNemar) verdict; see their docstrings for the rule.
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


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaNs when n is 0).

    Better than the normal interval for small n or proportions near 0 or 1,
    where the CLT interval collapses to a point or leaves [0, 1].
    """
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ValueError(f"k={k} successes is outside [0, n={n}]")
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _is_binary(values: Sequence[float], allowed: tuple[float, ...]) -> bool:
    return all(float(v) in allowed for v in values)


def _hull(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The smallest interval holding both (a NaN interval is left out)."""
    parts = [x for x in (a, b) if not (math.isnan(x[0]) or math.isnan(x[1]))]
    if not parts:
        return (math.nan, math.nan)
    return (min(p[0] for p in parts), max(p[1] for p in parts))


def accuracy_ci(
    scores: Sequence[float],
    clusters: Sequence[str | None] | None = None,
    z: float = Z95,
) -> CI:
    """Mean score with its SE and interval: ``mean_ci``, or Wilson for 0/1 scores at small n.

    The rule: when every score is 0 or 1 and either n < ``SMALL_N`` or the SE
    is 0 or undefined, the interval is the Wilson score interval of k
    successes in n (``method`` "wilson"); with clusters it is widened to
    cover the clustered normal interval too, since Wilson assumes
    independent items. Otherwise it is the normal interval of ``mean_ci``.
    The SE is ``mean_ci``'s either way.
    """
    values = [float(s) for s in scores]
    ci = mean_ci(values, clusters, z)
    if ci.n == 0 or not _is_binary(values, (0.0, 1.0)) or (ci.n >= SMALL_N and ci.se > 0):
        return ci
    bounds = wilson(round(math.fsum(values)), ci.n, z)
    if ci.clustered:
        bounds = _hull(bounds, (ci.low, ci.high))
    return replace(ci, low=bounds[0], high=bounds[1], method="wilson")


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


__all__ = ["CI", "SMALL_N", "Z95", "PairedTest", "accuracy_ci", "mean_ci", "paired_ci", "wilson"]
