"""One renderer per platform syntax: the same ListenerChange as the user would write it.

properties (server.properties), apache-kafka / cp-kafka (``KAFKA_*`` environment, as in a
Compose ``environment:`` map, plus ``ports:``), bitnami (``KAFKA_CFG_*``), strimzi
(``spec.kafka.listeners[]`` with per-broker ``advertisedHost``/``advertisedPort``),
redpanda (``redpanda.kafka_api`` / ``advertised_kafka_api``), managed (client side only:
the broker configuration is not the user's to change).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from listencheck.brokerconfig.envvars import BITNAMI_ALIASES, BITNAMI_PREFIX
from listencheck.brokerconfig.model import AUTO, ListenerConfig, Platform, SourceKind
from listencheck.brokerconfig.redpanda import UNNAMED
from listencheck.fixes.change import CURRENT, ChangeKind, ListenerChange
from listencheck.fixes.paths import NODE_PORT_RANGE
from listencheck.fixes.yamldiff import strimzi_name

PLATFORM_CHOICES = (AUTO, *(p.value for p in Platform))

# What the apache/kafka image needs once any KAFKA_* variable is set: its packaged
# server.properties is then not used at all (docker/examples/README.md, "Using Environment
# Variables"), so the environment must carry the whole KRaft configuration.
APACHE_KAFKA_REQUIRED = (
    "node.id", "process.roles", "controller.quorum.voters", "controller.listener.names",
    "listeners", "advertised.listeners", "listener.security.protocol.map",
    "inter.broker.listener.name",
)
APACHE_KAFKA_SINGLE_BROKER = (
    "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
)


@dataclass(frozen=True)
class RenderedFix:
    platform: Platform
    format: str  # properties | environment | yaml | text
    text: str


def platforms_for(choice: str, config: ListenerConfig | None) -> tuple[Platform, ...]:
    """``--platform``: one platform, or for ``auto`` the configuration's own (else properties
    plus the environment forms)."""
    if choice != AUTO:
        return (Platform(choice),)
    if config is not None and config.platform is not None:
        return (config.platform,)
    if config is not None and config.image is None:
        return (Platform.PROPERTIES,)
    return (Platform.PROPERTIES, Platform.CP_KAFKA, Platform.BITNAMI)


def render(change: ListenerChange, platform: Platform) -> RenderedFix:
    return _RENDERERS[platform](change)


def env_name(key: str, prefix: str = "KAFKA_") -> str:
    """A Kafka key as the images' environment variable (cp-kafka and apache/kafka rules)."""
    return prefix + key.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def _properties(change: ListenerChange) -> RenderedFix:
    lines = [f"{k}={v}" for k, v in change.new_values().items()]
    lines += _tail(change)
    return RenderedFix(Platform.PROPERTIES, "properties", "\n".join(lines))


def _environment(change: ListenerChange, platform: Platform, prefix: str) -> list[str]:
    lines = ["environment:"]
    lines += [f"  {env_name(k, prefix)}: \"{v}\"" for k, v in change.new_values().items()]
    if change.publish is not None:
        lines += ["ports:", f"  - \"{change.publish.host_port}:{change.publish.container_port}\""]
    return lines


def _cp_kafka(change: ListenerChange) -> RenderedFix:
    lines = _environment(change, Platform.CP_KAFKA, "KAFKA_") + _tail(change)
    return RenderedFix(Platform.CP_KAFKA, "environment", "\n".join(lines))


def _apache_kafka(change: ListenerChange) -> RenderedFix:
    lines = _environment(change, Platform.APACHE_KAFKA, "KAFKA_") + _tail(change)
    config = change.config
    required = APACHE_KAFKA_REQUIRED + APACHE_KAFKA_SINGLE_BROKER
    missing = [env_name(k) for k in required if config is None or _unwritten(config, k)]
    if missing:
        lines.append(
            "apache/kafka: once any KAFKA_* variable is set, the image's own server.properties is "
            "not used, so the environment must hold the whole KRaft configuration"
            + (f"; still missing: {', '.join(missing)}" if config is not None else
               f" ({', '.join(missing)}; the replication factors only for fewer than 3 brokers)")
            + "."
        )
    return RenderedFix(Platform.APACHE_KAFKA, "environment", "\n".join(lines))


def _unwritten(config: ListenerConfig, key: str) -> bool:
    setting = config.get(key)
    return setting is None or setting.source.kind is not SourceKind.FILE


