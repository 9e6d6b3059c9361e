"""The end-to-end check: what the real client library experiences with the user's settings.

The library runs in a forked worker (``probes/worker.py``); this module waits
for its answer within the stage's budget and turns it into a stage result. A
worker that died (librdkafka aborts on some malformed answers) is evidence,
reported with its exit status and last stderr line. Logs and stderr are
redacted, never printed as they are.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable

from listencheck.deadline import elapsed_ms
from listencheck.models import AdvertisedBroker, ClientDetail, Reason, StageResult
from listencheck.probes.worker import MAX_LOG_LINES, ClientWorker

LIBRARY = "confluent-kafka"
POLL_S = 0.002


async def client_result(
    worker: ClientWorker, bootstrap: str, timeout: float, redact: Callable[[str], str]
) -> StageResult[ClientDetail]:
    """The worker's answer for ``bootstrap``, or a timeout after ``timeout`` seconds."""
    start = time.monotonic()
    while not worker.answered(bootstrap):
        if time.monotonic() - start > timeout:
            return StageResult.failure(
                elapsed_ms(worker.started), Reason.TIMEOUT,
                f"the client library gave no answer within {timeout:.1f}s",
                ClientDetail(LIBRARY),
            )
        await asyncio.sleep(POLL_S)
    answer = client_answer(worker, bootstrap, redact)
    return answer if answer is not None else _crashed(worker, redact)


def client_answer(
    worker: ClientWorker, bootstrap: str, redact: Callable[[str], str]
) -> StageResult[ClientDetail] | None:
    """The worker's answer for ``bootstrap`` if it has come (or the worker died), else None."""
    item = worker.results.get(bootstrap)
    if item is not None:
        return _to_stage(item, redact)
    if worker.abandoned is not None:
        return StageResult.skipped(worker.abandoned)
    return _crashed(worker, redact) if worker.done.is_set() else None


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


def _to_stage(item: dict[str, object], redact: Callable[[str], str]) -> StageResult[ClientDetail]:
    log = tuple(redact(str(line)) for line in item.get("log", []))  # type: ignore[attr-defined]
    library = str(item.get("library", LIBRARY))
    ms = float(item.get("elapsed_ms", 0.0))  # type: ignore[arg-type]
    if "error_code" in item:
        code = str(item["error_code"])
        detail = ClientDetail(library, error_code=code, log=log)
        return StageResult.failure(
            ms, Reason.CLIENT_FAILED,
            redact(f"librdkafka metadata request failed: {code}: {item.get('error', '')}"), detail,
        )
    brokers = tuple(AdvertisedBroker(int(b[0]), str(b[1]), int(b[2]))
                    for b in item.get("brokers", []))  # type: ignore[attr-defined]
    cluster = item.get("cluster_id")
    unreachable = tuple((int(n), str(code)) for n, code in item.get("unreachable", []))  # type: ignore[attr-defined]
    detail = ClientDetail(library, str(cluster) if cluster else None, brokers, log=log,
                          unreachable=unreachable)
    if unreachable:
        which = ", ".join(f"{n} ({code})" for n, code in unreachable)
        return StageResult.failure(
            ms, Reason.CLIENT_FAILED, f"librdkafka got metadata but could not talk to broker {which}", detail)
    return StageResult.passed(ms, detail)
