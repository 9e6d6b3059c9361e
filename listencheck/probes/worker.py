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
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict

from listencheck.limits import MAX_BROKERS

MAX_LOG_LINES = 20
WARNING = 30  # logging.WARNING, without importing logging before the fork
MAX_STDERR_BYTES = 4096
PR_SET_PDEATHSIG = 1


class EventKind(StrEnum):
    """What one line from the worker reports (its ``event`` key), in the order they may come."""

    CONFIGURED = "configured"  # the client was created, or librdkafka refused the settings
    LOG = "log"  # a warning (or worse) librdkafka logged
    LEARNED = "learned"  # the brokers of the first Metadata answer
    ERROR = "error"  # an error librdkafka reported (for a broker it names, or none)
    REACHED = "reached"  # a broker answered a request
    NOT_REACHED = "not_reached"  # librdkafka gave up on a broker (retries over)
    DONE = "done"  # the check for this bootstrap ended: the summary
    TOO_MANY = "too_many"  # a Metadata answer lists more than MAX_BROKERS: the worker ends itself


class ConfiguredEvent(TypedDict):
    event: Literal[EventKind.CONFIGURED]
    refused: NotRequired[str]  # librdkafka's reason for refusing the settings


class LogEvent(TypedDict):
    event: Literal[EventKind.LOG]
    line: str


class LearnedEvent(TypedDict):
    event: Literal[EventKind.LEARNED]
    cluster_id: str | None
    brokers: list[list[object]]  # [node id, host, port], sorted


class ErrorEvent(TypedDict):
    event: Literal[EventKind.ERROR]
    node: int | None  # the broker the error names (None: a bootstrap server, or no broker)
    code: str
    message: str


class ReachedEvent(TypedDict):
    event: Literal[EventKind.REACHED]
    node: int


class NotReachedEvent(TypedDict):
    event: Literal[EventKind.NOT_REACHED]
    node: int
    code: str


class Summary(TypedDict, total=False):
    """What one library check ended with (the DONE event, without its ``event`` key)."""

    cluster_id: str | None
    brokers: list[list[object]]  # the final list, from the library's answer
    error_code: str  # the metadata request's failure
    error: str
    elapsed_ms: float
    unreachable: list[list[object]]  # [node id, code]
    log: list[str]
    library: str


class DoneEvent(Summary):
    event: Literal[EventKind.DONE]


class TooManyEvent(TypedDict):
    event: Literal[EventKind.TOO_MANY]
    count: int  # brokers the Metadata answer lists


Event = (ConfiguredEvent | LogEvent | LearnedEvent | ErrorEvent | ReachedEvent | NotReachedEvent | DoneEvent
         | TooManyEvent)
# One line as the parent reads it back from JSON: an event and its "bootstrap" (``event`` compares
# equal to its EventKind).
WireEvent = dict[str, object]


@contextlib.contextmanager
def running_worker(
    bootstraps: list[str], conf: Mapping[str, str], timeout: float
) -> Iterator[ClientWorker | None]:
    """The one owner of a worker: forked on entry, stopped (killed if need be, and reaped) on exit."""
    worker = ClientWorker.start(bootstraps, conf, timeout)
    try:
        yield worker
    finally:
        if worker is not None:
            worker.stop()


