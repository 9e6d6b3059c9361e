"""The hostile-endpoint corpus: servers that misbehave, each started for real on loopback.

Every case runs the real command with a sentinel secret configured and asserts:
a specific finding (code, answer, reason, wording), the exit code of the
contract, the run ending within its own deadline (the run's clock, not the
test's), a bounded peak memory, no traceback, and the sentinel nowhere in
stdout or stderr. Each misbehaving server is checked where the bootstrap
address points (exit 3) and where an advertised address points (exit 1).
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import GNU_TIME, Run, run_cli
from tests.support.prereq import need
from tests.support.scripted import DEFAULT_APIS, Request, ScriptedKafka, api_versions_v0, frame
from tests.support.servers import (
    Behaviour,
    answer_request,
    black_holes,
    close_at_once,
    garbage,
    http,
    reset,
    silent,
    ssh_banner,
    tcp_server,
    tls,
    tls_context,
    truncated,
)

SENTINEL = f"SENTINEL-{secrets.token_hex(8)}"
SENTINEL_FILE = f"SENTINELFILE-{secrets.token_hex(8)}"
TIMEOUT = "0.5"
PEAK_MIB = 200  # a healthy run peaks near 30 MiB


def echo(sock: socket.socket) -> None:
    """Send the client's own request back, byte for byte."""
    sock.sendall(sock.recv(4096))
    silent(sock)


