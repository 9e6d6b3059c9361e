"""Advice that was wrong or misleading (issue 11), each pinned by a run against real servers.

Scripted multi-broker clusters and Tansu (behind socat TLS fronts) on loopback; the lab
scenarios (Docker host alias, unpublished port, healthy container) are in
tests/test_lab_fixes.py.
"""

from __future__ import annotations

import re

import pytest

from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json
from tests.support.scripted import ScriptedKafka
from tests.support.scripted_cluster import scripted_cluster
from tests.support.tls import Ca, TlsFronts
from tests.test_check_tls import ssl_check, tls_broker


def _headless(node: int, port: int) -> tuple[str, int]:
    return f"kafka-{node}.kafka-headless.kafka.svc.cluster.local", 9092


def test_port_forward_gives_each_broker_its_own_loopback_address() -> None:
    """kubectl port-forward: "map the name to 127.0.0.1" works for one broker only."""
    with scripted_cluster(_headless) as cluster:
        run = check_json(cluster.address(1))
    addresses = {}
    for node in (1, 2, 3):
        fix = run.one("ADVERTISED_UNRESOLVABLE", node)["fix"]
        own = re.findall(r"--address (127\.0\.0\.\d+) <broker (\d+)'s pod>", fix)
        assert [int(n) for _, n in own] == [node], fix
        assert "127.0.0.1 in /etc/hosts" not in fix
        addresses[node] = own[0][0]
    assert len(set(addresses.values())) == 3 and "127.0.0.1" not in addresses.values()


def test_single_broker_port_forward_may_map_the_name_to_loopback() -> None:
    with ScriptedKafka() as script:
        script.brokers = [(0, "kafka-0.kafka-headless.kafka.svc.cluster.local", 9092)]
        run = check_json(script.address)
    fix = run.one("ADVERTISED_UNRESOLVABLE", 0)["fix"]
    assert "to 127.0.0.1 in /etc/hosts works while there is one broker" in fix


def test_wildcard_advice_names_the_empty_host_trap() -> None:
    with ScriptedKafka() as script:
        script.brokers = [(1, "0.0.0.0", script.port)]
        run = check_json(script.address)
    fix = run.one("ADVERTISED_WILDCARD", 1)["fix"]
    assert "refuses to start" in fix and "nonroutable meta-address" in fix
    assert "empty advertised host" in fix and "container id" in fix


@pytest.mark.tansu
def test_plaintext_to_tls_quotes_what_users_really_see(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]))
    fix = check_json(f"localhost:{port}").one("PROTOCOL_MISMATCH")["fix"]
    assert "OutOfMemoryError" in fix and "KAFKA-4090" in fix
    assert "Java client: ssl.truststore.location=" in fix


@pytest.mark.tansu
def test_tls_to_plaintext_quotes_the_brokers_log(tansu: BrokerFactory, pki: Ca) -> None:
    broker = tansu.start("localhost:{port}")
    fix = ssl_check(broker.listen, pki, "--timeout", "1").one("PROTOCOL_MISMATCH")["fix"]
    assert "InvalidReceiveException" in fix and "369296128" in fix


@pytest.mark.tansu
def test_untrusted_with_the_system_store_suggests_probe(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]))
    system = check_json(f"localhost:{port}", "-X", "security.protocol=SSL")
    finding = system.one("TLS_UNTRUSTED_CERTIFICATE")
    assert finding["evidence"]["trust_store"] == "system"
    assert "ssl.ca.location=probe" in finding["fix"]
    assert "Java client: ssl.truststore.location=" in finding["fix"]
    stranger = Ca(pki.directory / "other", name="some other CA")
    given = ssl_check(f"localhost:{port}", stranger).one("TLS_UNTRUSTED_CERTIFICATE")
    assert "probe" not in given["fix"]  # the client chose its CA file: probe is not the answer


@pytest.mark.tansu
def test_hostname_mismatch_warns_that_disabling_verification_stops_sni(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["kafka.example.test"]))
    fix = ssl_check(f"localhost:{port}", pki).one("TLS_HOSTNAME_MISMATCH")["fix"]
    assert "stop sending SNI" in fix and "SNI routing" in fix
    assert "empty ssl.endpoint.identification.algorithm=" in fix
