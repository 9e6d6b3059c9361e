"""min.insync.replicas of each topic, read with one DescribeConfigs request (where allowed).

Asked on the connection that just read the topic metadata, for at most
``MAX_CONFIG_TOPICS`` topics. A broker that lacks DescribeConfigs, refuses it
(authorization) or hangs up leaves the values unknown, with a note saying why;
the health rules then judge replication without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from listencheck.protocol.connection import ExchangeError, KafkaExchange
from listencheck.protocol.messages import (
    TOPIC_RESOURCE,
    ApiKey,
    ApiVersionsResponse,
    decode_describe_configs,
    encode_describe_configs,
    error_name,
)
from listencheck.protocol.wire import DecodeError

MIN_INSYNC = "min.insync.replicas"
MAX_CONFIG_TOPICS = 1_000


@dataclass(frozen=True)
class TopicConfigs:
    min_insync_replicas: dict[str, int] = field(default_factory=dict)
    note: str | None = None  # why some or all values are unknown


async def fetch_min_insync(exchange: KafkaExchange, versions: ApiVersionsResponse, topics: list[str],
                           timeout: float) -> TopicConfigs:
    if not topics:
        return TopicConfigs()
    version = versions.best_version(ApiKey.DESCRIBE_CONFIGS)
    if version is None:
        return TopicConfigs(note="the broker does not offer DescribeConfigs")
    asked = sorted(topics)[:MAX_CONFIG_TOPICS]
    body = encode_describe_configs(version, [(TOPIC_RESOURCE, t, (MIN_INSYNC,)) for t in asked])
    try:
        reader = await exchange.request(ApiKey.DESCRIBE_CONFIGS, version, body, timeout)
        results = decode_describe_configs(reader, version)
    except (ExchangeError, DecodeError) as exc:
        return TopicConfigs(note=f"DescribeConfigs for topics got no usable answer ({exc})")
    values: dict[str, int] = {}
    refused: dict[str, int] = {}
    for result in results:
        if result.error_code:
            refused[result.resource_name] = result.error_code
            continue
        for entry in result.configs:
            if entry.name == MIN_INSYNC and entry.value is not None and entry.value.strip().isdigit():
                values[result.resource_name] = int(entry.value)
    notes = []
    if refused:
        codes = sorted({error_name(c) for c in refused.values()})
        notes.append(f"{len(refused)} topic(s) refused ({', '.join(codes)})")
    if len(topics) > len(asked):
        notes.append(f"asked for the first {len(asked)} of {len(topics)} topics")
    return TopicConfigs(values, "; ".join(notes) or None)
