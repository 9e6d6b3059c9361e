"""`--wait`: run the whole check again until it passes or the time is up.

A new attempt starts only while the wait lasts, and every attempt runs to the
end under its own --deadline, so the last report is complete (never cut short
by the wait) and the command ends within wait + deadline. ``passes`` consecutive
passing attempts mean ready (--wait-passes: a flapping listener passes once).
Progress goes to the ``progress`` callback (stderr), never into the report; what
the wait did goes into it as a WaitRecord. Ctrl-C (or SIGTERM) ends the wait at
once: during an attempt the attempt's partial report is returned, between
attempts the last complete one, either way with the outcome ``interrupted``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from listencheck.models import Report, WaitEnd, WaitRecord
from listencheck.status import ExitStatus

RETRY_INTERVAL = 1.0  # seconds between attempts; a failing attempt is usually fast


@dataclass(frozen=True)
class WaitOutcome:
    report: Report  # the last attempt's
    record: WaitRecord


def until_passing(
    attempt: Callable[[], Report],
    wait_s: float,
    progress: Callable[[str], None],
    passes: int = 1,
    interval: float = RETRY_INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitOutcome:
    """Attempts until ``passes`` in a row have passed, or ``wait_s`` has run out.

    Raises KeyboardInterrupt only when interrupted before the first attempt returned.
    """
    start = clock()
    number = streak = 0
    first_pass: int | None = None
    report: Report | None = None

    def outcome(kind: WaitEnd, ready_after: float | None = None) -> WaitOutcome:
        assert report is not None
        return WaitOutcome(report, WaitRecord(
            wait_s, passes, number, streak, first_pass,
            None if ready_after is None else round(ready_after * 1000, 1), kind))

    try:
        while True:
            report = attempt()
            number += 1
            if report.result.interrupted:  # Ctrl-C during an attempt: the run returned what it had
                streak = 0
                return outcome(WaitEnd.INTERRUPTED)
            elapsed = clock() - start
            if report.verdict.exit_code == 0:
                streak += 1
                first_pass = first_pass or number
                if streak >= passes:
                    if number > 1:
                        progress(f"listencheck: attempt {number} passed after {elapsed:.1f}s"
                                 + (f" ({passes} passes in a row)" if passes > 1 else ""))
                    return outcome(WaitEnd.READY, elapsed)
            else:
                streak = 0
            left = wait_s - elapsed
            if left <= 0:
                state = (f"only {streak} of {passes} passes in a row" if streak else "still failing")
                progress(f"listencheck: {state} after {number} attempt(s) in {elapsed:.1f}s "
                         f"(--wait {wait_s:g}); the report is the last attempt's")
                return outcome(WaitEnd.TIMED_OUT)
            pause = min(interval, left)
            if streak:
                progress(f"listencheck: attempt {number} passed ({streak} of {passes} in a row); "
                         f"again in {pause:.1f}s, {left:.1f}s left")
            else:
                progress(f"listencheck: attempt {number} failed (exit {report.verdict.exit_code}: "
                         f"{failure_summary(report)}); retrying in {pause:.1f}s, {left:.1f}s left")
            sleep(pause)
    except KeyboardInterrupt:
        if report is None:
            raise
        streak = 0 if report.verdict.exit_code else streak
        return outcome(WaitEnd.INTERRUPTED)


def with_wait(report: Report, record: WaitRecord) -> Report:
    """The report carrying its wait record; a passing report fails when the wait was not met
    (fewer consecutive passes than --wait-passes asked for)."""
    verdict = report.verdict
    if verdict.exit_code == ExitStatus.OK and record.outcome is WaitEnd.TIMED_OUT:
        verdict = dataclasses.replace(
            verdict, exit_code=int(ExitStatus.ERROR_FINDINGS),
            summary=f"not ready: {record.consecutive_passes} of {record.passes_required} passes in a row "
                    f"(--wait-passes) before --wait {record.wait_s:g}s ran out; the last attempt: "
                    f"{verdict.summary}")
    return dataclasses.replace(report, verdict=verdict, wait=record)


def failure_summary(report: Report, limit: int = 3) -> str:
    """The first findings that fail the run, as `CODE address`."""
    fail_on = report.result.settings.fail_on
    failing = [f for f in report.findings if f.severity.at_least(fail_on)]
    parts = [f"{f.code} {f.address}" if f.address else f.code for f in failing[:limit]]
    more = len(failing) - limit
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "") if parts else report.verdict.summary
