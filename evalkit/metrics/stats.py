"""Error bars for eval scores: CLT and clustered standard errors, Wilson intervals.

The formulas follow Evan Miller, "Adding Error Bars to Evals" (arXiv
2411.00640): questions are a sample from a super-population, so a mean score
gets a standard error from the central limit theorem; items that share a
passage, a haystack or a template are not independent, and their SE is
computed over clusters (with inspect_ai's finite-cluster correction C/(C-1)).
Pure Python: no numpy, so this module costs nothing to import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.96


@dataclass(frozen=True)
class CI:
    """A mean with its standard error and a normal-approximation interval."""

    mean: float
    se: float
    low: float
    high: float
    n: int
    clustered: bool

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


__all__ = ["CI", "Z95", "mean_ci", "wilson"]
