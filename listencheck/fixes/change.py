"""A fix as data: the change to one broker's listener configuration, computed as a minimal edit.

Two kinds: ``readvertise`` changes only the address one listener advertises (a loopback or
wrong-port address that should be the address clients use); ``add_listener`` adds a
listener for another audience.

``add_listener`` is the listener-per-audience fix: every existing listener and name stays
(the KRaft CONTROLLER listener and its protocol map entry included), the new listener
reuses the security protocol of the listener it complements, binds a port no listener
uses and advertises this broker's own external address (from the address plan). With
the broker's configuration known the new values are complete; without it they are
additions to ``<current>`` values and the listener names are placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from listencheck.address import AddressKind, classify_host
from listencheck.brokerconfig.model import (
    AdvertisedListener,
    ListenerConfig,
    ListenerRole,
    Mode,
    PublishedPort,
    Setting,
    Source,
    SourceKind,
)
from listencheck.fixes.addresses import Origin, Proposal

CURRENT = "<current>"  # stands for a setting's present value when the configuration is unknown
NEW_LISTENER = "EXTERNAL"
FIX_SOURCE = Source(SourceKind.FILE, "listencheck fix")
KEYS = ("listeners", "advertised.listeners", "listener.security.protocol.map")


@dataclass(frozen=True)
class Publish:
    """A host port that must lead to the new listener's port (docker -p HOST:CONTAINER)."""

    host_port: str  # a number, or a placeholder
    container_port: int


class ChangeKind(StrEnum):
    ADD_LISTENER = "add_listener"
    READVERTISE = "readvertise"


@dataclass(frozen=True)
class ListenerChange:
    """What to change on one broker so that clients like this one reach it."""

    kind: ChangeKind
    broker_id: int
    listener: str  # the new listener's name
    bind_host: str  # "" or 0.0.0.0, as the broker's own listeners bind
    port: int  # the new listener's port: no listener of this broker uses it
    advertised: str  # host:port, this broker's own (or a per-broker placeholder)
    protocol: str  # reused from the listener it complements
    keeps: str  # the listener that advertises the address clients elsewhere cannot use
    keeps_address: str
    publish: Publish | None
    proposal: Proposal
    config: ListenerConfig | None  # the broker's configuration before the fix, when known

    @property
    def placeholder_names(self) -> bool:
        return self.config is None

    @property
    def placeholder_address(self) -> bool:
        return self.proposal.placeholder

    @property
    def bind(self) -> str:
        return f"{self.listener}://{self.bind_host}:{self.port}"

    def new_values(self) -> dict[str, str]:
        """Kafka key -> its new complete value (or ``<current>,addition`` when unknown)."""
        entry = f"{self.listener}://{self.advertised}"
        mapping = f"{self.listener}:{self.protocol}"
        config = self.config
        if self.kind is ChangeKind.READVERTISE:
            if config is None:
                return {"advertised.listeners": f"{CURRENT} with {self.listener}://{self.keeps_address} "
                                                f"replaced by {entry}"}
            return {"advertised.listeners": ",".join(
                entry if x.name == self.listener else f"{x.name}://{x.address}"
                for x in _advertised_entries(config))}
        if config is None:
            return {"listeners": f"{CURRENT},{self.bind}",
                    "advertised.listeners": f"{CURRENT},{entry}",
                    "listener.security.protocol.map": f"{CURRENT},{mapping}"}
        return {
            "listeners": _join(config.value("listeners"), self.bind),
            "advertised.listeners": _join(_advertised_value(config), entry),
            "listener.security.protocol.map": _join(_map_value(config), mapping),
        }

    def after(self) -> ListenerConfig | None:
        """The broker's configuration with this fix applied (None when it is unknown)."""
        if self.config is None:
            return None
        fixed = self.config.with_settings(*(Setting(k, v, FIX_SOURCE) for k, v in self.new_values().items()))
        ports, publish = fixed.published_ports, self.publish
        if ports is None or publish is None or not publish.host_port.isdigit():
            return fixed
        host_port = int(publish.host_port)
        kept = tuple(p for p in ports if p.host_port != host_port)
        return replace(fixed, published_ports=(*kept, PublishedPort(host_port, publish.container_port,
                                                                    source=FIX_SOURCE)))

    def serves(self) -> list[tuple[str, str]]:
        """Which clients each listener serves after the fix."""
        rows: list[tuple[str, str]] = []
        config = self.config
        if self.kind is ChangeKind.READVERTISE:
            return [(self.listener, f"clients like this one, now told {self.advertised} instead of "
                                    f"{self.keeps_address}")]
        if config is not None:
            for listener in config.listeners:
                rows.append((listener.name, _audience(config, listener.name)))
        elif classify_host(self.keeps_address.rpartition(":")[0]).has(AddressKind.DOCKER_HOST_ALIAS):
            rows.append((self.keeps, f"containers on the Docker host, through its published port "
                                     f"({self.keeps_address})"))
        else:
            rows.append((self.keeps, f"clients on the broker's own network ({self.keeps_address}) and "
                                     f"the other brokers"))
        rows.append((self.listener, f"clients like this one ({self.advertised})"))
        return rows


