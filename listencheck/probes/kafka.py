"""The Kafka stages on an open connection: ApiVersions, then Metadata and identity."""

from __future__ import annotations

import functools
import re
import time

from listencheck.deadline import elapsed_ms
from listencheck.models import (
    AdvertisedBroker,
    ConfigReadback,
    KafkaAnswer,
    KafkaDetail,
    MetadataDetail,
    ReadbackStatus,
    Reason,
    ResponderIdSource,
    StageResult,
)
from listencheck.protocol.connection import (
    MAX_FRAME_BYTES,
    BadResponse,
    ExchangeError,
    KafkaExchange,
    NotAFrame,
    PeerClosed,
    PeerSilent,
    TlsRejected,
)
from listencheck.protocol.messages import (
    DEFAULT_CONFIG_SOURCE,
    LISTENER_CONFIG_KEYS,
    NODE_ID_KEYS,
    ApiKey,
    ApiVersionsResponse,
    DescribeConfigsResult,
    MetadataResponse,
    decode_api_versions,
    decode_describe_configs,
    decode_metadata,
    encode_describe_broker_configs,
    encode_metadata_request,
    error_name,
)
from listencheck.protocol.wire import DecodeError, Reader

_UNEXPECTED_ID = re.compile(r"Unexpected broker id, expected (-?\d+)")


def guess_protocol(data: bytes) -> KafkaAnswer:
    """Name the protocol behind the first bytes a non-Kafka peer sent."""
    if data.startswith(b"HTTP/"):
        return KafkaAnswer.HTTP
    if data.startswith(b"SSH-"):
        return KafkaAnswer.SSH
    if len(data) >= 2 and data[0] in (0x15, 0x16) and data[1] == 0x03:
        return KafkaAnswer.TLS
    if data[:4] in (b"220 ", b"220-", b"+OK ", b"* OK"):
        return KafkaAnswer.BANNER
    if data and all(32 <= b < 127 or b in (9, 10, 13) for b in data[:32]):
        return KafkaAnswer.TEXT
    return KafkaAnswer.UNKNOWN


def preview(data: bytes, limit: int = 64) -> str:
    """Printable rendering of raw bytes: ASCII kept, everything else as \\xNN."""
    out = []
    for b in data[:limit]:
        if 32 <= b < 127 and b != 0x5C:
            out.append(chr(b))
        else:
            out.append({9: "\\t", 10: "\\n", 13: "\\r", 0x5C: "\\\\"}.get(b, f"\\x{b:02x}"))
    return "".join(out) + ("…" if len(data) > limit else "")


async def api_versions(
    exchange: KafkaExchange, timeout: float
) -> tuple[StageResult[KafkaDetail], ApiVersionsResponse | None]:
    """Send ApiVersions v0 (accepted by every broker since 0.10) and classify the answer."""
    start = time.monotonic()
    try:
        reader = await exchange.request(ApiKey.API_VERSIONS, 0, b"", timeout)
        response = decode_api_versions(reader)
    except ExchangeError as exc:
        return _not_kafka(exc, elapsed_ms(start), timeout), None
    except DecodeError as exc:
        return StageResult.failure(
            elapsed_ms(start), Reason.PROTOCOL_ERROR,
            f"a Kafka-framed answer that is not a valid ApiVersions response: {exc}",
            KafkaDetail(KafkaAnswer.MALFORMED),
        ), None
    # Sorted by API key: brokers list them in any order (Tansu: a different one per process),
    # and reports of the same broker should be identical.
    ranges = {str(v.api_key): (v.min_version, v.max_version)
              for v in sorted(response.api_versions, key=lambda v: v.api_key)}
    detail = KafkaDetail(KafkaAnswer.KAFKA, ranges)
    if response.error_code and not response.api_versions:
        return StageResult.failure(
            elapsed_ms(start), Reason.BROKER_ERROR,
            f"broker answered ApiVersions with {error_name(response.error_code)}", detail,
        ), None
    return StageResult.passed(elapsed_ms(start), detail), response


