"""Closed loop in the namespace lab: the generated fix, applied, makes the topology work.

Each test builds a broken topology from a small description (a broker's listeners and
the ports published to it), runs `listencheck check --format json` from the client's
namespace, applies the structured fix of the report (``fixes[]``) to the description,
rebuilds the topology from the fixed description, checks again (it must pass) and has a
real producer deliver a message from the client's namespace. Tansu serves one listener
per process, so a broker with two listeners is two Tansu processes of one cluster (as in
tests/lab/scenarios.py).

The configuration-driven loops (Docker host alias, internal name from the host, the broken
Compose file) give the broker's own file with --broker-config, apply the unified diff the
report prints to a copy of it with `patch`, and restart the brokers from the patched file.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.lab import Host, Lab, Records
from tests.lab.deployments import COMPOSE_BROKEN, LAB_ENV, NGROK_ADDRESS, build_compose, read_compose
from tests.lab.scenarios import compose, lan
from tests.support.cli import Run, run_cli
from tests.support.mock_cluster import mock_cluster
from tests.test_fixes_cluster import assert_no_foreign_address

ROOT = Path(__file__).resolve().parents[1]
KAFKA_IP, HOST_IP, APP_IP = "172.28.0.10", "172.28.0.1", "172.28.0.20"
NODE_IP, CLIENT_IP, POD_IP = "10.100.0.5", "10.100.0.50", "10.96.0.10"


@dataclass(frozen=True)
class Broker:
    """One broker's listeners (bind port, advertised address) and its published ports."""

    listeners: tuple[tuple[int, str], ...]
    publish: dict[int, int] = field(default_factory=dict)  # host or node port -> broker port


def apply(broker: Broker, fix: dict[str, Any]) -> Broker:
    """The description with the report's structured fix applied, as a user would apply it."""
    listeners = broker.listeners
    if fix["kind"] == "add_listener":
        listeners += ((int(fix["bind"].rsplit(":", 1)[1]), fix["advertised"]),)
    else:
        assert any(adv == fix["replaces"] for _, adv in listeners), fix
        listeners = tuple((port, fix["advertised"] if adv == fix["replaces"] else adv)
                          for port, adv in listeners)
    publish = dict(broker.publish)
    if fix["publish"] is not None:
        publish[int(fix["publish"]["host_port"])] = fix["publish"]["container_port"]
    return Broker(listeners, publish)


def docker(lab: Lab, broker: Broker) -> dict[str, Host]:
    """A broker container on a Docker network, the Docker host publishing its ports, an app."""
    net = lab.network("docker")
    kafka, host = lab.host("kafka"), lab.host("host")
    app = lab.host("app", hosts={"host.docker.internal": [HOST_IP]})  # extra_hosts: host-gateway
    net.attach(kafka, KAFKA_IP)
    net.attach(host, HOST_IP)
    net.attach(app, APP_IP)
    app.use_dns(Records(a={"kafka": [KAFKA_IP]}))  # Docker's embedded DNS
    host.use_dns(Records())  # the host's resolver knows no service names
    for port, advertised in broker.listeners:
        kafka.broker("0.0.0.0", port, advertised)
    for host_port, port in broker.publish.items():
        publish_dual_stack(lab, host, host_port, KAFKA_IP, port)
    return {"host": host, "app": app}


def publish_dual_stack(lab: Lab, host: Host, port: int, target: str, target_port: int) -> None:
    """docker -p PORT:TARGET_PORT: Docker listens on 0.0.0.0 and [::], so localhost works on
    both families (the shared lab's publish listens on IPv4 only)."""
    host.publish(port, target, target_port)
    lab.spawn(host, ["socat", f"TCP6-LISTEN:{port},fork,reuseaddr,ipv6only=1,bind=[::]",
                     f"TCP:{target}:{target_port}"], f"{host.ns}-publish6-{port}")
    host.wait_port("::1", port)


