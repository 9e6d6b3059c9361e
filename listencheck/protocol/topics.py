"""Topic metadata: decode the topics of a Metadata answer into the report's model, bounded.

Field layout: apache/kafka ``MetadataResponse.json`` (v1-v13): per topic
ErrorCode, Name (nullable from v12), TopicId (v10+), IsInternal (v1+),
Partitions, TopicAuthorizedOperations (v8+); per partition ErrorCode,
PartitionIndex, LeaderId, LeaderEpoch (v7+), ReplicaNodes, IsrNodes,
OfflineReplicas (v5+). A cluster's answer can list hundreds of thousands of
partitions: past the limits the rest is read past and counted, not kept, and
equal replica lists share one tuple (a cluster has few distinct ones).
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

from listencheck.models import AdvertisedBroker, PartitionMetadata, TopicMetadata
from listencheck.protocol.messages import (
    ApiKey,
    MetadataResponse,
    decode_metadata_head,
    decode_metadata_tail,
    is_flexible,
)
from listencheck.protocol.wire import MAX_ARRAY_LENGTH, DecodeError, Reader


@dataclass(frozen=True)
class TopicsAnswer:
    """A decoded Metadata answer with topics, bounded by the decoder's limits."""

    response: MetadataResponse  # broker list, cluster id, controller, top-level error
    brokers: tuple[AdvertisedBroker, ...]
    topics: tuple[TopicMetadata, ...]
    topic_count: int
    partition_count: int
    truncated: bool


def decode_topics(r: Reader, version: int, max_topics: int, max_partitions: int) -> TopicsAnswer:
    """A Metadata response body with topics; keeps at most ``max_topics`` topics and
    ``max_partitions`` partitions, counts all of them. Raises DecodeError."""
    flexible = is_flexible(ApiKey.METADATA, version)
    head = decode_metadata_head(r, version)
    shared: dict[tuple[int, ...], tuple[int, ...]] = {(): ()}
    topics: list[TopicMetadata] = []
    topic_count = partition_count = 0
    kept_partitions = 0
    count = max(r.compact_array_length() if flexible else r.array_length(), 0)
    for _ in range(count):
        topic_count += 1
        error_code = r.int16()
        name = (r.compact_nullable_string() if flexible else r.nullable_string()) or ""
        if version >= 10:
            r.int64(), r.int64()  # topic_id
        internal = r.boolean() if version >= 1 else False
        n = max(r.compact_array_length() if flexible else r.array_length(), 0)
        keep = len(topics) < max_topics and kept_partitions + n <= max_partitions
        partitions = _partitions(r, n, version, flexible, shared if keep else None)
        partition_count += n
        if version >= 8:
            r.int32()  # topic_authorized_operations
        if flexible:
            r.skip_tagged_fields()
        if keep:
            kept_partitions += n
            topics.append(TopicMetadata(name, error_code, partitions, internal, n))
    response = decode_metadata_tail(r, version, head)
    brokers = tuple(AdvertisedBroker(b.node_id, b.host, b.port, b.rack) for b in head.brokers)
    return TopicsAnswer(response, brokers, tuple(topics), topic_count, partition_count,
                        truncated=len(topics) < topic_count)


def _partitions(
    r: Reader, count: int, version: int, flexible: bool,
    shared: dict[tuple[int, ...], tuple[int, ...]] | None,
) -> tuple[PartitionMetadata, ...]:
    """``count`` partitions; kept when ``shared`` (the replica-list cache) is given.

    The hot loop of a large answer: it reads the buffer directly (one unpack for the
    fixed fields, one per id list) instead of one Reader call per field.
    """
    data, pos = r.buffer, r.position
    head = _HEAD_V7 if version >= 7 else _HEAD
    lists = 3 if version >= 5 else 2
    kept: list[PartitionMetadata] = []
    try:
        for _ in range(count):
            fields = head.unpack_from(data, pos)
            pos += head.size
            ids = []
            for _ in range(lists):
                if flexible:
                    n = data[pos] - 1  # a compact length under 127 is one byte
                    pos += 1
                    if n >= 0x7F:
                        n, pos = _uvarint(data, pos - 1)
                        n -= 1
                else:
                    n = _INT32.unpack_from(data, pos)[0]
                    pos += 4
                if n > 0:
                    if n > MAX_ARRAY_LENGTH:
                        raise DecodeError(f"array of {n} elements exceeds the limit of {MAX_ARRAY_LENGTH}")
                    values: tuple[int, ...] = _int32s(n).unpack_from(data, pos)
                    pos += 4 * n
                    ids.append(values if shared is None else shared.setdefault(values, values))
                elif n < -1:
                    raise DecodeError(f"negative array length {n}")
                else:
                    ids.append(())
            if flexible:
                if data[pos]:  # tagged fields: nearly always none
                    pos = _skip_tagged_fields(data, pos)
                else:
                    pos += 1
            if shared is not None:
                kept.append(PartitionMetadata(fields[1], fields[2], ids[0], ids[1],
                                              ids[2] if lists == 3 else (), fields[0],
                                              fields[3] if len(fields) == 4 else -1))
    except (struct.error, IndexError):
        raise DecodeError(f"partition list cut short at offset {pos}") from None
    r.seek(pos)
    return tuple(kept)


_HEAD = struct.Struct(">hii")  # error_code, partition_index, leader_id
_HEAD_V7 = struct.Struct(">hiii")  # ... leader_epoch
_INT32 = struct.Struct(">i")


@functools.lru_cache(maxsize=64)
def _int32s(count: int) -> struct.Struct:
    return struct.Struct(f">{count}i")


def _uvarint(data: memoryview, pos: int) -> tuple[int, int]:
    byte = data[pos]
    if byte < 0x80:  # nearly always: a length under 127
        return byte, pos + 1
    value, shift = byte & 0x7F, 7
    for at in range(pos + 1, pos + 5):
        byte = data[at]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at + 1
        shift += 7
    raise DecodeError("varint longer than 5 bytes")


def _skip_tagged_fields(data: memoryview, pos: int) -> int:
    count, pos = _uvarint(data, pos)
    for _ in range(count):
        _, pos = _uvarint(data, pos)  # tag
        size, pos = _uvarint(data, pos)
        pos += size
    if pos > len(data):
        raise DecodeError("tagged field runs past the end of the answer")
    return pos
