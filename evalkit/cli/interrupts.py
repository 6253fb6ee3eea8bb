"""How the command line stops: Ctrl-C and SIGTERM become exit 130, quietly, whenever they come.

A CI runner stops a job with SIGTERM, a user with Ctrl-C; both must leave a
resumable run and a one-line message, never a traceback. Three things stand
in the way, and ``interrupt_handling`` deals with each while a command runs:

- SIGTERM kills by default: here it does what Ctrl-C does (inside a run's
  event loop that is asyncio's handler, which cancels the run cleanly), for
  every command and every phase of one (``evalkit.cli.run._sigterm_as_ctrl_c``).
- A KeyboardInterrupt that lands in a garbage-collection callback is
  swallowed ("Exception ignored in ...") and the work goes on: here it is
  delivered again, quietly, and the command ends 130 even if the second
  one came too late to stop it.
- A file size limit (``ulimit -f``) kills with SIGXFSZ: ignored, so that the
  write fails with EFBIG and the run ends as "could not write" (exit 4).
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from evalkit.cli.run import _sigterm_as_ctrl_c
from evalkit.errors import EvalkitWarning

_REDELIVER_S = 0.05


class InterruptState:
    """Whether an interrupt was swallowed somewhere before it could stop the command."""

    def __init__(self) -> None:
        self.swallowed = False


@contextmanager
def interrupt_handling() -> Iterator[InterruptState]:
    """While inside, SIGTERM is Ctrl-C and no interrupt is lost (see the module docstring)."""
    state = InterruptState()
    previous_hook = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt):
            state.swallowed = True
            # Again, from another thread and a moment later: raised here, at once,
            # it would be swallowed by this hook in turn.
            timer = threading.Timer(_REDELIVER_S, _thread.interrupt_main)
            timer.daemon = True
            timer.start()
            return
        previous_hook(info)

    previous_xfsz = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.unraisablehook = unraisable
    try:
        with _sigterm_as_ctrl_c():
            yield state
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGXFSZ, previous_xfsz)


@contextmanager
def plain_warnings() -> Iterator[None]:
    """evalkit's own warnings print as "warning: ..." lines on stderr; others as usual."""
    previous = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, EvalkitWarning):
            print(f"warning: {message}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


__all__ = ["InterruptState", "interrupt_handling", "plain_warnings"]
