"""Redpanda: ``redpanda.yaml`` and the ``--kafka-addr`` / ``--advertise-kafka-addr`` flags.

Redpanda names listeners in ``kafka_api`` and ``advertised_kafka_api`` (an unnamed one is
the default listener); TLS comes from ``kafka_api_tls``, SASL from a listener's
``authentication_method``. Translated to Kafka's keys so the same rules apply. Listener
names stay as written: Redpanda matches them case-sensitively (an ``advertised_kafka_api``
entry named ``External`` belongs to no ``kafka_api`` entry named ``external``).
"""

from __future__ import annotations

from collections.abc import Sequence

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

UNNAMED = "DEFAULT"  # Kafka needs a name; Redpanda's default listener has none (never written back)
_FLAGS = {
    "--kafka-addr": "listeners",
    "--advertise-kafka-addr": "advertised.listeners",
    "--node-id": "node.id",
}


def redpanda_flag_settings(args: Sequence[str], path: str, line: int) -> tuple[Setting, ...]:
    """Settings from ``redpanda start`` flags (``--flag value`` or ``--flag=value``)."""
    out: list[Setting] = []
    names: set[str] = set()
    args = [word for arg in args for word in arg.split()]  # Compose lists write "--flag value" as one item
    for i, arg in enumerate(args):
        flag, eq, value = arg.partition("=")
        if flag not in _FLAGS:
            continue
        if not eq:
            if i + 1 >= len(args):
                raise BrokerConfigError(f"{flag} has no value", path, line)
            value = args[i + 1]
        key = _FLAGS[flag]
        source = Source(SourceKind.FILE, path, line, flag)
        if key == "node.id":
            out.append(setting(key, value, source))
            continue
        entries = [_named(entry) for entry in value.split(",") if entry.strip()]
        names.update(e.split("://", 1)[0] for e in entries)
        out.append(setting(key, ",".join(entries), source))
    if names:
        out.append(
            setting(
                "listener.security.protocol.map",
                ",".join(f"{n}:PLAINTEXT" for n in sorted(names)),
                Source(SourceKind.DEFAULT, key="redpanda flags: no TLS, no SASL"),
            )
        )
    return tuple(out)


def read_redpanda_yaml(root: Node, path: str) -> ConfigFile:
    node = root.get("redpanda")
    if node is None:
        raise BrokerConfigError("no redpanda: section (is this redpanda.yaml?)", path, root.line)
    settings: list[Setting] = []
    tls = {
        _text(e.get("name")) or UNNAMED
        for e in _listish(node.get("kafka_api_tls"))
        if (_text(e.get("enabled")) or "").lower() == "true"
    }
    protocols: dict[str, str] = {}
    for yaml_key, kafka_key in (("kafka_api", "listeners"), ("advertised_kafka_api", "advertised.listeners")):
        section = node.get(yaml_key)
        if section is None:
            continue
        entries = []
        for entry in _listish(section):
            name = _text(entry.get("name")) or UNNAMED
            host = _text(entry.get("address")) or ""
            port = _text(entry.get("port")) or "9092"
            entries.append(f"{name}://{_bracket(host)}:{port}")
            if yaml_key == "kafka_api":
                sasl = (_text(entry.get("authentication_method")) or "").lower() == "sasl"
                protocols[name] = ("SASL_" if sasl else "") + ("SSL" if name in tls else "PLAINTEXT")
        settings.append(
            setting(
                kafka_key,
                ",".join(entries),
                Source(SourceKind.FILE, path, section.line, f"redpanda.{yaml_key}"),
            )
        )
    node_id = _text(node.get("node_id"))
    if node_id is not None:
        settings.append(
            setting("node.id", node_id, Source(SourceKind.FILE, path, node.line, "redpanda.node_id"))
        )
    if protocols:
        settings.append(
            setting(
                "listener.security.protocol.map",
                ",".join(f"{n}:{p}" for n, p in protocols.items()),
                Source(SourceKind.FILE, path, node.line, "redpanda.kafka_api_tls"),
            )
        )
    return ConfigFile(
        path,
        FileKind.REDPANDA,
        (
            ListenerConfig(
                "redpanda", tuple(settings), Platform.REDPANDA, origin=Source(SourceKind.FILE, path)
            ),
        ),
    )


def _named(entry: str) -> str:
    entry = entry.strip()
    if "://" in entry:
        name, rest = entry.split("://", 1)
        return f"{name or UNNAMED}://{rest}"
    return f"{UNNAMED}://{entry}"


def _listish(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return node.elements() if isinstance(node.value, list) else [node]


def _text(node: Node | None) -> str | None:
    return node.text() if node is not None else None


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
