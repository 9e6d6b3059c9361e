"""The fix applied to a Strimzi ``Kafka`` resource or a ``redpanda.yaml``, as text edits.

Strimzi: a re-advertised broker gets (or updates) its ``configuration.brokers[]`` entry under
the listener that advertises the address; a new listener is appended to
``spec.kafka.listeners`` with the broker's ``advertisedHost``/``advertisedPort`` (and its
``nodePort``), reusing the complemented listener's ``tls`` and ``authentication``.
Redpanda: the ``advertised_kafka_api`` entry of the listener is rewritten; a new listener is
appended to ``kafka_api`` and ``advertised_kafka_api`` (and ``kafka_api_tls``, copied from the
listener it complements). Every other line is kept. Block-style YAML only: a flow-style list
(``[...]``) gives no diff. Pure: text in, text out.
"""

from __future__ import annotations

from collections.abc import Sequence

from listencheck.brokerconfig.model import BrokerConfigError
from listencheck.brokerconfig.redpanda import UNNAMED
from listencheck.brokerconfig.strimzi import is_strimzi_kafka
from listencheck.brokerconfig.yamlnodes import Node, load_yaml
from listencheck.fixes.change import ChangeKind, ListenerChange
from listencheck.fixes.paths import NODE_PORT_RANGE


class _NotBlock(Exception):
    """The YAML is not written in the block style these edits understand."""


def strimzi_patched(change: ListenerChange, path: str, text: str) -> str | None:
    """``text`` (a Strimzi Kafka resource) with ``change`` applied; None when it cannot be edited."""
    doc = _document(text, path, is_strimzi_kafka)
    listeners = doc.path("spec", "kafka", "listeners") if doc is not None else None
    if listeners is None or not listeners.elements():
        return None
    lines = text.splitlines(keepends=True)
    try:
        if change.kind is ChangeKind.READVERTISE:
            entry = _strimzi_entry(listeners, change.listener)
            if entry is None:
                return None
            _strimzi_readvertise(lines, entry, change)
        else:
            _strimzi_add(lines, listeners, change)
    except _NotBlock:
        return None
    return "".join(lines)


def strimzi_cluster_patched(changes: Sequence[ListenerChange], path: str, text: str) -> str | None:
    """``text`` with every change applied, for brokers of one Strimzi resource: brokers that each
    need the same new listener get ONE ``spec.kafka.listeners[]`` entry with one
    ``configuration.brokers[]`` override per broker (Strimzi listener names are unique);
    re-advertised brokers get their overrides. None when any change cannot be edited."""
    added: dict[tuple[str, int, str], str] = {}  # shared listener -> its Strimzi name, once written
    for change in changes:
        key = (change.listener, change.port, change.protocol)
        if change.kind is ChangeKind.ADD_LISTENER and key in added:
            doc = _document(text, path, is_strimzi_kafka)
            listeners = doc.path("spec", "kafka", "listeners") if doc is not None else None
            entry = next((e for e in (listeners.elements() if listeners is not None else [])
                          if _text(e.get("name")) == added[key]), None)
            if entry is None:
                return None
            lines = text.splitlines(keepends=True)
            try:
                _strimzi_override(lines, entry, _override(change))
            except _NotBlock:
                return None
            text = "".join(lines)
            continue
        patched = strimzi_patched(change, path, text)
        if patched is None:
            return None
        if change.kind is ChangeKind.ADD_LISTENER:
            added[key] = strimzi_name(change)
        text = patched
    return text