def _bitnami(change: ListenerChange) -> RenderedFix:
    config = change.config
    written = config.source("listeners").key if config is not None else None
    # A file that uses the image's legacy aliases (KAFKA_LISTENERS) keeps them: they override KAFKA_CFG_.
    prefix = "KAFKA_" if written in BITNAMI_ALIASES else BITNAMI_PREFIX
    lines = _environment(change, Platform.BITNAMI, prefix) + _tail(change)
    lines.append("Bitnami applies KAFKA_CFG_* variables (and a few legacy names such as KAFKA_LISTENERS, "
                 "which override their KAFKA_CFG_ twin: keep one spelling); other KAFKA_* settings, "
                 "KAFKA_CONTROLLER_LISTENER_NAMES among them, are ignored. The image sets no listener "
                 "of its own.")
    return RenderedFix(Platform.BITNAMI, "environment", "\n".join(lines))


def _strimzi(change: ListenerChange) -> RenderedFix:
    host, _, port = change.advertised.rpartition(":")
    if change.kind is ChangeKind.READVERTISE:
        lines = [
            "spec:", "  kafka:", "    listeners:",
            f"      - name: <the listener that advertises {change.keeps_address}>",
            "        configuration:",
            "          brokers:",
            f"            - broker: {change.broker_id}",
            f"              advertisedHost: {host}",
            f"              advertisedPort: {port}",
            "Strimzi ignores advertised.* in spec.kafka.config: override the address here, one "
            "entry per broker.",
        ]
        return RenderedFix(Platform.STRIMZI, "yaml", "\n".join(lines))
    tls = "true" if change.protocol in ("SSL", "SASL_SSL") else "false"
    kind = "nodeport" if port.isdigit() and int(port) in NODE_PORT_RANGE else "nodeport  # or loadbalancer"
    port_line = (f"advertisedPort: {port}" if port.isdigit() else f"advertisedPort: {port}  # placeholder")
    lines = [
        "spec:", "  kafka:", "    listeners:",
        "      # keep every listener you have; add:",
        f"      - name: {strimzi_name(change)}",
        f"        port: {change.port}",
        f"        type: {kind}",
        f"        tls: {tls}",
        "        configuration:",
        "          brokers:",
        f"            - broker: {change.broker_id}",
        f"              advertisedHost: {host}",
        f"              {port_line}",
    ]
    if port.isdigit() and int(port) in NODE_PORT_RANGE:
        lines.append(f"              nodePort: {port}")
    lines.append("Strimzi ignores listeners, advertised.* and listener.* in spec.kafka.config: set them "
                 "only here. Every broker needs its own entry under configuration.brokers.")
    return RenderedFix(Platform.STRIMZI, "yaml", "\n".join(lines))


def strimzi_listener_for_brokers(changes: Sequence[ListenerChange]) -> RenderedFix:
    """Several brokers that each need the same new listener: ONE ``spec.kafka.listeners[]`` entry
    (Strimzi listener names are unique) with one ``configuration.brokers[]`` override per broker."""
    first = changes[0]
    ports = [c.advertised.rpartition(":")[2] for c in changes]
    node_ports = all(p.isdigit() and int(p) in NODE_PORT_RANGE for p in ports)
    lines = [
        "spec:", "  kafka:", "    listeners:",
        "      # keep every listener you have; add one listener for all these brokers:",
        f"      - name: {strimzi_name(first)}",
        f"        port: {first.port}",
        f"        type: {'nodeport' if node_ports else 'nodeport  # or loadbalancer'}",
        f"        tls: {'true' if first.protocol in ('SSL', 'SASL_SSL') else 'false'}",
        "        configuration:",
        "          brokers:",
    ]
    for change, port in zip(changes, ports, strict=True):
        host = change.advertised.rpartition(":")[0]
        lines += [f"            - broker: {change.broker_id}",
                  f"              advertisedHost: {host}",
                  f"              advertisedPort: {port}" + ("" if port.isdigit() else "  # placeholder")]
        if port.isdigit() and int(port) in NODE_PORT_RANGE:
            lines.append(f"              nodePort: {port}")
    lines.append("Strimzi ignores listeners, advertised.* and listener.* in spec.kafka.config: set them "
                 "only here. One listener serves every broker; each broker has its own entry under "
                 "configuration.brokers (its own address, never another's).")
    return RenderedFix(Platform.STRIMZI, "yaml", "\n".join(lines))


