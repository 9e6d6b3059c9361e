"""librdkafka's mock cluster with topics of chosen shape, driven through its C mock API.

confluent-kafka does not expose librdkafka's mock API (``rd_kafka_mock_*``), but
its wheel ships the library: this helper loads it with ctypes, creates a client
handle and a mock cluster of N brokers, creates topics with the partition count
and replication factor a test asks for, and then obeys commands on stdin:

    down ID | up ID | leader TOPIC PARTITION ID | topic NAME PARTITIONS RF
    remove ID              (leave broker ID out of Metadata answers; it still leads its partitions)
    advertise ID HOST PORT (the host:port broker ID advertises from now on)
    apiversion KEY MIN MAX (the versions of API KEY every broker offers; -1 -1: none)

Run as ``python -m tests.support.mock_topics BROKERS 'TOPIC:PARTITIONS:RF' ...``;
it prints the bootstrap address, then one ``ok`` per command, and exits when
stdin closes. A process of its own, like tests/support/mock_cluster.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _librdkafka() -> ctypes.CDLL:
    import confluent_kafka

    libs = Path(confluent_kafka.__file__).resolve().parent.parent / "confluent_kafka.libs"
    found = sorted(glob.glob(str(libs / "librdkafka*.so*"))) or ["librdkafka.so.1"]
    lib = ctypes.CDLL(found[0])
    lib.rd_kafka_conf_new.restype = ctypes.c_void_p
    lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_size_t]
    lib.rd_kafka_new.restype = ctypes.c_void_p
    lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
    lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
    lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
    lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
    lib.rd_kafka_mock_broker_set_down.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    lib.rd_kafka_mock_broker_set_up.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    lib.rd_kafka_mock_partition_set_leader.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                                       ctypes.c_int32]
    lib.rd_kafka_mock_broker_remove_from_metadata.argtypes = [ctypes.c_void_p, ctypes.c_int32]
    lib.rd_kafka_mock_broker_set_host_port.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p,
                                                       ctypes.c_int]
    lib.rd_kafka_mock_broker_set_host_port.restype = None
    lib.rd_kafka_mock_set_apiversion.argtypes = [ctypes.c_void_p, ctypes.c_int16, ctypes.c_int16,
                                                 ctypes.c_int16]
    return lib


def _serve(brokers: int, topics: Sequence[str]) -> None:
    lib = _librdkafka()
    conf = lib.rd_kafka_conf_new()
    errstr = ctypes.create_string_buffer(512)
    # No log output of its own: this process's stdout carries the protocol.
    lib.rd_kafka_conf_set(conf, b"log_level", b"0", errstr, 512)
    rk = lib.rd_kafka_new(0, conf, errstr, 512)  # RD_KAFKA_PRODUCER
    if not rk:
        sys.exit(f"rd_kafka_new: {errstr.value.decode()}")
    cluster = lib.rd_kafka_mock_cluster_new(rk, brokers)
    if not cluster:
        sys.exit("rd_kafka_mock_cluster_new failed")
    for spec in topics:
        name, partitions, rf = spec.rsplit(":", 2)
        err = lib.rd_kafka_mock_topic_create(cluster, name.encode(), int(partitions), int(rf))
        if err:
            sys.exit(f"rd_kafka_mock_topic_create({spec}) failed: {err}")
    print(lib.rd_kafka_mock_cluster_bootstraps(cluster).decode().split(",")[0], flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["down"]:
            lib.rd_kafka_mock_broker_set_down(cluster, int(words[1]))
        elif words[:1] == ["up"]:
            lib.rd_kafka_mock_broker_set_up(cluster, int(words[1]))
        elif words[:1] == ["leader"]:
            lib.rd_kafka_mock_partition_set_leader(cluster, words[1].encode(), int(words[2]), int(words[3]))
        elif words[:1] == ["topic"]:
            lib.rd_kafka_mock_topic_create(cluster, words[1].encode(), int(words[2]), int(words[3]))
        elif words[:1] == ["remove"]:
            lib.rd_kafka_mock_broker_remove_from_metadata(cluster, int(words[1]))
        elif words[:1] == ["advertise"]:
            lib.rd_kafka_mock_broker_set_host_port(cluster, int(words[1]), words[2].encode(), int(words[3]))
        elif words[:1] == ["apiversion"]:
            lib.rd_kafka_mock_set_apiversion(cluster, int(words[1]), int(words[2]), int(words[3]))
        else:
            print(f"unknown command {line.strip()!r}", flush=True)
            continue
        print("ok", flush=True)
    os._exit(0)  # the mock brokers' threads die with the process; no orderly teardown needed


@dataclass
class MockTopicsCluster:
    brokers: int
    bootstrap: str
    process: subprocess.Popen[str]

    def command(self, *words: object) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer == "ok", answer


@contextlib.contextmanager
def mock_topics_cluster(brokers: int, topics: Sequence[tuple[str, int, int]],
                        timeout: float = 30) -> Iterator[MockTopicsCluster]:
    """Start the helper with ``topics`` as (name, partitions, replication factor); stop it after."""
    specs = [f"{name}:{partitions}:{rf}" for name, partitions, rf in topics]
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.mock_topics", str(brokers), *specs],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line:
            raise RuntimeError(f"mock topics helper exited with {proc.wait(timeout)}")
        yield MockTopicsCluster(brokers, line, proc)
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
    _serve(int(sys.argv[1]), sys.argv[2:])