def _not_kafka(exc: ExchangeError, ms: float, timeout: float) -> StageResult[KafkaDetail]:
    received = exc.received
    if isinstance(exc, TlsRejected):
        return StageResult.failure(
            ms, Reason.TLS_FAILED, f"the TLS session was ended by the peer: {exc.alert}",
            KafkaDetail(KafkaAnswer.CLOSED),
        )
    if isinstance(exc, PeerSilent) and not received:
        return StageResult.failure(
            ms, Reason.SILENT,
            f"accepted the connection but sent nothing within {timeout:.1f}s",
            KafkaDetail(KafkaAnswer.SILENT),
        )
    if isinstance(exc, PeerClosed) and not received:
        reason = Reason.RESET if exc.reset else Reason.CLOSED
        verb = "reset" if exc.reset else "closed"
        return StageResult.failure(
            ms, reason, f"{verb} the connection without answering the Kafka request",
            KafkaDetail(KafkaAnswer.CLOSED),
        )
    if isinstance(exc, BadResponse):
        return StageResult.failure(
            ms, Reason.PROTOCOL_ERROR, f"invalid Kafka response: {exc}",
            KafkaDetail(KafkaAnswer.MALFORMED, preview=preview(received)),
        )
    cut = _cut_short(exc, timeout)
    if cut is not None:
        reason, message = cut
        return StageResult.failure(ms, reason, message,
                                   KafkaDetail(KafkaAnswer.MALFORMED, preview=preview(received)))
    kind = guess_protocol(received)
    what = {KafkaAnswer.HTTP: "an HTTP server", KafkaAnswer.SSH: "an SSH server",
            KafkaAnswer.TLS: "a TLS endpoint", KafkaAnswer.BANNER: "a text-protocol server",
            KafkaAnswer.TEXT: "a text protocol"}.get(kind)
    message = (f"answered like {what}, not like a Kafka broker" if what else
               "answered with bytes that are not a Kafka response"
               + (f" ({exc})" if isinstance(exc, NotAFrame) else ""))
    return StageResult.failure(ms, Reason.NOT_KAFKA, message, KafkaDetail(kind, preview=preview(received)))


def _cut_short(exc: ExchangeError, timeout: float) -> tuple[Reason, str] | None:
    """A Kafka-sized frame whose end never came: the peer closed, reset or went silent."""
    received = exc.received
    if isinstance(exc, NotAFrame) or len(received) < 4 or guess_protocol(received) is not KafkaAnswer.UNKNOWN:
        return None
    length = int.from_bytes(received[:4], "big", signed=True)
    if not 0 < length <= MAX_FRAME_BYTES:
        return None
    got = f"a Kafka frame announcing {length} bytes was cut short after {len(received) - 4}"
    if isinstance(exc, PeerSilent):
        return Reason.TIMEOUT, f"{got}: nothing more arrived within {timeout:.1f}s"
    how = "reset" if isinstance(exc, PeerClosed) and exc.reset else "closed"
    return Reason.PROTOCOL_ERROR, f"{got}: the peer {how} the connection"


def exchange_reason(exc: ExchangeError) -> Reason:
    """Why a request after the connection got no usable answer: silence, a hang-up, or garbage."""
    if isinstance(exc, PeerSilent):
        return Reason.TIMEOUT
    return Reason.CLOSED if isinstance(exc, PeerClosed) else Reason.PROTOCOL_ERROR


async def fetch_metadata(
    exchange: KafkaExchange, versions: ApiVersionsResponse, timeout: float,
    endpoint_host: str, endpoint_port: int,
) -> StageResult[MetadataDetail]:
    """Metadata for no topics (the broker list), then ask the responder who it is."""
    start = time.monotonic()
    version = versions.best_version(ApiKey.METADATA)
    if version is None:
        return StageResult.failure(
            elapsed_ms(start), Reason.UNSUPPORTED,
            "the broker supports no Metadata version this tool speaks (v1-v13)",
        )
    try:
        reader = await exchange.request(ApiKey.METADATA, version, encode_metadata_request(version), timeout)
        response, brokers = _decode_brokers(reader.rest(), version)
    except ExchangeError as exc:
        return StageResult.failure(elapsed_ms(start), exchange_reason(exc), f"Metadata v{version}: {exc}")
    except DecodeError as exc:
        return StageResult.failure(
            elapsed_ms(start), Reason.PROTOCOL_ERROR, f"Metadata v{version} response: {exc}"
        )
    if response.error_code:
        return StageResult.failure(
            elapsed_ms(start), Reason.BROKER_ERROR,
            f"Metadata v{version} failed with {error_name(response.error_code)}",
        )
    remaining = max(timeout - elapsed_ms(start) / 1000, 0.05)
    responder, readback = await whoami(exchange, versions, brokers, endpoint_host, endpoint_port, remaining)
    detail = MetadataDetail(
        version, response.cluster_id, response.controller_id, brokers,
        responder, ResponderIdSource.UNVERIFIED if responder is None else ResponderIdSource.DESCRIBE_CONFIGS,
        readback,
    )
    return StageResult.passed(elapsed_ms(start), detail)


