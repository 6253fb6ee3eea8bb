"""The summary table `evalkit run` and `evalkit report` print: it fits the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import evalkit
from support.fakerun import make_run

ALL = (
    "target",
    "suite",
    "accuracy (95% CI)",
    "errors",
    "retries",
    "e2e p50",
    "e2e p90",
    "ttft p50",
    "tokens in/out",
    "cost",
)


def table_lines(stdout: str) -> list[str]:
    """The table's lines: its title, borders and rows."""
    return [line for line in stdout.splitlines() if line[:1] in "┏┃┡│└" or line.startswith("run ")]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("t") / "wide-run", n_samples=40, error_rate=0.05)


@pytest.mark.parametrize("columns", [80, 160])
def test_the_table_fits_the_terminal(run_dir: Path, columns: int) -> None:
    res = evalkit("report", str(run_dir), env={"COLUMNS": str(columns)}, cwd=run_dir.parent)
    assert res.returncode == 0, res.stderr
    lines = table_lines(res.stdout)
    assert len(lines) >= 6 + 5  # title, 3 header lines, 6 rows, bottom
    assert max(len(line) for line in lines) <= columns, "\n".join(lines)
    header = next(line for line in lines if line.startswith("┃"))
    # what stays whatever the width: who, what, how many, how well, and the price
    for name in ("target", "suite", " n ", "accuracy", "cost"):
        assert name in header
    if columns == 160:
        assert all(name in header for name in ALL), header
    else:
        assert "ttft p50" not in header and "e2e p50" not in header
    # one unit style for times, as in summary.md: ms below a second, never bare seconds
    rows = [line for line in lines if line.startswith("│")]
    if "e2e p90" in header:
        assert all(" ms │" in row or " s │" in row for row in rows)


def test_a_log_gets_every_column(run_dir: Path) -> None:
    res = evalkit("report", str(run_dir), env={"COLUMNS": ""}, cwd=run_dir.parent)
    assert res.returncode == 0, res.stderr
    header = next(line for line in table_lines(res.stdout) if line.startswith("┃"))
    assert all(name in header for name in ALL), header