class ClientWorker:
    """A forked child that runs one library check per bootstrap and streams its events over a pipe."""

    def __init__(self, pid: int, results_fd: int, errors_fd: int) -> None:
        self.pid = pid
        self.started = time.monotonic()
        self._events: dict[str, list[WireEvent]] = {}
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
                        bootstrap = str(item["bootstrap"])
                        if item["event"] == EventKind.TOO_MANY:  # the worker is ending itself
                            self.abandoned = too_many_brokers(bootstrap, int(item["count"]))
                        self._events.setdefault(bootstrap, []).append(item)
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

    def events(self, bootstrap: str) -> list[WireEvent]:
        """What the library reported for ``bootstrap`` so far, in order (a list that only grows)."""
        return self._events.setdefault(bootstrap, [])

    def settings_refused(self, timeout: float) -> str | None:
        """librdkafka's reason for refusing the client settings, once the worker has created its
        client (the parent then needs no client of its own to judge -F and -X); None when accepted,
        or when the worker ended or ``timeout`` passed without saying."""
        end = time.monotonic() + timeout
        while True:
            ended = self.done.is_set()  # read first: once it is set, every event is in
            for events in list(self._events.values()):
                for event in list(events):
                    if event.get("event") == EventKind.CONFIGURED:
                        refused = event.get("refused")
                        return str(refused) if refused is not None else None
            if ended or time.monotonic() >= end:
                return None
            time.sleep(0.002)

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


def too_many_brokers(source: str, count: int) -> str:
    """Why the client-library check is not run on a cluster past the broker limit."""
    return (f"not run: {source} lists {count} brokers, more than the {MAX_BROKERS} listencheck checks; "
            "the client library would start a thread for each")


def library_version() -> str:
    import confluent_kafka

    return f"confluent-kafka {confluent_kafka.__version__} / librdkafka {confluent_kafka.libversion()[0]}"


# "host:port/1: Connect to ... failed" names the broker (node id, or "bootstrap") a librdkafka
# error is about; "  Broker #0/3: host:port NodeId 1" lines (debug=metadata) list the brokers
# of each Metadata answer librdkafka received, whoever asked for it.
_BROKER_NAME = re.compile(r"^(?:\w+://)?\S+?/(\d+|bootstrap): ")
_METADATA_BROKER = re.compile(r"Broker #(\d+)/(\d+): (\S+) NodeId (-?\d+)$")
_METADATA_CLUSTER = re.compile(r"ClusterId: (.*), ControllerId: ")

# librdkafka errors that mean "could not talk to that broker"; anything else (success,
# UNSUPPORTED_FEATURE, an authorization error) came back from the broker itself.
NOT_REACHED = frozenset({"_TRANSPORT", "_TIMED_OUT", "_TIMED_OUT_QUEUE", "_RESOLVE", "_SSL",
                         "_AUTHENTICATION", "_ALL_BROKERS_DOWN"})


def _with_metadata_debug(conf: Mapping[str, object]) -> dict[str, object]:
    """The user's settings plus librdkafka's ``metadata`` debug context (what it learned)."""
    contexts = [c.strip() for c in str(conf.get("debug", "")).split(",") if c.strip()]
    if "all" not in contexts and "metadata" not in contexts:
        contexts.append("metadata")
    return {**conf, "debug": ",".join(contexts)}


