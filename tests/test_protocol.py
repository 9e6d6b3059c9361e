"""The wire codec against hand-built bytes from apache/kafka's message definitions."""

import contextlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listencheck.protocol.messages import (
    ApiKey,
    ApiVersionRange,
    ApiVersionsResponse,
    decode_api_versions,
    decode_describe_configs,
    decode_metadata,
    encode_describe_broker_configs,
    encode_metadata_request,
    encode_request,
)
from listencheck.protocol.wire import MAX_ARRAY_LENGTH, DecodeError, Reader, Writer
from tests.support.scripted import api_versions_v0, metadata_response


def test_request_header_v1_layout() -> None:
    frame = encode_request(ApiKey.API_VERSIONS, 0, 7, "lc", b"")
    assert frame == struct.pack(">ihhih", 12, 18, 0, 7, 2) + b"lc"


def test_flexible_request_header_v2_has_tagged_fields() -> None:
    frame = encode_request(ApiKey.METADATA, 12, 1, "lc", b"BODY")
    assert frame[4:] == struct.pack(">hhih", 3, 12, 1, 2) + b"lc" + b"\x00" + b"BODY"


@pytest.mark.parametrize("version, expected", [
    (1, b"\x00\x00\x00\x00"),                  # empty topic array = no topics
    (4, b"\x00\x00\x00\x00\x00"),              # + allow_auto_topic_creation
    (8, b"\x00\x00\x00\x00\x00\x00\x00"),      # + cluster and topic authorized ops
    (9, b"\x01\x00\x00\x00\x00"),              # compact array, 3 bools, tags
    (11, b"\x01\x00\x00\x00"),                 # cluster authorized ops dropped
    (13, b"\x01\x00\x00\x00"),
])
def test_metadata_request_body(version: int, expected: bytes) -> None:
    assert encode_metadata_request(version) == expected


@pytest.mark.parametrize("version", range(1, 14))
def test_metadata_response_round_trip_every_version(version: int) -> None:
    brokers = [(1, "kafka", 9092), (2, "host.docker.internal", 29092)]
    body = metadata_response(version, brokers, "cid", 1)
    md = decode_metadata(Reader(body), version)
    assert [(b.node_id, b.host, b.port) for b in md.brokers] == brokers
    assert md.controller_id == 1
    assert md.cluster_id == ("cid" if version >= 2 else None)


def test_metadata_v12_with_a_topic_still_decodes() -> None:
    w = Writer().int32(0).uvarint(2).int32(5).compact_nullable_string("b").int32(1)
    w.compact_nullable_string("rack-a").empty_tagged_fields()
    w.compact_nullable_string("c").int32(5)
    w.uvarint(2)  # one topic
    w.int16(0).compact_nullable_string("t").int32(0).int32(0).int32(0).int32(0).boolean(False)
    w.uvarint(2)  # one partition
    w.int16(0).int32(0).int32(5).int32(0).uvarint(2).int32(5).uvarint(2).int32(5).uvarint(1)
    w.empty_tagged_fields()
    w.int32(0).empty_tagged_fields()  # topic authorized ops, topic tags
    w.empty_tagged_fields()
    md = decode_metadata(Reader(w.build()), 12)
    assert md.brokers[0].rack == "rack-a" and md.cluster_id == "c"


def test_api_versions_best_version() -> None:
    response = ApiVersionsResponse(0, (ApiVersionRange(3, 0, 12), ApiVersionRange(32, 0, 4)))
    assert response.best_version(ApiKey.METADATA) == 12
    assert response.best_version(ApiKey.DESCRIBE_CONFIGS) == 4
    assert response.best_version(ApiKey.SASL_HANDSHAKE) is None
    assert ApiVersionsResponse(0, (ApiVersionRange(3, 0, 0),)).best_version(ApiKey.METADATA) is None


def test_api_versions_decode() -> None:
    response = decode_api_versions(Reader(api_versions_v0([(3, 0, 12), (18, 0, 3)])))
    assert response.version_range(ApiKey.METADATA) == ApiVersionRange(3, 0, 12)


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_describe_configs_request_asks_for_the_id_keys(version: int) -> None:
    body = encode_describe_broker_configs(version, 7)
    assert b"node.id" in body and b"broker.id" in body and b"7" in body