def redpanda_patched(change: ListenerChange, path: str, text: str) -> str | None:
    """``text`` (redpanda.yaml) with ``change`` applied; None when it cannot be edited."""
    doc = _document(text, path, lambda d: d.get("redpanda") is not None)
    node = doc.get("redpanda") if doc is not None else None
    kafka_api = node.get("kafka_api") if node is not None else None
    if node is None or kafka_api is None or not kafka_api.elements():
        return None
    lines = text.splitlines(keepends=True)
    host, _, port = change.advertised.rpartition(":")
    advertised = node.get("advertised_kafka_api")
    try:
        if change.kind is ChangeKind.READVERTISE:
            entry = next((e for e in (advertised.elements() if advertised else [])
                          if (_text(e.get("name")) or UNNAMED) == change.listener), None)
            if entry is None:
                return None
            _set(lines, entry, "address", host)
            _set(lines, entry, "port", port)
            return "".join(lines)
        if advertised is None or not advertised.elements():
            return None  # advertised from kafka_api today: a new section would change every listener
        complemented = next((e for e in kafka_api.elements()
                             if (_text(e.get("name")) or UNNAMED) == change.keeps), None)
        extra: dict[str, object] = {}
        if complemented is not None and (method := _text(complemented.get("authentication_method"))):
            extra["authentication_method"] = method
        tls = node.get("kafka_api_tls")
        tls_entry = next((e for e in (tls.elements() if tls else [])
                          if (_text(e.get("name")) or UNNAMED) == change.keeps), None)
        # Bottom-up, so that earlier line numbers stay right.
        bind = {"name": change.listener, "address": change.bind_host or "0.0.0.0", "port": str(change.port)}
        edits: list[tuple[Node, dict[str, object]]] = [
            (kafka_api, {**bind, **extra}),
            (advertised, {"name": change.listener, "address": host, "port": port}),
        ]
        if tls is not None and tls_entry is not None:
            edits.append((tls, {"name": change.listener, **_scalars(tls_entry, skip="name")}))
        for section, fields in sorted(edits, key=lambda e: -e[0].line):
            _append(lines, section, fields)
    except _NotBlock:
        return None
    return "".join(lines)


# --- Strimzi ---------------------------------------------------------------------------


def strimzi_name(change: ListenerChange) -> str:
    """The new listener's Strimzi name: lower-case letters and digits, at most 11, no listener's."""
    config = change.config
    taken = {x.name.rpartition("-")[0].lower() for x in config.listeners} if config is not None else set()
    base = change.listener.lower().replace("_", "").replace("-", "")[:11] or "external"
    name, n = base, 2
    while name in taken:
        name = f"{base[:11 - len(str(n))]}{n}"
        n += 1
    return name


def _strimzi_entry(listeners: Node, kafka_name: str) -> Node | None:
    """The spec.kafka.listeners[] entry Strimzi turns into the Kafka listener ``NAME-PORT``."""
    for entry in listeners.elements():
        name, port = _text(entry.get("name")), _text(entry.get("port"))
        if name and port and f"{name.upper()}-{port}" == kafka_name:
            return entry
    return None


def _override(change: ListenerChange) -> dict[str, object]:
    """One ``configuration.brokers[]`` entry: the broker's own address (and NodePort)."""
    host, _, port = change.advertised.rpartition(":")
    override: dict[str, object] = {"broker": str(change.broker_id), "advertisedHost": host,
                                   "advertisedPort": port}
    if change.kind is ChangeKind.ADD_LISTENER and port.isdigit() and int(port) in NODE_PORT_RANGE:
        override["nodePort"] = port
    return override


def _strimzi_readvertise(lines: list[str], entry: Node, change: ListenerChange) -> None:
    host, _, port = change.advertised.rpartition(":")
    brokers = entry.path("configuration", "brokers")
    mine = next((b for b in (brokers.elements() if brokers else [])
                 if _text(b.get("broker")) == str(change.broker_id)), None)
    if mine is not None:
        _set(lines, mine, "advertisedPort", port)
        _set(lines, mine, "advertisedHost", host)
        return
    _strimzi_override(lines, entry, _override(change))


def _strimzi_override(lines: list[str], entry: Node, override: dict[str, object]) -> None:
    """Append ``override`` to the entry's ``configuration.brokers`` (creating what is missing)."""
    brokers = entry.path("configuration", "brokers")
    if brokers is not None and brokers.elements():
        _append(lines, brokers, override)
        return
    configuration = entry.get("configuration")
    if configuration is not None:
        if not isinstance(configuration.value, dict):
            raise _NotBlock
        key_indent = _indent_of_key(lines, configuration)
        at = _end(lines, configuration.line - 1, key_indent - 1)
        lines[at:at] = _block({"brokers": [override]}, key_indent, _ending(lines))
        return
    indent = _indent_of_key(lines, entry)
    at = _end(lines, entry.line - 1, indent - 1)
    lines[at:at] = _block({"configuration": {"brokers": [override]}}, indent, _ending(lines))