@functools.lru_cache(maxsize=4)
def _decode_brokers(body: bytes, version: int) -> tuple[MetadataResponse, tuple[AdvertisedBroker, ...]]:
    """Decode a Metadata response body, once per distinct body.

    Every broker of a cluster sends the same broker list, so a check of N
    brokers would otherwise decode N lists of N brokers (quadratic: 90,000
    entries at 300 brokers, the largest cost of a big run). Equal bodies share
    one decoded, immutable result; a DecodeError is never cached.
    """
    response = decode_metadata(Reader(body), version)
    brokers = tuple(AdvertisedBroker(b.node_id, b.host, b.port, b.rack) for b in response.brokers)
    return response, brokers


async def whoami(
    exchange: KafkaExchange, versions: ApiVersionsResponse, brokers: tuple[AdvertisedBroker, ...],
    host: str, port: int, timeout: float,
) -> tuple[int | None, ConfigReadback]:
    """The id of the broker on this connection, when it will say (Apache Kafka does), and its
    listener configuration, read in the same DescribeConfigs request.

    DescribeConfigs for a BROKER resource is only answered for the broker's own
    id; another id is refused with "Unexpected broker id, expected N" (then asked
    once more, for N). Brokers that answer anything for any id without naming
    themselves (Tansu), deny access, or lack the API give None: unverified, never
    guessed.
    """
    start = time.monotonic()
    version = versions.best_version(ApiKey.DESCRIBE_CONFIGS)
    if version is None:
        return None, ConfigReadback(ReadbackStatus.UNSUPPORTED, error="no DescribeConfigs version in common")
    if not brokers:
        return None, ConfigReadback(ReadbackStatus.FAILED, error="the metadata lists no broker to ask for")
    asked = next((b.node_id for b in brokers if (b.host, b.port) == (host, port)), brokers[0].node_id)
    result = await _describe_broker(exchange, version, asked, timeout)
    if isinstance(result, ConfigReadback):
        return None, result
    match = _UNEXPECTED_ID.search(result.error_message or "") if result.error_code else None
    if match is not None:
        responder = int(match.group(1))
        remaining = timeout - (time.monotonic() - start)
        retry = await _describe_broker(exchange, version, responder, remaining) if remaining > 0.05 else None
        if retry is None or isinstance(retry, ConfigReadback) or retry.error_code:
            why = retry.error if isinstance(retry, ConfigReadback) else "no time left to ask again"
            return responder, ConfigReadback(ReadbackStatus.FAILED, error=why, node_id=responder)
        result, asked = retry, responder
    if result.error_code:
        error = f"{error_name(result.error_code)}: {result.error_message or 'no message'}"
        return None, ConfigReadback(ReadbackStatus.REFUSED, error=error)
    said = next((int(e.value) for e in result.configs if e.name in NODE_ID_KEYS and e.value
                 and e.value.lstrip("-").isdigit()), None)
    # Values Kafka reports as defaults were not set: leave them out (listeners aside), so that
    # effective values follow Kafka's own derivation (the KRaft controller mapping) as for a file.
    entries = tuple((e.name, e.value) for e in result.configs if e.name in LISTENER_CONFIG_KEYS
                    and (e.source != DEFAULT_CONFIG_SOURCE or e.name == "listeners"))
    if not any(name == "listeners" and value for name, value in entries):
        return said, ConfigReadback(ReadbackStatus.EMPTY, entries, "the answer holds no listeners", said)
    return said, ConfigReadback(ReadbackStatus.READ, entries, node_id=said if said is not None else asked)


async def _describe_broker(
    exchange: KafkaExchange, version: int, node_id: int, timeout: float
) -> DescribeConfigsResult | ConfigReadback:
    try:
        reader = await exchange.request(
            ApiKey.DESCRIBE_CONFIGS, version, encode_describe_broker_configs(version, node_id), timeout
        )
        results = decode_describe_configs(reader, version)
    except (ExchangeError, DecodeError) as exc:
        return ConfigReadback(ReadbackStatus.FAILED, error=f"DescribeConfigs v{version}: {exc}")
    if not results:
        return ConfigReadback(ReadbackStatus.EMPTY, error="the answer holds no resource")
    return results[0]