def test_describe_configs_error_message_is_decoded() -> None:
    w = Writer().int32(0).int32(1).int16(42)
    w.nullable_string("Unexpected broker id, expected 3 or empty string, but received 1")
    w.int8(4).nullable_string("1").int32(0)
    (result,) = decode_describe_configs(Reader(w.build()), 1)
    assert result.error_code == 42 and "expected 3" in (result.error_message or "")


@pytest.mark.parametrize("data, fragment", [
    (b"\x00", "need 2 bytes"),
    (b"\x00\x00\x7f\xff\xff\xff", "exceeds the limit"),
    (b"\x00\x00\x00\x00\x00\x05", "remaining bytes"),
    (b"\x00\x00\xff\xff\xff\xfe", "negative array length"),
])
def test_api_versions_hostile_bytes(data: bytes, fragment: str) -> None:
    with pytest.raises(DecodeError, match=fragment):
        decode_api_versions(Reader(data))


def test_varint_longer_than_five_bytes_is_refused() -> None:
    with pytest.raises(DecodeError, match="varint"):
        Reader(b"\xff" * 6).uvarint()


def test_invalid_utf8_string_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="UTF-8"):
        Reader(b"\x00\x02\xff\xfe").string()


def test_array_limit_is_sane() -> None:
    assert MAX_ARRAY_LENGTH >= 10_000


@settings(max_examples=300)
@given(st.binary(max_size=512), st.integers(min_value=1, max_value=13))
def test_any_bytes_give_a_metadata_response_or_a_decode_error(data: bytes, version: int) -> None:
    try:
        md = decode_metadata(Reader(data), version)
    except DecodeError:
        return
    assert all(isinstance(b.host, str) for b in md.brokers)


@settings(max_examples=300)
@given(st.binary(max_size=256))
def test_any_bytes_give_api_versions_or_a_decode_error(data: bytes) -> None:
    with contextlib.suppress(DecodeError):
        decode_api_versions(Reader(data))


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_uvarint_round_trip(value: int) -> None:
    assert Reader(Writer().uvarint(value).build()).uvarint() == value


@settings(max_examples=300)
@given(st.binary(max_size=512), st.integers(min_value=1, max_value=4))
def test_any_bytes_give_describe_configs_or_a_decode_error(data: bytes, version: int) -> None:
    with contextlib.suppress(DecodeError):
        decode_describe_configs(Reader(data), version)


def _exchange_with(answer: bytes) -> object:
    """Send one ApiVersions request over a real socket pair whose peer answers ``answer``."""
    import asyncio
    import socket

    from listencheck.protocol.connection import KafkaExchange

    async def go() -> object:
        ours, theirs = socket.socketpair()
        theirs.sendall(answer)
        theirs.shutdown(socket.SHUT_WR)
        reader, writer = await asyncio.open_connection(sock=ours)
        exchange = KafkaExchange(reader, writer, "prop")
        try:
            return await exchange.request(ApiKey.API_VERSIONS, 0, b"", 0.5)
        except Exception as exc:
            return exc
        finally:
            await exchange.close()
            theirs.close()

    return asyncio.run(go())


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.binary(max_size=300),
    # Frame-shaped: a length (true, or a lie) and the correlation id 1 in front of random bytes.
    st.tuples(st.integers(min_value=-(2**31), max_value=2**31 - 1), st.binary(max_size=200)).map(
        lambda t: struct.pack(">ii", t[0], 1) + t[1]),
))
def test_any_answer_on_the_wire_gives_a_response_or_a_typed_error(answer: bytes) -> None:
    from listencheck.probes.kafka import _not_kafka, preview
    from listencheck.protocol.connection import ExchangeError

    result = _exchange_with(answer)
    if isinstance(result, Reader):
        return
    assert isinstance(result, ExchangeError), repr(result)
    stage = _not_kafka(result, 1.0, 0.5)  # classified, whatever came
    assert stage.failed and stage.error is not None and stage.detail is not None
    assert all(32 <= ord(c) < 127 for c in preview(result.received) if c != "…")
