"""A load balancer (a real HAProxy, mode tcp, round robin) in front of brokers with distinct ids.

Address plan (inside lab namespaces only):
  10.70.0.5          the load balancer (HAProxy): 9092 round-robin over every broker,
                     and with ``ports`` one port per broker (9093 -> the first broker, ...)
  10.70.0.11, .12... the brokers (scripted Kafka-protocol servers that name themselves
                     when asked, as Apache Kafka does), port 9092 each
  10.70.0.100        the client, whose DNS knows kafka.example.com (the load balancer)
                     and broker-N.example.com (broker N)

``advertise`` decides what the brokers advertise: ``direct`` their own names (the
layout load balancers are meant for), ``balancer`` the load balancer's address,
``ports`` a port each on the load balancer; ``crossed`` lists broker ids whose
ports the load balancer maps the wrong way round (a swap).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from tests.lab import Host, Lab, Records
from tests.support.scripted_cluster import Cluster, scripted_cluster

NET = "10.70.0"
LB_IP = f"{NET}.5"
LB_NAME = "kafka.example.com"
BOOTSTRAP = f"{LB_NAME}:9092"
BROKER_PORT = 9092
FIRST_BROKER_PORT = 9093  # with ``ports``: broker N on the load balancer's port 9092 + N


@dataclass
class Balanced:
    lab: Lab
    client: Host
    balancer: Host
    brokers: Host
    cluster: Cluster
    config: str  # the HAProxy configuration, as written


def broker_ip(node_id: int) -> str:
    return f"{NET}.{10 + node_id}"


def broker_name(node_id: int) -> str:
    return f"broker-{node_id}.example.com"


def load_balanced(lab: Lab, advertise: str, ids: Sequence[int] = (1, 2, 3),
                  crossed: Sequence[int] = ()) -> Balanced:
    """Build the topology; everything it starts is stopped by the lab's teardown."""
    net = lab.network("dc")
    client, balancer, brokers = lab.host("client"), lab.host("haproxy"), lab.host("brokers")
    net.attach(client, f"{NET}.100")
    net.attach(balancer, LB_IP)
    inner = net.attach(brokers, broker_ip(ids[0]))
    for node_id in ids[1:]:
        brokers.add_address(broker_ip(node_id), inner)
    client.use_dns(Records(a={LB_NAME: [LB_IP], **{broker_name(n): [broker_ip(n)] for n in ids}}))

    def advertised(node_id: int, port: int) -> tuple[str, int]:
        if advertise == "direct":
            return broker_name(node_id), BROKER_PORT
        if advertise == "balancer":
            return LB_NAME, 9092
        return LB_NAME, FIRST_BROKER_PORT + ids.index(node_id)

    context = scripted_cluster(advertised, ids, listen=lambda n: (broker_ip(n), BROKER_PORT),
                               namespace=brokers.ns)
    cluster = context.__enter__()
    lab.cleanups.append(lambda: _close(context))
    for node_id in ids:
        brokers.wait_port(broker_ip(node_id), BROKER_PORT)
    config = haproxy_config(ids, with_ports=advertise == "ports", crossed=crossed)
    balancer.run_haproxy(config)
    return Balanced(lab, client, balancer, brokers, cluster, config)


def _close(context: contextlib.AbstractContextManager[Cluster]) -> None:
    context.__exit__(None, None, None)


def haproxy_config(ids: Sequence[int], with_ports: bool, crossed: Sequence[int] = ()) -> str:
    """mode tcp; 9092 round robin over every broker; with ``with_ports`` a frontend per broker,
    the brokers in ``crossed`` swapped (the first two listed)."""
    servers = "\n".join(f"    server b{n} {broker_ip(n)}:{BROKER_PORT}" for n in ids)
    lines = [
        "global", "    maxconn 512", "",
        "defaults", "    mode tcp", "    timeout connect 5s", "    timeout client 60s",
        "    timeout server 60s", "",
        "frontend bootstrap", f"    bind {LB_IP}:9092", "    default_backend brokers", "",
        "backend brokers", "    balance roundrobin", servers, "",
    ]
    if with_ports:
        target = {n: n for n in ids}
        if len(crossed) >= 2:
            a, b = crossed[0], crossed[1]
            target[a], target[b] = b, a
        for index, node_id in enumerate(ids):
            port = FIRST_BROKER_PORT + index
            lines += [f"frontend broker{node_id}", f"    bind {LB_IP}:{port}",
                      f"    default_backend broker{target[node_id]}", "",
                      f"backend broker{node_id}",
                      f"    server b{node_id} {broker_ip(node_id)}:{BROKER_PORT}", ""]
    return "\n".join(lines)
