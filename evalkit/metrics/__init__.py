"""Records -> tidy DataFrames, error bars, paired differences, percentiles, cost.

One row per record (``load_run``), then tables per arm x suite. Accuracy
counts an error as 0 (see ``accuracy_table``). The statistics follow Evan
Miller, "Adding Error Bars to Evals" (arXiv 2411.00640), with exact small-sample
intervals and tests for 0/1 scores (see ``stats``). pandas and numpy are
imported inside the functions, so importing this package stays cheap.
"""

from evalkit.metrics.compare import flips, paired, paired_diff
from evalkit.metrics.load import concat_runs, load_run, load_runs, to_parquet
from evalkit.metrics.stats import CI, PairedTest, accuracy_ci, mean_ci, paired_ci, wilson
from evalkit.metrics.tables import (
    accuracy_table,
    cost_table,
    latency_table,
    percentile,
    summary_table,
)
from evalkit.metrics.views import needle_calibration, needle_grid, timeline

__all__ = [
    "CI",
    "PairedTest",
    "accuracy_ci",
    "accuracy_table",
    "concat_runs",
    "cost_table",
    "flips",
    "latency_table",
    "load_run",
    "load_runs",
    "mean_ci",
    "needle_calibration",
    "needle_grid",
    "paired",
    "paired_ci",
    "paired_diff",
    "percentile",
    "summary_table",
    "timeline",
    "to_parquet",
    "wilson",
]
