"""The classic listener topologies, built in the lab. Shared by the tests and by
examples/regenerate.py, which captures the reports shown in examples/lab/.

Address plan (all inside lab namespaces, none routed anywhere else):
  172.28.0.0/24  a Docker bridge network; .1 is the Docker host (gateway)
  10.50.0.0/24   an office LAN
  10.60.0.0/24   a corporate network behind a gateway
  10.96.0.0/24   a Kubernetes pod network
  5.5.5.0/24     "the internet": public-looking addresses that exist only here
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.lab import Host, Lab, Records

DOCKER_NET = "172.28.0"
PUBLIC = "5.5.5"
TUNNEL_NAME = "4.tcp.ngrok.io"


@dataclass
class Compose:
    """kafka container, app containers, the Docker host; optionally an ngrok tunnel."""

    lab: Lab
    kafka: Host
    host: Host
    app: Host  # same network, Docker DNS knows `kafka`; host-gateway mapping present
    app_no_gateway: Host  # same network, but no extra_hosts: host.docker.internal unknown
    outside: Host | None = None
    tunnel: Host | None = None


def compose(lab: Lab, *, three_listeners: bool, tunnel_port: int | None = None) -> Compose:
    """The listeners cheat-sheet broker: PLAINTEXT kafka:9092, and with ``three_listeners``
    PLAINTEXT_DOCKER host.docker.internal:29092 and PLAINTEXT_NGROK 4.tcp.ngrok.io:18028.

    The Docker host publishes 9092 and 29092 (docker run -p 9092:9092 -p 29092:29092).
    ``tunnel_port`` starts the tunnel on that public port (18028 is what the broker
    advertises; another port reproduces a tunnel that restarted elsewhere).
    """
    docker = lab.network("docker")
    kafka, host = lab.host("kafka"), lab.host("host")
    app = lab.host("app", hosts={"host.docker.internal": [f"{DOCKER_NET}.1"]})  # host-gateway
    app_no_gateway = lab.host("app2")
    docker.attach(kafka, f"{DOCKER_NET}.10")
    docker.attach(app, f"{DOCKER_NET}.20")
    docker.attach(app_no_gateway, f"{DOCKER_NET}.21")
    docker.attach(host, f"{DOCKER_NET}.1")
    docker_dns = Records(a={"kafka": [f"{DOCKER_NET}.10"]})  # Docker's embedded DNS
    app.use_dns(docker_dns)
    app_no_gateway.use_dns(docker_dns)
    host.use_dns(Records())  # the host's resolver knows no Compose service names
    kafka.broker("0.0.0.0", 9092, "kafka:9092")
    host.publish(9092, f"{DOCKER_NET}.10", 9092)
    built = Compose(lab, kafka, host, app, app_no_gateway)
    if three_listeners:
        kafka.broker("0.0.0.0", 29092, "host.docker.internal:29092")
        kafka.broker("0.0.0.0", 29093, f"{TUNNEL_NAME}:18028")
        host.publish(29092, f"{DOCKER_NET}.10", 29092)
    if tunnel_port is not None:
        internet = lab.network("internet")
        tunnel, outside = lab.host("ngrok"), lab.host("outside")
        internet.attach(tunnel, f"{PUBLIC}.10")
        internet.attach(outside, f"{PUBLIC}.100")
        docker.attach(tunnel, f"{DOCKER_NET}.30")  # the ngrok agent runs next to the broker
        outside.use_dns(Records(a={TUNNEL_NAME: [f"{PUBLIC}.10"]}))
        tunnel.publish(tunnel_port, f"{DOCKER_NET}.10", 29093, bind=f"{PUBLIC}.10")
        built.tunnel, built.outside = tunnel, outside
    return built


@dataclass
class Lan:
    """A server and a laptop on one LAN."""

    lab: Lab
    server: Host
    laptop: Host


def lan(lab: Lab, *, laptop_records: Records | None = None, laptop_hosts: dict[str, list[str]] | None = None,
        ipv6: bool = False) -> Lan:
    net = lab.network("lan")
    server, laptop = lab.host("server"), lab.host("laptop", hosts=laptop_hosts)
    net.attach(server, "10.50.0.10", "fd50::10" if ipv6 else None)
    net.attach(laptop, "10.50.0.20", "fd50::20" if ipv6 else None)
    laptop.use_dns(laptop_records or Records())
    return Lan(lab, server, laptop)


@dataclass
class Corporate:
    """A broker on a private network, published on a gateway's public address."""

    lab: Lab
    broker: Host
    inside: Host  # a client on the corporate network
    leaky: Host  # an outside client whose DNS leaks the internal record
    outside: Host  # an outside client with proper split-horizon DNS


