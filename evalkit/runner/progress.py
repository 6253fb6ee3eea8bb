"""The live progress bar of a run (rich), silent when output is not a terminal."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from evalkit.runfolder import Record


class RunProgress:
    """A progress bar with running counts: ok, errors, retries, accuracy so far."""

    def __init__(self, total: int, *, enabled: bool = True, label: str = "run") -> None:
        self.total = total
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> RunProgress:
        if not self.enabled:
            return self
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task(self.label, total=self.total, stats="")
        return self

    def update(self, record: Record, tally: Any) -> None:
        """Advance by one finished record."""
        if self._progress is None:
            return
        acc = tally.passed / tally.done if tally.done else 0.0
        stats = f"ok {tally.ok}  err {tally.errors}  retries {tally.retries}  acc {acc:.1%}"
        self._progress.update(self._task, advance=1, stats=stats)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)


__all__ = ["RunProgress"]
