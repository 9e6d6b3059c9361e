"""A report for a run that measured nothing: a usage error, a cancel before any result, a bug.

CI reads the JUnit or JSON file, not the log: an empty file there shows up as a
parse error instead of the cause. So every exit path writes a document in the
requested format, and this is the one it writes when there is no measurement.
"""

from __future__ import annotations

from datetime import UTC, datetime

from listencheck.models import CheckResult, Report, RunFailure, Settings
from listencheck.status import RunFailureKind


def failure_report(kind: RunFailureKind, message: str, vantage: str | None = None) -> Report:
    """An empty report whose verdict (exit status and summary) is the failure."""
    from listencheck.analysis import build_report
    from listencheck.vantage import local_vantage

    kind = RunFailureKind(kind)  # ValueError for an unknown kind
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    stopped_by = {RunFailureKind.INTERRUPTED: "SIGINT", RunFailureKind.TERMINATED: "SIGTERM"}.get(kind)
    result = CheckResult(
        started_at=now, finished_at=now, duration_ms=0.0, vantage=local_vantage(vantage),
        settings=Settings(timeout_s=0.0, deadline_s=0.0, security_protocol="PLAINTEXT", client_properties=()),
        bootstraps=(), interrupted=stopped_by is not None, stopped_by=stopped_by,
        failure=RunFailure(kind, message),
    )
    return build_report(result)
