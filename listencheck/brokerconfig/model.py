"""The listener configuration of one broker, however it was obtained.

A ``ListenerConfig`` is built from settings keyed by their Kafka names
(``listeners``, ``advertised.listeners``, ...) whatever their spelling in the
source (``KAFKA_CFG_LISTENERS``, a Strimzi listener entry, a DescribeConfigs
answer); every value keeps where it came from. Effective values follow Apache
Kafka's own rules (``KafkaConfig``): the default protocol map, KRaft's
implicit PLAINTEXT controller mapping, advertised listeners defaulting to the
listeners. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from listencheck.errors import UsageError


class BrokerConfigError(UsageError):
    """A configuration that cannot be read: carries the file and line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path, self.line, self.reason = path, line, message
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(f"{where}{message}")


class SourceKind(StrEnum):
    FILE = "file"
    DESCRIBE_CONFIGS = "describe_configs"
    DEFAULT = "default"  # Kafka's (or the image's) default, not written anywhere


@dataclass(frozen=True)
class Source:
    """Where one value came from: a file line (and the key as spelled there) or a broker answer."""

    kind: SourceKind
    path: str | None = None
    line: int | None = None
    key: str | None = None  # as written: KAFKA_CFG_LISTENERS, spec.kafka.listeners[1], ...
    node_id: int | None = None  # the broker that answered DescribeConfigs

    def __str__(self) -> str:
        if self.kind is SourceKind.DESCRIBE_CONFIGS:
            who = f" of broker {self.node_id}" if self.node_id is not None else ""
            return f"DescribeConfigs{who}"
        if self.kind is SourceKind.DEFAULT and self.path is None:
            return f"default{f' ({self.key})' if self.key else ''}"
        where = self.path or "?"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where} ({self.key})" if self.key else where


DEFAULT_SOURCE = Source(SourceKind.DEFAULT)


class ProcessRole(StrEnum):
    BROKER = "broker"
    CONTROLLER = "controller"


class Mode(StrEnum):
    """How the node runs: KRaft broker, controller, both (combined), or ZooKeeper era."""

    KRAFT_BROKER = "kraft_broker"
    KRAFT_CONTROLLER = "kraft_controller"
    KRAFT_COMBINED = "kraft_combined"
    ZOOKEEPER = "zookeeper"


class ListenerRole(StrEnum):
    CLIENTS = "clients"
    INTER_BROKER = "inter_broker"
    CONTROLLER = "controller"


class Platform(StrEnum):
    """The configuration syntax a broker is deployed with (``--platform``)."""

    PROPERTIES = "properties"
    APACHE_KAFKA = "apache-kafka"
    CP_KAFKA = "cp-kafka"
    BITNAMI = "bitnami"
    STRIMZI = "strimzi"
    REDPANDA = "redpanda"
    MANAGED = "managed"


AUTO = "auto"  # --platform: the one the broker configuration shows, if any


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


# Kafka's default listener.security.protocol.map (KafkaConfig / SocketServerConfigs).
DEFAULT_PROTOCOL_MAP: Mapping[str, SecurityProtocol] = {p.value: p for p in SecurityProtocol}
DEFAULT_INTER_BROKER_PROTOCOL = SecurityProtocol.PLAINTEXT

_IMAGES = (  # image repository suffix -> platform; the longest match wins
    ("apache/kafka-native", Platform.APACHE_KAFKA),
    ("apache/kafka", Platform.APACHE_KAFKA),
    ("confluentinc/cp-kafka", Platform.CP_KAFKA),
    ("confluentinc/cp-server", Platform.CP_KAFKA),
    ("confluentinc/confluent-local", Platform.CP_KAFKA),
    ("bitnami/kafka", Platform.BITNAMI),
    ("bitnamilegacy/kafka", Platform.BITNAMI),
    ("redpandadata/redpanda", Platform.REDPANDA),
    ("vectorized/redpanda", Platform.REDPANDA),
    ("strimzi/kafka", Platform.STRIMZI),
)


def platform_for_image(image: str) -> Platform | None:
    """The platform of a container image reference (registry, tag and digest ignored)."""
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)[-1]
    if ":" in last:
        repo = repo[: len(repo) - len(last)] + last.split(":", 1)[0]
    repo = repo.lower()
    for suffix, platform in _IMAGES:
        if repo == suffix or repo.endswith("/" + suffix):
            return platform
    return None


