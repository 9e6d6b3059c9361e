"""librdkafka's mock cluster in a helper process: N real Kafka-protocol brokers on 127.0.0.1.

``python -m tests.support.mock_cluster N`` creates a client with
``test.mock.num.brokers=N`` (librdkafka starts N mock brokers, each on its own
loopback port, advertising 127.0.0.1:PORT), prints the bootstrap address on
one line, and lives until its standard input closes. The helper is a process
of its own so that the mock brokers' threads never share a GIL or a memory
measurement with the process under test.
"""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_BOOTSTRAP = re.compile(r"bootstrap\.servers=(\S+)")


def _serve(brokers: int) -> None:
    from confluent_kafka import Producer

    found: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            match = _BOOTSTRAP.search(record.getMessage())
            if match and not found:
                found.append(match.group(1))

    logger = logging.getLogger("mock-cluster")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Capture())
    producer = Producer({"test.mock.num.brokers": brokers, "debug": "mock", "logger": logger})
    end = time.monotonic() + 30
    while not found and time.monotonic() < end:
        producer.poll(0.05)
    if not found:
        sys.exit("mock cluster did not report its bootstrap address")
    print(found[0].split(",")[0], flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or dies)


@dataclass
class MockCluster:
    brokers: int
    bootstrap: str
    process: subprocess.Popen[str]


@contextlib.contextmanager
def mock_cluster(brokers: int, timeout: float = 60, prefix: Sequence[str] = ()) -> Iterator[MockCluster]:
    """Start the helper (``prefix``: e.g. a lab namespace's exec prefix); stop it (close stdin,
    then kill by pid) afterwards."""
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-m", "tests.support.mock_cluster", str(brokers)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"mock cluster helper exited with {proc.wait(timeout)}")
        yield MockCluster(brokers, line, proc)
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
