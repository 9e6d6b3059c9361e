"""librdkafka's mock cluster in a helper process: N real Kafka-protocol brokers on 127.0.0.1.

``python -m tests.support.mock_cluster N`` creates a librdkafka handle with
``test.mock.num.brokers=N`` (librdkafka starts N mock brokers, each on its own
loopback port, advertising 127.0.0.1:PORT), prints the bootstrap list on one
line, then reads commands on standard input until it closes, answering each
with one line (``ok`` or ``error ...``). The commands call librdkafka's mock
API (rdkafka_mock.h) through ctypes, on the very library confluent-kafka ships:

    topic NAME PARTITIONS REPLICATION   create a topic
    leader NAME PARTITION BROKER        move a partition's leader
    remove BROKER                       leave a broker out of Metadata answers
    advertise BROKER HOST PORT          change the host:port a broker advertises
    down BROKER / up BROKER             refuse / accept its connections again
    apiversion KEY MIN MAX              the versions every broker offers (-1 -1: none)

The helper is a process of its own so that the mock brokers' threads never
share a GIL or a memory measurement with the process under test.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _library() -> ctypes.CDLL:
    import confluent_kafka

    package = os.path.dirname(confluent_kafka.__file__)
    found = sorted(glob.glob(os.path.join(package, os.pardir, "confluent_kafka.libs", "librdkafka*.so*")))
    lib = ctypes.CDLL(found[0] if found else "librdkafka.so.1")
    lib.rd_kafka_conf_new.restype = ctypes.c_void_p
    lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_new.restype = ctypes.c_void_p
    lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_handle_mock_cluster.restype = ctypes.c_void_p
    lib.rd_kafka_handle_mock_cluster.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
    lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]
    return lib


_COMMANDS: dict[str, tuple[str, tuple[type, ...]]] = {
    "topic": ("rd_kafka_mock_topic_create", (str, int, int)),
    "leader": ("rd_kafka_mock_partition_set_leader", (str, int, int)),
    "remove": ("rd_kafka_mock_broker_remove_from_metadata", (int,)),
    "advertise": ("rd_kafka_mock_broker_set_host_port", (int, str, int)),
    "down": ("rd_kafka_mock_broker_set_down", (int,)),
    "up": ("rd_kafka_mock_broker_set_up", (int,)),
    "apiversion": ("rd_kafka_mock_set_apiversion", (int, int, int)),
}


def _serve(brokers: int) -> None:
    lib = _library()
    conf = lib.rd_kafka_conf_new()
    errstr = ctypes.create_string_buffer(512)
    for key, value in (("test.mock.num.brokers", str(brokers)), ("log_level", "0")):
        if lib.rd_kafka_conf_set(conf, key.encode(), value.encode(), errstr, 512) != 0:
            sys.exit(f"mock cluster: {key}: {errstr.value.decode()}")
    rk = lib.rd_kafka_new(0, conf, errstr, 512)  # RD_KAFKA_PRODUCER
    if not rk:
        sys.exit(f"mock cluster: {errstr.value.decode()}")
    cluster = lib.rd_kafka_handle_mock_cluster(rk)
    print(lib.rd_kafka_mock_cluster_bootstraps(cluster).decode(), flush=True)
    for line in sys.stdin:
        print(_command(lib, cluster, line.split()), flush=True)
    lib.rd_kafka_destroy(rk)


def _command(lib: ctypes.CDLL, cluster: int, words: list[str]) -> str:
    if not words or words[0] not in _COMMANDS:
        return f"error: unknown command {words[:1]}"
    name, types = _COMMANDS[words[0]]
    if len(words) - 1 != len(types):
        return f"error: {words[0]} takes {len(types)} arguments"
    args = [ctypes.c_char_p(w.encode()) if t is str else ctypes.c_int(int(w))
            for w, t in zip(words[1:], types, strict=True)]
    err = getattr(lib, name)(ctypes.c_void_p(cluster), *args)
    return "ok" if not err or name.endswith("set_host_port") else f"error: code {err}"


@dataclass
class MockCluster:
    brokers: int
    servers: str  # every broker's host:port, comma-separated
    process: subprocess.Popen[str]

    @property
    def bootstrap(self) -> str:
        """The first broker, as a bootstrap server."""
        return self.servers.split(",")[0]

    @property
    def addresses(self) -> list[str]:
        """host:port of broker 1, 2, ... N."""
        return self.servers.split(",")

    def command(self, *words: object) -> None:
        """Run one mock API command (see the module docstring); raise if it failed."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(" ".join(map(str, words)) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"mock cluster {' '.join(map(str, words))}: {answer or 'no answer'}")


@contextlib.contextmanager
def mock_cluster(brokers: int, timeout: float = 60) -> Iterator[MockCluster]:
    """Start the helper; stop it (close stdin, then kill by pid) afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.mock_cluster", str(brokers)],
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
