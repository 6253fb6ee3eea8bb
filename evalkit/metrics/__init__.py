"""Records -> tidy DataFrames, error bars, paired differences, percentiles, cost.

The statistics follow Evan Miller, "Adding Error Bars to Evals" (arXiv
2411.00640). pandas and numpy are imported inside the functions, so importing
this package stays cheap.
"""

from evalkit.metrics.load import concat_runs, load_run, load_runs, to_parquet
from evalkit.metrics.stats import CI, mean_ci, wilson

__all__ = ["CI", "concat_runs", "load_run", "load_runs", "mean_ci", "to_parquet", "wilson"]
