"""The verdict line names what is wrong (issue 18)."""

from __future__ import annotations

import pytest

from listencheck.analysis.headline import headline
from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json, run_cli
from tests.support.servers import closed_port


@pytest.mark.tansu
@pytest.mark.parametrize("settings, column, cell", [
    (["-X", "security.protocol=SSL"], "TLS", "✗"),
    (["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN", "-X", "sasl.username=u",
      "-X", "sasl.password=p"], "SASL", "✗ mechanism_unsupported"),
])
def test_wrong_security_protocol_says_what_answered(tansu: BrokerFactory, settings: list[str], column: str,
                                                     cell: str) -> None:
    broker = tansu.start("127.0.0.1:{port}")  # a PLAINTEXT listener
    run = run_cli(["check", "--no-color", "--timeout", "1", *settings, broker.listen])
    assert run.code == 3
    verdict = run.stdout.strip().splitlines()[-2:]
    text = " ".join(verdict)
    assert "no bootstrap server answered" not in run.stdout
    assert f"{broker.listen} speaks PLAINTEXT, but the client is configured for" in text, run.stdout
    assert "connected, but no metadata came back" in run.stdout
    header = next(line for line in run.stdout.splitlines() if "bootstrap server" in line)
    assert column in header.split()
    assert cell in run.stdout
    summary = check_json("--timeout", "1", *settings, broker.listen).report["verdict"]["summary"]
    assert summary.startswith(f"no metadata from the bootstrap: {broker.listen} speaks PLAINTEXT")


def test_nothing_listening_is_still_no_bootstrap_server_answered() -> None:
    run = check_json("--timeout", "1", f"127.0.0.1:{closed_port()}")
    assert run.code == 3
    assert run.report["verdict"]["summary"].startswith("no bootstrap server answered")


@pytest.mark.parametrize("message, expected", [
    ("Broker 111 advertises kafka:9092, but kafka does not resolve from here (nxdomain; DNS says NXDOMAIN).",
     "broker 111 advertises kafka:9092, but kafka does not resolve from here"),
    ("Broker 1 advertises 172.28.0.10:9096, which does not accept connections from here (172.28.0.10: "
     "timeout; kafka comes from /etc/hosts (stale)). This client reached broker 1 at x:1 instead.",
     "broker 1 advertises 172.28.0.10:9096, which does not accept connections from here"),
    ("127.0.0.1:9092 speaks PLAINTEXT, but the client is configured for security.protocol=SSL: the client "
     "starts a TLS handshake.", "127.0.0.1:9092 speaks PLAINTEXT, but the client is configured for "
     "security.protocol=SSL"),
    ("[::1]:9092 answers.", "[::1]:9092 answers"),
])
def test_headline(message: str, expected: str) -> None:
    assert headline(message) == expected


@pytest.mark.tansu
def test_the_verdict_names_the_first_problem(tansu: BrokerFactory) -> None:
    port = closed_port()
    broker = tansu.start(f"127.0.0.1:{port}")
    second = tansu.start("localhost:{port}")  # a second listener, fine from this host
    run = check_json("--timeout", "1", broker.listen, second.listen)
    assert run.code == 1
    summary = run.report["verdict"]["summary"]
    assert summary.startswith(f"broker 111 advertises 127.0.0.1:{port}, which does not accept connections "
                              "from here"), summary
    more = run.report["verdict"]["problems"] - 1
    assert (f", and {more} more problem" in summary) == (more > 0)
    text = run_cli(["check", "--no-color", "--timeout", "1", broker.listen]).stdout.strip().splitlines()
    verdict = next(line for line in text if line.startswith("✗ FAIL"))
    assert verdict.startswith(f"✗ FAIL: broker 111 advertises 127.0.0.1:{port}, which does not accept")
