"""Pure rules over topic metadata: brokers that lack the listener, and what each broken broker costs.

Kafka answers Metadata over listener L with only the brokers that have L. A
partition whose leader lacks L comes back with LISTENER_NOT_FOUND (72) and
leader -1 (Apache Kafka's metadata cache), its replica list unfiltered: the
replica ids missing from the broker list are the brokers without L. Other
servers name the leader and leave it out of the broker list.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from listencheck.analysis.context import BootstrapContext
from listencheck.analysis.rule import Rules
from listencheck.codes import FindingCode
from listencheck.models import Finding, JsonValue, Severity, TopicsDetail
from listencheck.protocol.messages import error_name

LISTENER_NOT_FOUND = 72
LISTED_TOPICS = 20  # topic names named in a finding's evidence (the count is always there)


@dataclass(frozen=True)
class LeaderCost:
    """The partitions one broker leads: what fails when a client cannot reach it."""

    broker_id: int
    partitions: int
    topics: tuple[str, ...]  # sorted


def partition_cost(detail: TopicsDetail, broker_ids: frozenset[int]) -> dict[int, LeaderCost]:
    """For each broker in ``broker_ids`` that leads partitions, those partitions and their topics."""
    counts: Counter[int] = Counter()
    topics: defaultdict[int, set[str]] = defaultdict(set)
    for topic in detail.topics:
        for leader, n in Counter(p.leader_id for p in topic.partitions).items():
            if leader in broker_ids:
                counts[leader] += n
                topics[leader].add(topic.name)
    return {b: LeaderCost(b, counts[b], tuple(sorted(topics[b]))) for b in sorted(counts)}


@dataclass(frozen=True)
class MissingListener:
    """Partitions whose leader is not among the brokers this listener lists."""

    broker_ids: tuple[int, ...]  # leaders, or replicas of LISTENER_NOT_FOUND partitions, not listed
    partitions: int
    topics: tuple[str, ...]
    errors: dict[str, int]  # partition error names among them


def missing_listener(detail: TopicsDetail) -> MissingListener | None:
    listed = detail.broker_ids
    missing: set[int] = set()
    partitions = 0
    topics: set[str] = set()
    errors: Counter[str] = Counter()
    for topic in detail.topics:
        for p in topic.partitions:
            if p.error_code == LISTENER_NOT_FOUND:
                missing.update(r for r in p.replicas if r not in listed)
            elif p.leader_id < 0 or p.leader_id in listed:
                continue
            else:
                missing.add(p.leader_id)
            partitions += 1
            topics.add(topic.name)
            if p.error_code:
                errors[error_name(p.error_code)] += 1
    if not partitions:
        return None
    return MissingListener(tuple(sorted(missing)), partitions, tuple(sorted(topics)), dict(errors))


def topic_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    detail = ctx.bootstrap.topics.detail
    if detail is None:
        return
    yield from _missing_listener(ctx, detail)
    yield from _unreachable_partitions(ctx, detail)
    yield from _unknown_topics(ctx, detail)


def _names(topics: tuple[str, ...]) -> JsonValue:
    return list(topics[:LISTED_TOPICS])


def _some(topics: tuple[str, ...]) -> str:
    shown = ", ".join(topics[:3])
    return shown + (f" and {len(topics) - 3} more" if len(topics) > 3 else "")


def _missing_listener(ctx: BootstrapContext, detail: TopicsDetail) -> Iterator[Finding]:
    found = missing_listener(detail)
    if found is None:
        return
    who = (f"broker{'s' if len(found.broker_ids) > 1 else ''} "
           f"{', '.join(map(str, found.broker_ids))}" if found.broker_ids else "their leaders")
    why = ("the broker answers LISTENER_NOT_FOUND for them" if found.errors.get("LISTENER_NOT_FOUND")
           else "a leader this listener does not list lacks the listener or is not running")
    yield ctx.finding(
        FindingCode.BROKER_LISTENER_MISSING, Severity.ERROR,
        ctx.whole(ctx.bootstrap.metadata.source if ctx.bootstrap.metadata else None),
        f"{found.partitions} partition(s) of {len(found.topics)} topic(s) ({_some(found.topics)}) are led "
        f"by {who}, which this listener does not list ({why}): clients bootstrapping here fail on "
        f"exactly those partitions.",
        f"Give {who} the listener this bootstrap uses (the same listener name in `listeners` and "
        f"`advertised.listeners`, and in `listener.security.protocol.map`), then restart them one at a "
        f"time. Kafka lists only the brokers that have the listener a request came in on.",
        {"brokers_without_listener": list(found.broker_ids), "listed_brokers": sorted(detail.broker_ids),
         "partitions": found.partitions, "topic_count": len(found.topics), "topics": _names(found.topics),
         "partition_errors": dict(sorted(found.errors.items()))},
    )


def _unreachable_partitions(ctx: BootstrapContext, detail: TopicsDetail) -> Iterator[Finding]:
    costs = partition_cost(detail, ctx.bootstrap.failing_broker_ids)
    if not costs:
        return
    partitions = sum(c.partitions for c in costs.values())
    topics = tuple(sorted({t for c in costs.values() for t in c.topics}))
    per_broker = "; ".join(f"broker {c.broker_id}: {c.partitions} partition(s) of {len(c.topics)} topic(s)"
                           for c in costs.values())
    yield ctx.finding(
        FindingCode.PARTITIONS_UNREACHABLE, Severity.ERROR, ctx.whole(),
        f"Producing to {partitions} partition(s) of {len(topics)} topic(s) fails from here, and consumers "
        f"of those partitions stall: their leaders cannot be reached ({per_broker}).",
        "Fix the brokers named in the other errors; each partition works again once its leader is "
        "reachable from here.",
        {"partitions": partitions, "topic_count": len(topics), "topics": _names(topics),
         "per_broker": {str(c.broker_id): {"partitions": c.partitions, "topic_count": len(c.topics),
                                           "topics": _names(c.topics)} for c in costs.values()},
         "total_partitions": detail.partition_count},
    )


def _unknown_topics(ctx: BootstrapContext, detail: TopicsDetail) -> Iterator[Finding]:
    """--topic names a topic the cluster does not show this client."""
    for topic in detail.topics:
        if detail.requested and topic.error_code:
            yield ctx.finding(
                FindingCode.TOPIC_UNAVAILABLE, Severity.WARNING, ctx.whole(),
                f"Topic {topic.name!r} (--topic) is not available through this listener: "
                f"{error_name(topic.error_code)}.",
                "Check the topic name; create the topic (listencheck never creates one); or grant this "
                "client Describe on it (TOPIC_AUTHORIZATION_FAILED).",
                {"topic": topic.name, "error": error_name(topic.error_code)},
            )


RULES = Rules(bootstrap=(topic_findings,))