def corporate(lab: Lab) -> Corporate:
    corp, internet = lab.network("corp"), lab.network("internet")
    broker, inside, gateway = lab.host("broker"), lab.host("inside"), lab.host("gateway")
    leaky, outside = lab.host("leaky"), lab.host("outside")
    corp.attach(broker, "10.60.0.10")
    corp.attach(inside, "10.60.0.20")
    corp.attach(gateway, "10.60.0.1")
    internet.attach(gateway, f"{PUBLIC}.1")
    internet.attach(leaky, f"{PUBLIC}.101")
    internet.attach(outside, f"{PUBLIC}.102")
    name = "kafka.corp.example"
    inside.use_dns(Records(a={name: ["10.60.0.10"]}))
    leaky.use_dns(Records(a={name: ["10.60.0.10"]}))  # the internal answer, seen from outside
    outside.use_dns(Records(a={name: [f"{PUBLIC}.1"]}))  # split horizon done right
    broker.broker("0.0.0.0", 9092, f"{name}:9092")
    gateway.publish(9092, "10.60.0.10", 9092, bind=f"{PUBLIC}.1")
    return Corporate(lab, broker, inside, leaky, outside)


# --- three misdiagnoses a new user hit (issue 18) -----------------------------------

STALE_HOSTS_ADDRESS = f"{DOCKER_NET}.99"  # on the Docker network, but nothing is there


def stale_hosts_nxdomain(lab: Lab) -> Host:
    """The Docker host's /etc/hosts maps ``kafka`` to an address where nothing is, and DNS
    does not know the name; the broker advertises kafka:9092. Returns the Docker host."""
    built = compose(lab, three_listeners=False)
    built.host.set_hosts({"kafka": [STALE_HOSTS_ADDRESS]})
    return built.host


def localhost_to_app_container(lab: Lab) -> Compose:
    """A listener advertising localhost:9093 for clients on the Docker host (published
    -p 9093:9093), used by an app container through host.docker.internal:9093."""
    built = compose(lab, three_listeners=False)
    built.kafka.broker("0.0.0.0", 9093, "localhost:9093")
    built.host.publish(9093, f"{DOCKER_NET}.10", 9093, bind="::")  # both families, like docker-proxy
    return built


OTHER_NET = "172.29.0"


def container_ip_other_network(lab: Lab) -> Host:
    """A broker advertising its container IP 172.28.0.10:9096, published -p 9096:9096; an
    app container on another Docker network reaches it through host.docker.internal:9096.
    The Docker host does not forward between the two networks (Docker's isolation rules):
    packets to 172.28.0.10 are dropped. Returns the app container."""
    built = compose(lab, three_listeners=False)
    built.kafka.broker("0.0.0.0", 9096, f"{DOCKER_NET}.10:9096")
    built.host.publish(9096, f"{DOCKER_NET}.10", 9096)
    other = lab.network("other")
    app = lab.host("app-other", hosts={"host.docker.internal": [f"{OTHER_NET}.1"]})
    other.attach(built.host, f"{OTHER_NET}.1")
    other.attach(app, f"{OTHER_NET}.20")
    app.route_default(f"{OTHER_NET}.1")
    app.use_dns(Records())
    return app


# --- the example gallery: one entry per scenario, run by examples/regenerate.py ---------

@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    story: str
    build: Callable[[Lab], tuple[Host, list[str]]]  # -> (vantage, bootstrap arguments)