@dataclass(frozen=True)
class Setting:
    """One configuration value under its Kafka name. Secret values are never kept."""

    key: str
    value: str
    source: Source = DEFAULT_SOURCE
    secret: bool = False


_SECRET_KEY = re.compile(r"(password|secret|jaas\.config|\.key$|credentials|token)", re.IGNORECASE)
SECRET_MASK = "***"


def is_secret_key(key: str) -> bool:
    """Kafka keys (or variable names) whose values are secrets: ``*.password``, ``sasl.jaas.config``..."""
    return bool(_SECRET_KEY.search(key.replace("_", ".")))


def setting(key: str, value: str, source: Source = DEFAULT_SOURCE) -> Setting:
    """A setting with its value masked when the key names a secret."""
    if is_secret_key(key):
        return Setting(key, SECRET_MASK, source, secret=True)
    return Setting(key, value, source)


@dataclass(frozen=True)
class Listener:
    """One entry of ``listeners``: where the broker binds. An empty host binds every interface."""

    name: str
    host: str
    port: int
    source: Source = DEFAULT_SOURCE

    @property
    def address(self) -> str:
        return f"{_bracket(self.host)}:{self.port}"


@dataclass(frozen=True)
class AdvertisedListener:
    """One entry of ``advertised.listeners``. An empty host stays empty: Kafka then advertises
    the machine's canonical host name (in a container, its id)."""

    name: str
    host: str
    port: int
    source: Source = DEFAULT_SOURCE

    @property
    def address(self) -> str:
        return f"{_bracket(self.host)}:{self.port}"


@dataclass(frozen=True)
class PublishedPort:
    """A container port published to the host (Compose ``ports:``, ``docker -p``)."""

    host_port: int
    container_port: int
    host_ip: str = ""  # empty: every host interface
    source: Source = DEFAULT_SOURCE


