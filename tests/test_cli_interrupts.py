"""evalkit.cli.interrupts: no Ctrl-C is lost, SIGTERM is Ctrl-C, a file size limit is an error."""

from __future__ import annotations

import os
import signal
import time

import pytest

from evalkit.cli.interrupts import interrupt_handling


class SwallowsInterrupts:
    """Its finaliser is interrupted: Python can only print that and go on ("Exception ignored")."""

    def __del__(self) -> None:
        raise KeyboardInterrupt


def test_an_interrupt_lost_in_a_finaliser_is_delivered_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with interrupt_handling() as state:
        with pytest.raises(KeyboardInterrupt):
            SwallowsInterrupts()  # finalised at once, and its KeyboardInterrupt swallowed
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # the work goes on... until it comes again
                time.sleep(0.005)
        assert state.swallowed
    assert "Exception ignored" not in capsys.readouterr().err


def test_sigterm_is_ctrl_c_and_a_size_limit_does_not_kill() -> None:
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGXFSZ))
    with interrupt_handling(), pytest.raises(KeyboardInterrupt):
        assert signal.getsignal(signal.SIGXFSZ) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGXFSZ)) == before
