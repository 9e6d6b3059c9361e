"""Cluster health from the topic metadata the check already read: pure rules, no I/O.

Each rule names a bounded list of topics with the total count, so the findings
of a cluster with 100,000 topics stay small. The thresholds are rules of thumb
whose sources the catalogue entries (HEALTH_*) cite. Partitions whose leader
lacks this listener (LISTENER_NOT_FOUND) belong to the listener rules, not here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from listencheck.analysis.context import BootstrapContext, new_finding
from listencheck.analysis.rule import Rules
from listencheck.codes import FindingCode
from listencheck.models import (
    Finding,
    JsonValue,
    PartitionMetadata,
    Severity,
    Subject,
    TopicMetadata,
    TopicsDetail,
)

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO

NAMES_SHOWN = 10  # topics named in a finding; the total is always given
TOPIC_PARTITIONS_HIGH = 200  # above this a topic's partition count is almost always a mistake
BROKER_REPLICAS_HIGH = 4_000  # partition replicas per broker
CLUSTER_PARTITIONS_HIGH = 200_000  # partitions per cluster
MIN_LED_PARTITIONS = 10  # leadership skew is judged only past this many led partitions
LISTENER_NOT_FOUND = 72
NO_LEADER = -1
INTERNAL_TOPICS = frozenset({"__consumer_offsets", "__transaction_state"})


@dataclass(frozen=True)
class TopicSet:
    """Topics sharing a condition: the first few names (sorted) and how many there are."""

    names: tuple[str, ...]
    total: int

    @classmethod
    def of(cls, names: Iterable[str]) -> TopicSet:
        ordered = sorted(set(names))
        return cls(tuple(ordered[:NAMES_SHOWN]), len(ordered))

    def __str__(self) -> str:
        more = self.total - len(self.names)
        return ", ".join(self.names) + (f" and {more} more" if more > 0 else "")

    def __bool__(self) -> bool:
        return self.total > 0

    def evidence(self) -> dict[str, JsonValue]:
        return {"topics": list(self.names), "topic_count": self.total}


def health_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    detail = ctx.bootstrap.topics.detail
    if detail is not None:
        yield from topic_health(detail, ctx.whole())


def topic_health(detail: TopicsDetail, subject: Subject) -> Iterator[Finding]:
    """Every health finding of one topic-metadata answer, about ``subject`` (its bootstrap)."""
    if not detail.topics:
        return
    scan = _Scan.of(detail)
    for rule in (_offline, _below_min_insync, _under_replicated, _replication_factor, _min_insync_equals_rf,
                 _sizing, _leadership):
        yield from rule(subject, scan)


@dataclass
class _Scan:
    """One pass over every partition, collecting what the rules need (a 200,000-partition answer
    is read once, and equal replica lists, which share one tuple, are counted once)."""

    detail: TopicsDetail
    rf: dict[str, int] = field(default_factory=dict)  # topic (without error) -> replication factor
    offline: list[tuple[str, PartitionMetadata]] = field(default_factory=list)
    lagging: list[tuple[str, PartitionMetadata]] = field(default_factory=list)  # ISR < replicas
    below_min: list[tuple[str, PartitionMetadata]] = field(default_factory=list)  # ISR < min.insync
    replica_sets: Counter[tuple[int, ...]] = field(default_factory=Counter)  # of every partition
    led_sets: Counter[tuple[int, ...]] = field(default_factory=Counter)  # of partitions with a leader
    led: Counter[int] = field(default_factory=Counter)  # partitions per leader

    @classmethod
    def of(cls, detail: TopicsDetail) -> _Scan:
        scan = cls(detail)
        leaders: list[int] = []
        for topic in detail.topics:
            if topic.error_code:
                continue
            min_isr = detail.min_insync_replicas.get(topic.name, 0)
            rf = 0
            for p in topic.partitions:
                if p.error_code == LISTENER_NOT_FOUND:
                    continue
                replicas = p.replicas
                rf = max(rf, len(replicas))
                scan.replica_sets[replicas] += 1
                if p.leader_id == NO_LEADER:
                    scan.offline.append((topic.name, p))
                    continue
                leaders.append(p.leader_id)
                scan.led_sets[replicas] += 1
                if len(p.isr) < len(replicas):
                    scan.lagging.append((topic.name, p))
                if len(p.isr) < min_isr:
                    scan.below_min.append((topic.name, p))
            scan.rf[topic.name] = rf
        scan.led.update(leaders)
        return scan

    @property
    def hosted(self) -> Counter[int]:
        """Partition replicas per broker."""
        out: Counter[int] = Counter()
        for replicas, n in self.replica_sets.items():
            for broker in replicas:
                out[broker] += n
        return out

    @property
    def preferred(self) -> Counter[int]:
        """Partitions with a leader, per preferred leader (first replica)."""
        out: Counter[int] = Counter()
        for replicas, n in self.led_sets.items():
            if replicas:
                out[replicas[0]] += n
        return out

    def topics(self, keep: Callable[[TopicMetadata, int], bool]) -> TopicSet:
        """Topics (without error) for which ``keep(topic, replication factor)`` holds."""
        rf = self.rf
        return TopicSet.of(t.name for t in self.detail.topics if t.name in rf and keep(t, rf[t.name]))


def _internal(topic: TopicMetadata) -> bool:
    return topic.is_internal or topic.name in INTERNAL_TOPICS


def _finding(subject: Subject, code: FindingCode, severity: Severity, message: str, fix: str,
             evidence: dict[str, JsonValue]) -> Finding:
    return new_finding(code, severity, subject, message, fix, evidence)


def _offline(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    offline = scan.offline
    if not offline:
        return
    topics = TopicSet.of(t for t, _ in offline)
    holders = sorted({r for _, p in offline for r in p.replicas})
    yield _finding(
        subject, FindingCode.HEALTH_OFFLINE_PARTITIONS, ERR,
        f"{len(offline)} partition(s) of {topics.total} topic(s) have no leader ({topics}): producing to and "
        "consuming from them fails (LEADER_NOT_AVAILABLE) until a replica becomes leader.",
        f"Bring back the brokers that hold their replicas ({', '.join(map(str, holders)) or 'none listed'}). "
        "If those replicas are lost for good, an unclean leader election restores availability at the "
        "cost of the writes only they had: kafka-leader-election --bootstrap-server HOST:PORT "
        "--election-type UNCLEAN --topic TOPIC --partition N.",
        {**topics.evidence(), "partitions": len(offline), "replica_brokers": list(holders)},
    )


def _under_replicated(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    lagging = scan.lagging
    if not lagging:
        return
    topics = TopicSet.of(t for t, _ in lagging)
    missing: Counter[int] = Counter(r for _, p in lagging for r in set(p.replicas) - set(p.isr))
    who = ", ".join(f"broker {b} ({n} partition(s))" for b, n in sorted(missing.items()))
    yield _finding(
        subject, FindingCode.HEALTH_UNDER_REPLICATED, WARN,
        f"{len(lagging)} partition(s) of {topics.total} topic(s) have fewer in-sync replicas than replicas "
        f"({topics}); out of sync: {who}. One more failure can make them unavailable or lose writes.",
        "Check the brokers missing from the ISR: running, disk full or slow, network between brokers, long "
        "GC pauses (replica.lag.time.max.ms). List them with kafka-topics --bootstrap-server HOST:PORT "
        "--describe --under-replicated-partitions.",
        {**topics.evidence(), "partitions": len(lagging),
         "out_of_sync": {str(b): n for b, n in sorted(missing.items())}},
    )


def _below_min_insync(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    short, detail = scan.below_min, scan.detail
    if not short:
        return
    topics = TopicSet.of(t for t, _ in short)
    yield _finding(
        subject, FindingCode.HEALTH_BELOW_MIN_INSYNC, ERR,
        f"{len(short)} partition(s) of {topics.total} topic(s) have fewer in-sync replicas than their "
        f"min.insync.replicas ({topics}): producers with acks=all fail on them now (NOT_ENOUGH_REPLICAS); "
        "acks=1 producers and consumers still work.",
        "Bring the missing replicas back in sync (see the under-replicated finding). Where a topic's "
        "min.insync.replicas exceeds its replication factor, no acks=all write can ever succeed: lower it "
        "(kafka-configs --bootstrap-server HOST:PORT --alter --entity-type topics --entity-name TOPIC "
        "--add-config min.insync.replicas=N) or raise the replication factor.",
        {**topics.evidence(), "partitions": len(short),
         "min_insync_replicas": {t: detail.min_insync_replicas[t] for t in topics.names}},
    )


_REASSIGN = ("Raise the replication factor with kafka-reassign-partitions --bootstrap-server HOST:PORT "
             "--reassignment-json-file plan.json --execute, the plan listing three brokers per partition "
             '(e.g. {"version":1,"partitions":[{"topic":"TOPIC","partition":0,'
             '"replicas":[1,2,3]}]})')


def _replication_factor(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    detail = scan.detail
    if len(detail.brokers) < 2:
        return  # one broker: nothing to replicate to
    single = scan.topics(lambda t, rf: rf == 1 and not _internal(t))
    if single:
        yield _finding(
            subject, FindingCode.HEALTH_REPLICATION_FACTOR_ONE, WARN,
            f"{single.total} topic(s) have one replica on a cluster of {len(detail.brokers)} brokers "
            f"({single}): when the broker holding a partition stops, that partition is unavailable, "
            "and a lost disk loses its data.",
            f"{_REASSIGN}, and set default.replication.factor=3 (with min.insync.replicas=2) for new topics.",
            {**single.evidence(), "brokers": len(detail.brokers)},
        )
    internal = scan.topics(lambda t, rf: rf == 1 and _internal(t))
    if internal:
        yield _finding(
            subject, FindingCode.HEALTH_INTERNAL_TOPIC_UNREPLICATED, WARN,
            f"The internal topic(s) {internal} have one replica on a cluster of {len(detail.brokers)} "
            "brokers: when that broker stops, consumer groups cannot commit or fetch offsets "
            "(__consumer_offsets) and transactions stall (__transaction_state). Typical of a "
            "development configuration (offsets.topic.replication.factor=1) carried into a cluster.",
            f"{_REASSIGN}. Set offsets.topic.replication.factor=3 and "
            "transaction.state.log.replication.factor=3: they apply only when the topic is created, "
            "so the existing topic needs the reassignment.",
            {**internal.evidence(), "brokers": len(detail.brokers)},
        )
    two = scan.topics(lambda t, rf: rf == 2 and not _internal(t)
                      and detail.min_insync_replicas.get(t.name, 1) < 2)
    if two and len(detail.brokers) >= 3:
        yield _finding(
            subject, FindingCode.HEALTH_REPLICATION_FACTOR_TWO, NOTE,
            f"{two.total} topic(s) have two replicas ({two}): with one broker down a single copy is left, so "
            "acks=all producers wait on that one replica and one more failure loses writes; with "
            "min.insync.replicas=2 the first broker down would instead block acks=all producers.",
            f"The usual setting is three replicas with min.insync.replicas=2. {_REASSIGN}.",
            {**two.evidence(), "brokers": len(detail.brokers)},
        )


def _min_insync_equals_rf(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    detail = scan.detail
    tight = scan.topics(lambda t, rf: 0 < rf <= detail.min_insync_replicas.get(t.name, 0))
    if not tight:
        return
    yield _finding(
        subject, FindingCode.HEALTH_MIN_INSYNC_BLOCKS_PRODUCERS, WARN,
        f"{tight.total} topic(s) have min.insync.replicas equal to (or above) their replication factor "
        f"({tight}): as soon as one replica falls out of sync (a broker restart is enough), producers with "
        "acks=all get NOT_ENOUGH_REPLICAS.",
        "Keep min.insync.replicas at the replication factor minus one (3 replicas, min.insync.replicas=2): "
        "kafka-configs --bootstrap-server HOST:PORT --alter --entity-type topics --entity-name TOPIC "
        "--add-config min.insync.replicas=N, or raise the replication factor.",
        {**tight.evidence(),
         "settings": {t: {"replication_factor": scan.rf[t],
                          "min_insync_replicas": detail.min_insync_replicas[t]} for t in tight.names}},
    )


def _sizing(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    detail = scan.detail
    big = scan.topics(lambda t, rf: t.partition_count > TOPIC_PARTITIONS_HIGH)
    if big:
        counts = {t.name: t.partition_count for t in detail.topics if t.name in big.names}
        yield _finding(
            subject, FindingCode.HEALTH_TOPIC_PARTITIONS_HIGH, WARN,
            f"{big.total} topic(s) have more than {TOPIC_PARTITIONS_HIGH} partitions ({big}): far beyond "
            "what throughput needs (8-16 partitions are common, 120-200 for the biggest topics), at "
            "the cost of memory, open files, slower failover and rebalances.",
            "Size partitions from the target throughput divided by the per-partition throughput of a "
            "producer and a consumer, with room for growth. Partitions cannot be removed: move the data to a "
            "new topic with fewer partitions when the count is far too high.",
            {**big.evidence(), "partition_counts": dict(counts), "threshold": TOPIC_PARTITIONS_HIGH},
        )
    heavy = {b: n for b, n in sorted(scan.hosted.items()) if n > BROKER_REPLICAS_HIGH}
    if heavy:
        yield _finding(
            subject, FindingCode.HEALTH_BROKER_PARTITIONS_HIGH, WARN,
            f"{len(heavy)} broker(s) host more than {BROKER_REPLICAS_HIGH} partition replicas "
            f"({', '.join(f'broker {b}: {n}' for b, n in heavy.items())})"
            f"{' (a lower bound: the topic list was cut at the limit)' if detail.truncated else ''}: "
            "failover, restarts and controller work slow down with the count.",
            "Add brokers and reassign partitions to them (kafka-reassign-partitions), or reduce partition "
            "counts and delete unused topics.",
            {"replicas_per_broker": {str(b): n for b, n in heavy.items()}, "threshold": BROKER_REPLICAS_HIGH,
             "lower_bound": detail.truncated},
        )
    if detail.partition_count > CLUSTER_PARTITIONS_HIGH:
        yield _finding(
            subject, FindingCode.HEALTH_CLUSTER_PARTITIONS_HIGH, WARN,
            f"The cluster has {detail.partition_count} partitions, more than the {CLUSTER_PARTITIONS_HIGH} "
            "a cluster is commonly sized for.",
            "Split the workload across clusters, or reduce partition counts and delete unused topics.",
            {"partitions": detail.partition_count, "topics": detail.topic_count,
             "threshold": CLUSTER_PARTITIONS_HIGH},
        )


def _leadership(subject: Subject, scan: _Scan) -> Iterator[Finding]:
    brokers, led = len(scan.detail.brokers), scan.led
    total = sum(led.values())
    if brokers < 2 or total < MIN_LED_PARTITIONS:
        return
    leader, count = max(led.items(), key=lambda kv: (kv[1], -kv[0]))
    share = count / total
    if share <= max(0.5, 1.5 / brokers):
        return
    preferred_share = scan.preferred.get(leader, 0) / total
    fix = ("Run a preferred leader election (kafka-leader-election --bootstrap-server HOST:PORT "
           "--election-type PREFERRED --all-topic-partitions): the preferred leaders are spread, leadership "
           "stayed where failovers moved it." if preferred_share <= max(0.5, 1.5 / brokers) else
           "The preferred leaders themselves sit on this broker: reassign partitions so that the first "
           "replica of each is spread across brokers (kafka-reassign-partitions), then run a preferred "
           "leader election.")
    yield _finding(
        subject, FindingCode.HEALTH_LEADERSHIP_SKEWED, WARN,
        f"Broker {leader} leads {count} of {total} partitions ({share:.0%}) on a cluster of {brokers} "
        "brokers: it carries most produce and fetch traffic, and its failure moves most leaders at once.",
        fix,
        {"broker_id": leader, "led": count, "partitions": total, "share": round(share, 3),
         "preferred_share": round(preferred_share, 3),
         "leaders": {str(b): n for b, n in sorted(led.items())}},
    )


RULES = Rules(bootstrap=(health_findings,))
