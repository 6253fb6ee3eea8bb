"""Exact binomial tools for small samples: tail sums, Clopper-Pearson bounds, the sign test.

The normal (CLT) interval needs enough items and some spread: three correct
answers out of three give SE 0 and the interval [1, 1]. These exact
alternatives hold at any n. Pure Python (``math.lgamma`` and bisection, no
scipy), so importing this module costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

_BISECT_STEPS = 80  # halves [0, 1] to below 1e-24: far past float precision


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (stable for large n)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    head = math.lgamma(n + 1)
    terms = (
        math.exp(head - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        for i in range(k + 1)
    )
    return min(1.0, math.fsum(terms))


def _solve(f: Callable[[float], float], target: float, increasing: bool) -> float:
    """The p in [0, 1] where the monotone ``f(p)`` crosses ``target`` (bisection)."""
    lo, hi = 0.0, 1.0
    for _ in range(_BISECT_STEPS):
        mid = (lo + hi) / 2
        above = f(mid) > target
        if above == increasing:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """The exact (Clopper-Pearson) 1 - ``alpha`` interval for ``k`` successes in ``n`` trials.

    Lower bound: the p at which P(X >= k) = alpha/2 (0 when k = 0); upper:
    the p at which P(X <= k) = alpha/2 (1 when k = n). NaNs when n is 0.
    """
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= k <= n:
        raise ValueError(f"k={k} successes is outside [0, n={n}]")
    half = alpha / 2
    low = 0.0 if k == 0 else _solve(lambda p: 1.0 - binom_cdf(k - 1, n, p), half, True)
    high = 1.0 if k == n else _solve(lambda p: binom_cdf(k, n, p), half, False)
    return (low, high)


def sign_test(n_pos: int, n_neg: int) -> float:
    """Two-sided exact sign test p-value: are positive and negative differences equally likely?

    Ties (zero differences) are left out, as the test prescribes; on 0/1
    scores this is the exact McNemar test on the flips. The p-value is twice
    the smaller tail, capped at 1; 1.0 when there is no non-zero difference.
    Computed in integers, so it is exact for any n.
    """
    m = n_pos + n_neg
    if m == 0:
        return 1.0
    tail = sum(math.comb(m, i) for i in range(min(n_pos, n_neg) + 1))
    return min(1.0, 2 * tail / (1 << m))


def z_alpha(z: float) -> float:
    """The two-sided significance level of a ``z``-sigma normal interval (1.96 -> 0.05)."""
    return math.erfc(z / math.sqrt(2))


__all__ = ["binom_cdf", "clopper_pearson", "sign_test", "z_alpha"]