def nodeport(lab: Lab, broker: Broker) -> dict[str, Host]:
    """A pod behind a Kubernetes NodePort; the client reaches the node, never the pod network."""
    nodes, pods = lab.network("nodes"), lab.network("pods")
    node, pod = lab.host("node"), lab.host("kafka-0")
    client = lab.host("client", hosts={"my-cluster-kafka-bootstrap.example": [NODE_IP]})
    nodes.attach(node, NODE_IP)
    nodes.attach(client, CLIENT_IP)
    pods.attach(node, "10.96.0.1")
    pods.attach(pod, POD_IP)
    for port, advertised in broker.listeners:
        pod.broker("0.0.0.0", port, advertised)
    for node_port, port in broker.publish.items():
        node.publish(node_port, POD_IP, port)
    return {"client": client}


def office(lab: Lab, broker: Broker) -> dict[str, Host]:
    """A server on a LAN and a laptop next to it."""
    net = lan(lab)
    for port, advertised in broker.listeners:
        net.server.broker("0.0.0.0", port, advertised)
    return {"laptop": net.laptop}


def produce(client: Host, bootstrap: str) -> str:
    proc = subprocess.run([*client.prefix, sys.executable, "-m", "tests.support.produce", bootstrap],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    return proc.stdout.strip() or proc.stderr.strip()[-500:]


def closed_loop(lab: Lab, build: Callable[[Lab, Broker], dict[str, Host]], broken: Broker,
                client: str, bootstrap: str) -> tuple[Run, dict[str, Any], Run]:
    """Check the broken topology, apply its fix, rebuild, check again and produce."""
    before = build(lab, broken)[client].check(bootstrap)
    assert before.code == 1, before.stdout
    (fix,) = before.report["fixes"]
    assert fix["placeholder_address"] is False, fix
    fixed = apply(broken, fix)
    lab.teardown()
    hosts = build(lab, fixed)
    after = hosts[client].check(bootstrap)
    assert after.code == 0, after.stdout
    assert after.report["fixes"] == []
    assert produce(hosts[client], bootstrap) == "delivered"
    return before, fix, after


def test_docker_host_fix_closes_the_loop(lab: Lab) -> None:
    broken = Broker(((9092, "kafka:9092"),), {9092: 9092})
    before, fix, _ = closed_loop(lab, docker, broken, "host", "localhost:9092")
    # The address this client used is kept for this broker; the published port now leads to
    # a new listener on a port no listener used.
    assert (fix["kind"], fix["advertised"], fix["bind"]) == ("add_listener", "localhost:9092",
                                                              "EXTERNAL://0.0.0.0:29092")
    assert fix["publish"] == {"host_port": "9092", "container_port": 29092}
    assert before.one("ADVERTISED_UNRESOLVABLE", 111)["evidence"]["bootstrap_path"]["path"] == "local_forward"
    # Containers on the broker's network still use the internal listener.
    app = lab.hosts["app"].check("kafka:9092")
    assert app.code == 0, app.stdout


def test_unpublished_port_fix_says_the_port_is_wrong_and_closes_the_loop(lab: Lab) -> None:
    """Issue 11: right host, wrong port (docker run -p 19092:9092, advertised localhost:9092)."""
    broken = Broker(((9092, "localhost:9092"),), {19092: 9092})
    before, fix, _ = closed_loop(lab, docker, broken, "host", "localhost:19092")
    finding = before.one("ADVERTISED_UNREACHABLE", 111)
    assert "the port is wrong" in finding["fix"] and "stop advertising" not in finding["fix"]
    assert before.one("ADVERTISED_LOOPBACK", 111)["severity"] == "info"
    assert (fix["kind"], fix["replaces"], fix["advertised"]) == ("readvertise", "localhost:9092",
                                                                  "localhost:19092")


def test_nodeport_is_recognised_and_its_fix_closes_the_loop(lab: Lab) -> None:
    """The koperator/Strimzi NodePort trap: the pod advertises its own address and port."""
    broken = Broker(((9092, f"{POD_IP}:9092"),), {30092: 9092})
    before, fix, _ = closed_loop(lab, nodeport, broken, "client", f"{NODE_IP}:30092")
    finding = before.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["evidence"]["bootstrap_path"] == {
        "used": f"{NODE_IP}:30092", "reached_ip": NODE_IP, "broker_id": 111, "identity": "only_broker",
        "advertised": f"{POD_IP}:9092", "path": "node_port"}
    assert "Kubernetes NodePort" in finding["message"]
    assert f"advertise {NODE_IP}:30092 for broker 111 only" in finding["fix"]
    assert "nodePort 30092, targetPort 29092" in finding["fix"]
    assert fix["advertised"] == f"{NODE_IP}:30092"
    assert fix["publish"] == {"host_port": "30092", "container_port": 29092}


def test_localhost_advertised_to_a_laptop_fix_closes_the_loop(lab: Lab) -> None:
    broken = Broker(((9092, "localhost:9092"),))
    _, fix, _ = closed_loop(lab, office, broken, "laptop", "10.50.0.10:9092")
    assert (fix["kind"], fix["advertised"]) == ("readvertise", "10.50.0.10:9092")


def test_healthy_container_note_never_proposes_the_internal_name_again(lab: Lab) -> None:
    """Issue 11: the info recipe on a healthy run proposed EXTERNAL://kafka:29092."""
    c = compose(lab, three_listeners=False)
    run = c.app.check("kafka:9092")
    assert run.code == 0, run.stdout
    note = run.one("ADVERTISED_INTERNAL_NAME", 111)
    assert "kafka:29092" not in note["fix"]
    assert "EXTERNAL://BROKER_111_EXTERNAL_HOST:PORT" in note["fix"] and "is a placeholder" in note["fix"]
    assert run.report["fixes"] == []  # notes change no configuration


def test_docker_host_alias_mentions_docker_desktop_for_windows(lab: Lab) -> None:
    c = compose(lab, three_listeners=True)
    run = c.app_no_gateway.check("kafka:29092")
    fix = run.one("ADVERTISED_DOCKER_HOST_ALIAS", 111)["fix"]
    assert "Docker Desktop for Windows" in fix and "hosts file" in fix
    assert run.report["fixes"] == []  # fixed on the client's side (host-gateway), not the broker


def test_mock_cluster_with_one_broker_dropped_gets_a_fix_for_that_broker_only(lab: Lab) -> None:
    """librdkafka's mock cluster (distinct ids) in a namespace of its own; broker 2's port
    dropped there by iptables: its fix never names another broker's address."""
    box = lab.host("box")
    with mock_cluster(3, prefix=box.prefix) as cluster:
        healthy = box.check(cluster.bootstrap)
        assert healthy.code == 0, healthy.stdout
        listed = healthy.report["bootstraps"][0]["metadata"]["brokers"]
        owners = {b["node_id"]: [f"{b['host']}:{b['port']}"] for b in listed}
        bootstrap = cluster.bootstrap
        dropped = next(b for b in listed if f"{b['host']}:{b['port']}" != bootstrap)
        box.firewall(dropped["port"], "DROP")
        run = box.check(bootstrap)
    assert run.code == 1, run.stdout
    finding = run.one("ADVERTISED_UNREACHABLE", dropped["node_id"])
    assert finding["evidence"]["reason"] == "timeout"
    assert {f["broker_id"] for f in run.findings() if f["severity"] == "error"} == {dropped["node_id"]}
    assert_no_foreign_address(run, owners)


def test_a_bootstrap_service_is_never_proposed_as_one_brokers_address(lab: Lab) -> None:
    """Strimzi's my-cluster-kafka-bootstrap spreads clients over every broker: even when it
    reached the only broker, it is no broker's own address."""
    hosts = nodeport(lab, Broker(((9092, f"{POD_IP}:9092"),), {30092: 9092}))
    run = hosts["client"].check("my-cluster-kafka-bootstrap.example:30092")
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert "bootstrap_path" not in finding["evidence"]
    assert "my-cluster-kafka-bootstrap.example:30092" not in finding["fix"]
    (fix,) = run.report["fixes"]
    assert fix["advertised"] == "BROKER_111_EXTERNAL_HOST:PORT" and fix["placeholder_address"] is True


# --- closed loops through the broker's own configuration file -----------------------------


def apply_diff(path: Path, diff: str) -> None:
    """What the user does with the printed diff: patch the file."""
    proc = subprocess.run(["patch", "--no-backup-if-mismatch", "-u", str(path)], input=diff,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _entries(value: str) -> dict[str, tuple[str, int]]:
    out = {}
    for item in value.split(","):
        name, _, address = item.strip().partition("://")
        host, _, port = address.rpartition(":")
        out[name.upper()] = (host, int(port))
    return out


def broker_from(settings: dict[str, str], publish: dict[int, int]) -> Broker:
    """The brokers a configuration starts: one Tansu per advertised listener, bound where its
    listener binds (the controller listener is not advertised)."""
    binds = _entries(settings["listeners"])
    advertised = _entries(settings["advertised.listeners"])
    return Broker(tuple((binds[name][1], f"{host}:{port}") for name, (host, port) in advertised.items()),
                  publish)


def read_properties(path: Path) -> dict[str, str]:
    lines = [ln.strip() for ln in path.read_text().splitlines() if "=" in ln and not ln.startswith("#")]
    return dict(ln.split("=", 1) for ln in lines)  # type: ignore[misc]


def read_compose_broker(path: Path, service: str = "kafka") -> Broker:
    spec = yaml.safe_load(path.read_text())["services"][service]
    env = {k: str(v) for k, v in spec["environment"].items()}
    settings = {"listeners": env["KAFKA_LISTENERS"],
                "advertised.listeners": env["KAFKA_ADVERTISED_LISTENERS"]}
    publish = {int(h): int(c) for h, _, c in (str(p).rpartition(":") for p in spec.get("ports", []))}
    return broker_from(settings, publish)


ALIAS_PROPERTIES = """\
process.roles=broker,controller
node.id=111
controller.quorum.voters=111@localhost:9093
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://0.0.0.0:9092,DOCKER://0.0.0.0:29092,CONTROLLER://0.0.0.0:9093
advertised.listeners=PLAINTEXT://kafka:9092,DOCKER://host.docker.internal:29092
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,DOCKER:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
"""


def test_docker_host_alias_seen_from_the_host_fix_closes_the_loop(lab: Lab, tmp_path: Path) -> None:
    """Issue 11: the broker advertises host.docker.internal:29092 (published -p 29092:29092) for
    containers; the Docker host itself cannot resolve the alias. The fix adds a listener advertised
    on localhost at a new port and leaves the alias listener to the containers."""
    props = tmp_path / "server.properties"
    props.write_text(ALIAS_PROPERTIES)
    broken = broker_from(read_properties(props), {29092: 29092})
    before = docker(lab, broken)["host"].check("--broker-config", str(props), "localhost:29092")
    assert before.code == 1, before.stdout
    finding = before.one("ADVERTISED_DOCKER_HOST_ALIAS", 111)
    assert "This client is on the Docker host" in finding["fix"]
    assert "localhost:29093" in finding["fix"] and "-p 29093:29093" in finding["fix"]
    (fix,) = before.report["fixes"]
    assert (fix["kind"], fix["listener"], fix["advertised"]) == ("add_listener", "EXTERNAL",
                                                                  "localhost:29093")
    assert fix["publish"] == {"host_port": "29093", "container_port": 29093}
    assert fix["placeholder_names"] is False and fix["diff"] is not None
    assert "CONTROLLER://0.0.0.0:9093" in fix["settings"]["listeners"]  # KRaft-safe
    apply_diff(props, fix["diff"])
    fixed = broker_from(read_properties(props), {29092: 29092, 29093: 29093})  # + docker run -p 29093:29093
    lab.teardown()
    hosts = docker(lab, fixed)
    after = hosts["host"].check("--broker-config", str(props), "localhost:29093")
    assert after.code == 0, after.stdout
    assert after.report["fixes"] == []
    assert produce(hosts["host"], "localhost:29093") == "delivered"
    # Containers still reach the broker through the alias, which the fix left alone.
    app = hosts["app"].check("host.docker.internal:29092")
    assert app.code == 0, app.stdout


INTERNAL_NAME_COMPOSE = """\
services:
  kafka:
    image: apache/kafka:3.9.0
    hostname: kafka
    ports:
      - "9092:9092"
    environment:
      KAFKA_NODE_ID: 111
      KAFKA_PROCESS_ROLES: broker,controller
      KAFKA_CONTROLLER_QUORUM_VOTERS: 111@kafka:9093
      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
      KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
      KAFKA_INTER_BROKER_LISTENER_NAME: PLAINTEXT
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 1
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1
  app:
    image: example/app
"""


def test_internal_name_seen_from_the_host_compose_diff_closes_the_loop(lab: Lab, tmp_path: Path) -> None:
    """The Compose service name kafka:9092, advertised to a client on the Docker host (through
    the published localhost:9092): the printed diff of the Compose file, applied, fixes it."""
    path = tmp_path / "compose.yaml"
    path.write_text(INTERNAL_NAME_COMPOSE)
    host = docker(lab, read_compose_broker(path))["host"]
    before = host.check("--broker-config", str(path), "localhost:9092")
    assert before.code == 1, before.stdout
    assert before.one("ADVERTISED_INTERNAL_NAME", 111)["severity"] == "error"
    (fix,) = before.report["fixes"]
    assert (fix["kind"], fix["listener"], fix["advertised"]) == ("add_listener", "EXTERNAL", "localhost:9092")
    diff = fix["diff"]
    assert '-      - "9092:9092"' in diff and '+      - "9092:29092"' in diff  # the host port, re-pointed
    assert ("+      KAFKA_LISTENERS: PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093,"
            "EXTERNAL://0.0.0.0:29092") in diff
    apply_diff(path, diff)
    lab.teardown()
    hosts = docker(lab, read_compose_broker(path))
    after = hosts["host"].check("--broker-config", str(path), "localhost:9092")
    assert after.code == 0, after.stdout
    assert after.report["fixes"] == []
    assert produce(hosts["host"], "localhost:9092") == "delivered"
    app = hosts["app"].check("kafka:9092")  # the Compose network keeps its listener
    assert app.code == 0, app.stdout


def test_broken_compose_file_fix_closes_the_loop(lab: Lab, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """docker/compose.broken.yaml checked from its sidecar with the file given: the fix's diff
    fixes the broker (localhost:9092 -> kafka:9092, the ${NGROK_ADDRESS} interpolation kept) and
    the lint finding's diff gives the sidecar its missing extra_hosts; both applied with
    patch(1), the stack passes."""
    monkeypatch.setenv("NGROK_ADDRESS", NGROK_ADDRESS)  # Compose interpolates it for the broker too
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE_BROKEN.read_text())

    def sidecar_check(stack_path: Path) -> tuple[Any, Run]:
        stack = build_compose(lab, read_compose(stack_path, LAB_ENV))
        return stack, run_cli([*stack.spec.sidecar_command, "--format", "json", "--broker-config",
                               str(stack_path)], stack.sidecar.prefix)

    _, before = sidecar_check(path)
    assert before.code == 1, before.stdout
    (fix,) = before.report["fixes"]
    assert (fix["kind"], fix["replaces"], fix["advertised"]) == ("readvertise", "localhost:9092",
                                                                  "kafka:9092")
    assert "PLAINTEXT_NGROK://${NGROK_ADDRESS:-4.tcp.ngrok.io:18028}" in fix["diff"]
    extra = before.one("CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS")
    assert extra["evidence"]["client"] == "listencheck"
    assert 'extra_hosts: ["host.docker.internal:host-gateway"]' in extra["fix"]
    # The client-side fix is a diff of the sidecar's service too, applied the same way.
    assert '+      - "host.docker.internal:host-gateway"' in extra["diff"]
    unpublished = before.findings("CONFIG_ADVERTISED_PORT_UNPUBLISHED")
    # Only the loopback listener: a tunnel's public port is never published on the host.
    assert [f["evidence"]["listener"] for f in unpublished] == ["PLAINTEXT"]
    apply_diff(path, fix["diff"])
    apply_diff(path, extra["diff"])
    assert read_compose(path, LAB_ENV)  # still a Compose file the lab reads
    lab.teardown()
    stack, after = sidecar_check(path)
    assert after.code == 0, after.stdout
    assert after.report["fixes"] == [] and not [f for f in after.findings() if f["severity"] == "error"]
    for bootstrap in ("kafka:9092", "kafka:29092"):
        assert produce(stack.sidecar, bootstrap) == "delivered", bootstrap
