"""The verdict line names what is wrong (issue 18)."""

from __future__ import annotations

import pytest

from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json, run_cli


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
    from tests.support.servers import closed_port

    run = check_json("--timeout", "1", f"127.0.0.1:{closed_port()}")
    assert run.code == 3
    assert run.report["verdict"]["summary"].startswith("no bootstrap server answered")
