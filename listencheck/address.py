"""Parsing ``host:port`` lists and classifying advertised hosts without sending anything."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum

from listencheck.errors import UsageError

DEFAULT_PORT = 9092
MAX_HOSTNAME_LENGTH = 253


@dataclass(frozen=True, order=True)
class Endpoint:
    """A host and port as a client would be given them (a name or an IP literal)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_endpoint(text: str, default_port: int = DEFAULT_PORT) -> Endpoint:
    """Parse ``host``, ``host:port``, ``[v6]`` or ``[v6]:port``; raise UsageError otherwise."""
    raw = text.strip()
    for scheme in ("PLAINTEXT://", "SSL://", "SASL_PLAINTEXT://", "SASL_SSL://", "tcp://"):
        if raw.upper().startswith(scheme.upper()):
            raw = raw[len(scheme) :]
    if not raw:
        raise UsageError(f"empty address in {text!r}")
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep:
            raise UsageError(f"missing ']' in {text!r}")
        if rest and not rest.startswith(":"):
            raise UsageError(f"unexpected {rest!r} after ']' in {text!r}")
        port_text = rest[1:] if rest else None
        _require_ip(host, 6, text)
    elif raw.count(":") > 1:
        # A bare IPv6 address: accepted without a port, as librdkafka does.
        host, port_text = raw, None
        _require_ip(host, 6, text)
    else:
        host, _, port_text = raw.partition(":")
        port_text = port_text if ":" in raw else None
    port = _parse_port(port_text, default_port, text)
    _validate_host(host, text)
    return Endpoint(host.lower(), port)


def parse_bootstrap(argument: str) -> tuple[Endpoint, ...]:
    """One listener's bootstrap list: ``host:port[,host:port...]``."""
    parts = [p for p in argument.split(",") if p.strip()]
    if not parts:
        raise UsageError(f"no address in bootstrap argument {argument!r}")
    return tuple(dict.fromkeys(parse_endpoint(p) for p in parts))


def bootstrap_servers(endpoints: tuple[Endpoint, ...]) -> str:
    """The ``bootstrap.servers`` value for these endpoints, as the client library is given it."""
    return ",".join(str(e) for e in endpoints)


