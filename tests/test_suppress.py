"""The pass after the rules (listencheck/analysis/suppress.py), on CheckResults built in memory."""

from __future__ import annotations

from listencheck.analysis import analyze
from listencheck.analysis.context import context_for, new_finding
from listencheck.analysis.suppress import OWN_PROBE_STAGES, settle
from listencheck.codes import FindingCode
from listencheck.models import Finding, Reason, Severity
from listencheck.stages import Stage
from tests.support.results import Broker, attempt, client_failure, cluster, edit_broker, result

ONE_BAD = (Broker(1, "127.0.0.1:9092"), Broker(2, "kafka-2:9092", fail=Stage.RESOLVE))


def codes(findings: tuple[Finding, ...] | list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.code.value, f.broker_id) for f in findings]


def one(findings: tuple[Finding, ...], code: FindingCode) -> Finding:
    (found,) = [f for f in findings if f.code is code]
    return found


def test_a_transport_failure_is_the_brokers_the_probes_found_failing() -> None:
    findings = analyze(result(cluster(*ONE_BAD, client=client_failure("_TRANSPORT"))))
    client = [f for f in findings if f.stage is Stage.CLIENT]
    assert codes(client) == [("CLIENT_BROKER_UNREACHABLE", 2)]  # not broker 1, and no METADATA_FAILED
    # kafka-2 is also a network-internal name: an error too, since it does not resolve here
    assert client[0].evidence["also_found_by_listencheck"] == ["ADVERTISED_INTERNAL_NAME",
                                                               "ADVERTISED_UNRESOLVABLE"]
    assert client[0].fix.startswith("Fix what ADVERTISED_INTERNAL_NAME, ADVERTISED_UNRESOLVABLE say")


def errors(findings: tuple[Finding, ...] | list[Finding]) -> list[tuple[str, int | None]]:
    return codes([f for f in findings if f.severity is Severity.ERROR])


def test_a_transport_failure_with_every_broker_working_is_the_metadata_request() -> None:
    findings = analyze(result(cluster(Broker(1, "127.0.0.1:9092"), client=client_failure("_TRANSPORT"))))
    assert errors(findings) == [("CLIENT_METADATA_FAILED", None)]
    assert findings[0].fix.startswith("listencheck's own probes found every advertised address working")


def test_another_client_failure_points_at_the_other_errors() -> None:
    findings = analyze(result(cluster(*ONE_BAD, client=client_failure("_SSL"))))
    assert ("ADVERTISED_UNRESOLVABLE", 2) in errors(findings)
    assert one(findings, FindingCode.CLIENT_METADATA_FAILED).fix.startswith("Fix the addresses named")
    assert not [f for f in findings if f.code is FindingCode.CLIENT_BROKER_UNREACHABLE]


def test_a_broker_the_library_names_stands_even_when_the_probes_reached_it() -> None:
    failure = client_failure(None, unreachable=((1, "_TRANSPORT"),))
    findings = analyze(result(cluster(Broker(1, "127.0.0.1:9092"), client=failure)))
    assert errors(findings) == [("CLIENT_BROKER_UNREACHABLE", 1)]
    client = one(findings, FindingCode.CLIENT_BROKER_UNREACHABLE)
    assert client.evidence["also_found_by_listencheck"] == []
    assert client.fix.startswith("listencheck's own probes reached this broker")
    assert "after fetching the metadata" in client.message


def test_deep_and_topic_findings_are_not_what_the_client_cites() -> None:
    """Only the address's own probe stages count (as before the pass existed): a PATH_* error from
    --deep explains the failure, it is not a second thing to fix."""
    check = result(cluster(*ONE_BAD, client=client_failure("_TRANSPORT")))
    ctx = context_for(check, check.bootstraps[0])
    path = new_finding(FindingCode.PATH_NO_ROUTE, Severity.ERROR, ctx.broker(2, "kafka-2:9092"), "m", "f", {})
    settled = settle(check, [*analyze(check), path])
    assert "PATH_NO_ROUTE" not in one(tuple(settled), FindingCode.CLIENT_BROKER_UNREACHABLE).evidence[
        "also_found_by_listencheck"]