def _strimzi_add(lines: list[str], listeners: Node, change: ListenerChange) -> None:
    _, _, port = change.advertised.rpartition(":")
    node_port = port.isdigit() and int(port) in NODE_PORT_RANGE
    override = _override(change)
    complemented = _strimzi_entry(listeners, change.keeps)
    fields: dict[str, object] = {
        "name": strimzi_name(change), "port": str(change.port),
        "type": "nodeport" if node_port else "nodeport  # or loadbalancer",
        "tls": "true" if change.protocol in ("SSL", "SASL_SSL") else "false",
    }
    if complemented is not None and (auth := complemented.get("authentication")) is not None:
        fields["authentication"] = _plain(auth)
    fields["configuration"] = {"brokers": [override]}
    _append(lines, listeners, fields)


# --- block YAML editing -----------------------------------------------------------------


def _document(text: str, path: str, wanted: object) -> Node | None:
    try:
        docs = load_yaml(text, path)
    except BrokerConfigError:
        return None
    return next((d for d in docs if wanted(d)), None)  # type: ignore[operator]


def _text(node: Node | None) -> str | None:
    return node.text() if node is not None else None


def _plain(node: Node) -> object:
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node.value, list):
        return [_plain(e) for e in node.elements()]
    return node.value or ""


def _scalars(node: Node, skip: str) -> dict[str, object]:
    return {k: _plain(v) for k, v in node.items() if k != skip}


def _ending(lines: list[str]) -> str:
    first = lines[0] if lines else "\n"
    return first[len(first.rstrip("\r\n")):] or "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indent_of_key(lines: list[str], mapping: Node) -> int:
    """The column of the keys of a block mapping (which starts on ``mapping.line``)."""
    line = lines[mapping.line - 1]
    stripped = line.lstrip(" ")
    if stripped.startswith("- "):
        return _indent(line) + 2
    if stripped.startswith(("{", "[")):
        raise _NotBlock
    return _indent(line)


def _end(lines: list[str], start: int, parent_indent: int) -> int:
    """The index after the block that starts at ``start``: the next line indented at most
    ``parent_indent`` (blank and comment lines in between belong to the block)."""
    i = start + 1
    last = start
    while i < len(lines):
        line = lines[i]
        if line.strip() and not line.lstrip().startswith("#"):
            if _indent(line) <= parent_indent:
                break
            last = i
        i += 1
    return last + 1


def _append(lines: list[str], sequence: Node, fields: dict[str, object]) -> None:
    """Append a mapping to a block sequence of mappings, in the style of its last element."""
    elements = sequence.elements()
    if not elements:
        raise _NotBlock
    last = elements[-1]
    line = lines[last.line - 1]
    if not line.lstrip(" ").startswith("- "):
        raise _NotBlock
    dash = _indent(line)
    at = _end(lines, last.line - 1, dash)
    block = _block(fields, dash + 2, _ending(lines))
    block[0] = " " * dash + "- " + block[0].lstrip(" ")
    lines[at:at] = block


def _block(value: dict[str, object], indent: int, ending: str) -> list[str]:
    out: list[str] = []
    pad = " " * indent
    for key, item in value.items():
        if isinstance(item, dict):
            out.append(f"{pad}{key}:{ending}")
            out += _block(item, indent + 2, ending)
        elif isinstance(item, list):
            out.append(f"{pad}{key}:{ending}")
            for element in item:
                if isinstance(element, dict):
                    inner = _block(element, indent + 4, ending)
                    inner[0] = f"{pad}  - " + inner[0].lstrip(" ")
                    out += inner
                else:
                    out.append(f"{pad}  - {element}{ending}")
        else:
            out.append(f"{pad}{key}: {item}{ending}")
    return out


def _set(lines: list[str], mapping: Node, key: str, value: str) -> None:
    """Set ``key`` of a block mapping to ``value``: rewrite its line, or add it after the last key."""
    node = mapping.get(key)
    key_indent = _indent_of_key(lines, mapping)
    if node is not None:
        i = node.line - 1
        line = lines[i]
        head, sep, rest = line.partition(f"{key}:")
        if not sep:
            raise _NotBlock
        ending = line[len(line.rstrip("\r\n")):]
        comment = rest.rstrip("\r\n")
        comment = comment[comment.index(" #"):] if " #" in comment else ""
        lines[i] = f"{head}{key}: {value}{comment}{ending}"
        return
    last = max((v.line for _, v in mapping.items()), default=mapping.line)
    at = _end(lines, last - 1, key_indent)
    lines[at:at] = [f"{' ' * key_indent}{key}: {value}{_ending(lines)}"]


__all__ = ["redpanda_patched", "strimzi_cluster_patched", "strimzi_name", "strimzi_patched"]