class _Observer:
    """Turns librdkafka's logs, errors and answers into events, each sent at once."""

    def __init__(self, emit: Callable[[Event], None]) -> None:
        self.emit = emit
        self.log: list[str] = []
        self.learned = threading.Event()
        self._lock = threading.Lock()
        self._seen_errors: set[tuple[object, str]] = set()
        self._cluster: str | None = None
        self._block: dict[int, list[object]] = {}
        self.brokers: list[list[object]] = []

    def log_record(self, level: int, message: str) -> None:
        if level >= WARNING:
            with self._lock:
                keep = len(self.log) < MAX_LOG_LINES
                if keep:
                    self.log.append(message[:500])
            if keep:
                self.emit(LogEvent(event=EventKind.LOG, line=message[:500]))
            return
        if self.learned.is_set() or " METADATA " not in f" {message[:12]}":
            return
        cluster = _METADATA_CLUSTER.search(message)
        if cluster:
            self._cluster = cluster.group(1)
            return
        broker = _METADATA_BROKER.search(message)
        if broker:
            index, count, address, node = broker.groups()
            if int(count) > MAX_BROKERS:
                # librdkafka starts a thread per broker it learns: end now, before thousands of
                # them exist (the parent reports the stage as not run when it reads the count).
                self.emit(TooManyEvent(event=EventKind.TOO_MANY, count=int(count)))
                os._exit(0)
            host, _, port = address.rpartition(":")
            self._block[int(index)] = [int(node), host, int(port) if port.isdigit() else 0]
            if len(self._block) == int(count):
                self.learned_brokers(self._cluster, list(self._block.values()))

    def learned_brokers(self, cluster_id: str | None, brokers: list[list[object]]) -> None:
        with self._lock:
            if self.learned.is_set():
                return
            self.brokers = brokers
            self.learned.set()
        self.emit(LearnedEvent(event=EventKind.LEARNED, cluster_id=cluster_id,
                               brokers=sorted(brokers, key=str)))

    def error(self, err: Any) -> None:
        code, message = str(err.name()), str(err.str())
        named = _BROKER_NAME.match(message)
        node = int(named.group(1)) if named and named.group(1).isdigit() else None
        with self._lock:
            if (node, code) in self._seen_errors:
                return
            self._seen_errors.add((node, code))
        self.emit(ErrorEvent(event=EventKind.ERROR, node=node, code=code, message=message[:500]))

    def answered(self, node: int, future: Any) -> None:
        """A request to ``node`` came back from the broker itself (an error it sent counts: the
        connection worked). librdkafka giving up is reported once the retries are over."""
        try:
            future.result()
        except Exception as exc:
            if error_code(exc) in NOT_REACHED:
                return
        self.emit(ReachedEvent(event=EventKind.REACHED, node=node))


def error_code(exc: BaseException) -> str:
    """librdkafka's name for the error a KafkaException carries (else the exception's type)."""
    err = exc.args[0] if exc.args else None
    name = getattr(err, "name", None)
    return str(name()) if callable(name) else type(exc).__name__


