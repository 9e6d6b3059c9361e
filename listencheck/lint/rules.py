"""Lint rules: pure functions from a configuration file to findings, no network.

Each rule mirrors a check Apache Kafka (or the image, or Strimzi) makes itself, or a
deployment mistake the broker cannot see (a port Compose does not publish). The
catalogue entry of each code cites the validation it mirrors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from listencheck.address import AddressKind, classify_host, ip_literal
from listencheck.brokerconfig.model import (
    DEFAULT_SOURCE,
    ConfigFile,
    FileKind,
    ListenerConfig,
    Mode,
    Platform,
    ProcessRole,
    Setting,
    Source,
    SourceKind,
)
from listencheck.catalogue import spec
from listencheck.codes import FindingCode
from listencheck.models import JsonValue, Severity

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO

# Removed from Apache Kafka 3.0 (KAFKA-12945): ignored by current brokers.
REMOVED_SETTINGS = {
    "host.name": "listeners",
    "port": "listeners",
    "advertised.host.name": "advertised.listeners",
    "advertised.port": "advertised.listeners",
}
ZOOKEEPER_SETTINGS = (
    "zookeeper.connect",
    "zookeeper.session.timeout.ms",
    "zookeeper.connection.timeout.ms",
    "control.plane.listener.name",
)
LISTENER_KEYS = (
    "listeners",
    "advertised.listeners",
    "listener.security.protocol.map",
    "inter.broker.listener.name",
    "controller.listener.names",
    "security.inter.broker.protocol",
)


@dataclass(frozen=True)
class ConfigFinding:
    """A finding about a configuration: where it is written, what is wrong, what to change."""

    code: FindingCode
    severity: Severity
    message: str
    fix: str
    broker: str
    source: Source = DEFAULT_SOURCE
    evidence: dict[str, JsonValue] = field(default_factory=dict)
    diff: str | None = None  # a client-side fix as a diff of the file (added where the file is read)

    def __post_init__(self) -> None:
        if self.severity not in spec(self.code).severities:
            raise ValueError(f"{self.code} cannot be {self.severity.value}")

    @property
    def location(self) -> str:
        return str(self.source)


Rule = Callable[[ListenerConfig, ConfigFile], Iterator[ConfigFinding]]


def lint_file(config: ConfigFile) -> tuple[ConfigFinding, ...]:
    """Every finding of every rule, for each broker of the file, then the file-wide rules."""
    out: list[ConfigFinding] = []
    for broker in config.brokers:
        for rule in BROKER_RULES:
            out.extend(rule(broker, config))
    out.extend(_shared_advertised_address(config))
    out.extend(_duplicate_node_ids(config))
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for f in out:
        key = (f.code, f.broker, f.message)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return tuple(unique)


def lint_config(config: ListenerConfig) -> tuple[ConfigFinding, ...]:
    """The findings for one broker's configuration on its own (what a proposed fix must pass)."""
    path = config.origin.path or config.name
    kind = {Platform.STRIMZI: FileKind.STRIMZI, Platform.REDPANDA: FileKind.REDPANDA}.get(
        config.platform or Platform.PROPERTIES, FileKind.PROPERTIES)
    return lint_file(ConfigFile(path, kind, (config,)))


def has_errors(findings: tuple[ConfigFinding, ...]) -> bool:
    return any(f.severity is ERR for f in findings)


# --- one broker ----------------------------------------------------------------------