@contextlib.contextmanager
def reserved_ports(count: int) -> Iterator[list[int]]:
    """Loopback ports bound by this process and not listening: a connection is refused at once."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        yield [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class Case:
    name: str
    behaviour: Callable[[Path], Behaviour]
    answer: str  # KafkaDetail.answer
    reasons: tuple[str, ...]  # the kafka stage's failure reason (either, where the OS decides)
    words: str  # in the stage's message
    named: str | None = None  # the finding's answer, when a confirming probe names it better


def _api_versions(correlation_id: int) -> bytes:
    return frame(correlation_id, api_versions_v0(DEFAULT_APIS))


CASES = [
    Case("http", lambda _: http, "http", ("not_kafka",), "HTTP server"),
    Case("ssh-banner", lambda _: ssh_banner, "ssh", ("not_kafka",), "SSH server"),
    # A TLS server closes on a plaintext request; the confirming probe's handshake names it.
    Case("tls-on-plaintext-port", lambda tmp: tls(tls_context(tmp)), "closed", ("closed", "reset"),
         "without answering", named="tls"),
    Case("accept-then-silence", lambda _: silent, "silent", ("silent",), "sent nothing"),
    Case("accept-then-reset", lambda _: reset, "closed", ("reset",), "without answering"),
    Case("immediate-close", lambda _: close_at_once, "closed", ("closed", "reset"), "without answering"),
    Case("garbage", lambda _: garbage(bytes(range(0xF0, 0x100)) * 8), "unknown", ("not_kafka",),
         "not a Kafka response"),
    Case("negative-frame-length", lambda _: answer_request(lambda c: struct.pack(">i", -5) + b"\0" * 8),
         "unknown", ("not_kafka",), "frame length of -5 bytes"),
    Case("2GiB-frame-length", lambda _: answer_request(lambda c: struct.pack(">i", 2**31 - 1) + b"\0" * 8),
         "unknown", ("not_kafka",), "frame length of 2147483647 bytes"),
    Case("truncated-api-versions", lambda _: truncated(_api_versions, 10), "malformed", ("protocol_error",),
         "cut short after 6"),
    Case("truncated-then-silence", lambda _: answer_request(lambda c: _api_versions(c)[:9]), "malformed",
         ("timeout",), "cut short after 5"),
    Case("unexpected-correlation-id", lambda _: answer_request(lambda c: _api_versions(c + 1000)),
         "malformed", ("protocol_error",), "correlation id 1001 does not match request 1"),
    Case("echo", lambda _: echo, "malformed", ("protocol_error",), "does not match request 1"),
    Case("frame-too-short-for-its-body", lambda _: answer_request(lambda c: frame(c, b"\x00")), "malformed",
         ("protocol_error",), "not a valid ApiVersions response"),
]


@pytest.fixture
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Case, int]]:
    case: Case = request.param
    with tcp_server(case.behaviour(tmp_path)) as port:
        yield case, port


def secret_args(tmp_path: Path) -> list[str]:
    """A password on -X and a key password in -F: PLAINTEXT ignores both, nothing may print them."""
    properties = tmp_path / "client.properties"
    properties.write_text(f"ssl.key.password={SENTINEL_FILE}\nclient.id=corpus\n")
    return ["-F", str(properties), "-X", f"sasl.password={SENTINEL}", "-X", "sasl.username=corpus"]


def run_hostile(tmp_path: Path, fmt: str, *args: str) -> Run:
    need(Path(GNU_TIME).exists(), f"{GNU_TIME} (Debian package time) measures peak memory")
    run = run_cli(["check", "--format", fmt, "--timeout", TIMEOUT, *secret_args(tmp_path), *args],
                  measure=True)
    assert_bounded_and_secret(run)
    return run


def assert_bounded_and_secret(run: Run) -> None:
    for stream in (run.stdout, run.stderr):
        assert SENTINEL not in stream and SENTINEL_FILE not in stream
    assert run.peak_mib is not None and run.peak_mib < PEAK_MIB, run.peak_mib
    assert "\x1b" not in run.stdout  # piped text: no escape sequence, ours or the peer's


def kafka_stage(report: dict[str, object], bootstrap: bool) -> dict[str, object]:
    b = report["bootstraps"][0]  # type: ignore[index]
    probe = b["servers"][0] if bootstrap else b["brokers"][1]["probe"]
    stage: dict[str, object] = probe["attempts"][0]["kafka"]
    return stage


def assert_case(case: Case, stage: dict[str, object]) -> None:
    assert stage["status"] == "failed", stage
    assert stage["detail"]["answer"] == case.answer, stage  # type: ignore[index]
    assert stage["error"]["reason"] in case.reasons, stage  # type: ignore[index]
    assert case.words in stage["error"]["message"], stage  # type: ignore[index]


@pytest.mark.parametrize("hostile", CASES, ids=[c.name for c in CASES], indirect=True)
def test_hostile_bootstrap(hostile: tuple[Case, int], tmp_path: Path) -> None:
    case, port = hostile
    run = run_hostile(tmp_path, "json", f"127.0.0.1:{port}")
    assert run.code == 3, run.stdout  # no bootstrap server answered
    report = run.report
    assert report["deadline_hit"] is False
    assert_case(case, kafka_stage(report, bootstrap=True))
    finding = run.one("BOOTSTRAP_NOT_KAFKA")
    assert finding["severity"] == "error" and finding["evidence"]["answer"] == (case.named or case.answer)
    assert report["bootstraps"][0]["client"]["status"] == "not_run"


@pytest.mark.parametrize("hostile", CASES, ids=[c.name for c in CASES], indirect=True)
def test_hostile_advertised_listener(hostile: tuple[Case, int], tmp_path: Path) -> None:
    case, port = hostile
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, "127.0.0.1", port)]
        run = run_hostile(tmp_path, "json", script.address)
        text = run_hostile(tmp_path, "text", "--no-color", script.address)
    assert run.code == text.code == 1, run.stdout
    report = run.report
    assert report["deadline_hit"] is False
    assert_case(case, kafka_stage(report, bootstrap=False))
    finding = run.one("ADVERTISED_NOT_KAFKA", 2)
    assert finding["evidence"]["answer"] == (case.named or case.answer)
    assert "ADVERTISED_NOT_KAFKA" in text.stdout and "FAIL" in text.stdout.splitlines()[-1]


def test_silent_listeners_cost_one_timeout_in_total(tmp_path: Path) -> None:
    """250 advertised listeners that complete the handshake and never answer (sockets that
    listen and never accept). With a 1 s stage timeout and a 2.5 s run deadline, probing
    them in turn, or in more than one wave, would leave most cut by the deadline."""
    with black_holes(250) as ports, ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port)] + [
            (i + 2, "127.0.0.1", port) for i, port in enumerate(ports)]
        run = run_cli(["check", "--format", "json", "--timeout", "1", "--deadline", "2.5", script.address])
    stages = [b["probe"]["attempts"][0]["kafka"] for b in run.report["bootstraps"][0]["brokers"][1:]]
    assert len(stages) == 250
    assert {s["error"]["reason"] for s in stages} == {"silent"}
    assert "RUN_INCOMPLETE" not in run.codes()
    assert len(run.findings("ADVERTISED_NOT_KAFKA")) == 250 and run.code == 1


def test_bootstrap_answers_then_disappears(tmp_path: Path) -> None:
    """The bootstrap broker sends its metadata, then it and its second listener are gone.

    Only listencheck's own Metadata request ends them (on the connection that opened with
    ApiVersions v0): the client-library worker may ask first, and must not make the bootstrap
    vanish before listencheck has read it.
    """
    second = ScriptedKafka()
    script = ScriptedKafka()
    gone = threading.Event()
    ours: set[int] = set()

    def vanish_after_metadata(request: Request) -> bytes | None:
        if gone.is_set():
            return None
        if request.api_key == 18 and request.version == 0:
            ours.add(request.connection)
        answer = script.default_answer(request)
        if request.api_key == 3 and request.connection in ours:
            second.__exit__(None, None, None)  # the other listener is gone before the client looks
            gone.set()
            threading.Thread(target=script.__exit__, args=(None, None, None), daemon=True).start()
        return answer

    script.responder = vanish_after_metadata
    with second, script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, "127.0.0.1", second.port)]
        run = run_hostile(tmp_path, "json", script.address)
    assert run.code == 1
    assert run.report["bootstraps"][0]["answered"] is True
    finding = run.one("ADVERTISED_UNREACHABLE", 2)
    assert finding["evidence"]["reason"] == "refused"


@pytest.mark.parametrize("host, port, problem", [
    ("", 9092, "empty host"),
    ("a" * 300, 9092, "longer than"),
    ("bröker.example", 9092, "non-ASCII"),
    ("kafka:9092", 9092, "':'"),
    ("kafka", -1, "port -1"),
    ("kafka", 0, "port 0"),
    ("kafka", 70000, "port 70000"),
    ("evil\x1b]0;pwned\x07\x1b[2J", 9092, "invalid character"),
    ("nul\x00byte", 9092, "invalid character"),
    ("two\nlines", 9092, "invalid character"),
])
def test_absurd_advertised_addresses(host: str, port: int, problem: str, tmp_path: Path) -> None:
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, host, port)]
        run = run_hostile(tmp_path, "json", script.address)
        text = run_hostile(tmp_path, "text", "--no-color", script.address)
    finding = run.one("ADVERTISED_INVALID_ADDRESS", 2)
    assert problem in finding["evidence"]["problem"]
    assert finding["evidence"]["host"] == host  # JSON keeps the exact bytes, escaped by the encoder
    assert run.code == text.code == 1
    assert "ADVERTISED_INVALID_ADDRESS" in text.stdout
    assert not any(c in text.stdout for c in "\x00\x07")  # the terminal never gets them raw


def test_control_characters_from_the_broker_never_reach_the_terminal(tmp_path: Path) -> None:
    """Cluster id and rack are free text chosen by the broker: the text report escapes them."""
    evil = "c\x1b[8mHIDDEN\x1b]52;c;cHduZWQ=\x07\u202etxt.exe"
    with ScriptedKafka(cluster_id=evil) as script:
        script.brokers = [(1, "127.0.0.1", script.port)]
        text = run_hostile(tmp_path, "text", "--no-color", "-v", script.address)
        run = run_hostile(tmp_path, "json", script.address)
    assert run.report["bootstraps"][0]["metadata"]["cluster_id"] == evil
    assert "\\x1b[8mHIDDEN" in text.stdout and "\\u202e" in text.stdout
    assert "\x1b" not in text.stdout and "\u202e" not in text.stdout and "\x07" not in text.stdout


def test_ten_thousand_brokers_are_listed_and_a_thousand_probed(tmp_path: Path) -> None:
    """The first thousand advertised ports are bound here but not listening (refused at once); the
    run stays small and says what it skipped."""
    with reserved_ports(999) as ports, ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port)] + [
            (i + 2, "127.0.0.1", port) for i, port in enumerate(ports)
        ] + [(i, "127.0.0.1", 1) for i in range(1001, 10_001)]  # never probed
        run = run_hostile(tmp_path, "json", script.address)
    report = run.report
    assert report["bootstraps"][0]["metadata"]["broker_count"] == 10_000
    assert len(report["bootstraps"][0]["metadata"]["brokers"]) == 10_000
    assert len(report["bootstraps"][0]["brokers"]) == 1000
    limit = run.one("RUN_LIMIT_REACHED")
    assert limit["evidence"] == {"limit": "brokers probed per bootstrap", "max": 1000, "brokers": 10_000}
    assert report["deadline_hit"] is False
    assert run.code == 1


def test_metadata_announcing_an_impossible_broker_count(tmp_path: Path) -> None:
    """A Metadata answer whose broker array claims 2**31-1 entries is refused before allocating."""
    def responder(request: Request) -> bytes | None:
        if request.api_key == 18:
            return frame(request.correlation_id, api_versions_v0(DEFAULT_APIS))
        body = struct.pack(">ii", 0, 2**31 - 1) + b"\x00" * 64
        return frame(request.correlation_id, body)

    with ScriptedKafka(responder=responder) as script:
        run = run_hostile(tmp_path, "json", script.address)
    assert run.code == 3
    finding = run.one("BOOTSTRAP_METADATA_FAILED")
    assert "exceeds the limit" in finding["evidence"]["message"]


def test_metadata_frame_larger_than_the_limit(tmp_path: Path) -> None:
    def responder(request: Request) -> bytes | None:
        if request.api_key == 18:
            return frame(request.correlation_id, api_versions_v0(DEFAULT_APIS))
        return struct.pack(">ii", 64 * 1024 * 1024, request.correlation_id) + b"\x00" * 1024

    with ScriptedKafka(responder=responder) as script:
        run = run_hostile(tmp_path, "json", script.address)
    assert run.code == 3
    finding = run.one("BOOTSTRAP_METADATA_FAILED")
    assert "67108864 bytes" in finding["evidence"]["message"]
