"""SASL listeners for real, on loopback.

Two real SASL servers:
- Tansu with --authentication. Its storage engines in this build keep no SCRAM
  credentials, so nobody can log in: it yields the real unknown-user answer
  (RFC 5802 ``e=unknown-user``), a real connection drop for mechanisms it lacks,
  and the real plaintext-against-SASL symptom.
- SaslGateway (tests/support/sasl_gateway.py): Apache Kafka's authentication
  protocol with scramp's SCRAM server in front of a plaintext Tansu, for
  everything that needs a user who exists (a healthy listener, a wrong password).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from listencheck.lab.tansu import TansuBroker, free_port
from tests.support.brokers import BrokerFactory
from tests.support.cli import Run, check_json
from tests.support.sasl_gateway import SaslGateway
from tests.support.tls import Ca, TlsFronts

pytestmark = pytest.mark.tansu

USERS = {"alice": "alice-pw-7f3c", "bob": "bob-pw-91d2"}


def sasl(protocol: str, mechanism: str, user: str, password: str) -> list[str]:
    return ["-X", f"security.protocol={protocol}", "-X", f"sasl.mechanism={mechanism}",
            "-X", f"sasl.username={user}", "-X", f"sasl.password={password}"]


@pytest.fixture
def authenticating_tansu(tansu: BrokerFactory) -> TansuBroker:
    return tansu.start("127.0.0.1:{port}", extra_args=["--authentication"])


@pytest.fixture
def gateway(tansu: BrokerFactory) -> Iterator[SaslGateway]:
    """SASL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) in front of Tansu, which advertises the gateway."""
    port = free_port()
    backend = tansu.start(f"127.0.0.1:{port}")
    with SaslGateway(backend.listen_port, USERS, listen_port=port) as gateway:
        yield gateway


def attempt(run: Run) -> Any:
    return run.report["bootstraps"][0]["servers"][0]["attempts"][0]


def test_healthy_sasl_ssl_listener(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    front = free_port()
    backend = tansu.start(f"localhost:{front}")
    with SaslGateway(backend.listen_port, USERS) as gateway:
        tls_fronts.start(pki.issue("broker", dns=["localhost"]), gateway.port, port=front)
        run = check_json(f"localhost:{front}", "-X", f"ssl.ca.location={pki.pem}",
                         *sasl("SASL_SSL", "SCRAM-SHA-512", "alice", USERS["alice"]))
    assert run.code == 0, run.stdout
    verdict = run.report["verdict"]
    assert verdict["errors"] == 0 and verdict["warnings"] == 0
    (broker,) = run.report["bootstraps"][0]["brokers"]
    stages = broker["probe"]["attempts"][0]
    assert [stages[s]["status"] for s in ("tcp", "tls", "kafka", "sasl", "metadata")] == ["ok"] * 5
    assert stages["sasl"]["detail"]["authenticated"] is True
    assert stages["sasl"]["detail"]["scram_iterations"] == 4096
    assert stages["tls"]["detail"]["verified"] is True
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"  # librdkafka authenticated too
    assert ("SCRAM-SHA-512", "alice", True) in gateway.attempts


@pytest.mark.parametrize("mechanism, user", [("SCRAM-SHA-256", "bob"), ("PLAIN", "alice")])
def test_healthy_sasl_plaintext_listener(gateway: SaslGateway, mechanism: str, user: str) -> None:
    run = check_json(f"127.0.0.1:{gateway.port}", *sasl("SASL_PLAINTEXT", mechanism, user, USERS[user]))
    assert run.code == 0, run.stdout
    assert run.report["verdict"]["errors"] == 0
    assert attempt(run)["sasl"]["detail"]["outcome"] == "authenticated"
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"


def test_wrong_password_apache_kafka_style(gateway: SaslGateway) -> None:
    run = check_json(f"127.0.0.1:{gateway.port}", *sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "alice", "nope"))
    assert run.code == 3
    finding = run.one("SASL_AUTH_FAILED")
    assert finding["severity"] == "error"
    evidence = finding["evidence"]
    assert evidence["outcome"] == "invalid_credentials"  # Kafka never says which part is wrong
    assert evidence["username"] == "alice"
    assert evidence["broker_message"].startswith("Authentication failed during authentication")
    assert "does not say whether the user is unknown or the password is wrong" in finding["message"]
    assert "BOOTSTRAP_METADATA_FAILED" not in run.codes()


def test_unknown_user_where_the_broker_says_so(authenticating_tansu: TansuBroker) -> None:
    run = check_json(authenticating_tansu.listen,
                     *sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "carol", "whatever-pw"))
    finding = run.one("SASL_AUTH_FAILED")
    assert finding["evidence"]["outcome"] == "unknown_user"
    assert finding["evidence"]["broker_message"] == "unknown-user"  # RFC 5802 server-error
    assert "the broker does not know user 'carol'" in finding["message"]
    assert "--entity-name carol" in finding["fix"]


def test_mechanism_not_enabled_listed_by_the_handshake(gateway: SaslGateway) -> None:
    gateway.mechanisms = ("SCRAM-SHA-512",)
    run = check_json(f"127.0.0.1:{gateway.port}", *sasl("SASL_PLAINTEXT", "PLAIN", "alice", USERS["alice"]))
    finding = run.one("SASL_MECHANISM_UNSUPPORTED")
    assert finding["severity"] == "error"
    assert finding["evidence"]["enabled_mechanisms"] == ["SCRAM-SHA-512"]
    assert finding["evidence"]["mechanisms_source"] == "handshake"
    assert "sasl.mechanism to one of SCRAM-SHA-512" in finding["fix"]


def test_mechanism_not_enabled_broker_hangs_up(authenticating_tansu: TansuBroker) -> None:
    # Tansu closes the connection instead of answering UNSUPPORTED_SASL_MECHANISM.
    run = check_json(authenticating_tansu.listen, *sasl("SASL_PLAINTEXT", "PLAIN", "alice", "pw"))
    finding = run.one("SASL_MECHANISM_UNSUPPORTED")
    assert finding["evidence"]["mechanisms_source"] == "probed"
    assert finding["evidence"]["enabled_mechanisms"] == ["SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]


def test_oauthbearer_is_reported_as_not_checked(authenticating_tansu: TansuBroker) -> None:
    run = check_json(authenticating_tansu.listen, "-X", "security.protocol=SASL_PLAINTEXT",
                     "-X", "sasl.mechanism=OAUTHBEARER", "--timeout", "1")
    note = run.one("SASL_NOT_CHECKED")
    assert note["severity"] == "info"
    assert attempt(run)["sasl"]["status"] == "skipped"
    assert attempt(run)["metadata"]["error"]["message"] == "OAUTHBEARER authentication is not checked"


def test_plaintext_client_against_a_sasl_listener(authenticating_tansu: TansuBroker) -> None:
    run = check_json(authenticating_tansu.listen)
    assert run.code == 3
    finding = run.one("PROTOCOL_MISMATCH")
    evidence = finding["evidence"]
    assert (evidence["configured"], evidence["expected"]) == ("PLAINTEXT", "SASL_PLAINTEXT")
    assert evidence["failed_stage"] == "metadata"  # ApiVersions answered, Metadata dropped
    assert attempt(run)["kafka"]["status"] == "ok"
    assert "SCRAM-SHA-512" in evidence["mechanisms"]
    assert "sasl.mechanism=" in finding["fix"]
    assert "BOOTSTRAP_METADATA_FAILED" not in run.codes()


def test_plaintext_client_against_a_sasl_ssl_listener(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    front = free_port()
    backend = tansu.start(f"localhost:{front}")
    with SaslGateway(backend.listen_port, USERS) as gateway:
        tls_fronts.start(pki.issue("broker", dns=["localhost"]), gateway.port, port=front)
        run = check_json(f"localhost:{front}")
    finding = run.one("PROTOCOL_MISMATCH")
    assert (finding["evidence"]["configured"], finding["evidence"]["expected"]) == ("PLAINTEXT", "SASL_SSL")
    assert finding["evidence"]["mechanisms"] == ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


def test_sasl_client_against_a_plaintext_listener(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    run = check_json(broker.listen, *sasl("SASL_PLAINTEXT", "SCRAM-SHA-256", "alice", USERS["alice"]))
    assert run.code == 3
    finding = run.one("PROTOCOL_MISMATCH")
    evidence = finding["evidence"]
    assert (evidence["configured"], evidence["expected"]) == ("SASL_PLAINTEXT", "PLAINTEXT")
    assert evidence["failed_stage"] == "sasl"
    assert evidence["sasl_evidence"] == "Metadata was answered without authentication"
    assert "SASL_MECHANISM_UNSUPPORTED" not in run.codes()


def test_advertised_listener_enables_other_mechanisms_than_the_bootstrap(tansu: BrokerFactory) -> None:
    bootstrap_port, advertised_port = free_port(), free_port()
    advertised = tansu.start(f"127.0.0.1:{advertised_port}")
    bootstrap = tansu.start(f"127.0.0.1:{advertised_port}")  # advertises the other listener
    with SaslGateway(bootstrap.listen_port, USERS, listen_port=bootstrap_port), \
            SaslGateway(advertised.listen_port, USERS, mechanisms=("SCRAM-SHA-256",),
                        listen_port=advertised_port):
        run = check_json(f"127.0.0.1:{bootstrap_port}",
                         *sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "alice", USERS["alice"]))
    assert run.code == 1
    finding = run.one("SASL_MECHANISM_UNSUPPORTED", 111)
    assert finding["address"] == f"127.0.0.1:{advertised_port}"
    assert finding["evidence"]["enabled_mechanisms"] == ["SCRAM-SHA-256"]


def test_advertised_listener_does_not_know_the_user(tansu: BrokerFactory) -> None:
    bootstrap_port = free_port()
    advertised = tansu.start("127.0.0.1:{port}", extra_args=["--authentication"])
    bootstrap = tansu.start(advertised.advertised)
    with SaslGateway(bootstrap.listen_port, USERS, listen_port=bootstrap_port):
        run = check_json(f"127.0.0.1:{bootstrap_port}",
                         *sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "alice", USERS["alice"]))
    finding = run.one("SASL_AUTH_FAILED", 111)
    assert finding["severity"] == "error"
    assert finding["evidence"]["outcome"] == "unknown_user"
    assert finding["address"] == advertised.advertised