@dataclass(frozen=True)
class ListenerConfig:
    """The listener configuration of one broker (or controller) node."""

    name: str  # how the user knows this node: Compose service, file name, "broker 1"
    settings: tuple[Setting, ...] = ()
    platform: Platform | None = None
    image: str | None = None
    origin: Source = DEFAULT_SOURCE  # the file or broker the whole configuration came from
    published_ports: tuple[PublishedPort, ...] | None = None  # None: not known (not a container)
    extra_hosts: tuple[str, ...] = ()  # host:address entries of the container
    ignored: tuple[Setting, ...] = ()  # written, but not applied by the platform (Bitnami without CFG_)
    aliases: tuple[str, ...] = ()  # names the node has on its own network (service, hostname)
    image_variables: tuple[str, ...] = ()  # the image's own variables set (names only)
    listeners: tuple[Listener, ...] = field(init=False)
    advertised: tuple[AdvertisedListener, ...] | None = field(init=False)  # None: not set

    def __post_init__(self) -> None:
        listeners = self.value("listeners")
        advertised = self.value("advertised.listeners")
        upper = not self.case_sensitive_names
        object.__setattr__(
            self,
            "listeners",
            parse_listeners(listeners, self.source("listeners"), upper) if listeners is not None else (),
        )
        object.__setattr__(
            self,
            "advertised",
            tuple(
                AdvertisedListener(x.name, x.host, x.port, x.source)
                for x in parse_listeners(advertised, self.source("advertised.listeners"), upper)
            )
            if advertised is not None
            else None,
        )
        _ = self.protocol_map  # a malformed map is a BrokerConfigError now, with its file and line

    # --- raw settings --------------------------------------------------------

    def get(self, key: str) -> Setting | None:
        """The last setting of ``key`` (later settings override earlier ones, as in Kafka)."""
        for s in reversed(self.settings):
            if s.key == key:
                return s
        return None

    def value(self, key: str) -> str | None:
        s = self.get(key)
        return s.value if s is not None else None

    def source(self, key: str) -> Source:
        s = self.get(key)
        return s.source if s is not None else DEFAULT_SOURCE

    # --- listener names --------------------------------------------------------

    @property
    def case_sensitive_names(self) -> bool:
        """Redpanda matches listener names as written (``internal`` is not ``INTERNAL``);
        Kafka upper-cases them (``ListenerName.normalised``)."""
        return self.platform is Platform.REDPANDA

    def listener_name(self, name: str) -> str:
        """``name`` as this broker compares listener names."""
        return name if self.case_sensitive_names else name.upper()

    # --- identity and mode ---------------------------------------------------

    @property
    def node_id(self) -> int | None:
        for key in ("node.id", "broker.id"):
            raw = self.value(key)
            if raw is not None and re.fullmatch(r"-?\d+", raw.strip()):
                return int(raw)
        return None

    @property
    def process_roles(self) -> frozenset[ProcessRole]:
        raw = self.value("process.roles") or ""
        return frozenset(ProcessRole(r) for r in _csv(raw) if r in {p.value for p in ProcessRole})

    @property
    def mode(self) -> Mode:
        roles = self.process_roles
        if roles == {ProcessRole.BROKER, ProcessRole.CONTROLLER}:
            return Mode.KRAFT_COMBINED
        if roles == {ProcessRole.CONTROLLER}:
            return Mode.KRAFT_CONTROLLER
        if roles == {ProcessRole.BROKER}:
            return Mode.KRAFT_BROKER
        return Mode.ZOOKEEPER

    @property
    def is_kraft(self) -> bool:
        return self.mode is not Mode.ZOOKEEPER

    # --- listener names and protocols ---------------------------------------

    @property
    def controller_listener_names(self) -> tuple[str, ...]:
        return tuple(self.listener_name(n) for n in _csv(self.value("controller.listener.names") or ""))

    @property
    def protocol_map_explicit(self) -> bool:
        return self.get("listener.security.protocol.map") is not None

    @property
    def protocol_map(self) -> Mapping[str, str]:
        """The effective ``listener.security.protocol.map`` (name -> protocol as written).

        Follows ``KafkaConfig.effectiveListenerSecurityProtocolMap``: unset, it is the
        default map; in KRaft with the map unset, controller listener names map to
        PLAINTEXT unless some listener or controller name is SSL or SASL_*.
        """
        raw = self.value("listener.security.protocol.map")
        if raw is not None:
            return parse_protocol_map(raw, self.source("listener.security.protocol.map"),
                                      not self.case_sensitive_names)
        mapping: dict[str, str] = dict(DEFAULT_PROTOCOL_MAP)
        if self.is_kraft:
            names = list(self.controller_listener_names) + [x.name for x in self.listeners]
            if not any(n in ("SSL", "SASL_SSL", "SASL_PLAINTEXT") for n in names):
                for n in self.controller_listener_names:
                    mapping.setdefault(n, SecurityProtocol.PLAINTEXT.value)
        return mapping

    def security_protocol(self, listener_name: str) -> str | None:
        """The security protocol of a listener name, or None when the map lacks it."""
        return self.protocol_map.get(self.listener_name(listener_name))

    @property
    def inter_broker_listener_name(self) -> str | None:
        """The effective inter-broker listener name (None on a controller-only node).

        ``inter.broker.listener.name`` when set, else the listener named after
        ``security.inter.broker.protocol`` (default PLAINTEXT), as Kafka derives it.
        """
        if self.mode is Mode.KRAFT_CONTROLLER or self.platform is Platform.REDPANDA:
            return None  # Redpanda's brokers talk to each other over their own RPC port
        explicit = self.value("inter.broker.listener.name")
        if explicit is not None and explicit.strip():
            return explicit.strip().upper()
        return (self.value("security.inter.broker.protocol") or DEFAULT_INTER_BROKER_PROTOCOL).strip().upper()

    # --- listeners -----------------------------------------------------------

    def listener(self, name: str) -> Listener | None:
        return next((x for x in self.listeners if x.name == self.listener_name(name)), None)

    def advertised_listener(self, name: str) -> AdvertisedListener | None:
        return next((x for x in self.effective_advertised if x.name == self.listener_name(name)), None)

    @property
    def effective_advertised(self) -> tuple[AdvertisedListener, ...]:
        """What the broker advertises: ``advertised.listeners``, or else its listeners
        minus the controller listeners (hosts as bound: empty stays empty)."""
        if self.advertised is not None:
            return self.advertised
        if self.mode is Mode.KRAFT_CONTROLLER:
            return ()
        controllers = set(self.controller_listener_names)
        return tuple(
            AdvertisedListener(x.name, x.host, x.port, x.source)
            for x in self.listeners
            if x.name not in controllers
        )

    def roles(self, listener_name: str) -> frozenset[ListenerRole]:
        """Which traffic a listener serves: controllers, the other brokers, clients."""
        name = self.listener_name(listener_name)
        if name in self.controller_listener_names:
            return frozenset({ListenerRole.CONTROLLER})
        roles = {ListenerRole.CLIENTS}
        if name == self.inter_broker_listener_name:
            roles.add(ListenerRole.INTER_BROKER)
        return frozenset(roles)

    @property
    def ports_in_use(self) -> frozenset[int]:
        """Every port a listener binds or advertises (a new listener must avoid them)."""
        return frozenset([x.port for x in self.listeners] + [x.port for x in self.effective_advertised])

    def free_port(self, preferred: int) -> int:
        """``preferred`` or the next port above it that no listener uses."""
        port = preferred
        while port in self.ports_in_use:
            port += 1
        return port

    def with_settings(self, *settings: Setting) -> ListenerConfig:
        """This configuration with ``settings`` applied after its own (a fix, as data)."""
        return replace(self, settings=self.settings + settings)

    def listeners_on(self, port: int) -> str | None:
        """The names of the listeners bound to ``port`` (None when none is)."""
        names = [x.name for x in self.listeners if x.port == port]
        return ", ".join(names) or None

    def published_host_ports(self, container_port: int) -> tuple[PublishedPort, ...]:
        """The host-side publications of a container port (empty when unpublished)."""
        return tuple(p for p in self.published_ports or () if p.container_port == container_port)


