"""Docker Compose files: broker services, their environment, ports and neighbours.

Follows the Compose specification: ``environment`` as a list or a map, ``env_file``
(string, list, or ``{path, required}``), ``${VAR}``/``${VAR:-default}``/``${VAR-default}``
interpolation from the shell and the ``.env`` next to the file, ``ports`` in short
and long syntax, ``extra_hosts`` as a list or a map.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from listencheck.brokerconfig.envvars import bitnami_defaults, environment_settings, image_variables
from listencheck.brokerconfig.model import (
    DEFAULT_SOURCE,
    BrokerConfigError,
    ClientService,
    ConfigFile,
    FileKind,
    ListenerConfig,
    Platform,
    PublishedPort,
    Setting,
    Source,
    SourceKind,
    platform_for_image,
    setting,
)
from listencheck.brokerconfig.properties import parse_env
from listencheck.brokerconfig.redpanda import redpanda_flag_settings
from listencheck.brokerconfig.yamlnodes import Node

# The apache/kafka image's own config/server.properties, used when no KAFKA_ variable is set
# (docker/resources/common-scripts/configure: any KAFKA_ variable replaces it entirely).
APACHE_KAFKA_DEFAULTS = (
    ("process.roles", "broker,controller"),
    ("node.id", "1"),
    ("controller.quorum.voters", "1@localhost:9093"),
    ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
    ("inter.broker.listener.name", "PLAINTEXT"),
    ("advertised.listeners", "PLAINTEXT://localhost:9092"),
    ("controller.listener.names", "CONTROLLER"),
    (
        "listener.security.protocol.map",
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
    ),
)
_BROKER_PLATFORMS = {Platform.APACHE_KAFKA, Platform.CP_KAFKA, Platform.BITNAMI, Platform.REDPANDA}


def read_compose(root: Node, path: str, environ: Mapping[str, str] | None = None) -> ConfigFile:
    base = Path(path).parent
    variables = _variables(base, dict(os.environ) if environ is None else dict(environ))
    services = root.get("services")
    if services is None or not isinstance(services.value, dict):
        raise BrokerConfigError("no services: mapping (is this a Compose file?)", path, root.line)
    brokers: list[ListenerConfig] = []
    clients: list[ClientService] = []
    for name, service in services.items():
        broker = _broker(name, service, path, base, variables)
        if broker is not None:
            brokers.append(broker)
        elif "zookeeper" not in (_text(service.get("image"), variables) or "").lower():
            clients.append(
                ClientService(
                    name,
                    _extra_hosts(service.get("extra_hosts"), variables),
                    Source(SourceKind.FILE, path, service.line, name),
                )
            )
    return ConfigFile(path, FileKind.COMPOSE, tuple(brokers), tuple(clients))


def _broker(
    name: str, service: Node, path: str, base: Path, variables: Mapping[str, str]
) -> ListenerConfig | None:
    image = _text(service.get("image"), variables)
    platform = platform_for_image(image) if image else None
    env = _environment(service, path, base, variables)
    if platform is None:
        if any(n.startswith("KAFKA_CFG_") for n, _, _ in env):
            platform = Platform.BITNAMI
        elif any(n.startswith("KAFKA_") and n.endswith("LISTENERS") for n, _, _ in env):
            platform = Platform.CP_KAFKA if image else None
        else:
            return None
    if platform not in _BROKER_PLATFORMS and platform is not None:
        return None
    origin = Source(SourceKind.FILE, path, service.line, f"services.{name}")
    host_network = (_text(service.get("network_mode"), variables) or "") == "host"
    ignored: tuple[Setting, ...] = ()
    if platform is Platform.REDPANDA:
        command = service.get("command")
        line = command.line if command is not None else service.line
        settings = redpanda_flag_settings(_command(command, variables), path, line)
    else:
        settings, ignored = environment_settings(env, platform)
        if platform is Platform.APACHE_KAFKA and not settings:
            image_default = Source(SourceKind.DEFAULT, path, service.line, f"{image} default configuration")
            settings = tuple(setting(k, v, image_default) for k, v in APACHE_KAFKA_DEFAULTS)
        if platform is Platform.CP_KAFKA:
            settings += cp_kafka_derived_listeners(settings, path, service.line)
        if platform is Platform.BITNAMI:
            settings += bitnami_defaults(settings, path, service.line)
    aliases = [name] + [
        a for a in (_text(service.get(k), variables) for k in ("hostname", "container_name")) if a
    ]
    for _, network in (service.get("networks") or Node(None, 0)).items():
        aliases += [
            a for a in (_text(n, variables) for n in (network.get("aliases") or Node([], 0)).elements()) if a
        ]
    return ListenerConfig(
        name,
        settings,
        platform,
        image,
        origin,
        published_ports=None if host_network else _ports(service.get("ports"), path, variables),
        extra_hosts=_extra_hosts(service.get("extra_hosts"), variables),
        ignored=ignored,
        aliases=tuple(aliases),
        image_variables=image_variables(env),
    )


def cp_kafka_derived_listeners(settings: tuple[Setting, ...], path: str, line: int) -> tuple[Setting, ...]:
    """cp-kafka's configure script: KAFKA_LISTENERS unset -> the advertised listeners on 0.0.0.0
    (``cub listeners``)."""
    keys = {s.key: s for s in settings}
    advertised = keys.get("advertised.listeners")
    if "listeners" in keys or advertised is None:
        return ()
    derived = ",".join(
        re.sub(r"://(\[[^\]]*\]|[^:/]*):", "://0.0.0.0:", e.strip(), count=1)
        for e in advertised.value.split(",")
        if e.strip()
    )
    source = Source(
        SourceKind.DEFAULT, path, line, "cp-kafka: listeners derived from KAFKA_ADVERTISED_LISTENERS"
    )
    return (setting("listeners", derived, source),)


def _environment(
    service: Node, path: str, base: Path, variables: Mapping[str, str]
) -> list[tuple[str, str, Source]]:
    env: dict[str, tuple[str, str, Source]] = {}
    env_file = service.get("env_file")
    files = (
        [env_file]
        if env_file is not None and env_file.text() is not None
        else (env_file.elements() if env_file is not None else [])
    )
    for entry in files:
        file_name = _text(entry, variables) or _text(entry.get("path"), variables)
        required = (_text(entry.get("required"), variables) or "true").lower() != "false"
        if not file_name:
            continue
        target = base / file_name
        try:
            text = target.read_text(encoding="utf-8")
        except OSError as e:
            if required:
                raise BrokerConfigError(
                    f"env_file {file_name}: {e.strerror or e}", path, entry.line
                ) from None
            continue
        for var, value, source in parse_env(text, str(target)):
            env[var] = (var, value, source)
    environment = service.get("environment")
    if environment is not None:
        if isinstance(environment.value, dict):
            for var, node in environment.items():
                if node.value is not None:
                    env[var] = (var, _text(node, variables) or "", _at(path, node.line, var))
        else:
            for node in environment.elements():
                item = _text(node, variables) or ""
                var, sep, value = item.partition("=")
                if sep:  # a bare NAME takes the shell's value: unknown here
                    env[var.strip()] = (var.strip(), value, _at(path, node.line, var.strip()))
    return list(env.values())


_SHORT_PORT = re.compile(  # [IP:]HOST:CONTAINER or [HOST:]CONTAINER, ranges allowed, IPv6 in brackets
    r"^(?:(?P<ip>\[[^\]]*\]|[^:\[\]]+):(?P<host_after_ip>\d*(?:-\d+)?):|(?P<host>\d+(?:-\d+)?):)?"
    r"(?P<target>\d+(?:-\d+)?)(?:/(?P<proto>\w+))?$"
)


def _ports(node: Node | None, path: str, variables: Mapping[str, str]) -> tuple[PublishedPort, ...] | None:
    if node is None:
        return ()
    out: list[PublishedPort] = []
    for entry in node.elements():
        source = _at(path, entry.line, "ports")
        if isinstance(entry.value, dict):
            target = _port_number(_text(entry.get("target"), variables), path, entry.line)
            published = _text(entry.get("published"), variables) or ""
            host_ip = _text(entry.get("host_ip"), variables) or ""
            for host_port, container_port in _range_pairs(published, str(target), path, entry.line):
                out.append(PublishedPort(host_port, container_port, host_ip, source))
            continue
        raw = (_text(entry, variables) or "").strip()
        m = _SHORT_PORT.match(raw)
        if m is None:
            raise BrokerConfigError(
                f"ports: {raw!r} is not [HOST_IP:][HOST_PORT:]CONTAINER_PORT", path, entry.line
            )
        ip = (m["ip"] or "").strip("[]")
        host = m["host"] or m["host_after_ip"] or ""
        for host_port, container_port in _range_pairs(host, m["target"], path, entry.line):
            out.append(PublishedPort(host_port, container_port, ip, source))
    return tuple(out)


def _range_pairs(host: str, target: str, path: str, line: int) -> list[tuple[int, int]]:
    """(host port, container port) pairs; host port 0 means Docker picks one."""
    targets = _port_range(target, path, line)
    if not host:
        return [(0, t) for t in targets]
    hosts = _port_range(host, path, line)
    if len(hosts) == 1 and len(targets) == 1:
        return [(hosts[0], targets[0])]
    if len(hosts) != len(targets):
        return [(0, t) for t in targets]  # Docker picks one port of the host range
    return list(zip(hosts, targets, strict=True))


def _port_range(raw: str, path: str, line: int) -> list[int]:
    first, _, last = raw.partition("-")
    start = _port_number(first, path, line)
    end = _port_number(last, path, line) if last else start
    if end < start or end - start > 1000:
        raise BrokerConfigError(f"ports: bad range {raw!r}", path, line)
    return list(range(start, end + 1))


def _port_number(raw: str | None, path: str, line: int) -> int:
    if raw is None or not raw.strip().isdigit() or not 0 < int(raw) <= 65535:
        raise BrokerConfigError(f"ports: {raw!r} is not a port number", path, line)
    return int(raw)


def _extra_hosts(node: Node | None, variables: Mapping[str, str]) -> tuple[str, ...]:
    if node is None:
        return ()
    if isinstance(node.value, dict):
        return tuple(f"{k}:{_text(v, variables) or ''}" for k, v in node.items())
    return tuple((_text(e, variables) or "").replace("=", ":", 1) for e in node.elements())


def _command(node: Node | None, variables: Mapping[str, str]) -> list[str]:
    if node is None:
        return []
    if isinstance(node.value, list):
        return [_text(e, variables) or "" for e in node.elements()]
    import shlex

    try:
        return shlex.split(_text(node, variables) or "")
    except ValueError:
        return (_text(node, variables) or "").split()


# --- interpolation ---------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Compose interpolation: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:+r}, ${VAR:?e}, nested."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "$":
            out.append(text[i])
            i += 1
            continue
        following = text[i + 1 : i + 2]
        if following == "$":
            out.append("$")
            i += 2
        elif following == "{":
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:  # unterminated: literal, as written
                out.append(text[i:])
                break
            out.append(_expand(text[i + 2 : j - 1], variables))
            i = j
        elif (m := _NAME.match(text, i + 1)) is not None:
            out.append(variables.get(m[0], ""))
            i = m.end()
        else:
            out.append("$")
            i += 1
    return "".join(out)


def _expand(expr: str, variables: Mapping[str, str]) -> str:
    m = _NAME.match(expr)
    name = m[0] if m else ""
    op, rest = expr[len(name) :], ""
    value = variables.get(name)
    for candidate in (":-", ":+", ":?", "-", "+", "?"):
        if op.startswith(candidate):
            op, rest = candidate, op[len(candidate) :]
            break
    else:
        return value or ""
    unset = value is None or (op.startswith(":") and value == "")
    if op.endswith("-"):
        return interpolate(rest, variables) if unset else value or ""
    if op.endswith("+"):
        return "" if unset else interpolate(rest, variables)
    return value or ""  # ${VAR?error}: Compose would stop; the value is all we can know


def _variables(base: Path, environ: dict[str, str]) -> dict[str, str]:
    dotenv = base / ".env"
    values: dict[str, str] = {}
    if dotenv.is_file():
        try:
            values = {n: v for n, v, _ in parse_env(dotenv.read_text(encoding="utf-8"), str(dotenv))}
        except (OSError, BrokerConfigError):
            values = {}
    return {**values, **environ}  # the shell wins over .env, as in Compose


def _text(node: Node | None, variables: Mapping[str, str]) -> str | None:
    text = node.text() if node is not None else None
    return interpolate(text, variables) if text is not None else None


def _at(path: str, line: int, key: str) -> Source:
    return Source(SourceKind.FILE, path, line, key) if line else DEFAULT_SOURCE
