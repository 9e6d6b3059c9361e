"""The Strimzi ``Kafka`` custom resource: ``spec.kafka.listeners[]`` and ``spec.kafka.config``.

Strimzi names each listener ``NAME-PORT`` in the broker configuration it generates, adds
its own replication listener (REPLICATION-9091, TLS) for inter-broker traffic, and
ignores (with a warning) the options it manages itself when they appear in
``spec.kafka.config``; those are kept as ``ignored`` settings for the lint rules.
"""

from __future__ import annotations

from listencheck.brokerconfig.model import (
    BrokerConfigError,
    ConfigFile,
    FileKind,
    ListenerConfig,
    Platform,
    Setting,
    Source,
    SourceKind,
    setting,
)
from listencheck.brokerconfig.yamlnodes import Node

REPLICATION = "REPLICATION-9091"
# https://strimzi.io/docs/operators/latest/configuring.html#type-KafkaClusterSpec-reference
_FORBIDDEN_PREFIXES = (
    "listeners",
    "advertised.",
    "broker.",
    "listener.",
    "host.name",
    "port",
    "inter.broker.listener.name",
    "sasl.",
    "ssl.",
    "security.",
    "password.",
    "log.dir",
    "zookeeper.connect",
    "zookeeper.set.acl",
    "zookeeper.ssl",
    "zookeeper.clientCnxnSocket",
    "authorizer.",
    "super.user",
    "node.id",
    "process.roles",
    "controller.",
    "metadata.log.dir",
)
_ALLOWED = (
    "ssl.cipher.suites",
    "ssl.protocol",
    "ssl.enabled.protocols",
    "ssl.secure.random.implementation",
    "controller.quorum.",
    "broker.rack",
    "zookeeper.connection.timeout.ms",
)


def strimzi_forbids(key: str) -> bool:
    """Whether Strimzi ignores ``key`` in ``spec.kafka.config`` (it manages it itself)."""
    if any(key == a or (a.endswith(".") and key.startswith(a)) for a in _ALLOWED):
        return False
    return any(
        key == p or (p.endswith(".") and key.startswith(p)) or key.startswith(p + ".")
        for p in _FORBIDDEN_PREFIXES
    )


def is_strimzi_kafka(doc: Node) -> bool:
    return _text(doc.get("kind")) == "Kafka" and "strimzi.io" in (_text(doc.get("apiVersion")) or "")


def read_strimzi(doc: Node, path: str) -> ConfigFile:
    name = doc.path("metadata", "name")
    cluster = (name.text() if name is not None else None) or "kafka"
    kafka = doc.path("spec", "kafka")
    listeners = kafka.get("listeners") if kafka is not None else None
    if kafka is None or listeners is None or not listeners.elements():
        raise BrokerConfigError("spec.kafka.listeners is missing or empty", path, (kafka or doc).line)
    bind = [f"{REPLICATION}://:9091"]
    protocols = [f"{REPLICATION}:SSL"]
    overrides: dict[int, list[tuple[str, str, str, int]]] = {}
    sources: dict[str, Source] = {}
    for index, entry in enumerate(listeners.elements()):
        lname, port = _text(entry.get("name")), _text(entry.get("port"))
        if not lname or not port or not port.isdigit():
            raise BrokerConfigError(
                f"spec.kafka.listeners[{index}] needs a name and a port", path, entry.line
            )
        kafka_name = f"{lname.upper()}-{port}"
        bind.append(f"{kafka_name}://:{port}")
        tls = (_text(entry.get("tls")) or "false").lower() == "true"
        auth = _text(entry.path("authentication", "type")) or ""
        sasl = auth in {"scram-sha-512", "oauth", "custom", "plain"}
        protocols.append(f"{kafka_name}:{'SASL_' if sasl else ''}{'SSL' if tls else 'PLAINTEXT'}")
        sources[kafka_name] = Source(SourceKind.FILE, path, entry.line, f"spec.kafka.listeners[{index}]")
        for broker in (entry.path("configuration", "brokers") or Node([], 0)).elements():
            broker_id = _text(broker.get("broker"))
            host = _text(broker.get("advertisedHost"))
            if broker_id is None or not broker_id.isdigit() or host is None:
                continue
            adv_port = int(_text(broker.get("advertisedPort")) or port)
            overrides.setdefault(int(broker_id), []).append((kafka_name, host, str(broker.line), adv_port))
    first = sources[next(iter(sources))]
    base: list[Setting] = [
        setting("listeners", ",".join(bind), first),
        setting("listener.security.protocol.map", ",".join(protocols), first),
        setting("inter.broker.listener.name", REPLICATION, Source(SourceKind.DEFAULT, key="Strimzi")),
    ]
    ignored: list[Setting] = []
    for key, value in (kafka.get("config") or Node({}, 0)).items():
        s = setting(
            key, value.text() or "", Source(SourceKind.FILE, path, value.line, f"spec.kafka.config.{key}")
        )
        (ignored if strimzi_forbids(key) else base).append(s)
    origin = Source(SourceKind.FILE, path, doc.line, f"Kafka/{cluster}")
    if not overrides:
        return ConfigFile(
            path,
            FileKind.STRIMZI,
            (ListenerConfig(cluster, tuple(base), Platform.STRIMZI, origin=origin, ignored=tuple(ignored)),),
        )
    brokers = []
    for node, entries in sorted(overrides.items()):
        advertised = ",".join(f"{n}://{_bracket(h)}:{p}" for n, h, _, p in entries)
        first_line = int(entries[0][2])
        brokers.append(
            ListenerConfig(
                f"{cluster} broker {node}",
                (
                    *base,
                    setting("node.id", str(node), Source(SourceKind.FILE, path, first_line, "broker")),
                    setting(
                        "advertised.listeners",
                        advertised,
                        Source(SourceKind.FILE, path, first_line, "advertisedHost"),
                    ),
                ),
                Platform.STRIMZI,
                origin=origin,
                ignored=tuple(ignored),
            )
        )
    return ConfigFile(path, FileKind.STRIMZI, tuple(brokers))


def _text(node: Node | None) -> str | None:
    return node.text() if node is not None else None


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
