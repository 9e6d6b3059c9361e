"""Lab reproductions of docker/compose*.yaml and docker/kubernetes/daemonset.yaml (the
classic topologies of issue 4 are in scenarios.py).

The topology is read from the files themselves (listeners, advertised
addresses, published ports, extra_hosts, the sidecar's command, the DaemonSet's
bootstrap), so the tests exercise the wiring that ships, not a copy of it.

Compose: the broker's container and the listencheck sidecar on a Docker
network whose gateway is the Docker host; the host publishes the compose
`ports`; an "internet" network holds the tunnel edge (ngrok) and a remote
laptop. Containers reach the internet through the host, as with Docker's NAT.

Kubernetes: three nodes and a broker pod on one pod network, each node with its
own resolver; node-c's still answers the broker's name with an old pod IP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from listencheck.address import parse_endpoint
from tests.lab import Host, Lab, Records
from tests.lab.netns import sh

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"
COMPOSE_BROKEN = ROOT / "docker" / "compose.broken.yaml"
DAEMONSET = ROOT / "docker" / "kubernetes" / "daemonset.yaml"

DOCKER_NET, KAFKA_IP, SIDECAR_IP, GATEWAY_IP = "172.28.0.0/24", "172.28.0.10", "172.28.0.20", "172.28.0.1"
HOST_PUBLIC_IP, TUNNEL_IP, REMOTE_IP = "198.51.100.1", "198.51.100.7", "198.51.100.50"
# The tunnel's public address in the lab: a reserved .test name standing for 4.tcp.ngrok.io.
NGROK_ADDRESS = "4.tcp.ngrok.test:18028"
LAB_ENV = {"NGROK_ADDRESS": NGROK_ADDRESS, "LISTENCHECK_WAIT": "0"}

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's ${VAR} and ${VAR:-default}, recursively; anything else with $ is refused."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value
    result = _VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)
    if "$" in result.replace("$$", ""):
        raise ValueError(f"unsupported interpolation in {value!r}")
    return result.replace("$$", "$")


def _listener_map(text: str) -> dict[str, str]:
    """'NAME://host:port,...' → {NAME: 'host:port'}."""
    return dict(item.split("://", 1) for item in text.split(","))  # type: ignore[misc]


@dataclass(frozen=True)
class ComposeSpec:
    cluster_id: str
    listeners: dict[str, int]  # listener name → container port (CONTROLLER left out)
    advertised: dict[str, str]  # listener name → advertised host:port
    published: dict[int, int]  # container port → host port
    sidecar_hosts: dict[str, str]  # extra_hosts of the sidecar
    sidecar_command: list[str]
    broker_service: str

    @property
    def tunnel_listener(self) -> str:
        return next(name for name, address in self.advertised.items() if "ngrok" in address)


def read_compose(path: Path, env: dict[str, str] | None = None) -> ComposeSpec:
    data = interpolate(yaml.safe_load(path.read_text()), env if env is not None else LAB_ENV)
    services = data["services"]
    kafka_name = next(name for name, s in services.items() if "KAFKA_LISTENERS" in s.get("environment", {}))
    kafka, sidecar = services[kafka_name], services["listencheck"]
    environment = kafka["environment"]
    controller = environment["KAFKA_CONTROLLER_LISTENER_NAMES"]
    listeners = {name: parse_endpoint(address).port
                 for name, address in _listener_map(environment["KAFKA_LISTENERS"]).items()
                 if name != controller}
    published = {}
    for mapping in kafka.get("ports", []):
        host_port, _, container_port = str(mapping).rpartition(":")
        published[int(container_port)] = int(host_port)
    hosts = dict(entry.split(":", 1) for entry in sidecar.get("extra_hosts", []))
    return ComposeSpec(
        cluster_id=environment["CLUSTER_ID"], listeners=listeners,
        advertised=_listener_map(environment["KAFKA_ADVERTISED_LISTENERS"]), published=published,
        sidecar_hosts=hosts, sidecar_command=[str(a) for a in sidecar["command"]],
        broker_service=kafka.get("hostname", kafka_name),
    )


@dataclass
class ComposeLab:
    spec: ComposeSpec
    host: Host
    sidecar: Host
    remote: Host
    kafka: Host

    def start_brokers(self) -> None:
        """One Tansu per listener (one broker, several listeners), as the compose kafka service."""
        for name, port in self.spec.listeners.items():
            self.kafka.broker("0.0.0.0", port, self.spec.advertised[name], cluster_id=self.spec.cluster_id)

    def host_bootstraps(self) -> list[str]:
        """What a client on the Docker host uses: the published ports on localhost."""
        return [f"localhost:{self.spec.published[port]}" for port in self.spec.listeners.values()
                if port in self.spec.published]


def build_compose(lab: Lab, spec: ComposeSpec, start_brokers: bool = True) -> ComposeLab:
    tunnel_host, tunnel_port = NGROK_ADDRESS.rsplit(":", 1)
    internet_names = {tunnel_host: [TUNNEL_IP]}
    docker, internet = lab.network("docker"), lab.network("internet")
    kafka = lab.host("kafka")
    gateway = {name: GATEWAY_IP if target == "host-gateway" else target
               for name, target in spec.sidecar_hosts.items()}
    sidecar = lab.host("sidecar", hosts={name: [ip] for name, ip in gateway.items()})
    host, tunnel, remote = lab.host("host"), lab.host("tunnel"), lab.host("remote")
    docker.attach(kafka, KAFKA_IP)
    docker.attach(sidecar, SIDECAR_IP)
    docker.attach(host, GATEWAY_IP)
    internet.attach(host, HOST_PUBLIC_IP)
    internet.attach(tunnel, TUNNEL_IP)
    internet.attach(remote, REMOTE_IP)
    for container in (kafka, sidecar):
        container.route_default(GATEWAY_IP)
    host.forward_ip()
    sh("ip", "-n", tunnel.ns, "route", "add", DOCKER_NET, "via", HOST_PUBLIC_IP)
    # Docker's embedded DNS: service names, then the host's resolver for everything else.
    sidecar.use_dns(Records(a={spec.broker_service: [KAFKA_IP], "listencheck": [SIDECAR_IP],
                               **internet_names}))
    host.use_dns(Records(a=dict(internet_names)))
    remote.use_dns(Records(a=dict(internet_names)))
    for container_port, host_port in spec.published.items():
        host.publish(host_port, KAFKA_IP, container_port)
    # The ngrok edge forwards the tunnel port to the agent on the host, which forwards
    # to the published port of the listener that advertises the tunnel address.
    tunnel_target = spec.published[spec.listeners[spec.tunnel_listener]]
    tunnel.publish(int(tunnel_port), HOST_PUBLIC_IP, tunnel_target)
    built = ComposeLab(spec, host, sidecar, remote, kafka)
    if start_brokers:
        built.start_brokers()
    return built


# --- Kubernetes ----------------------------------------------------------------

POD_NET_PREFIX = "10.244.0."
BROKER_POD_IP, STALE_POD_IP = "10.244.0.10", "10.244.0.77"
NODES = {"node-a": "10.244.0.11", "node-b": "10.244.0.12", "node-c": "10.244.0.13"}
ODD_NODE = "node-c"


@dataclass(frozen=True)
class DaemonSetSpec:
    script: str
    env: dict[str, str]  # literal env values of the container
    node_name_from: str  # fieldRef path of NODE_NAME


def read_daemonset(path: Path = DAEMONSET) -> DaemonSetSpec:
    doc = yaml.safe_load(path.read_text())
    container = doc["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["/bin/sh", "-c"]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    node = next(e for e in container["env"] if e["name"] == "NODE_NAME")
    return DaemonSetSpec(container["args"][0], env, node["valueFrom"]["fieldRef"]["fieldPath"])


def broker_name(bootstrap: str) -> str:
    """Strimzi's naming: CLUSTER-kafka-bootstrap.NS.svc → CLUSTER-kafka-0.CLUSTER-kafka-brokers.NS.svc."""
    host = parse_endpoint(bootstrap).host
    service, _, rest = host.partition(".")
    cluster = service.removesuffix("-bootstrap")
    return f"{cluster}-0.{cluster}-brokers.{rest}"


def build_k8s(lab: Lab, spec: DaemonSetSpec) -> dict[str, Host]:
    bootstrap = parse_endpoint(spec.env["BOOTSTRAP"])
    advertised = broker_name(spec.env["BOOTSTRAP"])
    pods = lab.network("pods")
    broker = lab.host("broker")
    pods.attach(broker, BROKER_POD_IP)
    recycled = lab.host("recycled")  # the broker's old IP, now another pod's: nothing on 9092
    pods.attach(recycled, STALE_POD_IP)
    nodes = {}
    for name, ip in NODES.items():
        node = lab.host(name)
        pods.attach(node, ip)
        broker_ip = STALE_POD_IP if name == ODD_NODE else BROKER_POD_IP
        node.use_dns(Records(a={bootstrap.host: [BROKER_POD_IP], advertised: [broker_ip]}))
        nodes[name] = node
    broker.broker("0.0.0.0", bootstrap.port, f"{advertised}:{bootstrap.port}", cluster_id="strimzi-lab")
    return nodes
