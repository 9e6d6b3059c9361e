"""Which broker the bootstrap reached, and by which path: pure reading of a run's evidence.

A client that bootstraps through an address that is not the broker's advertised one
(a Docker published port, ``kubectl port-forward``, a Kubernetes NodePort, NAT, a TCP
proxy or a load balancer port per broker) went through a *forwarded path*. That path
is the one address this run proves leads to that broker from here, so a fix can
advertise it for that broker, and for no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from listencheck.address import AddressKind, Endpoint, classify_host
from listencheck.models import BootstrapCheck

NODE_PORT_RANGE = range(30000, 32768)  # Kubernetes' default service-node-port-range


class PathKind(StrEnum):
    """How the address the client used leads to the broker. Part of the JSON evidence."""

    ADVERTISED = "advertised"  # the address the broker advertises itself (no forwarding)
    OTHER_PORT = "other_port"  # the advertised host, another port: a port mapping or another listener
    LOCAL_FORWARD = "local_forward"  # a loopback port: docker -p, kubectl port-forward, ssh -L
    NODE_PORT = "node_port"  # a Kubernetes NodePort (by its port range)
    PORT_MAPPING = "port_mapping"  # another port elsewhere: NAT, a TCP proxy, a load balancer
    OTHER_ADDRESS = "other_address"  # same port, another host: another interface, NAT or a LB

    @property
    def forwarded(self) -> bool:
        return self is not PathKind.ADVERTISED

    @property
    def described(self) -> str:
        return _DESCRIBED[self]


_DESCRIBED = {
    PathKind.ADVERTISED: "the broker's advertised address",
    PathKind.OTHER_PORT: "another port of the same host (a port mapping such as docker -p or a "
                         "port-forward, or another listener of the broker)",
    PathKind.LOCAL_FORWARD: "a port on this host that leads there (a Docker published port, kubectl "
                            "port-forward, an SSH tunnel)",
    PathKind.NODE_PORT: "a Kubernetes NodePort (or another port mapping on that host)",
    PathKind.PORT_MAPPING: "a port mapping (NAT, a TCP proxy, or a load balancer port per broker)",
    PathKind.OTHER_ADDRESS: "another address of the same port (another interface of the broker's host, NAT "
                            "or a load balancer)",
}


class Attribution(StrEnum):
    """How the run knows which broker answered the bootstrap."""

    CONFIRMED = "confirmed"  # the broker named itself (DescribeConfigs for its own id)
    ONLY_BROKER = "only_broker"  # the metadata lists a single broker
    ADVERTISED_ADDRESS = "advertised_address"  # the bootstrap address is that broker's advertised one


@dataclass(frozen=True)
class BootstrapPath:
    """The bootstrap address this client used, the broker it reached there, and how."""

    used: Endpoint
    reached_ip: str
    broker_id: int
    attribution: Attribution
    advertised: Endpoint
    kind: PathKind

    def evidence(self) -> dict[str, str | int]:
        return {"used": str(self.used), "reached_ip": self.reached_ip, "broker_id": self.broker_id,
                "identity": self.attribution.value, "advertised": str(self.advertised),
                "path": self.kind.value}


def bootstrap_source(bootstrap: BootstrapCheck) -> Endpoint | None:
    """The bootstrap server whose metadata the run uses."""
    md = bootstrap.metadata
    if md is None:
        return None
    return next((s.endpoint for s in bootstrap.servers if str(s.endpoint) == md.source), None)


def bootstrap_path(bootstrap: BootstrapCheck) -> BootstrapPath | None:
    """Which broker the bootstrap reached, when the evidence says so; None when it cannot tell, or
    when the bootstrap is a load balancer (its connections reach any broker: no path to one)."""
    md, used = bootstrap.metadata, bootstrap_source(bootstrap)
    if md is None or used is None or not md.detail.brokers:
        return None
    sampled = bootstrap.balancer.detail
    if sampled is not None and sampled.balanced:
        return None
    detail = md.detail
    by_id = {b.node_id: b for b in detail.brokers}
    if detail.responder_id is not None and detail.responder_id in by_id:
        broker, attribution = by_id[detail.responder_id], Attribution.CONFIRMED
    elif len(by_id) == 1:
        broker, attribution = detail.brokers[0], Attribution.ONLY_BROKER
    else:
        same = [b for b in detail.brokers if b.endpoint == used]
        if len(same) != 1:
            return None
        broker, attribution = same[0], Attribution.ADVERTISED_ADDRESS
    kind = _kind(bootstrap, used, md.source_address, broker.node_id, broker.endpoint)
    return BootstrapPath(used, md.source_address, broker.node_id, attribution, broker.endpoint, kind)


def _kind(bootstrap: BootstrapCheck, used: Endpoint, reached_ip: str, broker_id: int,
          advertised: Endpoint) -> PathKind:
    same_host = used.host == advertised.host or reached_ip in _resolved(bootstrap, broker_id)
    if same_host:
        return PathKind.ADVERTISED if used.port == advertised.port else PathKind.OTHER_PORT
    if AddressKind.LOOPBACK in classify_host(used.host).kinds:
        return PathKind.LOCAL_FORWARD
    if used.port == advertised.port:
        return PathKind.OTHER_ADDRESS
    return PathKind.NODE_PORT if used.port in NODE_PORT_RANGE else PathKind.PORT_MAPPING


def _resolved(bootstrap: BootstrapCheck, broker_id: int) -> tuple[str, ...]:
    for broker in bootstrap.brokers:
        if broker.advertised.node_id == broker_id and broker.probe.resolve.detail is not None:
            return broker.probe.resolve.detail.addresses
    return ()


__all__ = ["Attribution", "BootstrapPath", "PathKind", "bootstrap_path", "bootstrap_source"]
