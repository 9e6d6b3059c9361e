"""No configured secret is ever printed, even where one comes back: a broker that
reflects it, librdkafka's debug logging, configuration errors.

(test_secrets.py covers every format on real TLS/SASL listeners; the corpus in
test_hostile.py runs every misbehaving server with a sentinel configured.)
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port, http, tcp_server

SENTINEL = f"SENTINEL-{secrets.token_hex(8)}"


def assert_never_printed(*streams: str) -> None:
    for stream in streams:
        assert SENTINEL not in stream


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_broker_reflecting_the_secret_is_masked(fmt: str) -> None:
    """Cluster id, advertised host and rack all carry the configured password back."""
    with ScriptedKafka(cluster_id=f"id-{SENTINEL}") as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, f"{SENTINEL}.example", 9092)]
        run = run_cli(["check", "--format", fmt, "--timeout", "0.5", "-X", f"sasl.password={SENTINEL}",
                       "--vantage", f"laptop-{SENTINEL}", script.address])
    assert_never_printed(run.stdout, run.stderr)
    assert "***" in run.stdout
    assert run.code == 1  # broker 2's host (the secret) does not resolve, or is invalid


def test_librdkafka_debug_logging_does_not_leak(tmp_path: Path) -> None:
    properties = tmp_path / "client.properties"
    properties.write_text(f"ssl.key.password={SENTINEL}\ndebug=all\n")
    with tcp_server(http) as port:
        run = run_cli(["check", "--format", "json", "--timeout", "0.5", "-F", str(properties),
                       "-X", f"sasl.password={SENTINEL}", f"127.0.0.1:{closed_port()},127.0.0.1:{port}"])
    assert_never_printed(run.stdout, run.stderr)
    assert run.code == 3


@pytest.mark.parametrize("args", [
    ["-X", f"sasl.password={SENTINEL}", "-X", "enable.ssl.certificate.verification=maybe"],
    ["-X", f"sasl.password={SENTINEL}", "-X", "no.such.property=1"],
    ["-X", f"sasl.password={SENTINEL}", "-X", f"socket.timeout.ms={SENTINEL}"],
    ["-X", f"ssl.key.pem={SENTINEL}", "-X", "security.protocol=SSL"],
    ["-X", f"sasl.jaas.config=org.example.Custom required password=\"{SENTINEL}\";"],
    ["-X", f"sasl.password={SENTINEL}", "-F", "/nonexistent/client.properties"],
])
def test_configuration_errors_never_echo_a_secret(args: list[str]) -> None:
    run = run_cli(["check", *args, "127.0.0.1:9"])
    assert run.code == 2, run.stderr
    assert run.stderr.startswith("listencheck: error:") or "Error:" in run.stderr
    assert_never_printed(run.stdout, run.stderr)
