"""The forked process in which the real client library (librdkafka) runs.

confluent-kafka bootstraps and fetches metadata exactly as the user's
application would. It runs in a forked child: a hostile or broken broker can
make librdkafka abort the process (seen here: an ``rd_malloc`` assertion on a
malformed answer), and that must become evidence, not the end of listencheck.

The worker is forked as early as possible (before the parent imports asyncio
and the probes), so importing confluent-kafka and its metadata request overlap
with the parent's own work on a second core. This module therefore imports
nothing heavy, and nothing from the rest of listencheck.

Lifetime: the child dies with the parent (PR_SET_PDEATHSIG), on its own after
its timeout, on SIGINT (default action restored), or when ``stop`` kills it;
``stop`` also reaps it, so no zombie and no orphan is ever left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

MAX_LOG_LINES = 20
MAX_STDERR_BYTES = 4096
PR_SET_PDEATHSIG = 1


class ClientWorker:
    """A forked child that runs one library check per bootstrap and reports over a pipe."""

    def __init__(self, pid: int, results_fd: int, errors_fd: int) -> None:
        self.pid = pid
        self.started = time.monotonic()
        self.results: dict[str, dict[str, object]] = {}
        self.stderr = b""
        self.exit_status: int | None = None
        self.abandoned: str | None = None  # why the worker was stopped on purpose
        self.done = threading.Event()
        self._results_fd = results_fd
        self._errors_fd = errors_fd

    @classmethod
    def start(cls, bootstraps: list[str], conf: Mapping[str, str], timeout: float) -> ClientWorker | None:
        """Fork the worker; None where fork is unavailable (the stage is then skipped)."""
        if not hasattr(os, "fork"):
            return None
        results_r, results_w = os.pipe()
        errors_r, errors_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        # Ctrl-C (or SIGTERM) during fork would raise inside the interpreter's at-fork hooks, where it is
        # printed and lost; held back here, it arrives once both processes are set up.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        pid = os.fork()
        if pid == 0:  # child: never returns
            os.close(results_r)
            os.close(errors_r)
            _child(parent, mask, bootstraps, dict(conf), timeout, results_w, errors_w)
        os.close(results_w)
        os.close(errors_w)
        worker = cls(pid, results_r, errors_r)
        threading.Thread(target=worker._collect, name="listencheck-client-worker", daemon=True).start()
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            time.monotonic()  # a call: a pending KeyboardInterrupt is raised here, inside the try
        except KeyboardInterrupt:
            worker.stop()
            raise
        return worker

    def _collect(self) -> None:
        try:
            with os.fdopen(self._results_fd, "rb") as results:
                for line in results:
                    try:
                        item = json.loads(line)
                        self.results[str(item["bootstrap"])] = item
                    except (ValueError, KeyError, TypeError):
                        continue
            with os.fdopen(self._errors_fd, "rb") as errors:
                self.stderr = errors.read(MAX_STDERR_BYTES)
            self._reap()
        finally:
            self.done.set()

    def _reap(self) -> None:
        try:
            _, status = os.waitpid(self.pid, 0)
            self.exit_status = status
        except ChildProcessError:
            pass

    def answered(self, bootstrap: str) -> bool:
        return bootstrap in self.results or self.done.is_set()

    def abandon(self, why: str) -> None:
        """Stop the worker on purpose; its unanswered checks are reported as not run, ``why``."""
        if not self.done.is_set():
            self.abandoned = why
        self.stop()

    def stop(self, wait: float = 2.0) -> None:
        """Kill the worker if it still runs, and wait until it has been reaped."""
        if not self.done.is_set():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        # The collector sees the pipes close and reaps the child; wait for that.
        self.done.wait(wait)


def library_version() -> str:
    import confluent_kafka

    return f"confluent-kafka {confluent_kafka.__version__} / librdkafka {confluent_kafka.libversion()[0]}"


def fetch_with_library(bootstrap: str, conf: dict[str, object], timeout: float) -> dict[str, object]:
    """One metadata request through librdkafka; a plain dict so it can cross a pipe."""
    import logging

    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING and len(lines) < MAX_LOG_LINES:
                lines.append(record.getMessage()[:500])

    logger = logging.getLogger(f"listencheck.librdkafka.{bootstrap}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Capture(logging.DEBUG))
    settings: dict[str, object] = {**conf, "bootstrap.servers": bootstrap, "logger": logger}
    client = AdminClient(settings)  # type: ignore[arg-type]
    start = time.monotonic()
    try:
        md = client.list_topics(timeout=timeout)
    except KafkaException as exc:
        err = exc.args[0]
        client.poll(0)
        return {
            "elapsed_ms": (time.monotonic() - start) * 1000,
            "error_code": err.name() if hasattr(err, "name") else type(exc).__name__,
            "error": err.str() if hasattr(err, "str") else str(exc),
            "log": lines,
        }
    left = max(0.2, timeout - (time.monotonic() - start))
    unreachable = _talk_to_each_broker(client, sorted(md.brokers), left)
    client.poll(0)
    return {
        "elapsed_ms": (time.monotonic() - start) * 1000,
        "cluster_id": md.cluster_id,
        "brokers": sorted([b.id, b.host, b.port] for b in md.brokers.values()),
        "unreachable": unreachable,
        "log": lines,
    }


# librdkafka errors that mean "could not talk to that broker"; anything else (success,
# UNSUPPORTED_FEATURE, an authorization error) came back from the broker itself.
_NOT_REACHED = {"_TRANSPORT", "_TIMED_OUT", "_TIMED_OUT_QUEUE", "_RESOLVE", "_SSL", "_AUTHENTICATION",
                "_ALL_BROKERS_DOWN"}


def _talk_to_each_broker(client: Any, node_ids: list[int], timeout: float) -> list[list[object]]:
    """Make librdkafka connect to every advertised broker, as an application eventually will.

    Metadata may come from any one broker; DescribeConfigs for a BROKER resource is
    sent to that very broker, so each request needs a working connection to it.
    Returns [node id, librdkafka error] for the brokers it could not talk to.
    """
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import ConfigResource, ResourceType  # type: ignore[attr-defined]

    futures = {}
    for node_id in node_ids:  # one resource per call: librdkafka refuses two broker resources
        resource = ConfigResource(ResourceType.BROKER, str(node_id))
        futures[node_id] = client.describe_configs([resource], request_timeout=timeout)[resource]
    failed: list[list[object]] = []
    for node_id, future in futures.items():
        try:
            future.result(timeout=timeout + 1.0)
        except KafkaException as exc:
            err = exc.args[0]
            code = err.name() if hasattr(err, "name") else type(exc).__name__
            if code in _NOT_REACHED:
                failed.append([node_id, code])
        except Exception as exc:  # a future that never resolved
            failed.append([node_id, type(exc).__name__])
    return failed


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the parent dies (a no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _child(parent: int, mask: set[int | signal.Signals], bootstraps: list[str], conf: dict[str, object],
           timeout: float, results_fd: int, errors_fd: int) -> None:
    """The worker's whole life: run the checks, write one JSON line each, exit."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the worker at once
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(errors_fd, 2)  # librdkafka's assertion messages become evidence
        lock = threading.Lock()

        def one(bootstrap: str) -> None:
            try:
                item = fetch_with_library(bootstrap, conf, timeout)
                item["library"] = library_version()
            except Exception as exc:  # a future that never resolved
                item = {"error_code": type(exc).__name__, "error": str(exc)[:500], "elapsed_ms": 0.0}
            item["bootstrap"] = bootstrap
            line = memoryview((json.dumps(item) + "\n").encode())
            with lock:
                while line:
                    line = line[os.write(results_fd, line):]

        threads = [threading.Thread(target=one, args=(b,), daemon=True) for b in bootstraps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 2)
    except BaseException:
        code = 1
    finally:
        os._exit(code)
