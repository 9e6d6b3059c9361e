"""`--wait`: run the whole check again until it passes or the time is up.

A new attempt starts only while the wait lasts, and every attempt runs to the
end under its own --deadline, so the last report is complete (never cut short
by the wait) and the command ends within wait + deadline. Progress goes to the
``progress`` callback (stderr), never into the report. Ctrl-C is not caught
here: it ends the wait at once, between or during attempts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from listencheck.models import Report

RETRY_INTERVAL = 1.0  # seconds between attempts; a failing attempt is usually fast


def until_passing(
    attempt: Callable[[], Report],
    wait_s: float,
    progress: Callable[[str], None],
    interval: float = RETRY_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """The first passing report, or the last one when ``wait_s`` has run out."""
    start = clock()
    number = 0
    while True:
        number += 1
        report = attempt()
        if report.result.interrupted:  # Ctrl-C during an attempt (the run returns what it had)
            raise KeyboardInterrupt
        elapsed = clock() - start
        if report.verdict.exit_code == 0:
            if number > 1:
                progress(f"listencheck: attempt {number} passed after {elapsed:.1f}s")
            return report
        left = wait_s - elapsed
        if left <= 0:
            progress(f"listencheck: still failing after {number} attempt(s) in {elapsed:.1f}s "
                     f"(--wait {wait_s:g}); the report is the last attempt's")
            return report
        pause = min(interval, left)
        progress(f"listencheck: attempt {number} failed (exit {report.verdict.exit_code}: "
                 f"{failure_summary(report)}); retrying in {pause:.1f}s, {left:.1f}s left")
        sleep(pause)


def failure_summary(report: Report, limit: int = 3) -> str:
    """The first findings that fail the run, as `CODE address`."""
    fail_on = report.result.settings.fail_on
    failing = [f for f in report.findings if f.severity.at_least(fail_on)]
    parts = [f"{f.code} {f.address}" if f.address else f.code for f in failing[:limit]]
    more = len(failing) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "") if parts else report.verdict.summary
