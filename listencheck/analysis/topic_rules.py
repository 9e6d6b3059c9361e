"""Pure rules over topic metadata: which partitions each broker leads, and which fail from here."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from listencheck.models import TopicsDetail


@dataclass(frozen=True)
class LeaderCost:
    """The partitions one broker leads: what fails when a client cannot reach it."""

    broker_id: int
    partitions: int
    topics: tuple[str, ...]  # sorted


def partition_cost(detail: TopicsDetail, broker_ids: frozenset[int]) -> dict[int, LeaderCost]:
    """For each broker in ``broker_ids``, the partitions it leads and their topics."""
    counts: Counter[int] = Counter()
    topics: defaultdict[int, set[str]] = defaultdict(set)
    for topic in detail.topics:
        led = Counter(p.leader_id for p in topic.partitions)
        for leader, n in led.items():
            if leader in broker_ids:
                counts[leader] += n
                topics[leader].add(topic.name)
    return {b: LeaderCost(b, counts[b], tuple(sorted(topics[b]))) for b in counts}
