"""The topics stage: one bounded Metadata request for topics on a bootstrap connection."""

from __future__ import annotations

import asyncio
import time

from listencheck.deadline import elapsed_ms
from listencheck.limits import MAX_PARTITIONS, MAX_TOPICS
from listencheck.models import Reason, StageResult, TopicsDetail
from listencheck.probes.kafka import exchange_reason
from listencheck.probes.topic_configs import fetch_min_insync
from listencheck.protocol.connection import (
    MAX_TOPICS_FRAME_BYTES,
    ExchangeError,
    KafkaExchange,
)
from listencheck.protocol.messages import ApiKey, ApiVersionsResponse, encode_metadata_request, error_name
from listencheck.protocol.topics import TopicsAnswer, decode_topics
from listencheck.protocol.wire import DecodeError, Reader


async def fetch_topics(
    exchange: KafkaExchange, versions: ApiVersionsResponse, requested: tuple[str, ...], timeout: float,
) -> StageResult[TopicsDetail]:
    """Metadata for ``requested`` topics (``()``: all), never creating any.

    Decoding a large answer takes a while (about half a second for 200,000
    partitions): it runs in a thread, so the other probes' timers keep running.
    """
    start = time.monotonic()
    version = versions.best_version(ApiKey.METADATA)
    if version is None:
        return StageResult.failure(
            elapsed_ms(start), Reason.UNSUPPORTED, "the broker supports no Metadata version this tool speaks")
    body = encode_metadata_request(version, requested or None)
    try:
        reader = await exchange.request(ApiKey.METADATA, version, body, timeout, MAX_TOPICS_FRAME_BYTES)
        answer = await asyncio.to_thread(_decode, reader, version)
    except ExchangeError as exc:
        return StageResult.failure(elapsed_ms(start), exchange_reason(exc),
                                   f"Metadata v{version} for topics: {exc}")
    except DecodeError as exc:
        return StageResult.failure(
            elapsed_ms(start), Reason.PROTOCOL_ERROR, f"Metadata v{version} response with topics: {exc}")
    if answer.response.error_code:
        return StageResult.failure(
            elapsed_ms(start), Reason.BROKER_ERROR,
            f"Metadata v{version} for topics failed with {error_name(answer.response.error_code)}")
    remaining = max(timeout - (time.monotonic() - start), 0.05)
    named = [t.name for t in answer.topics if not t.error_code and t.name]
    configs = await fetch_min_insync(exchange, versions, named, remaining)
    detail = TopicsDetail(version, requested, answer.brokers, answer.topics, answer.topic_count,
                          answer.partition_count, answer.truncated, configs.min_insync_replicas, configs.note)
    return StageResult.passed(elapsed_ms(start), detail)


def _decode(reader: Reader, version: int) -> TopicsAnswer:
    return decode_topics(reader, version, MAX_TOPICS, MAX_PARTITIONS)