def redpanda_name(change: ListenerChange) -> str:
    """The listener's name as redpanda.yaml writes it: a Redpanda configuration's own name as it is
    (Redpanda matches names case-sensitively), a Kafka or placeholder name in Redpanda's lower case."""
    config = change.config
    if config is not None and config.case_sensitive_names:
        return change.listener
    return change.listener.lower()


def _redpanda(change: ListenerChange) -> RenderedFix:
    host, _, port = change.advertised.rpartition(":")
    name = redpanda_name(change)
    if change.kind is ChangeKind.READVERTISE:
        unnamed = name == UNNAMED
        lines = [
            "redpanda:",
            f"  advertised_kafka_api:  # the {'unnamed entry' if unnamed else f'entry named {name}'} "
            f"(now {change.keeps_address}):",
            *([] if unnamed else [f"    - name: {name}"]),
            f"    {'- ' if unnamed else '  '}address: {host}",
            f"      port: {port}",
            f"(rpk / command line: {'' if unnamed else f'{name}://'}{change.advertised} in "
            f"--advertise-kafka-addr.)",
        ]
        return RenderedFix(Platform.REDPANDA, "yaml", "\n".join(lines + _tail(change, properties=False)))
    lines = [
        "redpanda:",
        "  kafka_api:  # keep the existing entries; add:",
        f"    - name: {name}",
        f"      address: {change.bind_host or '0.0.0.0'}",
        f"      port: {change.port}",
        "  advertised_kafka_api:  # keep the existing entries; add:",
        f"    - name: {name}",
        f"      address: {host}",
        f"      port: {port}",
        f"(rpk / command line: add {name}://{change.bind_host or '0.0.0.0'}:{change.port} to --kafka-addr "
        f"and {name}://{change.advertised} to --advertise-kafka-addr.)",
    ]
    if change.protocol in ("SSL", "SASL_SSL"):
        lines.append(f"Add a kafka_api_tls entry named {name} with the certificate of the listener it "
                     f"complements.")
    lines += _tail(change, properties=False)
    return RenderedFix(Platform.REDPANDA, "yaml", "\n".join(lines))


def _managed(change: ListenerChange) -> RenderedFix:
    text = (
        "A managed service (Amazon MSK, Confluent Cloud, Azure Event Hubs, Aiven) does not let you "
        f"change the brokers' listeners: make the address broker {change.broker_id} advertises, "
        f"{change.keeps_address}, work from this client instead. Resolve its name here (the "
        "service's private DNS zone, or a resolver forwarding to the VPC's), reach every broker "
        "(one private endpoint per broker: MSK multi-VPC private connectivity, Confluent Cloud "
        "PrivateLink or peering, a VPN or peering into the network the brokers advertise), or run "
        "the client inside that network."
    )
    return RenderedFix(Platform.MANAGED, "text", text)


def _tail(change: ListenerChange, properties: bool = True) -> list[str]:
    """Notes every rendering shares: what is a placeholder, and what each listener serves."""
    lines = []
    if properties and change.placeholder_names and change.kind is ChangeKind.READVERTISE:
        lines.append(f"{CURRENT} is the setting's present value and {change.listener} a placeholder "
                     f"for the name of the listener that advertises {change.keeps_address}; "
                     f"listeners= stays as it is.")
    elif properties and change.placeholder_names:
        lines.append(f"{CURRENT} is the setting's present value (keep every listener, CONTROLLER "
                     f"included on KRaft nodes); {change.listener} is a placeholder name, and the "
                     f"listener names are placeholders: listencheck could not read this broker's "
                     f"configuration (give it with --broker-config FILE).")
    if change.placeholder_address:
        lines.append(f"{change.advertised} is a placeholder for broker {change.broker_id}'s own "
                     f"external address: its own host, or its own port on a shared host or load "
                     f"balancer, never another broker's.")
    serves = "; ".join(f"{name}: {who}" for name, who in change.serves())
    lines.append(f"Serves: {serves}.")
    return lines


_RENDERERS: dict[Platform, Callable[[ListenerChange], RenderedFix]] = {
    Platform.PROPERTIES: _properties,
    Platform.APACHE_KAFKA: _apache_kafka,
    Platform.CP_KAFKA: _cp_kafka,
    Platform.BITNAMI: _bitnami,
    Platform.STRIMZI: _strimzi,
    Platform.REDPANDA: _redpanda,
    Platform.MANAGED: _managed,
}

__all__ = ["AUTO", "PLATFORM_CHOICES", "RenderedFix", "env_name", "platforms_for", "render"]
