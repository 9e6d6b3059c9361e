"""Issue 12 item 6 in the namespace lab: a broker advertising its container id, and HTTP proxy
variables that a Kafka client ignores.
"""

from __future__ import annotations

from tests.lab import Lab, Records
from tests.support.cli import run_cli

DOCKER_NET = "172.28.0"
CONTAINER_ID = "3f2a9c1b7e4d"


def _container_broker(lab: Lab):  # type: ignore[no-untyped-def]
    """`docker run -p 9092:9092` a broker whose advertised.listeners left the host empty: it
    advertises its container id, which only the container's own /etc/hosts knows."""
    docker = lab.network("docker")
    kafka = lab.host("kafka", hosts={CONTAINER_ID: [f"{DOCKER_NET}.10"]})
    host = lab.host("host")
    docker.attach(kafka, f"{DOCKER_NET}.10")
    docker.attach(host, f"{DOCKER_NET}.1")
    host.use_dns(Records())
    kafka.broker("0.0.0.0", 9092, f"{CONTAINER_ID}:9092")
    host.publish(9092, f"{DOCKER_NET}.10", 9092)
    return kafka, host


def test_container_id_advertised(lab: Lab) -> None:
    kafka, host = _container_broker(lab)
    run = host.check("localhost:9092")
    assert run.code == 1
    finding = run.one("ADVERTISED_CONTAINER_ID", 111)
    assert finding["severity"] == "error"
    assert finding["evidence"]["container_id"] == CONTAINER_ID
    assert "advertised.listeners leaves the host empty" in finding["message"]
    assert "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://BROKER_111_HOST:9092" in finding["fix"]
    assert "ADVERTISED_INTERNAL_NAME" not in run.codes()  # the container id names the cause
    inside = kafka.check(f"{DOCKER_NET}.10:9092")  # the container resolves its own id
    assert inside.one("ADVERTISED_CONTAINER_ID", 111)["severity"] == "info"


def test_proxy_variables_are_named_once_and_never_their_values(lab: Lab) -> None:
    kafka, host = _container_broker(lab)
    secret = "http://user:pa55word@proxy.invalid:3128"
    prefix = [*host.prefix, "env", f"HTTPS_PROXY={secret}", f"http_proxy={secret}"]
    run = run_cli(["check", "--format", "json", "--timeout", "1", "localhost:9092"], prefix)
    finding = run.one("PROXY_IGNORED")
    assert finding["severity"] == "info" and finding["subject"] == "run"
    assert finding["evidence"]["variables"] == ["HTTPS_PROXY", "http_proxy"]
    assert run.report["vantage"]["proxy_variables"] == ["HTTPS_PROXY", "http_proxy"]
    assert "pa55word" not in run.stdout and "proxy.invalid" not in run.stdout
    # Where everything works (inside the container, which resolves its own id) it is not said.
    healthy = run_cli(["check", "--format", "json", "--timeout", "1", f"{DOCKER_NET}.10:9092"],
                      [*kafka.prefix, "env", f"HTTPS_PROXY={secret}"])
    assert healthy.code == 0 and "PROXY_IGNORED" not in healthy.codes()
