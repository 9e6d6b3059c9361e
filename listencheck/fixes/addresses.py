"""Per-broker external addresses for a cluster: never another broker's, never shared.

A fix that adds a listener for outside clients must give *each* broker its own
address: its own host, or its own port on a shared host or load balancer. The
run's evidence says which addresses answered as which broker; an address that
answered as broker M (or the bootstrap, when it reached M or nobody can tell
which broker it reached) is never proposed for broker N. When the evidence does
not give a broker's external address, the proposal is an explicit per-broker
placeholder (``BROKER_2_EXTERNAL_HOST:PORT``), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from listencheck.address import AddressKind, Endpoint, classify_host
from listencheck.fixes.paths import BootstrapPath, PathKind, bootstrap_path, bootstrap_source
from listencheck.models import BootstrapCheck, CheckResult

FIRST_FREE_PORT = 29092  # the listeners cheat-sheet's port for a second listener


class Origin(StrEnum):
    """Where a proposed address comes from. Part of the JSON evidence."""

    USED = "used"  # this client reached this broker there (a forwarded path)
    NEW_PORT = "new_port"  # a port no listener uses, on the host this client reaches the brokers on
    PLACEHOLDER = "placeholder"  # unknown: the user fills it in


@dataclass(frozen=True)
class Proposal:
    """The address outside clients should be told for one broker."""

    broker_id: int
    host: str
    port: str  # a number, or a placeholder name
    origin: Origin
    listener_port: int  # the port the new listener binds inside the broker (no listener uses it)
    path: BootstrapPath | None = None  # set when origin is USED

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def placeholder(self) -> bool:
        return self.origin is Origin.PLACEHOLDER or not self.port.isdigit()

    @property
    def published_port(self) -> int | None:
        """The host-side port to publish (Docker -p), when the proposal is a concrete local port."""
        return int(self.port) if self.origin is Origin.NEW_PORT and self.port.isdigit() else None


@dataclass(frozen=True)
class AddressPlan:
    """Every broker's proposal for one bootstrap, and what the run saw answer where."""

    proposals: dict[int, Proposal]
    owners: dict[Endpoint, int]  # address (name or IP, with port) -> the broker seen answering there
    unattributed: tuple[Endpoint, ...]  # answered as some broker of this cluster, which one unknown
    path: BootstrapPath | None

    def for_broker(self, broker_id: int) -> Proposal:
        return self.proposals.get(broker_id) or placeholder(broker_id, FIRST_FREE_PORT)

    def forbidden_for(self, broker_id: int) -> set[Endpoint]:
        """Addresses that must never be advertised for this broker."""
        return {e for e, owner in self.owners.items() if owner != broker_id} | set(self.unattributed)


def placeholder(broker_id: int, listener_port: int) -> Proposal:
    return Proposal(broker_id, f"BROKER_{broker_id}_EXTERNAL_HOST", "PORT", Origin.PLACEHOLDER,
                    listener_port)


def plan_addresses(result: CheckResult, bootstrap: BootstrapCheck,
                   taken_ports: Iterable[int] = ()) -> AddressPlan:
    """Propose an external address per broker of this bootstrap's metadata."""
    md = bootstrap.metadata
    brokers = md.detail.brokers if md is not None else ()
    path = bootstrap_path(bootstrap)
    if path is not None and shared_entry(path.used.host):
        path = None  # a bootstrap service or load balancer spreads clients over every broker
    owners, unattributed = _owners(bootstrap, path)
    taken = _ports_seen(result) | set(taken_ports)
    used = bootstrap_source(bootstrap)
    shared = _shared_host(used, path)
    proposals: dict[int, Proposal] = {}
    for broker in sorted(brokers, key=lambda b: b.node_id):
        listener_port = _free_port(taken)
        taken.add(listener_port)
        if path is not None and path.broker_id == broker.node_id and path.kind.forwarded:
            proposals[broker.node_id] = Proposal(broker.node_id, path.used.host, str(path.used.port),
                                                 Origin.USED, listener_port, path)
        elif shared is not None and _local(shared):
            proposals[broker.node_id] = Proposal(broker.node_id, shared, str(listener_port),
                                                 Origin.NEW_PORT, listener_port)
        elif shared is not None:
            proposals[broker.node_id] = Proposal(broker.node_id, shared, f"BROKER_{broker.node_id}_PORT",
                                                 Origin.PLACEHOLDER, listener_port)
        else:
            proposals[broker.node_id] = placeholder(broker.node_id, listener_port)
    return AddressPlan(proposals, owners, tuple(unattributed), path)


def _owners(
    bootstrap: BootstrapCheck, path: BootstrapPath | None,
) -> tuple[dict[Endpoint, int], list[Endpoint]]:
    """Every address (as advertised, and as the IP reached) that answered as a known broker."""
    owners: dict[Endpoint, int] = {}
    unattributed: list[Endpoint] = []
    md = bootstrap.metadata
    for broker in bootstrap.brokers:
        probe, identity = broker.probe, broker.identity
        if not probe.works:
            continue
        seen = identity.detail.seen_node_id if identity.detail is not None else None
        owner = seen if seen is not None else (broker.advertised.node_id if identity.ok else None)
        reached = [Endpoint(a.address, broker.advertised.port) for a in probe.attempts if a.works]
        for endpoint in [broker.advertised.endpoint, *reached]:
            if owner is None:
                unattributed.append(endpoint)
            else:
                owners.setdefault(endpoint, owner)
    used = bootstrap_source(bootstrap)
    if md is not None and used is not None:
        reached_ip = Endpoint(md.source_address, used.port)
        for endpoint in (used, reached_ip):
            if path is not None:
                owners.setdefault(endpoint, path.broker_id)
            elif endpoint not in owners:
                unattributed.append(endpoint)
    return owners, unattributed


def _shared_host(used: Endpoint | None, path: BootstrapPath | None) -> str | None:
    """A host on which every broker can get a port of its own: the loopback host this client
    reaches the brokers on, or the forwarder (node, NAT, proxy, load balancer) it bootstrapped
    through."""
    if used is None:
        return None
    if _local(used.host):
        return used.host
    if path is not None and path.kind in (PathKind.NODE_PORT, PathKind.PORT_MAPPING):
        return used.host
    return None


def shared_entry(host: str) -> bool:
    """A name made to reach any broker (Strimzi's ``*-kafka-bootstrap`` service, a
    ``bootstrap.`` DNS name): never one broker's own address, even when it reached one."""
    return any("bootstrap" in label for label in host.lower().split("."))


def _local(host: str) -> bool:
    return AddressKind.LOOPBACK in classify_host(host).kinds


def _ports_seen(result: CheckResult) -> set[int]:
    """Ports of every bootstrap server and advertised address in the run."""
    ports: set[int] = set()
    for b in result.bootstraps:
        ports.update(server.endpoint.port for server in b.servers)
        if b.metadata is not None:
            ports.update(x.port for x in b.metadata.detail.brokers)
    return ports


def _free_port(taken: set[int]) -> int:
    port = FIRST_FREE_PORT
    while port in taken:
        port += 1
    return port


__all__ = ["AddressPlan", "Origin", "Proposal", "placeholder", "plan_addresses"]
