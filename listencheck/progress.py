"""Where a run stands, for a live status line: the stage, brokers done/total, what it waits for.

The pipeline reports to a ``ProgressTracker``; the tracker hands a frozen
``Progress`` to an observer (the CLI's status line on a terminal) at each change.
Nothing here prints: the core only tells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from listencheck.address import Endpoint


class Phase(StrEnum):
    """What a run is busy with, as the status line names it."""

    BOOTSTRAP = "bootstrap"
    BROKERS = "brokers"
    CLIENT = "client library"
    DONE = "done"


@dataclass(frozen=True)
class Progress:
    stage: Phase
    brokers_done: int
    brokers_total: int
    waiting_for: tuple[str, ...]  # addresses still being probed, or the client library


Observer = Callable[[Progress], None]
CLIENT_LIBRARY = "the client library (librdkafka)"


class ProgressTracker:
    """Counts probes and client-library checks as the run starts and finishes them."""

    def __init__(self, observer: Observer | None) -> None:
        self._observer = observer
        self._servers: set[Endpoint] = set()
        self._brokers: set[Endpoint] = set()
        self._done: set[Endpoint] = set()
        self._clients = 0

    def servers(self, endpoints: Iterable[Endpoint]) -> None:
        self._servers.update(endpoints)
        self._tell()

    def brokers(self, endpoints: Iterable[Endpoint]) -> None:
        self._brokers.update(endpoints)
        self._tell()

    def finished(self, endpoint: Endpoint) -> None:
        self._done.add(endpoint)
        self._tell()

    def client(self, waiting: bool) -> None:
        self._clients += 1 if waiting else -1
        self._tell()

    def snapshot(self) -> Progress:
        brokers_done = len(self._brokers & self._done)
        pending_servers = sorted(str(e) for e in self._servers - self._done - self._brokers)
        pending_brokers = sorted(str(e) for e in self._brokers - self._done)
        if pending_servers and not self._brokers:
            stage, waiting = Phase.BOOTSTRAP, tuple(pending_servers)
        elif pending_brokers or pending_servers:
            stage, waiting = Phase.BROKERS, tuple(pending_brokers or pending_servers)
        elif self._clients > 0:
            stage, waiting = Phase.CLIENT, (CLIENT_LIBRARY,)
        else:
            stage, waiting = Phase.DONE, ()
        return Progress(stage, brokers_done, len(self._brokers), waiting)

    def _tell(self) -> None:
        if self._observer is not None:
            self._observer(self.snapshot())


def progress_line(progress: Progress, shown: int = 2) -> str:
    """One line: `brokers 2/5 · waiting for kafka-1:9092, kafka-2:9092 +1`."""
    parts: list[str] = [progress.stage]
    if progress.brokers_total:
        parts[0] = (f"{progress.stage} {progress.brokers_done}/{progress.brokers_total}"
                    if progress.stage is Phase.BROKERS else progress.stage)
        if progress.stage is not Phase.BROKERS:
            parts.append(f"brokers {progress.brokers_done}/{progress.brokers_total}")
    waiting = progress.waiting_for
    if waiting:
        more = f" +{len(waiting) - shown}" if len(waiting) > shown else ""
        parts.append(f"waiting for {', '.join(waiting[:shown])}{more}")
    return " · ".join(parts)
