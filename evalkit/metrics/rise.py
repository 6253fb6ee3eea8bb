"""Did latency or cost rise between two runs? A seeded paired bootstrap of the ratio.

Two p90s of 40 to 180 requests each move by a third or more from run to run
on a jittery endpoint, so the ratio of two such numbers says little on its
own. The same samples ran in both runs, though, and a sample that is slow
(a long prompt, a long answer) is slow in both. So latency is compared
sample by sample: each shared sample's ratio current / baseline, and their
median, "the typical request took r times as long". Item difficulty cancels
in each ratio, the median shrugs off a few stalled requests, and a
bootstrap over the samples (resampling the pairs) says how far r could move
by the luck of the draw. Its lower confidence bound is what a gate acts on:
"the typical request is at least this much slower", with the stated
confidence. benchmarks/gate_noise.py measured this statistic against the
ratio of p90s: see docs/ci.md.

Cost is compared the same way on its mean per sample (a bill is a sum).
The resampling is seeded: the same two runs always give the same bounds, so
a gate's verdict does not change when it is run again. numpy is imported in
the function, so importing this module costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Statistic = Literal["median_ratio", "mean"]
RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 20240  # fixed: the verdict on two given runs must not change between calls


@dataclass(frozen=True)
class Rise:
    """How a measure moved from the baseline to the current run, with bootstrap bounds.

    ``ratio`` is the point estimate of current / baseline: for
    "median_ratio", the median of the per-sample ratios (paired) or the
    ratio of the medians (unpaired); for "mean", the ratio of the means.
    ``difference`` is its counterpart in the measure's unit (median of
    per-sample differences, difference of medians, difference of means).
    ``before``/``after`` are each run's median ("median_ratio") or mean.
    ``low``/``high`` bound ``ratio`` with one-sided ``confidence`` each; NaN
    when there is nothing to resample. ``n`` counts the pairs (unpaired: the
    smaller run).
    """

    statistic: Statistic
    before: float
    after: float
    ratio: float
    difference: float
    low: float
    high: float
    n: int
    paired: bool
    confidence: float


def _point(b: Any, a: Any, statistic: Statistic, paired: bool) -> tuple[float, float]:
    """(ratio, difference) of the whole samples."""
    import numpy as np

    if statistic == "mean":
        mb, ma = float(np.mean(b)), float(np.mean(a))
        return (ma / mb if mb > 0 else math.nan), ma - mb
    if paired:
        return float(np.exp(np.median(np.log(a / b)))), float(np.median(a - b))
    mb, ma = float(np.median(b)), float(np.median(a))
    return (ma / mb if mb > 0 else math.nan), ma - mb


def bootstrap_rise(
    before: Sequence[float],
    after: Sequence[float],
    *,
    statistic: Statistic = "median_ratio",
    paired: bool = True,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Rise:
    """The rise from ``before`` to ``after`` with a percentile-bootstrap bound each side.

    Paired: ``before[i]`` and ``after[i]`` are one sample in both runs (equal
    lengths); each resample draws n pair indices with replacement. For
    "median_ratio" the values must be positive (latencies); a pair with a
    value of 0 or less is left out. Unpaired: each run is resampled on its own.
    """
    import numpy as np

    if paired and len(before) != len(after):
        raise ValueError(f"paired samples need equal lengths, got {len(before)} and {len(after)}")
    b = np.asarray(before, dtype="float64")
    a = np.asarray(after, dtype="float64")
    if statistic == "median_ratio":
        if paired:
            keep = (b > 0) & (a > 0)
            b, a = b[keep], a[keep]
        else:
            b, a = b[b > 0], a[a > 0]
    n = len(b) if paired else min(len(b), len(a))
    centre = np.mean if statistic == "mean" else np.median
    before_c = float(centre(b)) if len(b) else math.nan
    after_c = float(centre(a)) if len(a) else math.nan
    if n == 0:
        nan = math.nan
        return Rise(statistic, before_c, after_c, nan, nan, nan, nan, 0, paired, confidence)
    ratio, difference = _point(b, a, statistic, paired)
    rng = np.random.default_rng(seed)
    idx_b = rng.integers(0, len(b), size=(resamples, len(b)))
    idx_a = idx_b if paired else rng.integers(0, len(a), size=(resamples, len(a)))
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "median_ratio" and paired:
            ratios = np.exp(np.median(np.log(a / b)[idx_b], axis=1))
        else:
            stat_b, stat_a = centre(b[idx_b], axis=1), centre(a[idx_a], axis=1)
            ratios = np.where(stat_b > 0, stat_a / stat_b, np.inf)
    # "lower"/"higher": no interpolation towards an infinite ratio, and the cautious side.
    low = float(np.quantile(ratios, 1 - confidence, method="lower"))
    high = float(np.quantile(ratios, confidence, method="higher"))
    return Rise(statistic, before_c, after_c, ratio, difference, low, high, n, paired, confidence)


__all__ = ["CONFIDENCE", "RESAMPLES", "SEED", "Rise", "Statistic", "bootstrap_rise"]
