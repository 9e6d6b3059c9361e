"""The end-to-end check: what the real client library experiences with the user's settings.

The library runs in a forked worker (``probes/worker.py``) that streams what it
sees as it happens. This module folds those events into facts and ends the
stage as soon as the verdict is certain (``library_facts.settled``: every
advertised broker reached by the library, or failing both for listencheck's
own probes and for the library), at the library's own end, or at the budget.
A worker that died (librdkafka aborts on some malformed answers) is evidence,
reported with its exit status and last stderr line. Logs and stderr are
redacted, never printed as they are.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from listencheck.deadline import elapsed_ms
from listencheck.limits import CLIENT_TIMEOUT_FACTOR, MAX_BROKERS
from listencheck.models import ClientDetail, ClusterMetadata, Reason, StageError, StageResult
from listencheck.probes.budget import stage_within_deadline
from listencheck.probes.extra import BootstrapRun, BootstrapStage
from listencheck.probes.library_facts import LIBRARY, FactsBuilder, library_verdict, settled
from listencheck.probes.worker import MAX_LOG_LINES, ClientWorker, too_many_brokers

if TYPE_CHECKING:
    from listencheck.pipeline import BootstrapSpec

POLL_S = 0.005

OwnOutcomes = Callable[[], Mapping[int, bool | None] | None]


async def client_result(
    worker: ClientWorker, bootstrap: str, budget: float, patience: float, own: OwnOutcomes,
    redact: Callable[[str], str],
) -> StageResult[ClientDetail]:
    """The library's verdict for ``bootstrap``, as soon as it is certain, or at ``budget`` seconds.

    ``own`` tells, per advertised broker, whether listencheck's own probe reached it
    (see ``settled``), and returns the same object while nothing changed; ``patience``:
    how long the library may try a broker that both fail on before it counts as not
    reached.
    """
    start = time.monotonic()
    builder = FactsBuilder()
    judged: tuple[object, object, bool] | None = None  # what ``settled`` last saw (it is O(brokers))
    while True:
        died = worker.done.is_set()
        facts = builder.consume(worker.events(bootstrap))
        if worker.abandoned is not None and not facts.finished:
            return StageResult.skipped(worker.abandoned)
        outcomes, waited = own(), time.monotonic() - worker.started
        patient = waited >= patience
        if judged is None or facts is not judged[0] or outcomes is not judged[1] or patient != judged[2]:
            judged = (facts, outcomes, patient)
            if settled(facts, outcomes, waited, patience):
                return _redacted(library_verdict(facts, elapsed_ms(worker.started)), redact)
        if died:
            return _crashed(worker, redact)
        if time.monotonic() - start > budget:
            return _redacted(library_verdict(facts, elapsed_ms(worker.started), timed_out=True), redact)
        await asyncio.sleep(POLL_S)


class ClientProber(BootstrapStage):
    """The stage per bootstrap (Stage.CLIENT): started with the bootstrap, on the worker the run
    was given (forked before the run), it ends as soon as the library's verdict is certain."""

    waited_on = True  # once the brokers are probed, the run waits for the library only

    def __init__(self, run: BootstrapRun) -> None:
        self._run = run

    async def run(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[ClientDetail]:
        worker = self._run.client_worker
        if worker is None:
            return StageResult.skipped(_NOT_REQUESTED)
        timeout = self._run.options.timeout
        return await stage_within_deadline(
            self._run.deadline,
            lambda budget: client_result(
                worker, spec.servers, budget + 1.0, min(budget, timeout),
                lambda: self._run.own_outcomes(spec), self._run.redact),
            CLIENT_TIMEOUT_FACTOR,
        )

    def metadata_known(self, spec: BootstrapSpec, metadata: ClusterMetadata) -> None:
        """librdkafka starts a thread per advertised broker (~45 KiB each): past the broker
        limit the client-library check is stopped rather than let it grow (450 MiB at 10,000)."""
        count = len(metadata.detail.brokers)
        worker = self._run.client_worker
        if count > MAX_BROKERS and worker is not None:
            worker.abandon(too_many_brokers(metadata.source, count))

    def without_metadata(self, spec: BootstrapSpec) -> StageResult[ClientDetail]:
        # No bootstrap server answered listencheck: the library cannot do better, and waiting
        # for its timeout would only delay the report.
        return StageResult.not_run(
            Reason.UPSTREAM_FAILED, "not run: no bootstrap server gave listencheck metadata")

    def so_far(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[ClientDetail]:
        worker = self._run.client_worker
        if worker is None:
            return StageResult.skipped(_NOT_REQUESTED)
        answer = client_answer(worker, spec.servers, self._run.redact)
        return answer or StageResult.not_run(
            Reason.INTERRUPTED, "the run was interrupted before the client library answered")


_NOT_REQUESTED = "the client library check was not requested"


def client_answer(
    worker: ClientWorker, bootstrap: str, redact: Callable[[str], str]
) -> StageResult[ClientDetail] | None:
    """The library's verdict for ``bootstrap`` if it has finished (or the worker died), else None."""
    facts = FactsBuilder().consume(worker.events(bootstrap))
    if facts.finished:
        return _redacted(library_verdict(facts, elapsed_ms(worker.started)), redact)
    if worker.abandoned is not None:
        return StageResult.skipped(worker.abandoned)
    return _crashed(worker, redact) if worker.done.is_set() and not _interrupted(worker) else None


def _interrupted(worker: ClientWorker) -> bool:
    """The worker ended by the Ctrl-C that also interrupts the run (a terminal signals the group)."""
    status = worker.exit_status
    return status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT


def _redacted(result: StageResult[ClientDetail], redact: Callable[[str], str]) -> StageResult[ClientDetail]:
    detail = result.detail
    if detail is not None:
        detail = replace(detail, log=tuple(redact(line) for line in detail.log))
    error = result.error
    if error is not None:
        error = StageError(error.reason, redact(error.message))
    return replace(result, detail=detail, error=error)


def _crashed(worker: ClientWorker, redact: Callable[[str], str]) -> StageResult[ClientDetail]:
    status = worker.exit_status
    how = "ended without an answer"
    if status is not None and os.WIFSIGNALED(status):
        how = f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    elif status is not None and os.WIFEXITED(status):
        how = f"exited with code {os.WEXITSTATUS(status)}"
    stderr = redact(worker.stderr.decode("utf-8", "replace").strip())
    return StageResult.failure(
        elapsed_ms(worker.started), Reason.CLIENT_FAILED,
        f"the client library process {how}" + (f": {stderr.splitlines()[-1]}" if stderr else ""),
        ClientDetail(LIBRARY, error_code="CRASH", log=tuple(stderr.splitlines()[-MAX_LOG_LINES:])),
    )