def advertised_not_a_listener(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if b.mode is Mode.KRAFT_CONTROLLER:
        return  # Kafka checks this for nodes with the broker role only
    names = {x.name for x in b.listeners}
    for adv in b.advertised or ():
        if adv.name not in names:
            yield ConfigFinding(
                FindingCode.CONFIG_ADVERTISED_NOT_A_LISTENER,
                ERR,
                f"advertised.listeners names {adv.name}, which listeners does not define "
                f"(listeners: {', '.join(sorted(names)) or 'none'})",
                f"Add {adv.name}://:{adv.port} to listeners, or advertise one of {', '.join(sorted(names))}.",
                b.name,
                adv.source,
                {"listener": adv.name, "listeners": sorted(names)},
            )


def listener_without_protocol(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if b.platform in (Platform.REDPANDA, Platform.STRIMZI):
        return
    names = [x.name for x in b.listeners] + list(b.controller_listener_names)
    for name in dict.fromkeys(names):
        if b.security_protocol(name) is None:
            where = (
                "listener.security.protocol.map"
                if b.protocol_map_explicit
                else "the default listener.security.protocol.map (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)"
            )
            yield ConfigFinding(
                FindingCode.CONFIG_LISTENER_NO_PROTOCOL,
                ERR,
                f"listener {name} has no security protocol in {where}: the broker refuses to start "
                f'("No security protocol defined for listener {name}")',
                f"Add {name}:PLAINTEXT (or SSL, SASL_SSL...) to listener.security.protocol.map, keeping "
                f"every other entry.",
                b.name,
                b.source("listener.security.protocol.map")
                if b.protocol_map_explicit
                else b.source("listeners"),
                {"listener": name, "map": dict(b.protocol_map)},
            )


def duplicate_listener_names(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    for key, entries in (("listeners", b.listeners), ("advertised.listeners", b.advertised or ())):
        for name, count in Counter(x.name for x in entries).items():
            if count > 1:
                yield ConfigFinding(
                    FindingCode.CONFIG_DUPLICATE_LISTENER_NAME,
                    ERR,
                    f"{key} defines listener {name} {count} times",
                    f"Give each entry of {key} its own name (and add the new name to "
                    f"listener.security.protocol.map).",
                    b.name,
                    b.source(key),
                    {"key": key, "listener": name, "count": count},
                )


def duplicate_listener_ports(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    by_port: dict[int, list[str]] = {}
    for x in b.listeners:
        if x.port:
            by_port.setdefault(x.port, []).append(x.host)
    for port, hosts in by_port.items():
        if len(hosts) < 2:
            continue
        families = [ip_literal(h) for h in hosts]
        one_each = len(hosts) == 2 and all(families) and {f.version for f in families if f} == {4, 6}
        if not one_each:
            names = [x.name for x in b.listeners if x.port == port]
            yield ConfigFinding(
                FindingCode.CONFIG_DUPLICATE_LISTENER_PORT,
                ERR,
                f"listeners {', '.join(names)} all bind port {port}: the broker refuses to start "
                f'("Each listener must have a different port")',
                f"Move {names[-1]} to a free port, e.g. {b.free_port(port)}, in listeners and "
                f"advertised.listeners (and the Compose ports: entry).",
                b.name,
                b.source("listeners"),
                {"port": port, "listeners": names},
            )


def advertised_host_problems(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if b.platform is Platform.STRIMZI and b.advertised is None:
        return  # the operator writes the advertised hosts itself
    explicit = b.advertised is not None
    for adv in b.effective_advertised:
        origin = "advertised.listeners" if explicit else "listeners (advertised.listeners is not set)"
        if adv.host in ("0.0.0.0", "::", "[::]"):
            yield ConfigFinding(
                FindingCode.CONFIG_ADVERTISED_WILDCARD,
                ERR if adv.host == "0.0.0.0" else WARN,
                f"{origin} gives listener {adv.name} the address {adv.address}: a bind-all address no "
                f"client can connect to"
                + (
                    ' (Kafka refuses it: "cannot use the nonroutable meta-address 0.0.0.0")'
                    if adv.host == "0.0.0.0"
                    else ""
                ),
                f"Advertise {adv.name}://<name clients resolve>:{adv.port} in advertised.listeners; "
                f"keep 0.0.0.0 in listeners only.",
                b.name,
                adv.source,
                {"listener": adv.name, "host": adv.host, "port": adv.port},
            )
        elif adv.host == "":
            yield ConfigFinding(
                FindingCode.CONFIG_ADVERTISED_EMPTY_HOST,
                WARN,
                f"{origin} gives listener {adv.name} no host ({adv.name}://:{adv.port}): the broker "
                f"advertises its canonical host name, in a container its id",
                f"Advertise {adv.name}://<name clients resolve>:{adv.port} in advertised.listeners.",
                b.name,
                adv.source,
                {"listener": adv.name, "port": adv.port},
            )


_BITNAMI_REFUSES = (" (bitnami/kafka's own validation refuses to start it: the image has no default "
                    "controller listener)")


def controller_listener_misplaced(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if not b.is_kraft:
        return
    controllers = set(b.controller_listener_names)
    names = [x.name for x in b.listeners]
    bitnami = _BITNAMI_REFUSES if b.platform is Platform.BITNAMI else ""
    if not controllers:
        yield ConfigFinding(
            FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED,
            ERR,
            "process.roles is set (KRaft) but controller.listener.names is empty" + bitnami,
            "Set controller.listener.names=CONTROLLER and give it a listener (controller nodes) and "
            "a listener.security.protocol.map entry.",
            b.name,
            b.source("process.roles"),
            {"process_roles": b.value("process.roles")},
        )
        return
    advertised = [a.name for a in b.advertised or () if a.name in controllers]
    if b.mode in (Mode.KRAFT_BROKER, Mode.KRAFT_COMBINED) and advertised:
        yield ConfigFinding(
            FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED,
            ERR,
            f"advertised.listeners contains the controller listener {', '.join(advertised)} on a node "
            f"with the broker role: the broker refuses to start",
            f"Remove {', '.join(advertised)} from advertised.listeners (keep it in listeners).",
            b.name,
            b.source("advertised.listeners"),
            {"listeners": advertised},
        )
    if b.mode is Mode.KRAFT_BROKER and (inside := [n for n in names if n in controllers]):
        yield ConfigFinding(
            FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED,
            ERR,
            f"listeners contains the controller listener {', '.join(inside)} on a broker-only node",
            f"Remove {', '.join(inside)} from listeners on this node; it belongs on the controllers.",
            b.name,
            b.source("listeners"),
            {"listeners": inside},
        )
    missing = sorted(controllers - set(names))
    if b.mode in (Mode.KRAFT_CONTROLLER, Mode.KRAFT_COMBINED) and missing:
        yield ConfigFinding(
            FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED,
            ERR,
            f"controller.listener.names has {', '.join(missing)}, which listeners does not bind, on a node "
            f"with the controller role" + bitnami,
            f"Add {missing[0]}://:{b.free_port(9093)} to listeners.",
            b.name,
            b.source("controller.listener.names"),
            {"controller_listener_names": sorted(controllers), "missing": missing},
        )
    if b.mode is Mode.KRAFT_CONTROLLER and b.advertised is not None:
        yield ConfigFinding(
            FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED,
            ERR,
            "advertised.listeners is set on a controller-only node: Kafka requires it empty there",
            "Remove advertised.listeners from this node (controllers are found through "
            "controller.quorum.voters / controller.quorum.bootstrap.servers).",
            b.name,
            b.source("advertised.listeners"),
            {"process_roles": b.value("process.roles")},
        )
    if b.mode is Mode.KRAFT_CONTROLLER and (others := [n for n in names if n not in controllers]):
        yield ConfigFinding(
            FindingCode.CONFIG_CONTROLLER_LISTENER_MISPLACED,
            ERR,
            f"listeners of a controller-only node contains {', '.join(others)}, not a controller listener",
            f"Remove {', '.join(others)} from listeners, or add the broker role to process.roles.",
            b.name,
            b.source("listeners"),
            {"listeners": others},
        )


def inter_broker_listener(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if b.platform in (Platform.REDPANDA, Platform.STRIMZI) or b.mode is Mode.KRAFT_CONTROLLER:
        return
    explicit, protocol = b.get("inter.broker.listener.name"), b.get("security.inter.broker.protocol")
    if explicit is not None and protocol is not None:
        yield ConfigFinding(
            FindingCode.CONFIG_INTER_BROKER_BOTH_SET,
            ERR,
            "inter.broker.listener.name and security.inter.broker.protocol are both set: Kafka refuses "
            '("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set")',
            "Keep inter.broker.listener.name and remove security.inter.broker.protocol.",
            b.name,
            protocol.source,
            {"inter_broker_listener_name": explicit.value, "security_inter_broker_protocol": protocol.value},
        )
    name = b.inter_broker_listener_name
    advertised = [a.name for a in b.effective_advertised]
    if name is not None and b.listeners and name not in advertised:
        source = explicit.source if explicit else protocol.source if protocol else b.source("listeners")
        yield ConfigFinding(
            FindingCode.CONFIG_INTER_BROKER_NOT_A_LISTENER,
            ERR,
            f"the inter-broker listener is {name}"
            + ("" if explicit else " (derived from security.inter.broker.protocol, default PLAINTEXT)")
            + f", but no advertised listener has that name (advertised: {', '.join(advertised) or 'none'})",
            f"Set inter.broker.listener.name to one of {', '.join(advertised) or 'your listeners'} (the "
            f"one the other brokers can reach).",
            b.name,
            source,
            {"inter_broker_listener_name": name, "advertised": advertised},
        )


def published_ports(b: ListenerConfig, config: ConfigFile) -> Iterator[ConfigFinding]:
    """Compose: advertised addresses meant for the Docker host must be published on that port."""
    if b.published_ports is None or b.platform is Platform.STRIMZI:
        return
    internal = set(b.aliases) | {s.name for s in config.clients} | {x.name for x in config.brokers}
    for adv in b.effective_advertised:
        if not adv.host or adv.host in internal or adv.host in ("0.0.0.0", "::"):
            continue
        kinds = classify_host(adv.host)
        if kinds.has(AddressKind.INTERNAL_NAME) and not kinds.has(AddressKind.IP_LITERAL):
            continue  # another container's or network's name: not through the host
        if kinds.has(AddressKind.TUNNEL):
            continue  # the tunnel's public port, forwarded by its agent: never a port of this host
        listener = b.listener(adv.name)
        matching = [p for p in b.published_ports if p.host_port == adv.port]
        published = (
            ", ".join(f"{p.host_port or '(any)'}->{p.container_port}" for p in b.published_ports) or "none"
        )
        if not matching:
            bind = listener.port if listener else adv.port
            yield ConfigFinding(
                FindingCode.CONFIG_ADVERTISED_PORT_UNPUBLISHED,
                ERR,
                f"listener {adv.name} is advertised as {adv.address}, but port {adv.port} is not published "
                f"on the host (ports: {published})",
                f'Add "{adv.port}:{bind}" to the ports: of {b.name}.',
                b.name,
                adv.source,
                {"listener": adv.name, "advertised": adv.address, "published": published},
            )
            continue
        if listener is not None and all(p.container_port != listener.port for p in matching):
            other = b.listeners_on(matching[0].container_port)
            yield ConfigFinding(
                FindingCode.CONFIG_PUBLISHED_TO_OTHER_PORT,
                ERR,
                f"listener {adv.name} is advertised as {adv.address} and binds port {listener.port}, "
                f"but host port {adv.port} is published to container port {matching[0].container_port}"
                + (f" (listener {other})" if other else " (no listener)"),
                f'Publish "{adv.port}:{listener.port}" instead of "{adv.port}:{matching[0].container_port}".',
                b.name,
                matching[0].source,
                {
                    "listener": adv.name,
                    "bind_port": listener.port,
                    "container_port": matching[0].container_port,
                },
            )
        if kinds.has(AddressKind.LOOPBACK) or (
            kinds.has(AddressKind.IP_LITERAL) and adv.host.startswith("127.")
        ):
            open_to_all = [
                p
                for p in matching
                if not (p.host_ip.startswith("127.") or p.host_ip in ("::1", "localhost"))
                and (listener is None or p.container_port == listener.port)
            ]
            if open_to_all:
                yield ConfigFinding(
                    FindingCode.CONFIG_LOOPBACK_PUBLISHED,
                    NOTE,
                    f"listener {adv.name} advertises {adv.address} on a port published to every host "
                    f"interface: only clients on the Docker host itself can follow that address",
                    f"For clients on other machines add a listener advertising the host's name on a free "
                    f'port (e.g. {b.free_port(adv.port + 1)}), or publish as "127.0.0.1:{adv.port}:'
                    f'{listener.port if listener else adv.port}" to say it is local only.',
                    b.name,
                    adv.source,
                    {"listener": adv.name, "advertised": adv.address},
                )


def bitnami_without_cfg(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if b.platform is not Platform.BITNAMI:
        return
    for s in b.ignored:
        listener_key = s.key in LISTENER_KEYS
        yield ConfigFinding(
            FindingCode.CONFIG_BITNAMI_WITHOUT_CFG,
            ERR if listener_key else WARN,
            f"{s.source.key} is ignored by the Bitnami image: it reads Kafka settings only from "
            f"KAFKA_CFG_* variables (and a fixed list of legacy names such as KAFKA_LISTENERS, which "
            f"does not include this one)"
            + (f", so the broker runs without this {s.key}" if listener_key else ""),
            f"Rename it to KAFKA_CFG_{(s.source.key or '')[len('KAFKA_') :]}.",
            b.name,
            s.source,
            {"variable": s.source.key, "setting": s.key},
        )


def image_version(image: str | None) -> tuple[int, int] | None:
    """(major, minor) of an image tag such as ``bitnami/kafka:3.9.0-debian-12-r1`` (None: no version)."""
    if not image:
        return None
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    m = re.match(r"(\d+)\.(\d+)", tag)
    return (int(m[1]), int(m[2])) if m else None


def bitnami_no_quorum(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    """bitnami/kafka's kafka_validate: a controller needs its quorum variables (libkafka.sh)."""
    if b.platform is not Platform.BITNAMI or ProcessRole.CONTROLLER not in b.process_roles:
        return
    version = image_version(b.image)
    voters = b.get("controller.quorum.voters")
    bootstrap = b.get("controller.quorum.bootstrap.servers")
    if version is not None and version >= (4, 1):
        # The dynamic quorum: bootstrap servers default to localhost:9093; set to anything else,
        # the image also needs the first controllers to format the metadata log with.
        dynamic = bootstrap is not None and bootstrap.value.strip() not in ("", "localhost:9093")
        if dynamic and bootstrap and "KAFKA_INITIAL_CONTROLLERS" not in b.image_variables:
            yield ConfigFinding(
                FindingCode.CONFIG_BITNAMI_NO_QUORUM,
                ERR,
                f"KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS is set on a controller but "
                f"KAFKA_INITIAL_CONTROLLERS is not: {b.image} refuses to start (\"Role 'controller' "
                f"enabled and KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS for dynamic controller quorum "
                f"configured but KAFKA_INITIAL_CONTROLLERS was not provided\")",
                f"Set KAFKA_INITIAL_CONTROLLERS=<node.id>@<host>:<port>:<directory id>,... (one per "
                f"controller, e.g. {b.node_id if b.node_id is not None else 0}@{b.name}:"
                f"{_controller_port(b)}:<22-character directory id>).",
                b.name,
                bootstrap.source,
                {"image": b.image or "", "process_roles": b.value("process.roles"),
                 "bootstrap_servers_set": True},
            )
        return
    if voters is not None and voters.value.strip():
        return
    if version is None and bootstrap is not None and bootstrap.value.strip():
        return  # the 4.1+ form on an image whose tag does not say which
    known = version is not None
    yield ConfigFinding(
        FindingCode.CONFIG_BITNAMI_NO_QUORUM,
        ERR if known else WARN,
        "process.roles includes controller but KAFKA_CFG_CONTROLLER_QUORUM_VOTERS is not set"
        + (" (its validation does not take KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS instead)"
           if bootstrap else "")
        + (f": {b.image} refuses to start (\"Role 'controller' enabled but environment variable "
           f"KAFKA_CFG_CONTROLLER_QUORUM_VOTERS was not provided\")" if known else
           f": bitnami/kafka up to 4.0 refuses to start; {b.image or 'the image'} names no version"),
        f"Set KAFKA_CFG_CONTROLLER_QUORUM_VOTERS={b.node_id if b.node_id is not None else 0}@{b.name}:"
        f"{_controller_port(b)} (one <node.id>@<host>:<port> per controller)"
        + ("" if known else ", or on 4.1 and later KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS "
           "plus KAFKA_INITIAL_CONTROLLERS") + ".",
        b.name,
        b.source("process.roles"),
        {"image": b.image or "", "process_roles": b.value("process.roles"),
         "bootstrap_servers_set": bootstrap is not None},
    )


def _controller_port(b: ListenerConfig) -> int:
    names = set(b.controller_listener_names)
    return next((x.port for x in b.listeners if x.name in names), 9093)


def strimzi_forbidden(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    if b.platform is not Platform.STRIMZI:
        return
    for s in b.ignored:
        yield ConfigFinding(
            FindingCode.CONFIG_STRIMZI_FORBIDDEN_OPTION,
            WARN,
            f"spec.kafka.config sets {s.key}, which Strimzi manages itself and ignores there",
            "Configure listeners with spec.kafka.listeners[] (and configuration.brokers[].advertisedHost/"
            "advertisedPort for per-broker addresses); TLS and SASL with each listener's tls and "
            "authentication.",
            b.name,
            s.source,
            {"setting": s.key},
        )


def removed_or_zookeeper_settings(b: ListenerConfig, _: ConfigFile) -> Iterator[ConfigFinding]:
    for old, new in REMOVED_SETTINGS.items():
        if (s := b.get(old)) is not None:
            yield ConfigFinding(
                FindingCode.CONFIG_REMOVED_SETTING,
                WARN,
                f"{old} was removed in Apache Kafka 3.0: current brokers ignore it",
                f"Express it in {new} (NAME://host:port) and remove {old}.",
                b.name,
                s.source,
                {"setting": old, "replacement": new},
            )
    migrating = (b.value("zookeeper.metadata.migration.enable") or "").lower() == "true"
    if b.is_kraft and not migrating:
        for key in ZOOKEEPER_SETTINGS:
            if (s := b.get(key)) is not None:
                yield ConfigFinding(
                    FindingCode.CONFIG_ZOOKEEPER_SETTING_IN_KRAFT,
                    WARN,
                    f"{key} is a ZooKeeper-era setting, but process.roles makes this a KRaft node",
                    f"Remove {key}; KRaft nodes find each other through controller.quorum.voters "
                    f"(or controller.quorum.bootstrap.servers).",
                    b.name,
                    s.source,
                    {"setting": key},
                )


def host_alias_without_extra_hosts(b: ListenerConfig, config: ConfigFile) -> Iterator[ConfigFinding]:
    aliased = [a for a in b.effective_advertised if classify_host(a.host).has(AddressKind.DOCKER_HOST_ALIAS)]
    if not aliased or b.published_ports is None:
        return
    for client in config.clients:
        if not any(h.split(":", 1)[0] == aliased[0].host for h in client.extra_hosts):
            yield ConfigFinding(
                FindingCode.CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS,
                WARN,
                f"{b.name} advertises {aliased[0].address}, but service {client.name} has no extra_hosts "
                f"entry for {aliased[0].host}: on Linux (Docker Engine) that name does not resolve in it",
                f'Add extra_hosts: ["{aliased[0].host}:host-gateway"] to {client.name}, or let it use the '
                f"listener advertising {b.name}'s service name.",
                b.name,
                client.source,
                {"client": client.name, "advertised": aliased[0].address},
            )


# --- whole file ------------------------------------------------------------------------


def _shared_advertised_address(config: ConfigFile) -> Iterator[ConfigFinding]:
    seen: dict[str, ListenerConfig] = {}
    for b in config.brokers:
        for adv in b.effective_advertised:
            if not adv.host:
                continue
            first = seen.setdefault(adv.address.lower(), b)
            if first is not b:
                yield ConfigFinding(
                    FindingCode.CONFIG_SAME_ADVERTISED_ADDRESS,
                    ERR,
                    f"{b.name} and {first.name} both advertise {adv.address}: clients send one broker's "
                    f"requests to the other",
                    f"Give each broker its own advertised port (and publish it), e.g. "
                    f"{adv.name}://{adv.host}:{b.free_port(adv.port + 1)} for {b.name}.",
                    b.name,
                    adv.source,
                    {"address": adv.address, "brokers": [first.name, b.name]},
                )


def _duplicate_node_ids(config: ConfigFile) -> Iterator[ConfigFinding]:
    seen: dict[int, ListenerConfig] = {}
    for b in config.brokers:
        node_id = b.node_id
        if node_id is None or b.source("node.id").kind is SourceKind.DEFAULT:
            continue
        first = seen.setdefault(node_id, b)
        if first is not b:
            yield ConfigFinding(
                FindingCode.CONFIG_DUPLICATE_NODE_ID,
                ERR,
                f"{b.name} and {first.name} both have node id {node_id}",
                f"Give {b.name} a node.id of its own (and update controller.quorum.voters).",
                b.name,
                (b.get("node.id") or b.get("broker.id") or Setting("", "")).source,
                {"node_id": node_id, "brokers": [first.name, b.name]},
            )


BROKER_RULES: tuple[Rule, ...] = (
    advertised_not_a_listener,
    listener_without_protocol,
    duplicate_listener_names,
    duplicate_listener_ports,
    advertised_host_problems,
    controller_listener_misplaced,
    inter_broker_listener,
    published_ports,
    bitnami_without_cfg,
    bitnami_no_quorum,
    strimzi_forbidden,
    removed_or_zookeeper_settings,
    host_alias_without_extra_hosts,
)
