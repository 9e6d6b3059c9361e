"""SIGTERM is a cancel, like Ctrl-C: GitLab's cancel and timeout, the kubelet and `docker stop` send it.

The first SIGTERM does what the first SIGINT does (whatever SIGINT's handler is
at that moment: asyncio's cancels the run, which returns the report measured
so far; Python's raises KeyboardInterrupt), and is remembered so the report and
the exit status (143, not 130) can say which signal ended the run. A second
signal of either kind ends the run at once.
"""

from __future__ import annotations

import signal
from types import FrameType

from listencheck.status import ExitStatus

_received: set[str] = set()


def install() -> None:
    """Route SIGTERM through SIGINT's handler from now on (call once, early, in the main thread)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _received.add("SIGTERM")
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:  # SIGINT ignored or default: still a cancel
        raise KeyboardInterrupt


def stop_signal() -> str:
    """The signal that cancelled the run: SIGTERM if one arrived, else SIGINT (Ctrl-C)."""
    return "SIGTERM" if "SIGTERM" in _received else "SIGINT"


def exit_status(stopped_by: str | None) -> ExitStatus:
    return ExitStatus.TERMINATED if stopped_by == "SIGTERM" else ExitStatus.INTERRUPTED
