"""Scenario 1: containers on a Docker network, and the Docker host with a published port."""

from __future__ import annotations

import pytest

from tests.lab import Lab, Records


@pytest.fixture
def compose(lab: Lab) -> Lab:
    """kafka (172.28.0.10) and app (172.28.0.20) on a Docker bridge; the host publishes 9092."""
    docker = lab.network("docker")
    kafka = lab.host("kafka")
    app = lab.host("app")
    host = lab.host("host")
    docker.attach(kafka, "172.28.0.10")
    docker.attach(app, "172.28.0.20")
    docker.attach(host, "172.28.0.1")  # the Docker host is the bridge's gateway
    app.use_dns(Records(a={"kafka": ["172.28.0.10"]}))  # Docker's embedded DNS
    host.use_dns(Records())  # the host's resolver knows nothing of Compose service names
    kafka.broker("0.0.0.0", 9092, "kafka:9092")
    host.publish(9092, "172.28.0.10", 9092)  # docker run -p 9092:9092
    return lab


def test_container_on_the_same_network_is_healthy(compose: Lab) -> None:
    run = compose.hosts["app"].check("kafka:9092")
    assert run.code == 0, run.stdout
    assert run.report["verdict"]["errors"] == 0
    note = run.one("ADVERTISED_INTERNAL_NAME", 111)
    assert note["severity"] == "info"
    assert "clients outside that network will fail" in note["message"]


def test_host_with_published_port_cannot_resolve_the_service_name(compose: Lab) -> None:
    run = compose.hosts["host"].check("localhost:9092")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNRESOLVABLE", 111)
    assert finding["severity"] == "error"
    assert finding["address"] == "kafka:9092"
    assert finding["evidence"]["reason"] == "nxdomain"
    assert finding["evidence"]["dns"]["status"] == "NXDOMAIN"
    assert finding["evidence"]["dns"]["nameservers"] == ["127.0.0.1"]
    # The fix names a second listener, advertised as the address this client used.
    assert "EXTERNAL://localhost:29092" in finding["fix"]
    assert "advertised.listeners=PLAINTEXT://kafka:9092,EXTERNAL://localhost:29092" in finding["fix"]
    assert run.one("ADVERTISED_INTERNAL_NAME", 111)["severity"] == "error"
    assert run.one("BOOTSTRAP_REDIRECT")["evidence"]["advertised"] == ["kafka:9092"]