def _parse_port(port_text: str | None, default_port: int, original: str) -> int:
    if port_text is None:
        return default_port
    if not port_text.isdigit():
        raise UsageError(f"invalid port {port_text!r} in {original!r}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise UsageError(f"port {port} out of range 1-65535 in {original!r}")
    return port


def _require_ip(host: str, version: int, original: str) -> None:
    try:
        if ipaddress.ip_address(host).version == version:
            return
    except ValueError:
        pass
    raise UsageError(f"invalid IPv{version} address {host!r} in {original!r}")


def _validate_host(host: str, original: str) -> None:
    problem = host_problem(host)
    if problem:
        raise UsageError(f"invalid host {host!r} in {original!r}: {problem}")


def host_problem(host: str) -> str | None:
    """Why ``host`` cannot be a hostname or IP literal, or None when it can."""
    if not host:
        return "empty host"
    if len(host) > MAX_HOSTNAME_LENGTH:
        return f"longer than {MAX_HOSTNAME_LENGTH} characters"
    if ip_literal(host) is not None:
        return None
    if ":" in host:
        return "contains ':' (a port inside the host field?)"
    if not host.isascii():
        return "contains non-ASCII characters"
    labels = host.rstrip(".").split(".")
    for label in labels:
        if not label:
            return "empty label"
        if len(label) > 63:
            return "label longer than 63 characters"
        if not all(c.isalnum() or c in "-_" for c in label):
            return f"invalid character in label {label!r}"
    return None


def port_problem(port: int) -> str | None:
    return None if 1 <= port <= 65535 else f"port {port} outside 1-65535"


@functools.lru_cache(maxsize=4096)  # probes and rules ask about the same few hosts, per broker
def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


# --- classification -----------------------------------------------------------


class AddressKind(StrEnum):
    """What an advertised host says about who can reach it, before any probe."""

    IP_LITERAL = "ip_literal"
    LOOPBACK = "loopback"
    WILDCARD = "wildcard"
    PRIVATE = "private"  # RFC 1918, ULA, link-local, CGNAT literal
    INTERNAL_NAME = "internal_name"  # single label or a private DNS zone
    KUBERNETES_SERVICE = "kubernetes_service"
    DOCKER_HOST_ALIAS = "docker_host_alias"
    TUNNEL = "tunnel"
    TRAILING_DOT = "trailing_dot"


DOCKER_HOST_ALIASES = frozenset(
    {"host.docker.internal", "gateway.docker.internal", "host.containers.internal",
     "docker.for.mac.localhost", "docker.for.win.localhost", "host.lima.internal"}
)

# Tunnel services whose addresses change every time the tunnel restarts.
TUNNEL_SUFFIXES = (
    "ngrok.io", "ngrok.app", "ngrok.dev", "ngrok-free.app", "ngrok-free.dev",
    "trycloudflare.com", "loca.lt", "localhost.run", "lhr.life", "serveo.net",
    "bore.pub", "pinggy.io", "pinggy.link", "playit.gg", "localtunnel.me",
)

# DNS zones that only resolve inside a private network.
INTERNAL_SUFFIXES = (
    "local", "lan", "home.arpa", "localdomain", "internal", "intranet", "corp", "home",
)
KUBERNETES_SUFFIXES = ("svc", "svc.cluster.local", "cluster.local", "pod.cluster.local")


@dataclass(frozen=True)
class Classification:
    """What kind of address a host is (loopback, wildcard, tunnel, ...), without sending anything."""

    kinds: frozenset[AddressKind]
    tunnel_service: str | None = None

    def has(self, kind: AddressKind) -> bool:
        return kind in self.kinds

    def sorted_kinds(self) -> list[str]:
        return sorted(kind.value for kind in self.kinds)


def classify_host(host: str) -> Classification:
    kinds: set[AddressKind] = set()
    tunnel: str | None = None
    ip = ip_literal(host)
    if ip is not None:
        kinds.add(AddressKind.IP_LITERAL)
        kinds.update(classify_ip(ip))
        return Classification(frozenset(kinds))
    name = host.lower()
    if name.endswith(".") and len(name) > 1:
        kinds.add(AddressKind.TRAILING_DOT)
        name = name.rstrip(".")
    labels = name.split(".")
    if name == "localhost" or name.endswith(".localhost"):
        kinds.add(AddressKind.LOOPBACK)
    elif name in DOCKER_HOST_ALIASES:
        kinds.add(AddressKind.DOCKER_HOST_ALIAS)
    elif _has_suffix(name, KUBERNETES_SUFFIXES):
        kinds.add(AddressKind.KUBERNETES_SERVICE)
        kinds.add(AddressKind.INTERNAL_NAME)
    elif len(labels) == 1 or _has_suffix(name, INTERNAL_SUFFIXES):
        kinds.add(AddressKind.INTERNAL_NAME)
    tunnel = _tunnel_service(labels)
    if tunnel:
        kinds.add(AddressKind.TUNNEL)
    return Classification(frozenset(kinds), tunnel)


_CONTAINER_ID = re.compile(r"[0-9a-f]{12}|[0-9a-f]{64}")


def is_container_id(host: str) -> bool:
    """A Docker container id (12 hex digits, or the full 64): a container's own host name."""
    return _CONTAINER_ID.fullmatch(host.lower().rstrip(".")) is not None


def may_be_machine_name(host: str) -> bool:
    """A short host name (one label, not a container id, not localhost): possibly what `hostname`
    returns on the broker's machine, which Kafka advertises when the advertised host is empty."""
    name = host.lower().rstrip(".")
    return (bool(name) and "." not in name and ":" not in name and name != "localhost"
            and not is_container_id(name) and ip_literal(name) is None)


def classify_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> set[AddressKind]:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return {AddressKind.WILDCARD}
    if ip.is_loopback:
        return {AddressKind.LOOPBACK}
    if is_private_ip(ip):
        return {AddressKind.PRIVATE}
    return set()


def is_private_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Private, link-local or carrier-grade NAT: not routable from the internet."""
    if ip.is_loopback or ip.is_unspecified:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return True
    return ip.is_private or ip.is_link_local


_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def _has_suffix(name: str, suffixes: tuple[str, ...]) -> bool:
    return any(name == s or name.endswith("." + s) for s in suffixes)


def _tunnel_service(labels: list[str]) -> str | None:
    name = ".".join(labels)
    for suffix in TUNNEL_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            return suffix
    # Reserved look-alikes such as 4.tcp.ngrok.test, used by the demo.
    if "ngrok" in labels[:-1]:
        return "ngrok"
    return None
