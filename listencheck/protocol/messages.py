"""The few Kafka requests listencheck sends, and their responses.

Field layouts follow apache/kafka ``clients/src/main/resources/common/message``
(ApiVersions, Metadata, DescribeConfigs, SaslHandshake, SaslAuthenticate).
Encoders return a request body; decoders take the response body (after the
response header) and return a frozen dataclass or raise ``DecodeError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from listencheck.protocol.wire import DecodeError, Reader, Writer


class ApiKey(IntEnum):
    METADATA = 3
    SASL_HANDSHAKE = 17
    API_VERSIONS = 18
    DESCRIBE_CONFIGS = 32
    SASL_AUTHENTICATE = 36


# First flexible (compact, tagged) version of each API we speak.
FLEXIBLE_FROM: dict[ApiKey, int | None] = {
    ApiKey.METADATA: 9,
    ApiKey.SASL_HANDSHAKE: None,
    ApiKey.API_VERSIONS: 3,
    ApiKey.DESCRIBE_CONFIGS: 4,
    ApiKey.SASL_AUTHENTICATE: 2,
}

# The versions of each request this codec can encode and decode.
SUPPORTED_VERSIONS: dict[ApiKey, range] = {
    ApiKey.METADATA: range(1, 14),
    ApiKey.SASL_HANDSHAKE: range(0, 2),
    ApiKey.API_VERSIONS: range(0, 1),
    ApiKey.DESCRIBE_CONFIGS: range(1, 5),
    ApiKey.SASL_AUTHENTICATE: range(0, 3),
}

ERROR_NAMES: dict[int, str] = {
    -1: "UNKNOWN_SERVER_ERROR",
    0: "NONE",
    3: "UNKNOWN_TOPIC_OR_PARTITION",
    5: "LEADER_NOT_AVAILABLE",
    6: "NOT_LEADER_OR_FOLLOWER",
    9: "REPLICA_NOT_AVAILABLE",
    17: "INVALID_TOPIC_EXCEPTION",
    29: "TOPIC_AUTHORIZATION_FAILED",
    31: "CLUSTER_AUTHORIZATION_FAILED",
    33: "UNSUPPORTED_SASL_MECHANISM",
    34: "ILLEGAL_SASL_STATE",
    35: "UNSUPPORTED_VERSION",
    42: "INVALID_REQUEST",
    58: "SASL_AUTHENTICATION_FAILED",
    72: "LISTENER_NOT_FOUND",
}


def error_name(code: int) -> str:
    return ERROR_NAMES.get(code, f"ERROR_{code}")


def is_flexible(api_key: ApiKey, version: int) -> bool:
    first = FLEXIBLE_FROM[api_key]
    return first is not None and version >= first


def response_header_is_flexible(api_key: ApiKey, version: int) -> bool:
    # ApiVersions responses always use header v0 so old clients can read them.
    return api_key is not ApiKey.API_VERSIONS and is_flexible(api_key, version)


def encode_request(
    api_key: ApiKey, version: int, correlation_id: int, client_id: str, body: bytes
) -> bytes:
    """A complete, length-prefixed request frame (request header v1 or v2)."""
    header = Writer().int16(api_key).int16(version).int32(correlation_id)
    header.nullable_string(client_id)
    if is_flexible(api_key, version):
        header.empty_tagged_fields()
    payload = header.build() + body
    return Writer().int32(len(payload)).build() + payload


def read_response_header(
    reader: Reader, api_key: ApiKey, version: int, correlation_id: int
) -> None:
    got = reader.int32()
    if got != correlation_id:
        raise DecodeError(f"correlation id {got} does not match request {correlation_id}")
    if response_header_is_flexible(api_key, version):
        reader.skip_tagged_fields()


# --- shared helpers: classic vs compact encodings -------------------------


def _string(r: Reader, flexible: bool) -> str:
    return r.compact_string() if flexible else r.string()


def _nullable_string(r: Reader, flexible: bool) -> str | None:
    return r.compact_nullable_string() if flexible else r.nullable_string()


def _array_length(r: Reader, flexible: bool) -> int:
    n = r.compact_array_length() if flexible else r.array_length()
    return max(n, 0)


def _end_struct(r: Reader, flexible: bool) -> None:
    if flexible:
        r.skip_tagged_fields()


# --- ApiVersions ------------------------------------------------------------


@dataclass(frozen=True)
class ApiVersionRange:
    """The versions of one API a broker supports."""

    api_key: int
    min_version: int
    max_version: int


@dataclass(frozen=True)
class ApiVersionsResponse:
    """A decoded ApiVersions response."""

    error_code: int
    api_versions: tuple[ApiVersionRange, ...]

    def version_range(self, api_key: ApiKey) -> ApiVersionRange | None:
        return next((v for v in self.api_versions if v.api_key == api_key), None)

    def best_version(self, api_key: ApiKey) -> int | None:
        """Highest version both the broker and this codec support, if any."""
        theirs = self.version_range(api_key)
        if theirs is None:
            return None
        ours = SUPPORTED_VERSIONS[api_key]
        common = [v for v in ours if theirs.min_version <= v <= theirs.max_version]
        return max(common) if common else None


def decode_api_versions(r: Reader) -> ApiVersionsResponse:
    """ApiVersions v0 response body."""
    error_code = r.int16()
    ranges = tuple(
        ApiVersionRange(r.int16(), r.int16(), r.int16()) for _ in range(_array_length(r, False))
    )
    return ApiVersionsResponse(error_code, ranges)


# --- Metadata ---------------------------------------------------------------


@dataclass(frozen=True)
class BrokerMetadata:
    """One broker of a Metadata response."""

    node_id: int
    host: str
    port: int
    rack: str | None


@dataclass(frozen=True)
class MetadataResponse:
    """A decoded Metadata response (brokers and cluster; topics are not read)."""

    version: int
    brokers: tuple[BrokerMetadata, ...]
    cluster_id: str | None
    controller_id: int
    error_code: int = 0


def encode_metadata_request(version: int, topics: tuple[str, ...] | None = ()) -> bytes:
    """A Metadata request: ``()`` asks for no topics (just the broker list), ``None`` for
    all topics, otherwise for the named ones; never auto-creating any."""
    if version not in SUPPORTED_VERSIONS[ApiKey.METADATA]:
        raise ValueError(f"Metadata v{version} is not supported by this codec")
    flexible = is_flexible(ApiKey.METADATA, version)
    w = Writer()
    if topics is None:  # null array: all topics (v1+)
        w.uvarint(0) if flexible else w.int32(-1)
    else:
        w.uvarint(len(topics) + 1) if flexible else w.int32(len(topics))
        for name in topics:
            if version >= 10:
                w.int64(0).int64(0)  # topic_id: the zero uuid, ask by name
            w.compact_nullable_string(name) if flexible else w.nullable_string(name)
            if flexible:
                w.empty_tagged_fields()
    if version >= 4:
        w.boolean(False)  # allow_auto_topic_creation
    if 8 <= version <= 10:
        w.boolean(False)  # include_cluster_authorized_operations
    if version >= 8:
        w.boolean(False)  # include_topic_authorized_operations
    if flexible:
        w.empty_tagged_fields()
    return w.build()


def decode_metadata(r: Reader, version: int) -> MetadataResponse:
    """The broker list of a Metadata answer; any topics in it are read past."""
    head = decode_metadata_head(r, version)
    flexible = is_flexible(ApiKey.METADATA, version)
    for _ in range(_array_length(r, flexible)):
        _skip_topic(r, version, flexible)
    return decode_metadata_tail(r, version, head)


def decode_metadata_head(r: Reader, version: int) -> MetadataResponse:
    """Everything before the topics array (the error code, which comes last, is 0 here)."""
    flexible = is_flexible(ApiKey.METADATA, version)
    if version >= 3:
        r.int32()  # throttle_time_ms
    brokers = []
    for _ in range(_array_length(r, flexible)):
        node_id = r.int32()
        host = _string(r, flexible)
        port = r.int32()
        rack = _nullable_string(r, flexible) if version >= 1 else None
        _end_struct(r, flexible)
        brokers.append(BrokerMetadata(node_id, host, port, rack))
    cluster_id = _nullable_string(r, flexible) if version >= 2 else None
    controller_id = r.int32() if version >= 1 else -1
    return MetadataResponse(version, tuple(brokers), cluster_id, controller_id)


def decode_metadata_tail(r: Reader, version: int, head: MetadataResponse) -> MetadataResponse:
    """What follows the topics array: the head completed with the top-level error code."""
    if 8 <= version <= 10:
        r.int32()  # cluster_authorized_operations
    error_code = r.int16() if version >= 13 else 0
    _end_struct(r, is_flexible(ApiKey.METADATA, version))
    return MetadataResponse(version, head.brokers, head.cluster_id, head.controller_id, error_code)


def _skip_topic(r: Reader, version: int, flexible: bool) -> None:
    # We ask for no topics; a broker that sends some anyway must still decode.
    r.int16()  # error_code
    _nullable_string(r, flexible)  # name (nullable from v12)
    if version >= 10:
        r.int64(), r.int64()  # topic_id (uuid)
    if version >= 1:
        r.boolean()  # is_internal
    for _ in range(_array_length(r, flexible)):
        r.int16(), r.int32(), r.int32()  # error_code, partition_index, leader_id
        if version >= 7:
            r.int32()  # leader_epoch
        replica_lists = 3 if version >= 5 else 2  # replicas, isr, offline replicas
        for _ in range(replica_lists):
            for _ in range(_array_length(r, flexible)):
                r.int32()
        _end_struct(r, flexible)
    if version >= 8:
        r.int32()  # topic_authorized_operations
    _end_struct(r, flexible)


# --- DescribeConfigs (a broker's own id and listener configuration) ---------

TOPIC_RESOURCE = 2
BROKER_RESOURCE = 4
NODE_ID_KEYS = ("node.id", "broker.id")
# The broker's own listener configuration, read back in the same request as its id.
LISTENER_CONFIG_KEYS = (
    "listeners", "advertised.listeners", "listener.security.protocol.map", "inter.broker.listener.name",
    "security.inter.broker.protocol", "controller.listener.names", "process.roles",
)


DEFAULT_CONFIG_SOURCE = 5  # DescribeConfigs ConfigSource DEFAULT_CONFIG: not set anywhere


@dataclass(frozen=True)
class ConfigEntry:
    """One configuration value of a DescribeConfigs result."""

    name: str
    value: str | None
    source: int = -1  # ConfigSource (v1+): 4 static broker config, 5 default, ...


@dataclass(frozen=True)
class DescribeConfigsResult:
    """The DescribeConfigs result for one resource."""

    error_code: int
    error_message: str | None
    resource_name: str
    configs: tuple[ConfigEntry, ...]


def encode_describe_broker_configs(version: int, node_id: int) -> bytes:
    """Ask BROKER resource ``node_id`` for its id and listener configuration keys.

    Apache Kafka answers only for its own id: any other id is rejected with
    INVALID_REQUEST "Unexpected broker id, expected N ...", which also names the
    broker that actually answered.
    """
    keys = NODE_ID_KEYS + LISTENER_CONFIG_KEYS
    return encode_describe_configs(version, [(BROKER_RESOURCE, str(node_id), keys)])


def encode_describe_configs(version: int, resources: Sequence[tuple[int, str, Sequence[str]]]) -> bytes:
    """DescribeConfigs for (resource type, resource name, configuration keys) triples."""
    if version not in SUPPORTED_VERSIONS[ApiKey.DESCRIBE_CONFIGS]:
        raise ValueError(f"DescribeConfigs v{version} is not supported by this codec")
    flexible = is_flexible(ApiKey.DESCRIBE_CONFIGS, version)
    w = Writer()
    w.uvarint(len(resources) + 1) if flexible else w.int32(len(resources))
    for resource_type, name, keys in resources:
        w.int8(resource_type)
        w.compact_nullable_string(name) if flexible else w.nullable_string(name)
        w.uvarint(len(keys) + 1) if flexible else w.int32(len(keys))
        for key in keys:
            w.compact_nullable_string(key) if flexible else w.nullable_string(key)
        if flexible:
            w.empty_tagged_fields()  # end of resource
    w.boolean(False)  # include_synonyms
    if version >= 3:
        w.boolean(False)  # include_documentation
    if flexible:
        w.empty_tagged_fields()
    return w.build()


def decode_describe_configs(r: Reader, version: int) -> tuple[DescribeConfigsResult, ...]:
    flexible = is_flexible(ApiKey.DESCRIBE_CONFIGS, version)
    r.int32()  # throttle_time_ms
    results = []
    for _ in range(_array_length(r, flexible)):
        error_code = r.int16()
        error_message = _nullable_string(r, flexible)
        r.int8()  # resource_type
        resource_name = _string(r, flexible)
        configs = []
        for _ in range(_array_length(r, flexible)):
            name = _string(r, flexible)
            value = _nullable_string(r, flexible)
            r.boolean()  # read_only
            source = r.int8()  # config_source (v1+)
            r.boolean()  # is_sensitive
            for _ in range(_array_length(r, flexible)):  # synonyms (v1+)
                _string(r, flexible), _nullable_string(r, flexible), r.int8()
                _end_struct(r, flexible)
            if version >= 3:
                r.int8()  # config_type
                _nullable_string(r, flexible)  # documentation
            _end_struct(r, flexible)
            configs.append(ConfigEntry(name, value, source))
        _end_struct(r, flexible)
        results.append(DescribeConfigsResult(error_code, error_message, resource_name, tuple(configs)))
    _end_struct(r, flexible)
    return tuple(results)


# --- SASL -------------------------------------------------------------------


@dataclass(frozen=True)
class SaslHandshakeResponse:
    """A decoded SaslHandshake response: error and enabled mechanisms."""

    error_code: int
    mechanisms: tuple[str, ...]


def encode_sasl_handshake(mechanism: str) -> bytes:
    return Writer().nullable_string(mechanism).build()


def decode_sasl_handshake(r: Reader) -> SaslHandshakeResponse:
    error_code = r.int16()
    mechanisms = tuple(r.string() for _ in range(_array_length(r, False)))
    return SaslHandshakeResponse(error_code, mechanisms)


@dataclass(frozen=True)
class SaslAuthenticateResponse:
    """A decoded SaslAuthenticate response."""

    error_code: int
    error_message: str | None
    auth_bytes: bytes


def encode_sasl_authenticate(version: int, auth_bytes: bytes) -> bytes:
    if is_flexible(ApiKey.SASL_AUTHENTICATE, version):
        return Writer().compact_bytes(auth_bytes).empty_tagged_fields().build()
    return Writer().bytes_(auth_bytes).build()


def decode_sasl_authenticate(r: Reader, version: int) -> SaslAuthenticateResponse:
    flexible = is_flexible(ApiKey.SASL_AUTHENTICATE, version)
    error_code = r.int16()
    error_message = _nullable_string(r, flexible)
    auth_bytes = (r.compact_bytes() if flexible else r.bytes_()) or b""
    if version >= 1:
        r.int64()  # session_lifetime_ms
    _end_struct(r, flexible)
    return SaslAuthenticateResponse(error_code, error_message, auth_bytes)