def test_a_controller_listener_supersedes_the_metadata_failure_of_its_address_only() -> None:
    check = result(cluster(Broker(1, "127.0.0.1:9093", fail=Stage.METADATA, reason=Reason.BROKER_ERROR),
                           Broker(2, "127.0.0.1:9094", fail=Stage.METADATA, reason=Reason.BROKER_ERROR)))
    ctx = context_for(check, check.bootstraps[0])
    rules = [*analyze(check)]
    kafka = {"ADVERTISED_METADATA_FAILED", "LISTENER_IS_CONTROLLER"}
    assert [c for c in codes(rules) if c[0] in kafka] == [
        ("ADVERTISED_METADATA_FAILED", 1), ("ADVERTISED_METADATA_FAILED", 2)]
    controller = new_finding(FindingCode.LISTENER_IS_CONTROLLER, Severity.ERROR,
                             ctx.broker(1, "127.0.0.1:9093"), "m", "f", {})
    settled = settle(check, [*rules, controller])
    assert [c for c in codes(settled) if c[0] in kafka] == [
        ("ADVERTISED_METADATA_FAILED", 2), ("LISTENER_IS_CONTROLLER", 1)]


def test_the_pass_keeps_order_and_is_idempotent() -> None:
    check = result(cluster(*ONE_BAD, client=client_failure("_TRANSPORT")))
    once = settle(check, list(analyze(check)))
    assert settle(check, once) == once


def test_what_the_client_cites_follows_the_registry() -> None:
    """The probe stages count (a new one too, such as the balancer's); explanations, consequences
    and the configuration, expectations and run do not."""
    assert {Stage.ADDRESS, Stage.RESOLVE, Stage.TCP, Stage.TLS, Stage.KAFKA, Stage.SASL, Stage.METADATA,
            Stage.IDENTITY, Stage.CLUSTER, Stage.BALANCER} <= OWN_PROBE_STAGES
    assert not {Stage.DEEP, Stage.RESOLVERS, Stage.LISTENER, Stage.TOPICS, Stage.CLIENT, Stage.CONFIG,
                Stage.EXPECTATIONS, Stage.RUN} & OWN_PROBE_STAGES


def test_a_library_stalled_on_a_partly_reachable_broker_is_the_warning_not_an_error() -> None:
    """kafka.example resolves to an IPv4 address that refuses and an IPv6 address that works:
    librdkafka may spend this run's budget on the refusing one (it re-resolves after a failure
    and starts over). That is the stall ADVERTISED_PARTIALLY_REACHABLE predicts: the library's
    error goes into that warning, and the run has no error."""
    failure = client_failure(None, unreachable=((1, "_TRANSPORT"),))
    bootstrap = cluster(Broker(1, "kafka.example:9092", resolves_to=("fd00::1",)), client=failure)
    refused = attempt("10.0.0.1", 9092, None, Stage.TCP)
    bootstrap = edit_broker(bootstrap, 1, probe={"attempts": (refused, *bootstrap.brokers[0].probe.attempts)})
    findings = analyze(result(bootstrap))
    assert errors(findings) == []
    partly = one(findings, FindingCode.ADVERTISED_PARTIALLY_REACHABLE)
    assert partly.evidence["client_library"] == {"error": "_TRANSPORT", "log": ["rdkafka: a log line"]}
    assert "did not get through to it within this run either (_TRANSPORT)" in partly.message


def test_a_library_failure_on_a_broker_refusing_on_every_address_stands() -> None:
    failure = client_failure(None, unreachable=((1, "_TRANSPORT"),))
    bootstrap = cluster(Broker(1, "kafka.example:9092", resolves_to=("fd00::1",)), client=failure)
    refused = attempt("10.0.0.1", 9092, None, Stage.TCP)
    alone = edit_broker(bootstrap, 1, probe={"attempts": (refused,)})
    findings = analyze(result(alone))
    assert ("CLIENT_BROKER_UNREACHABLE", 1) in errors(findings)
    assert not [f for f in findings if f.code is FindingCode.ADVERTISED_PARTIALLY_REACHABLE]
