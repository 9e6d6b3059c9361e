"""Client settings: ``-F client.properties`` and ``-X key=value``, as the client uses them.

Properties use librdkafka names (kcat conventions). A few Java client
properties are translated (``sasl.jaas.config``) or ignored because they do not
change how a client connects (serializers); anything else the Kafka client
library rejects is a usage error naming the property. Values of secret
properties never leave this module except to the code that needs them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from listencheck.errors import ConfigError, UsageError
from listencheck.vocabulary import AddressFamily, DnsLookup

# Java client properties with no effect on connectivity: accepted and ignored.
IGNORED_JAVA_PROPERTIES = frozenset(
    {
        "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
        "basic.auth.credentials.source", "basic.auth.user.info",
        "schema.registry.url", "sasl.login.callback.handler.class",
        "sasl.client.callback.handler.class", "ssl.truststore.type",
    }
)

# Java-only properties listencheck honours itself (the resolve stage follows them); never given
# to librdkafka, which has no such setting.
JAVA_RESOLUTION_PROPERTIES = frozenset({"client.dns.lookup"})
DNS_LOOKUPS = ("use_all_dns_ips", "resolve_canonical_bootstrap_servers_only", "default")

# Java-only properties that do matter and have a librdkafka equivalent.
JAVA_HINTS = {
    "ssl.truststore.location": "librdkafka reads a PEM CA file: use ssl.ca.location "
    "(export the truststore with: keytool -exportcert -rfc -keystore FILE -alias ALIAS)",
    "ssl.truststore.password": "librdkafka reads a PEM CA file: use ssl.ca.location",
    "ssl.keystore.type": "librdkafka's ssl.keystore.location takes a PKCS#12 file; "
    "or use ssl.certificate.location and ssl.key.location (PEM)",
}

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_SECRET_MARKERS = ("password", "secret", "jaas", "ssl.key.pem", "ssl_key", "oauthbearer.config")
_JAAS = re.compile(r"""(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s;]+)""")


def uses_tls(protocol: str) -> bool:
    return protocol.upper() in ("SSL", "SASL_SSL")


def uses_sasl(protocol: str) -> bool:
    return protocol.upper().startswith("SASL_")


def is_secret_property(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


@dataclass(frozen=True)
class ClientConfig:
    """The user's client properties in librdkafka terms."""

    properties: Mapping[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    origins: Mapping[str, str] = field(default_factory=dict)  # property -> FILE:LINE it came from
    java: Mapping[str, str] = field(default_factory=dict)  # JAVA_RESOLUTION_PROPERTIES given

    @property
    def dns_lookup(self) -> DnsLookup | None:
        """client.dns.lookup when given: the resolve stage then follows the Java client."""
        value = self.java.get("client.dns.lookup")
        return DnsLookup(value) if value else None

    def get(self, key: str, default: str = "") -> str:
        return self.properties.get(key, default)

    @property
    def security_protocol(self) -> str:
        return self.get("security.protocol", "PLAINTEXT").upper()

    @property
    def uses_tls(self) -> bool:
        return uses_tls(self.security_protocol)

    @property
    def uses_sasl(self) -> bool:
        return uses_sasl(self.security_protocol)

    @property
    def sasl_mechanism(self) -> str:
        """librdkafka's sasl.mechanisms (alias sasl.mechanism); its default is GSSAPI."""
        value = self.get("sasl.mechanisms") or self.get("sasl.mechanism") or "GSSAPI"
        return value.strip().upper()

    @property
    def certificate_verification(self) -> bool:
        return _boolean(self.get("enable.ssl.certificate.verification", "true"))

    @property
    def hostname_verification(self) -> bool:
        """ssl.endpoint.identification.algorithm: https (librdkafka's default) or none."""
        return self.get("ssl.endpoint.identification.algorithm", "https").strip().lower() == "https"

    @property
    def client_certificate(self) -> bool:
        return any(self.get(k) for k in ("ssl.certificate.location", "ssl.certificate.pem",
                                         "ssl.keystore.location"))

    @property
    def address_family(self) -> AddressFamily:
        return AddressFamily.setting(self.get("broker.address.family", "any"))

    @property
    def client_id(self) -> str:
        return self.get("client.id", "listencheck")

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any output."""
        return tuple(v for k, v in self.properties.items() if is_secret_property(k) and v)

    def property_names(self) -> tuple[str, ...]:
        return tuple(sorted({*self.properties, *self.java}))

    def librdkafka_conf(self) -> dict[str, str]:
        return dict(self.properties)


def _boolean(value: str) -> bool:
    return value.strip().lower() not in ("false", "0", "no", "off")


def load_config(files: Iterable[Path], overrides: Iterable[str]) -> ClientConfig:
    """Read ``-F`` files in order, then apply ``-X`` overrides; translate Java names."""
    raw: dict[str, str] = {}
    origins: dict[str, str] = {}
    for path in files:
        for key, (value, line) in read_properties_lines(path).items():
            raw[key] = value
            origins[key] = f"{path}:{line}"
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-X expects key=value, got {item!r}")
        raw[key.strip()] = value.strip()
        origins.pop(key.strip(), None)
    return translate_java(raw, origins)


def where(origins: Mapping[str, str], message: str) -> str:
    """``message`` prefixed with FILE:LINE when it names a property read from a -F file."""
    for key, origin in origins.items():
        if f"'{key}'" in message or f'"{key}"' in message:
            return f"{origin}: {message}"
    return message


def translate_java(raw: Mapping[str, str], origins: Mapping[str, str] | None = None) -> ClientConfig:
    origins = origins or {}
    try:
        return _translate_java(raw, origins)
    except ConfigError as exc:
        raise ConfigError(where(origins, str(exc))) from None


def _translate_java(raw: Mapping[str, str], origins: Mapping[str, str]) -> ClientConfig:
    props: dict[str, str] = {}
    java: dict[str, str] = {}
    ignored: list[str] = []
    for key, value in raw.items():
        if key in JAVA_RESOLUTION_PROPERTIES:
            java[key] = _dns_lookup(key, value)
        elif key in IGNORED_JAVA_PROPERTIES:
            ignored.append(key)
        elif key == "sasl.jaas.config":
            props.update(_from_jaas(value))
        elif key == "ssl.endpoint.identification.algorithm" and value == "":
            props[key] = "none"  # Java spells "no hostname check" as an empty value
        elif key in JAVA_HINTS:
            raise ConfigError(f"property {key!r} is Java-only: {JAVA_HINTS[key]}")
        else:
            props[key] = value
    protocol = props.get("security.protocol")
    if protocol is not None and protocol.upper() not in SECURITY_PROTOCOLS:
        raise ConfigError(
            f"invalid value {protocol!r} for property 'security.protocol': "
            f"expected one of {', '.join(SECURITY_PROTOCOLS)}"
        )
    return ClientConfig(props, tuple(sorted(ignored)), origins, java)


def _dns_lookup(key: str, value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in DNS_LOOKUPS:
        raise ConfigError(f"invalid value {value!r} for property {key!r}: expected one of "
                          f"{', '.join(DNS_LOOKUPS)}")
    return lowered


def _from_jaas(value: str) -> dict[str, str]:
    """username/password from a Plain or Scram login module line."""
    options = {k: v[1:-1] if v[:1] in "\"'" else v for k, v in _JAAS.findall(value)}
    if "PlainLoginModule" not in value and "ScramLoginModule" not in value:
        raise ConfigError(
            "property 'sasl.jaas.config' uses a login module listencheck cannot translate; "
            "set sasl.username and sasl.password instead"
        )
    return {k: options[j] for j, k in (("username", "sasl.username"), ("password", "sasl.password"))
            if j in options}


def read_properties_file(path: Path) -> dict[str, str]:
    """Parse a Java-style .properties file (comments, continuations, escapes)."""
    return {key: value for key, (value, _) in read_properties_lines(path).items()}


def read_properties_lines(path: Path) -> dict[str, tuple[str, int]]:
    """Each property of a .properties file with its value and the line it starts on."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read properties file {str(path)!r}: {reason}") from None
    props: dict[str, tuple[str, int]] = {}
    for number, line in _logical_lines(text):
        key, value = _split_property(line)
        if not key:
            raise UsageError(f"{path}:{number}: {line!r} has no property name")
        props[key] = (value, number)
    return props


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """(number of the physical line it starts on, the logical line)."""
    pending, start = "", 0
    for number, physical in enumerate(text.splitlines(), 1):
        line = physical.lstrip() if pending else physical.strip()
        if not pending and (not line or line[0] in "#!"):
            continue
        start = start if pending else number
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            pending += line[:-1]
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def _split_property(line: str) -> tuple[str, str]:
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c in "=: \t":
            break
        i += 1
    key = _unescape(line[:i])
    rest = line[i:].lstrip(" \t")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t")
    return key.strip(), _unescape(rest)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                except ValueError:
                    pass
            out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def validate_with_client_library(config: ClientConfig, logger: logging.Logger) -> None:
    """Let librdkafka judge every property, as the user's own client would.

    Raises ConfigError with librdkafka's own one-line reason, which names the
    property ("No such configuration property: ..." or "Invalid value ...").
    """
    if not config.properties:
        return
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    conf: dict[str, object] = dict(config.librdkafka_conf())
    conf["logger"] = logger
    try:
        AdminClient(conf)  # type: ignore[arg-type]
    except (KafkaException, TypeError, ValueError) as exc:
        raise refused(config, refusal_text(exc)) from None


def refused(config: ClientConfig, reason: str) -> ConfigError:
    """librdkafka's refusal of the client settings, naming the -F file and line of the property."""
    return ConfigError(where(config.origins, reason))


def refusal_text(exc: BaseException) -> str:
    """The one line librdkafka (or confluent-kafka's own argument check) refused a setting with."""
    return str(exc) if isinstance(exc, (TypeError, ValueError)) else _kafka_error_text(exc)


def _kafka_error_text(exc: BaseException) -> str:
    err = exc.args[0] if exc.args else None
    text = str(err.str()) if err is not None and hasattr(err, "str") else str(exc)
    return text.replace('"', "'")