# --- parsing of Kafka's list syntaxes ------------------------------------------

# KafkaConfig / Utils: "NAME://host:port", IPv6 hosts in brackets, empty host allowed.
_ENDPOINT = re.compile(r"^(?P<name>[^:/\s]*)://\[?(?P<host>[0-9A-Za-z\-%._:]*?)\]?:(?P<port>-?\d+)$")


def parse_listeners(raw: str, source: Source = DEFAULT_SOURCE, upper: bool = True) -> tuple[Listener, ...]:
    """Parse a ``listeners``-style value; listener names are upper-cased as Kafka does (unless
    ``upper`` is false: Redpanda keeps them as written)."""
    out = []
    for item in _csv(raw):
        m = _ENDPOINT.match(item)
        if m is None or not m["name"]:
            raise BrokerConfigError(
                f"{_key(source)}: {item!r} is not NAME://host:port", source.path, source.line
            )
        port = int(m["port"])
        if not 0 <= port <= 65535:
            raise BrokerConfigError(
                f"{_key(source)}: port {port} of {item!r} is out of range", source.path, source.line
            )
        out.append(Listener(m["name"].upper() if upper else m["name"], m["host"], port, source))
    return tuple(out)


def parse_protocol_map(raw: str, source: Source = DEFAULT_SOURCE, upper: bool = True) -> Mapping[str, str]:
    """Parse ``NAME:PROTOCOL,...``; names upper-cased (unless ``upper`` is false), protocols
    upper-cased."""
    mapping: dict[str, str] = {}
    for item in _csv(raw):
        name, sep, protocol = item.partition(":")
        if not sep or not name.strip() or not protocol.strip():
            raise BrokerConfigError(
                f"{_key(source)}: {item!r} is not NAME:PROTOCOL", source.path, source.line
            )
        mapping[name.strip().upper() if upper else name.strip()] = protocol.strip().upper()
    return mapping


def _csv(raw: str) -> Iterable[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _key(source: Source) -> str:
    return source.key or "value"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class FileKind(StrEnum):
    PROPERTIES = "properties"
    ENV = "env"
    COMPOSE = "compose"
    STRIMZI = "strimzi"
    REDPANDA = "redpanda"


@dataclass(frozen=True)
class ClientService:
    """A non-broker container of the same Compose file (an application, a UI, a tool)."""

    name: str
    extra_hosts: tuple[str, ...] = ()
    source: Source = DEFAULT_SOURCE


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file given by the user: its brokers and their neighbours."""

    path: str
    kind: FileKind
    brokers: tuple[ListenerConfig, ...]
    clients: tuple[ClientService, ...] = ()
