"""CheckResults built in memory, for testing rules without a network, a broker or root.

    result(cluster(Broker(1, "kafka-1:9092"), Broker(2, "kafka:9092", fail=Stage.RESOLVE)))

gives what a run sees when the bootstrap 127.0.0.1:9092 answers, broker 1
works and broker 2's name does not resolve. Every stage a builder does not
mention passes (or is skipped, for TLS and SASL on a plaintext listener);
``dataclasses.replace`` changes anything else. Nothing here probes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from listencheck.address import classify_host, ip_literal, parse_endpoint
from listencheck.identity import judge_identity
from listencheck.models import (
    AddressAttempt,
    AdvertisedBroker,
    BootstrapCheck,
    BrokerCheck,
    CheckResult,
    ClientDetail,
    ClusterMetadata,
    EndpointProbe,
    Expectations,
    KafkaAnswer,
    KafkaDetail,
    MetadataDetail,
    PartitionMetadata,
    Reason,
    ResolveDetail,
    ResponderIdSource,
    Settings,
    StageResult,
    TcpDetail,
    TopicMetadata,
    TopicsDetail,
    Vantage,
)
from listencheck.stages import Stage
from listencheck.vocabulary import IpFamily, ResolveSource

CLUSTER_ID = "in-memory-cluster"
BOOTSTRAP = "127.0.0.1:9092"
VANTAGE = Vantage("test", "test-host", ("127.0.0.1", "::1"))
_ATTEMPT = (Stage.TCP, Stage.TLS, Stage.KAFKA, Stage.SASL, Stage.METADATA)
_SKIPPED = {Stage.TLS: "security.protocol has no TLS", Stage.SASL: "security.protocol has no SASL"}


def metadata(brokers: Sequence[AdvertisedBroker], responder: int | None = None,
             cluster_id: str | None = CLUSTER_ID) -> MetadataDetail:
    """A Metadata answer listing ``brokers``, from ``responder`` (verified) when given."""
    source = ResponderIdSource.UNVERIFIED if responder is None else ResponderIdSource.DESCRIBE_CONFIGS
    return MetadataDetail(12, cluster_id, brokers[0].node_id if brokers else -1, tuple(brokers), responder,
                          source)


def attempt(address: str, port: int, answer: MetadataDetail | None, fail: Stage | None = None,
            reason: Reason = Reason.REFUSED, detail: object = None) -> AddressAttempt:
    """One resolved address: every stage passes up to ``fail``, which fails with ``reason``
    (and ``detail``); the stages after it do not run."""
    results: dict[Stage, StageResult[object]] = {}
    failed = False
    for stage in _ATTEMPT:
        if failed:
            results[stage] = StageResult.not_run(Reason.UPSTREAM_FAILED, "an earlier stage failed")
        elif stage is fail:
            failed = True
            results[stage] = StageResult.failure(1.0, reason, f"{stage} failed: {reason}", detail)
        elif stage in _SKIPPED:
            results[stage] = StageResult.skipped(_SKIPPED[stage])
        else:
            results[stage] = StageResult.passed(1.0, {
                Stage.TCP: TcpDetail(address, port), Stage.KAFKA: KafkaDetail(KafkaAnswer.KAFKA),
                Stage.METADATA: answer}[stage])
    return AddressAttempt(address, IpFamily.of(address), **{s.value: r for s, r in results.items()})


def probe(address: str, answer: MetadataDetail | None = None, fail: Stage | None = None,
          reason: Reason = Reason.REFUSED, resolves_to: tuple[str, ...] | None = None,
          detail: object = None) -> EndpointProbe:
    """A host:port probed from here: resolved (to ``resolves_to``, an IP literal to itself, a
    name to 10.0.0.1), then each address tried. ``fail=Stage.RESOLVE`` makes the name unknown."""
    endpoint = parse_endpoint(address)
    literal = ip_literal(endpoint.host)
    addresses = resolves_to or ((str(literal),) if literal else ("10.0.0.1",))
    source = ResolveSource.LITERAL if literal else ResolveSource.RESOLVER
    if fail is Stage.RESOLVE:
        reason = Reason.NXDOMAIN if reason is Reason.REFUSED else reason
        resolved = StageResult.failure(1.0, reason, f"{endpoint.host}: {reason}", ResolveDetail((), source))
        return EndpointProbe(endpoint, classify_host(endpoint.host), resolved)
    resolved = StageResult.passed(1.0, ResolveDetail(addresses, source))
    attempts = tuple(attempt(a, endpoint.port, answer, fail, reason, detail) for a in addresses)
    return EndpointProbe(endpoint, classify_host(endpoint.host), resolved, attempts)


@dataclass(frozen=True)
class Broker:
    """An advertised broker as a test describes it: where it is, and where probing it fails
    (``detail``: the failing stage's detail)."""

    node_id: int
    address: str
    fail: Stage | None = None
    reason: Reason = Reason.REFUSED
    resolves_to: tuple[str, ...] | None = None
    detail: object = None

    @property
    def advertised(self) -> AdvertisedBroker:
        endpoint = parse_endpoint(self.address)
        return AdvertisedBroker(self.node_id, endpoint.host, endpoint.port)


def cluster(*brokers: Broker, bootstrap: str = BOOTSTRAP, client: StageResult[ClientDetail] | None = None,
            cluster_id: str | None = CLUSTER_ID) -> BootstrapCheck:
    """A bootstrap that answers with ``brokers``, each probed as described (identity judged as the
    pipeline does); the client library reached every broker unless ``client`` says otherwise."""
    advertised = [b.advertised for b in brokers]
    answer = metadata(advertised, cluster_id=cluster_id)
    server = probe(bootstrap, answer)
    checks = []
    for b in brokers:
        p = probe(b.address, metadata(advertised, b.node_id, cluster_id), b.fail, b.reason, b.resolves_to,
                  b.detail)
        checks.append(BrokerCheck(b.advertised, p, judge_identity(b.advertised, answer, p)))
    chosen = server.chosen
    assert chosen is not None
    reached = tuple(b.node_id for b in brokers)
    if client is None:
        client = StageResult.passed(5.0, ClientDetail("librdkafka 2.6.0", cluster_id, tuple(advertised),
                                                      reached=reached))
    return BootstrapCheck(bootstrap, (server,), ClusterMetadata(bootstrap, chosen.address, answer),
                          tuple(checks), client)


def unanswered(bootstrap: str = BOOTSTRAP, fail: Stage = Stage.TCP,
               reason: Reason = Reason.REFUSED) -> BootstrapCheck:
    """A bootstrap whose only server fails at ``fail``: no metadata, no brokers."""
    return BootstrapCheck(bootstrap, (probe(bootstrap, None, fail, reason),), None, (),
                          StageResult.not_run(Reason.UPSTREAM_FAILED, "no bootstrap answered"))


def client_failure(error_code: str | None, message: str = "client failed",
                   unreachable: tuple[tuple[int, str], ...] = ()) -> StageResult[ClientDetail]:
    """The client library's stage when it failed (``error_code``: librdkafka's, e.g. _TRANSPORT)."""
    return StageResult.failure(5.0, Reason.CLIENT_FAILED, message,
                               ClientDetail("librdkafka 2.6.0", error_code=error_code,
                                            unreachable=unreachable, log=("rdkafka: a log line",)))


def result(*bootstraps: BootstrapCheck, protocol: str = "PLAINTEXT", expect: Expectations | None = None,
           **settings: object) -> CheckResult:
    """A finished run over ``bootstraps`` with these settings (``Settings`` fields as keywords)."""
    base = Settings(timeout_s=5.0, deadline_s=30.0, security_protocol=protocol, client_properties=(),
                    expect=expect or Expectations())
    return CheckResult("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", 1000.0, VANTAGE,
                       dataclasses.replace(base, **settings), tuple(bootstraps))


def edit_broker(bootstrap: BootstrapCheck, node_id: int, probe: dict[str, object] | None = None,
                **attempt: object) -> BootstrapCheck:
    """``bootstrap`` with broker ``node_id``'s probe (``probe``: EndpointProbe fields) and every one of
    its attempts (keywords: AddressAttempt fields, e.g. ``deep=StageResult...``) changed."""
    def changed(b: BrokerCheck) -> BrokerCheck:
        if b.advertised.node_id != node_id:
            return b
        p = dataclasses.replace(b.probe, **(probe or {}))  # type: ignore[arg-type]
        attempts = tuple(dataclasses.replace(a, **attempt) for a in p.attempts)  # type: ignore[arg-type]
        return dataclasses.replace(b, probe=dataclasses.replace(p, attempts=attempts))
    return dataclasses.replace(bootstrap, brokers=tuple(changed(b) for b in bootstrap.brokers))


def topic(name: str, *partitions: tuple[int, tuple[int, ...], tuple[int, ...]]) -> TopicMetadata:
    """A topic whose partitions are (leader, replicas, isr), numbered from 0."""
    return TopicMetadata(name, 0, tuple(PartitionMetadata(i, leader, replicas, isr)
                                        for i, (leader, replicas, isr) in enumerate(partitions)),
                         partition_count=len(partitions))


def with_topics(bootstrap: BootstrapCheck, *topics: TopicMetadata,
                min_insync: dict[str, int] | None = None) -> BootstrapCheck:
    """``bootstrap`` with a topic-metadata answer listing its brokers and ``topics``."""
    brokers = bootstrap.metadata.detail.brokers if bootstrap.metadata else ()
    detail = TopicsDetail(12, (), brokers, tuple(topics), len(topics), sum(len(t.partitions) for t in topics),
                          min_insync_replicas=min_insync or {})
    return dataclasses.replace(bootstrap, topics=StageResult.passed(1.0, detail))
