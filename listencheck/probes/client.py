"""The end-to-end check: what the real client library experiences with the user's settings.

confluent-kafka (librdkafka) bootstraps, reads metadata and then talks to the
advertised brokers exactly as the user's application would. It runs in a
forked child process: a hostile or broken broker can make librdkafka abort
the process (seen here: an ``rd_malloc`` assertion on a malformed answer),
and that must become evidence in the report, not the end of listencheck. Its
logs and stderr are captured, never printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from listencheck.config import ClientConfig
from listencheck.deadline import elapsed_ms
from listencheck.models import AdvertisedBroker, ClientDetail, Reason, StageResult

MAX_LOG_LINES = 20
LIBRARY = "confluent-kafka"


def library_version() -> str:
    import confluent_kafka

    return f"confluent-kafka {confluent_kafka.__version__} / librdkafka {confluent_kafka.libversion()[0]}"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING and len(self.lines) < MAX_LOG_LINES:
            self.lines.append(record.getMessage()[:500])


def fetch_with_library(bootstrap: str, config: ClientConfig, timeout: float) -> dict[str, object]:
    """One metadata request through librdkafka; a plain dict so it can cross a pipe."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    capture = _Capture()
    logger = logging.getLogger(f"listencheck.librdkafka.{bootstrap}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(capture)
    conf: dict[str, object] = dict(config.librdkafka_conf())
    conf.update({"bootstrap.servers": bootstrap, "logger": logger})
    client = AdminClient(conf)  # type: ignore[arg-type]
    start = time.monotonic()
    try:
        md = client.list_topics(timeout=timeout)
    except KafkaException as exc:
        err = exc.args[0]
        client.poll(0)
        return {
            "elapsed_ms": elapsed_ms(start),
            "error_code": err.name() if hasattr(err, "name") else type(exc).__name__,
            "error": err.str() if hasattr(err, "str") else str(exc),
            "log": capture.lines,
        }
    client.poll(0)
    return {
        "elapsed_ms": elapsed_ms(start),
        "cluster_id": md.cluster_id,
        "brokers": sorted([b.id, b.host, b.port] for b in md.brokers.values()),
        "log": capture.lines,
    }


@dataclass
class ClientWorker:
    """A forked child that runs one library check per bootstrap and reports over a pipe."""

    pid: int
    results_fd: int
    errors_fd: int
    started: float = field(default_factory=time.monotonic)
    _results: dict[str, dict[str, object]] = field(default_factory=dict)
    _done: threading.Event = field(default_factory=threading.Event)
    _stderr: bytes = b""
    _exit_status: int | None = None

    @classmethod
    def start(cls, bootstraps: list[str], config: ClientConfig, timeout: float) -> ClientWorker | None:
        """Fork the worker; None where fork is unavailable (the stage is then skipped)."""
        if not hasattr(os, "fork"):
            return None
        results_r, results_w = os.pipe()
        errors_r, errors_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns
            os.close(results_r)
            os.close(errors_r)
            _child(bootstraps, config, timeout, results_w, errors_w)
        os.close(results_w)
        os.close(errors_w)
        worker = cls(pid, results_r, errors_r)
        threading.Thread(target=worker._collect, name="listencheck-client-worker", daemon=True).start()
        return worker

    def _collect(self) -> None:
        with os.fdopen(self.results_fd, "rb") as results:
            for line in results:
                try:
                    item = json.loads(line)
                    self._results[str(item["bootstrap"])] = item
                except (ValueError, KeyError, TypeError):
                    continue
        with os.fdopen(self.errors_fd, "rb") as errors:
            self._stderr = errors.read(4096)
        try:
            _, status = os.waitpid(self.pid, 0)
            self._exit_status = status
        except ChildProcessError:
            pass
        self._done.set()

    async def result(
        self, bootstrap: str, timeout: float, redact: Callable[[str], str]
    ) -> StageResult[ClientDetail]:
        start = time.monotonic()
        while bootstrap not in self._results and not self._done.is_set():
            if time.monotonic() - start > timeout:
                return StageResult.failure(
                    elapsed_ms(self.started), Reason.TIMEOUT,
                    f"the client library gave no answer within {timeout:.1f}s",
                    ClientDetail(LIBRARY),
                )
            await asyncio.sleep(0.005)
        item = self._results.get(bootstrap)
        if item is None:
            return self._crashed(redact)
        return _to_stage(item, redact)

    def _crashed(self, redact: Callable[[str], str]) -> StageResult[ClientDetail]:
        status = self._exit_status
        how = "ended without an answer"
        if status is not None and os.WIFSIGNALED(status):
            how = f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
        elif status is not None and os.WIFEXITED(status):
            how = f"exited with code {os.WEXITSTATUS(status)}"
        stderr = redact(self._stderr.decode("utf-8", "replace").strip())
        return StageResult.failure(
            elapsed_ms(self.started), Reason.CLIENT_FAILED,
            f"the client library process {how}" + (f": {stderr.splitlines()[-1]}" if stderr else ""),
            ClientDetail(LIBRARY, error_code="CRASH", log=tuple(stderr.splitlines()[-MAX_LOG_LINES:])),
        )

    def stop(self) -> None:
        if self._done.is_set():
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        # Reap it here: on Ctrl-C the collector thread may never get to, leaving a zombie.
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


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
    return StageResult.passed(ms, ClientDetail(library, str(cluster) if cluster else None, brokers, log=log))


def _child(bootstraps: list[str], config: ClientConfig, timeout: float, results_fd: int,
           errors_fd: int) -> None:
    """The worker's whole life: run the checks, write one JSON line each, exit."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(errors_fd, 2)  # librdkafka's assertion messages become evidence
        lock = threading.Lock()

        def one(bootstrap: str) -> None:
            try:
                item = fetch_with_library(bootstrap, config, timeout)
                item["library"] = library_version()
            except Exception as exc:
                item = {"error_code": type(exc).__name__, "error": str(exc)[:500], "elapsed_ms": 0.0}
            item["bootstrap"] = bootstrap
            line = (json.dumps(item) + "\n").encode()
            with lock:
                os.write(results_fd, line)

        threads = [threading.Thread(target=one, args=(b,), daemon=True) for b in bootstraps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 2)
    except BaseException:
        code = 1
    finally:
        os._exit(code)