def add_listener(broker_id: int, failing: str, proposal: Proposal, protocol: str,
                 config: ListenerConfig | None) -> ListenerChange:
    """The listener-per-audience change for ``broker_id``, whose advertised ``failing`` address
    does not work for this client."""
    keeps, keeps_address = "INTERNAL", failing
    bind_host = "0.0.0.0"
    port, advertised, publish = proposal.listener_port, proposal.address, _publish(proposal)
    name = NEW_LISTENER
    if config is not None:
        complemented = _complemented(config, failing)
        if complemented is not None:
            keeps, keeps_address = complemented.name, complemented.address
            protocol = config.security_protocol(complemented.name) or protocol
        name = _free_name(config)
        bind_host = "" if any(x.host == "" for x in config.listeners) else "0.0.0.0"
        port = config.free_port(proposal.listener_port)
        if port != proposal.listener_port and proposal.origin is Origin.NEW_PORT:
            advertised = f"{proposal.host}:{port}"
            publish = Publish(str(port), port)
        elif publish is not None:
            publish = Publish(publish.host_port, port)
    return ListenerChange(ChangeKind.ADD_LISTENER, broker_id, name, bind_host, port, advertised, protocol,
                          keeps, keeps_address, publish, proposal, config)


def readvertise(broker_id: int, failing: str, new_address: str, protocol: str,
                config: ListenerConfig | None, placeholder: bool = False) -> ListenerChange:
    """Advertise ``new_address`` instead of ``failing`` on the listener that advertises it now."""
    name, port = "LISTENER", int(failing.rpartition(":")[2] or 0)
    if config is not None:
        listener = _complemented(config, failing)
        if listener is not None:
            name = listener.name
            protocol = config.security_protocol(name) or protocol
            bound = config.listener(name)
            port = bound.port if bound is not None else listener.port
    host, _, new_port = new_address.rpartition(":")
    proposal = Proposal(broker_id, host, new_port, Origin.PLACEHOLDER if placeholder else Origin.USED, port)
    return ListenerChange(ChangeKind.READVERTISE, broker_id, name, "", port, new_address, protocol,
                          name, failing, None, proposal, config)


def _publish(proposal: Proposal) -> Publish | None:
    if proposal.origin is Origin.NEW_PORT:
        return Publish(proposal.port, proposal.listener_port)
    if proposal.origin is Origin.USED:
        return Publish(proposal.port, proposal.listener_port)
    return None


def _complemented(config: ListenerConfig, failing: str) -> AdvertisedListener | None:
    """The listener that advertises the failing address (by address, else by port)."""
    advertised = config.effective_advertised
    port = failing.rpartition(":")[2]
    exact = [x for x in advertised if x.address.lower() == failing.lower()]
    by_port = [x for x in advertised if str(x.port) == port]
    clients = [x for x in advertised if ListenerRole.CLIENTS in config.roles(x.name)]
    for candidates in (exact, by_port, clients):
        if candidates:
            return candidates[0]
    return None


def _free_name(config: ListenerConfig) -> str:
    taken = {x.name for x in config.listeners} | {x.name for x in config.effective_advertised}
    taken |= set(config.protocol_map) | set(config.controller_listener_names)
    base = NEW_LISTENER if not config.case_sensitive_names else NEW_LISTENER.lower()  # Redpanda's style
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _advertised_value(config: ListenerConfig) -> str:
    """advertised.listeners as written, or what Kafka derives when it is unset."""
    written = config.value("advertised.listeners")
    if written is not None:
        return written
    return ",".join(f"{x.name}://{x.address}" for x in config.effective_advertised)


def _advertised_entries(config: ListenerConfig) -> tuple[AdvertisedListener, ...]:
    """Every advertised.listeners entry as written (CONTROLLER too, when it is advertised)."""
    return config.advertised if config.advertised is not None else config.effective_advertised


def _map_value(config: ListenerConfig) -> str:
    """listener.security.protocol.map as written; unset, the entries every listener needs (Kafka's
    default map knows only the protocol names, and KRaft maps the controller implicitly)."""
    written = config.value("listener.security.protocol.map")
    if written is not None:
        return written
    names = list(dict.fromkeys([*config.controller_listener_names, *(x.name for x in config.listeners)]))
    effective = config.protocol_map
    return ",".join(f"{n}:{effective[n]}" for n in names if n in effective)


def _join(current: str | None, addition: str) -> str:
    current = (current or "").strip().rstrip(",")
    return f"{current},{addition}" if current else addition


def _audience(config: ListenerConfig, name: str) -> str:
    roles = config.roles(name)
    if ListenerRole.CONTROLLER in roles:
        return "the KRaft controllers (unchanged)" if config.mode is not Mode.ZOOKEEPER else "controllers"
    parts = ["clients"]
    if ListenerRole.INTER_BROKER in roles:
        parts.append("the other brokers (inter-broker)")
    advertised = config.advertised_listener(name)
    where = f" at {advertised.address}" if advertised is not None else ""
    return " and ".join(parts) + where + " (unchanged)"


__all__ = ["CURRENT", "KEYS", "ChangeKind", "ListenerChange", "Publish", "add_listener", "readvertise"]
