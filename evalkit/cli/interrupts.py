"""How the command line stops: Ctrl-C and SIGTERM become exit 130, quietly, whenever they come.

A CI runner stops a job with SIGTERM, a user with Ctrl-C; both must leave a
resumable run and a one-line message, never a traceback. Three things stand
in the way, and ``interrupt_handling`` deals with each while a command runs:

- SIGTERM kills by default: here it does what Ctrl-C does (inside a run's
  event loop that is asyncio's handler, which cancels the run cleanly).
- A KeyboardInterrupt that lands in a garbage-collection callback is
  swallowed ("Exception ignored in ...") and the work goes on: it is
  delivered again, and the command ends 130 even if it was not.
- A file size limit (``ulimit -f``) kills with SIGXFSZ: ignored, so that the
  write fails with EFBIG and the run ends as "could not write" (exit 3).
"""

from __future__ import annotations

import _thread
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TextIO

from evalkit.errors import EvalkitWarning


class InterruptState:
    """Whether an interrupt was swallowed somewhere before it could stop the command."""

    def __init__(self) -> None:
        self.swallowed = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIGINT ignored (a background job): stop all the same
        raise KeyboardInterrupt


@contextmanager
def interrupt_handling() -> Iterator[InterruptState]:
    """While inside, SIGTERM is Ctrl-C and no interrupt is lost (see the module docstring)."""
    state = InterruptState()
    previous_hook = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt):
            state.swallowed = True
            _thread.interrupt_main()  # again, outside the callback that swallowed it
            return
        previous_hook(info)

    previous_term = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_xfsz = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.unraisablehook = unraisable
    try:
        yield state
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGTERM, previous_term)
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
