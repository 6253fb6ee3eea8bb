"""evalkit.plot: the report's charts as matplotlib figures, from a load_run/load_runs frame."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from support.fakerun import make_run

import evalkit
from evalkit import metrics, plot


@pytest.fixture(scope="module")
def df(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return evalkit.load_run(make_run(tmp_path_factory.mktemp("plot") / "run", n_samples=30))


def legend(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]


def test_each_chart_is_a_figure_with_the_arms_in_order(df: pd.DataFrame) -> None:
    figures = {
        "accuracy": plot.accuracy(df),
        "latency": plot.latency_cdf(df),
        "cost": plot.cost_vs_accuracy(df),
    }
    for fig in figures.values():
        assert isinstance(fig, Figure)
    assert legend(figures["accuracy"]) == ["sim", "sim-strong"]
    assert legend(figures["latency"]) == ["sim", "sim-strong"]
    assert legend(figures["cost"]) == ["sim", "sim-strong"]
    titles = [ax.get_title(loc="left") for ax in figures["latency"].axes]
    assert titles == ["Time to first token", "End-to-end latency"]


def test_accuracy_bars_and_whiskers_are_the_metrics(df: pd.DataFrame) -> None:
    acc = metrics.accuracy_table(df, by=("arm", "suite")).reset_index()
    fig = plot.accuracy(df)
    ax = fig.axes[0]
    heights = [round(p.get_height(), 9) for p in ax.patches]
    expected = [
        round(float(acc[(acc["arm"] == arm) & (acc["suite"] == suite)]["accuracy"].iloc[0]), 9)
        for arm in ("sim", "sim-strong")
        for suite in ("chat", "needle", "tools")
    ]
    assert heights == expected
    assert [t.get_text() for t in ax.get_xticklabels()] == ["chat", "needle", "tools"]


def test_several_runs_draw_one_series_per_run_and_target(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", n_samples=10, targets=("sim",), seed=1)
    b = make_run(tmp_path / "b", n_samples=10, targets=("sim",), seed=2)
    both = evalkit.load_runs([a, b])
    assert legend(plot.latency_cdf(both)) == ["a/sim", "b/sim"]
    assert legend(plot.cost_vs_accuracy(both)) == ["a/sim", "b/sim"]
    colors = plot.arm_colors(plot.arms(both))
    assert colors == {"a/sim": plot.PALETTE[0], "b/sim": plot.PALETTE[1]}


def test_cdf_is_downsampled_but_exact_at_the_ends() -> None:
    values = np.random.default_rng(0).lognormal(-3, 0.5, 50_000)
    x, y = plot.cdf_points(values)
    assert len(x) == len(y) == plot.CDF_POINTS
    assert x[0] == values.min() and x[-1] == values.max() and y[-1] == 1.0
    assert np.all(np.diff(x) >= 0)
    small_x, small_y = plot.cdf_points([3.0, 1.0, 2.0])
    assert list(small_x) == [1.0, 2.0, 3.0] and list(small_y) == pytest.approx([1 / 3, 2 / 3, 1])


def test_importing_it_imports_nothing_heavy() -> None:
    code = (
        "import sys, evalkit.plot, evalkit; evalkit.plot.arm_colors(['a']); "
        "print(sorted(m for m in ('matplotlib', 'pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_notebook_shows_a_figure_without_pyplot(df: pd.DataFrame) -> None:
    png = plot.accuracy(df)._repr_png_()  # what IPython displays
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert "matplotlib.pyplot" not in sys.modules
