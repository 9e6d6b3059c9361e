"""The grouping pass: findings that stem from one cause at one subject become one problem."""

from __future__ import annotations

from listencheck.analysis.problems import group
from listencheck.catalogue import CATALOGUE
from listencheck.codes import FindingCode as C
from listencheck.models import Finding, JsonValue, Severity, Subject

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO
B1 = Subject.broker("127.0.0.1:9092", 1, "kafka:9092")
B2 = Subject.broker("127.0.0.1:9092", 2, "kafka-2:9092")
SERVER = Subject.server("127.0.0.1:9092", "127.0.0.1:9092")


def _f(code: C, severity: Severity, subject: Subject,
       evidence: dict[str, JsonValue] | None = None) -> Finding:
    return Finding(code, severity, subject, CATALOGUE[code].stage, f"{code} message", f"{code} fix",
                   evidence or {})


def test_a_symptom_and_the_address_kind_that_explains_it_are_one_problem() -> None:
    findings = (_f(C.ADVERTISED_UNRESOLVABLE, ERR, B1), _f(C.ADVERTISED_INTERNAL_NAME, ERR, B1),
                _f(C.ADVERTISED_UNREACHABLE, ERR, B2), _f(C.ADVERTISED_TUNNEL, ERR, B2),
                _f(C.BOOTSTRAP_REDIRECT, NOTE, SERVER))
    problems = group(findings)
    assert [p.codes for p in problems] == [
        (C.ADVERTISED_UNRESOLVABLE, C.ADVERTISED_INTERNAL_NAME),
        (C.ADVERTISED_UNREACHABLE, C.ADVERTISED_TUNNEL),
        (C.BOOTSTRAP_REDIRECT,)]
    first = problems[0]
    assert (first.id, first.headline, first.fix, first.findings) == (
        "P1", "ADVERTISED_UNRESOLVABLE message", "ADVERTISED_UNRESOLVABLE fix", (0, 1))
    assert sorted(i for p in problems for i in p.findings) == list(range(len(findings)))


def test_an_informational_address_kind_is_its_own_problem() -> None:
    # The port is wrong, the loopback host right for this client: the note is a separate matter.
    findings = (_f(C.ADVERTISED_UNREACHABLE, ERR, B1), _f(C.ADVERTISED_LOOPBACK, NOTE, B1))
    assert [p.codes for p in group(findings)] == [(C.ADVERTISED_UNREACHABLE,), (C.ADVERTISED_LOOPBACK,)]


def test_findings_of_other_subjects_never_merge() -> None:
    findings = (_f(C.ADVERTISED_UNREACHABLE, ERR, B1), _f(C.ADVERTISED_TUNNEL, ERR, B2))
    assert len(group(findings)) == 2


def test_the_client_library_failing_on_the_same_broker_follows_from_its_symptom() -> None:
    follows = _f(C.CLIENT_BROKER_UNREACHABLE, ERR, B1,
                 {"also_found_by_listencheck": ["ADVERTISED_UNREACHABLE"]})
    own = _f(C.CLIENT_BROKER_UNREACHABLE, ERR, B2, {"also_found_by_listencheck": []})
    findings = (_f(C.ADVERTISED_UNREACHABLE, ERR, B1), follows, own)
    assert [p.codes for p in group(findings)] == [
        (C.ADVERTISED_UNREACHABLE, C.CLIENT_BROKER_UNREACHABLE), (C.CLIENT_BROKER_UNREACHABLE,)]


def test_an_address_kind_without_a_failing_stage_stands_alone() -> None:
    findings = (_f(C.ADVERTISED_WILDCARD, ERR, B1), _f(C.TLS_CERT_EXPIRING, WARN, B1))
    assert [p.codes for p in group(findings)] == [(C.ADVERTISED_WILDCARD,), (C.TLS_CERT_EXPIRING,)]


def test_one_routers_certificate_shown_to_several_brokers_is_one_problem() -> None:
    router = {"certificate_sha256": "ab" * 32}
    findings = (_f(C.TLS_ROUTER_DEFAULT_CERTIFICATE, ERR, SERVER, router),
                _f(C.TLS_ROUTER_DEFAULT_CERTIFICATE, ERR, B1, router),
                _f(C.CLIENT_BROKER_UNREACHABLE, ERR, B1,
                   {"also_found_by_listencheck": ["TLS_ROUTER_DEFAULT_CERTIFICATE"]}),
                _f(C.TLS_ROUTER_DEFAULT_CERTIFICATE, ERR, B2, {"certificate_sha256": "cd" * 32}))
    problems = group(findings)
    assert [p.codes for p in problems] == [
        (C.TLS_ROUTER_DEFAULT_CERTIFICATE, C.CLIENT_BROKER_UNREACHABLE),
        (C.TLS_ROUTER_DEFAULT_CERTIFICATE,)]  # another certificate: another cause
    assert problems[0].findings == (0, 1, 2) and problems[0].subject == SERVER
    assert problems[0].headline.endswith("The same holds for broker 1 (kafka:9092).")
