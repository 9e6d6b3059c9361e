"""`--wait` logic with a scripted sequence of attempts and a fake clock (the CLI tests run it for real)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from listencheck.failure import failure_report
from listencheck.models import Report, Verdict
from listencheck.wait import until_passing, with_wait

BASE = failure_report("usage", "scripted")  # any report: the wait reads only its verdict
PASS = dataclasses.replace(BASE, verdict=Verdict(0, 0, 0, 0, "every advertised listener works"))
FAIL = dataclasses.replace(BASE, verdict=Verdict(1, 1, 0, 0, "clients will fail"))


class Script:
    """Attempts that return the given reports, each taking one second of fake time."""

    def __init__(self, *reports: Report) -> None:
        self.reports: Iterator[Report] = iter(reports)
        self.now = 0.0
        self.lines: list[str] = []

    def attempt(self) -> Report:
        self.now += 1.0
        return next(self.reports)

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def run(self, wait_s: float, passes: int) -> tuple[Report, dict[str, object]]:
        outcome = until_passing(self.attempt, wait_s, self.lines.append, passes=passes, interval=1.0,
                                clock=lambda: self.now, sleep=self.sleep)
        report = with_wait(outcome.report, outcome.record)
        assert report.wait is not None
        return report, dataclasses.asdict(report.wait)


def test_a_flapping_listener_is_not_ready_until_it_passes_in_a_row() -> None:
    script = Script(PASS, FAIL, PASS, PASS, PASS)
    report, wait = script.run(wait_s=60, passes=2)
    assert report.verdict.exit_code == 0
    assert wait == {"wait_s": 60, "passes_required": 2, "attempts": 4, "consecutive_passes": 2,
                    "first_pass": 1, "ready_after_ms": 7000.0, "outcome": "ready"}
    assert "attempt 2 failed" in script.lines[1]


def test_one_pass_is_enough_by_default() -> None:
    report, wait = Script(FAIL, PASS).run(wait_s=60, passes=1)
    assert report.verdict.exit_code == 0
    assert wait["attempts"] == 2 and wait["first_pass"] == 2 and wait["outcome"] == "ready"


@pytest.mark.parametrize("last, code", [(PASS, 1), (FAIL, 1)])
def test_not_ready_when_the_wait_runs_out(last: Report, code: int) -> None:
    report, wait = Script(FAIL, FAIL, last).run(wait_s=4, passes=2)
    assert wait["outcome"] == "timed_out" and wait["attempts"] == 3
    assert report.verdict.exit_code == code  # one pass of the two asked for is not ready
    if last is PASS:
        assert report.verdict.summary.startswith("not ready: 1 of 2 passes in a row")


def test_interrupted_between_attempts_returns_the_last_report() -> None:
    script = Script(FAIL)

    def cancelled(seconds: float) -> None:
        raise KeyboardInterrupt

    outcome = until_passing(script.attempt, 60, script.lines.append, clock=lambda: script.now,
                            sleep=cancelled)
    assert outcome.report is FAIL and outcome.record.outcome == "interrupted"
    assert outcome.record.attempts == 1


def test_interrupted_before_any_attempt_returned_propagates() -> None:
    def cancelled() -> Report:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        until_passing(cancelled, 60, lambda line: None)
