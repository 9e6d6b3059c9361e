"""Process exit codes: a public contract, documented in the README."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ExitStatus(IntEnum):
    OK = 0  # no error finding
    ERROR_FINDINGS = 1  # at least one error finding
    USAGE = 2  # bad arguments, unreadable file, invalid client property
    NO_BOOTSTRAP = 3  # no bootstrap server answered at all
    INTERNAL = 4  # a bug in listencheck: please report it
    UNAVAILABLE = 5  # a command needs an optional extra that is not installed (demo: the lab extra)
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM: a CI cancel or timeout, `docker stop`, the kubelet


class RunFailureKind(StrEnum):
    """Why a run measured nothing. Part of the JSON contract (``failure.kind``)."""

    USAGE = "usage"
    UNAVAILABLE = "unavailable"  # an optional extra the run needs is missing
    INTERRUPTED = "interrupted"
    TERMINATED = "terminated"
    INTERNAL = "internal"

    @property
    def status(self) -> ExitStatus:
        return ExitStatus[self.name]