def fetch_with_library(bootstrap: str, conf: dict[str, object], timeout: float,
                       emit: Callable[[Event], None] = lambda event: None) -> Summary:
    """Bootstrap like an application, then send one request to every broker librdkafka learned.

    ``emit`` receives each fact as it happens (brokers learned, a broker's connection
    error, a broker answered); the return value sums up, a plain dict that can cross a pipe.
    """
    import logging

    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    from listencheck.config import refusal_text

    start = time.monotonic()
    observer = _Observer(emit)

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            observer.log_record(record.levelno, record.getMessage())

    logger = logging.getLogger(f"listencheck.librdkafka.{bootstrap}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Capture(logging.DEBUG))
    settings = {**_with_metadata_debug(conf), "bootstrap.servers": bootstrap, "logger": logger,
                "error_cb": observer.error}
    try:
        client = AdminClient(settings)  # type: ignore[arg-type]
    except (KafkaException, TypeError, ValueError) as exc:
        emit(ConfiguredEvent(event=EventKind.CONFIGURED, refused=refusal_text(exc)))
        raise
    emit(ConfiguredEvent(event=EventKind.CONFIGURED))
    stopping = threading.Event()

    def serve_callbacks() -> None:  # logs and errors are delivered by poll()
        while not stopping.is_set():
            client.poll(0.01)

    poller = threading.Thread(target=serve_callbacks, daemon=True)
    poller.start()
    summary: Summary = {}

    def list_topics() -> None:
        try:
            md = client.list_topics(timeout=timeout)
        except KafkaException as exc:
            err = exc.args[0] if exc.args else None
            summary["error_code"] = error_code(exc)
            summary["error"] = str(err.str()) if err is not None and hasattr(err, "str") else str(exc)
        else:
            brokers: list[list[object]] = [[b.id, b.host, b.port] for b in md.brokers.values()]
            summary["cluster_id"] = md.cluster_id
            summary["brokers"] = sorted(brokers, key=str)
            observer.learned_brokers(md.cluster_id, brokers)
        observer.learned.set()

    lister = threading.Thread(target=list_topics, daemon=True)
    lister.start()
    observer.learned.wait(timeout)
    left = max(0.2, timeout - (time.monotonic() - start))
    talked = _talk_to_each_broker(client, observer, left)
    lister.join(max(0.0, timeout - (time.monotonic() - start)))
    stopping.set()
    poller.join(1.0)
    if "error_code" not in summary and "brokers" not in summary:
        summary["error_code"] = "_TIMED_OUT"
        summary["error"] = "Failed to get metadata: Local: Timed out"
    # A copy: the lister may still be running.
    return {**summary, "elapsed_ms": (time.monotonic() - start) * 1000, "unreachable": talked,
            "log": list(observer.log)}


def _talk_to_each_broker(client: Any, observer: _Observer, timeout: float) -> list[list[object]]:
    """Make librdkafka connect to every broker it learned, as an application eventually will.

    DescribeConfigs for a BROKER resource is sent to that very broker, so each
    request needs a working connection to it. A request that fails on a broken
    connection (``_TRANSPORT``) is sent again while time remains, as an
    application's retries would: librdkafka tries the broker's next address on
    each reconnection, so a name whose IPv4 address refuses and whose IPv6
    address works is reached on a later attempt, whichever it tried first.
    Returns [node id, librdkafka error] for the brokers it could not talk to.
    """
    end = time.monotonic() + timeout
    nodes = sorted({int(str(b[0])) for b in observer.brokers})
    futures = {node_id: _ask_broker(client, observer, node_id, timeout) for node_id in nodes}
    failed: list[list[object]] = []
    while futures:
        node_id, future = next(iter(futures.items()))
        del futures[node_id]
        try:
            future.result(timeout=max(0.0, end + 1.0 - time.monotonic()))
            continue
        except Exception as exc:
            code = error_code(exc)
            if code not in NOT_REACHED and code != type(exc).__name__:
                continue  # the broker itself answered with an error: the connection worked
        left = end - time.monotonic()
        if code == RETRIED and left > RETRY_PAUSE_S:
            time.sleep(RETRY_PAUSE_S)
            futures[node_id] = _ask_broker(client, observer, node_id, left)
        else:  # librdkafka gave up, or the future never resolved
            observer.emit(NotReachedEvent(event=EventKind.NOT_REACHED, node=node_id, code=code))
            failed.append([node_id, code])
    return sorted(failed, key=lambda f: str(f[0]))


RETRIED = "_TRANSPORT"  # the connection broke: another attempt may take another address
RETRY_PAUSE_S = 0.05


def _ask_broker(client: Any, observer: _Observer, node_id: int, timeout: float) -> Any:
    from confluent_kafka.admin import ConfigResource, ResourceType  # type: ignore[attr-defined]

    resource = ConfigResource(ResourceType.BROKER, str(node_id))
    future = client.describe_configs([resource], request_timeout=timeout)[resource]
    future.add_done_callback(lambda f: observer.answered(node_id, f))
    return future


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

        def send(bootstrap: str, event: Event) -> None:
            line = memoryview((json.dumps({**event, "bootstrap": bootstrap}) + "\n").encode())
            with lock:
                while line:
                    line = line[os.write(results_fd, line):]

        def one(bootstrap: str) -> None:
            try:
                item = fetch_with_library(bootstrap, conf, timeout, lambda event: send(bootstrap, event))
                item["library"] = library_version()
            except Exception as exc:  # a future that never resolved
                item = Summary(error_code=type(exc).__name__, error=str(exc)[:500], elapsed_ms=0.0)
            send(bootstrap, DoneEvent(**item, event=EventKind.DONE))

        threads = [threading.Thread(target=one, args=(b,), daemon=True) for b in bootstraps]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 2)
    except BaseException:
        code = 1
    finally:
        os._exit(code)