def _docker_host(lab: Lab) -> tuple[Host, list[str]]:
    return compose(lab, three_listeners=False).host, ["localhost:9092"]


def _docker_app(lab: Lab) -> tuple[Host, list[str]]:
    return compose(lab, three_listeners=False).app, ["kafka:9092"]


def _no_gateway(lab: Lab) -> tuple[Host, list[str]]:
    return compose(lab, three_listeners=True).app_no_gateway, ["kafka:29092"]


def _stale_tunnel(lab: Lab) -> tuple[Host, list[str]]:
    built = compose(lab, three_listeners=True, tunnel_port=19999)
    assert built.outside is not None
    return built.outside, [f"{TUNNEL_NAME}:19999"]


def localhost_advertised(lab: Lab) -> Lan:
    """A broker on the LAN server advertising localhost:9092 (3)."""
    net = lan(lab)
    net.server.broker("0.0.0.0", 9092, "localhost:9092")
    return net


def unpublished_port(lab: Lab) -> Host:
    """docker run -p 19092:9092 while the broker advertises localhost:9092 (4); the Docker host."""
    docker = lab.network("docker")
    kafka, host = lab.host("kafka"), lab.host("host")
    docker.attach(kafka, f"{DOCKER_NET}.10")
    docker.attach(host, f"{DOCKER_NET}.1")
    kafka.broker("0.0.0.0", 9092, "localhost:9092")
    host.publish(19092, f"{DOCKER_NET}.10", 9092)
    return host


def firewalled(lab: Lab, action: str = "DROP") -> Lan:
    """Bootstrap listener 9092 advertises 10.50.0.10:9093, whose port the server's firewall blocks (5)."""
    net = lan(lab)
    net.server.broker("0.0.0.0", 9092, "10.50.0.10:9093")
    net.server.broker("0.0.0.0", 9093, "10.50.0.10:9093")
    net.server.firewall(9093, action)
    return net


def stale_hosts_line(lab: Lab) -> Lan:
    """DNS says kafka.example is 10.50.0.10, the laptop's /etc/hosts says 10.50.0.99 (8)."""
    net = lan(lab, laptop_records=Records(a={"kafka.example": ["10.50.0.10"]}),
              laptop_hosts={"kafka.example": ["10.50.0.99"]})
    net.server.broker("0.0.0.0", 9092, "kafka.example:9092")
    return net


HEADLESS_NAME = "kafka-0.kafka-headless.kafka.svc.cluster.local"


def port_forward(lab: Lab) -> Host:
    """kubectl port-forward 9092 to a pod advertising its headless-service name (10); the laptop."""
    pods = lab.network("pods")
    pod, laptop = lab.host("kafka-0"), lab.host("laptop")
    pods.attach(pod, "10.96.0.10")
    pods.attach(laptop, "10.96.0.200")  # the API server's tunnel, reduced to a route
    laptop.use_dns(Records())
    pod.broker("0.0.0.0", 9092, f"{HEADLESS_NAME}:9092")
    laptop.publish(9092, "10.96.0.10", 9092, bind="127.0.0.1")
    return laptop


def _localhost_remote(lab: Lab) -> tuple[Host, list[str]]:
    return localhost_advertised(lab).laptop, ["10.50.0.10:9092"]


def _unpublished(lab: Lab) -> tuple[Host, list[str]]:
    return unpublished_port(lab), ["localhost:19092"]


def _firewalled(lab: Lab) -> tuple[Host, list[str]]:
    return firewalled(lab).laptop, ["10.50.0.10:9092"]


def _leaky_dns(lab: Lab) -> tuple[Host, list[str]]:
    return corporate(lab).leaky, [f"{PUBLIC}.1:9092"]


def _hosts_file(lab: Lab) -> tuple[Host, list[str]]:
    return stale_hosts_line(lab).laptop, ["10.50.0.10:9092"]


def _port_forward(lab: Lab) -> tuple[Host, list[str]]:
    return port_forward(lab), ["localhost:9092"]


