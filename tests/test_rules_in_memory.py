"""Every rule module, called directly on a CheckResult built in memory: what triggers it, and a near
miss that does not. No network, no broker, no root (tests/support/results.py builds the results)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pytest

from listencheck.analysis import (
    balancer_rules,
    bootstrap_rules,
    broker_rules,
    client_rules,
    config_rules,
    controller_rules,
    deep_rules,
    expectation_rules,
    health_rules,
    resolution_rules,
    run_rules,
    security_rules,
    topic_rules,
)
from listencheck.analysis.context import BootstrapContext, context_for
from listencheck.codes import FindingCode as C
from listencheck.deepmodels import Answer, DeepDetail, PathDetail, SynAnswer
from listencheck.models import (
    BalancerDetail,
    CertificateInfo,
    CheckResult,
    ConfigReadback,
    DnsAnswer,
    Expectations,
    Finding,
    KafkaAnswer,
    KafkaDetail,
    NameKind,
    NameMatch,
    ReadbackStatus,
    Reason,
    ResolveDetail,
    SaslDetail,
    SaslOutcome,
    StageResult,
    TlsDetail,
    TlsFailure,
)
from listencheck.stages import REGISTRY, Stage
from listencheck.vocabulary import DnsStatus, ResolveSource
from tests.support.results import (
    VANTAGE,
    Broker,
    client_failure,
    cluster,
    edit_broker,
    result,
    topic,
    unanswered,
    with_topics,
)

Rule = Callable[[CheckResult], Iterable[Finding]]
GOOD = Broker(1, "127.0.0.1:9092")  # the bootstrap itself, working


def per_bootstrap(rule: Callable[[BootstrapContext], Iterable[Finding]]) -> Rule:
    def run(r: CheckResult) -> Iterator[Finding]:
        for b in r.bootstraps:
            yield from rule(context_for(r, b))
    return run


def all_bootstraps(rule: Callable[[list[BootstrapContext]], Iterable[Finding]]) -> Rule:
    return lambda r: rule([context_for(r, b) for b in r.bootstraps])


@dataclass(frozen=True)
class Case:
    rule: Rule
    code: C
    trigger: CheckResult
    near_miss: CheckResult


def _deep(answer: Answer) -> object:
    return StageResult.passed(1.0, DeepDetail(True, path=PathDetail("10.0.0.1", 9092, SynAnswer(answer))))


def _kafka(*api_keys: int) -> object:
    return StageResult.passed(1.0, KafkaDetail(KafkaAnswer.KAFKA, {str(k): (0, 1) for k in api_keys}))


def _resolved(dns_a: str) -> dict[str, object]:
    dns = DnsAnswer(DnsStatus.NOERROR, a=(dns_a,))
    return {"resolve": StageResult.passed(1.0, ResolveDetail(("10.0.0.1",), ResolveSource.RESOLVER, dns=dns))}


def _readback(*entries: tuple[str, str]) -> CheckResult:
    b = cluster(GOOD)
    broker = b.brokers[0]
    (attempt,) = broker.probe.attempts
    assert attempt.metadata.detail is not None
    md = dataclasses.replace(attempt.metadata.detail, config_readback=ConfigReadback(
        ReadbackStatus.READ, entries, node_id=1))
    return result(edit_broker(b, 1, metadata=StageResult.passed(1.0, md)))


def _certificate(subject: str) -> CertificateInfo:
    return CertificateInfo(subject, subject, None, (), (), "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                           "01", "ab" * 32, True)


def _routed(subject: str) -> CheckResult:
    """A TLS listener behind a router whose certificate does not name the advertised host."""
    name = "kafka-2.example.com"
    tls = TlsDetail("TLSv1.3", verified=True, hostname_checked=name, failure=TlsFailure.HOSTNAME,
                    name_match=NameMatch(name, NameKind.DNS, False), certificate=_certificate(subject),
                    server_name=name)
    return result(cluster(GOOD, Broker(2, f"{name}:9093", fail=Stage.TLS, reason=Reason.TLS_FAILED,
                                       detail=tls)), protocol="SSL")


def _sampled(*responders: int) -> CheckResult:
    """Broker 1 advertises the bootstrap address; ``responders``: who each sampled connection reached."""
    detail = BalancerDetail("127.0.0.1", 9092, "127.0.0.1", responders)
    return result(dataclasses.replace(cluster(GOOD, NAMED), balancer=StageResult.passed(1.0, detail)))


SASL = "SASL_PLAINTEXT"
NAMED = Broker(2, "kafka-2:9092")
SECOND = Broker(1, "127.0.0.2:9092")  # another listener's bootstrap
WRONG_PASSWORD = SaslDetail("PLAIN", "user", outcome=SaslOutcome.WRONG_PASSWORD)
DROPPED = Broker(2, "10.0.0.1:9092", fail=Stage.TCP, reason=Reason.TIMEOUT)
CONTROLLER = Broker(2, "127.0.0.1:9093", fail=Stage.METADATA, reason=Reason.BROKER_ERROR)
LISTENERS = (("listeners", "PLAINTEXT://:9092"), ("advertised.listeners", "PLAINTEXT://127.0.0.1:9092"),
             ("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT"))

CASES = {
    "bootstrap_rules": Case(per_bootstrap(bootstrap_rules.bootstrap_findings), C.BOOTSTRAP_UNREACHABLE,
                            result(unanswered()), result(cluster(GOOD))),
    "bootstrap_rules.cross": Case(
        all_bootstraps(bootstrap_rules.cross_bootstrap_findings), C.BOOTSTRAP_CLUSTER_MISMATCH,
        result(cluster(GOOD), cluster(SECOND, bootstrap=SECOND.address, cluster_id="another")),
        result(cluster(GOOD), cluster(SECOND, bootstrap=SECOND.address))),
    "broker_rules": Case(per_bootstrap(broker_rules.broker_findings), C.ADVERTISED_UNRESOLVABLE,
                         result(cluster(GOOD, Broker(2, "kafka-2:9092", fail=Stage.RESOLVE))),
                         result(cluster(GOOD, Broker(2, "kafka-2:9092")))),
    "security_rules": Case(per_bootstrap(security_rules.security_findings), C.SASL_AUTH_FAILED,
                           result(cluster(GOOD, Broker(2, "127.0.0.1:9093", fail=Stage.SASL,
                                                       reason=Reason.AUTH_FAILED, detail=WRONG_PASSWORD)),
                                  protocol=SASL),
                           result(cluster(GOOD, Broker(2, "127.0.0.1:9093")), protocol=SASL)),
    "sni_rules": Case(per_bootstrap(security_rules.security_findings), C.TLS_ROUTER_DEFAULT_CERTIFICATE,
                      _routed("CN=Kubernetes Ingress Controller Fake Certificate,O=Acme Co"),
                      _routed("CN=kafka.example.com")),
    "resolution_rules": Case(per_bootstrap(resolution_rules.resolution_findings), C.RESOLVER_DISAGREEMENT,
                             result(edit_broker(cluster(GOOD, NAMED), 2, _resolved("10.0.0.2"))),
                             result(edit_broker(cluster(GOOD, NAMED), 2, _resolved("10.0.0.1")))),
    "balancer_rules": Case(per_bootstrap(balancer_rules.balancer_findings), C.ADVERTISED_LOAD_BALANCER,
                           _sampled(1, 2, 1, 2), _sampled(1, 1, 1, 1)),
    "client_rules": Case(per_bootstrap(client_rules.client_findings), C.CLIENT_METADATA_FAILED,
                         result(cluster(GOOD, client=client_failure("_SSL"))), result(cluster(GOOD))),
    "controller_rules": Case(per_bootstrap(controller_rules.controller_findings), C.LISTENER_IS_CONTROLLER,
                             result(edit_broker(cluster(GOOD, CONTROLLER), 2, kafka=_kafka(18, 52, 62))),
                             result(edit_broker(cluster(GOOD, CONTROLLER), 2, kafka=_kafka(0, 3, 18, 52)))),
    "deep_rules": Case(per_bootstrap(deep_rules.deep_findings), C.PATH_SILENTLY_DROPPED,
                       result(edit_broker(cluster(GOOD, DROPPED), 2, deep=_deep(Answer.NOTHING))),
                       result(cluster(GOOD, DROPPED))),
    "deep_rules.run": Case(deep_rules.run_findings, C.DEEP_NO_RAW_SOCKETS,
                           result(edit_broker(cluster(GOOD, DROPPED), 2, deep=StageResult.passed(
                               1.0, DeepDetail(False)))),
                           result(edit_broker(cluster(GOOD, DROPPED), 2, deep=_deep(Answer.NOTHING)))),
    "expectation_rules": Case(per_bootstrap(expectation_rules.expectation_findings), C.EXPECT_BROKER_COUNT,
                              result(cluster(GOOD), expect=Expectations(brokers=3)),
                              result(cluster(GOOD), expect=Expectations(brokers=1))),
    "expectation_rules.advertised": Case(
        expectation_rules.advertised_expectation_findings, C.EXPECT_ADVERTISED_MISSING,
        result(cluster(GOOD), expect=Expectations(advertised=("kafka-9:9092",))),
        result(cluster(GOOD), expect=Expectations(advertised=("127.0.0.1:9092",)))),
    "health_rules": Case(per_bootstrap(health_rules.health_findings), C.HEALTH_OFFLINE_PARTITIONS,
                         result(with_topics(cluster(GOOD), topic("orders", (-1, (1,), ())))),
                         result(with_topics(cluster(GOOD), topic("orders", (1, (1,), (1,)))))),
    "topic_rules": Case(per_bootstrap(topic_rules.topic_findings), C.BROKER_LISTENER_MISSING,
                        result(with_topics(cluster(GOOD), topic("orders", (9, (9,), (9,))))),
                        result(with_topics(cluster(GOOD), topic("orders", (1, (1,), (1,)))))),
    "config_rules": Case(per_bootstrap(config_rules.readback_findings), C.CONFIG_NOT_READABLE,
                         result(cluster(GOOD)), _readback(*LISTENERS)),
    "run_rules.limits": Case(per_bootstrap(run_rules.limit_findings), C.RUN_LIMIT_REACHED,
                            result(cluster(GOOD, Broker(2, "kafka-2:9092", resolves_to=tuple(
                                f"10.0.0.{i}" for i in range(1, 10))))),
                            result(cluster(GOOD, Broker(2, "kafka-2:9092", resolves_to=tuple(
                                f"10.0.0.{i}" for i in range(1, 9)))))),
    "run_rules": Case(run_rules.run_findings, C.PROXY_IGNORED,
                         dataclasses.replace(result(cluster(GOOD, DROPPED)), vantage=dataclasses.replace(
                             VANTAGE, proxy_variables=("HTTPS_PROXY",))),
                         dataclasses.replace(result(cluster(GOOD)), vantage=dataclasses.replace(
                             VANTAGE, proxy_variables=("HTTPS_PROXY",)))),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rule_triggers_and_its_near_miss_does_not(case: Case) -> None:
    assert case.code in {f.code for f in case.rule(case.trigger)}
    assert case.code not in {f.code for f in case.rule(case.near_miss)}


def test_every_registered_rules_module_has_a_case() -> None:
    modules = {name for spec in REGISTRY for name in spec.rules} | {"sni_rules"}  # sni: via security
    assert modules == {name.split(".")[0] for name in CASES}