def _stale_hosts_nxdomain(lab: Lab) -> tuple[Host, list[str]]:
    return stale_hosts_nxdomain(lab), ["localhost:9092"]


def _localhost_to_container(lab: Lab) -> tuple[Host, list[str]]:
    return localhost_to_app_container(lab).app, ["host.docker.internal:9093"]


def _container_ip(lab: Lab) -> tuple[Host, list[str]]:
    return container_ip_other_network(lab), ["host.docker.internal:9096"]


def _balancer_advertised(lab: Lab) -> tuple[Host, list[str]]:
    from tests.lab.balancer import BOOTSTRAP, load_balanced

    return load_balanced(lab, "balancer").client, ["--no-topics", BOOTSTRAP]


def _balancer_ports_crossed(lab: Lab) -> tuple[Host, list[str]]:
    from tests.lab.balancer import BOOTSTRAP, load_balanced

    return load_balanced(lab, "ports", crossed=(1, 2)).client, ["--no-topics", BOOTSTRAP]


EXAMPLES = (
    Example("docker-host", "Docker host, broker advertises kafka:9092",
            "docker run -p 9092:9092 with KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092, "
            "checked from the Docker host.", _docker_host),
    Example("docker-container", "Container on the same Docker network",
            "The same broker, checked from a container on its network: healthy.", _docker_app),
    Example("docker-host-alias", "host.docker.internal without host-gateway",
            "The PLAINTEXT_DOCKER listener (host.docker.internal:29092), checked from a Linux "
            "container started without extra_hosts.", _no_gateway),
    Example("stale-tunnel", "Tunnel restarted on another port",
            "The PLAINTEXT_NGROK listener advertises 4.tcp.ngrok.io:18028; the tunnel now runs on "
            "port 19999.", _stale_tunnel),
    Example("localhost-remote", "localhost advertised, client on another host",
            "advertised.listeners=PLAINTEXT://localhost:9092, checked from a laptop on the LAN.",
            _localhost_remote),
    Example("unpublished-port", "Advertised port not published",
            "docker run -p 19092:9092 while the broker advertises localhost:9092.", _unpublished),
    Example("firewalled", "Firewalled advertised port",
            "The advertised port 9093 is dropped by the broker host's firewall.", _firewalled),
    Example("leaky-dns", "Internal DNS answer seen from outside",
            "kafka.corp.example resolves to 10.60.0.10 for an outside client.", _leaky_dns),
    Example("hosts-file", "/etc/hosts and DNS disagree",
            "A stale /etc/hosts line sends the client to 10.50.0.99.", _hosts_file),
    Example("port-forward", "kubectl port-forward to a headless service",
            "Brokers advertise kafka-0.kafka-headless.kafka.svc.cluster.local:9092.", _port_forward),
    Example("stale-hosts-line", "/etc/hosts names an address where nothing is",
            "The Docker host's /etc/hosts maps kafka to 172.28.0.99; DNS does not know kafka.",
            _stale_hosts_nxdomain),
    Example("localhost-to-container", "localhost advertised to an app container",
            "A listener advertising localhost:9093 for the Docker host's clients, used by a "
            "container through host.docker.internal:9093.", _localhost_to_container),
    Example("container-ip", "Container IP advertised to another network",
            "The broker advertises its container IP 172.28.0.10:9096; a container on another "
            "Docker network reaches it through host.docker.internal:9096.", _container_ip),
    # --no-topics: the topic request would be one more connection through the load balancer, and
    # which brokers the sampled connections reach would then vary from run to run.
    Example("load-balancer-advertised", "Every broker advertises the load balancer",
            "HAProxy (mode tcp, round robin) in front of three brokers that name themselves (scripted "
            "Kafka-protocol servers); every broker advertises the load balancer's kafka.example.com:9092.",
            _balancer_advertised),
    Example("load-balancer-ports-crossed", "A port per broker on the load balancer, two crossed",
            "The same HAProxy with a port per broker (9093-9095), the ports of brokers 1 and 2 swapped.",
            _balancer_ports_crossed),
)
