"""Pure analysis: a CheckResult in, findings and a verdict out. No I/O here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from listencheck import __version__
from listencheck.analysis import deep_rules
from listencheck.analysis.balancer_rules import balancer_findings
from listencheck.analysis.bootstrap_rules import bootstrap_findings, cross_bootstrap_findings
from listencheck.analysis.broker_rules import broker_findings
from listencheck.analysis.client_rules import client_findings
from listencheck.analysis.config_rules import (
    given_config_findings,
    readback_findings,
    readback_rule_findings,
)
from listencheck.analysis.context import BootstrapContext, context_for, new_finding
from listencheck.analysis.controller_rules import controller_findings
from listencheck.analysis.expectation_rules import advertised_expectation_findings, expectation_findings
from listencheck.analysis.fix_rules import broker_fixes
from listencheck.analysis.headline import headline
from listencheck.analysis.health_rules import health_findings
from listencheck.analysis.problems import group
from listencheck.analysis.resolution_rules import resolution_findings
from listencheck.analysis.security_rules import security_findings
from listencheck.analysis.suppress import settle
from listencheck.analysis.topic_rules import topic_findings
from listencheck.brokerconfig.readback import given_brokers, known_configs
from listencheck.catalogue import CATALOGUE
from listencheck.codes import FindingCode
from listencheck.fixes.platforms import AUTO
from listencheck.limits import MAX_ADDRESSES_PER_HOST, MAX_BROKERS, MAX_PARTITIONS, MAX_TOPICS
from listencheck.models import (
    CheckResult,
    Expectations,
    Finding,
    Problem,
    Reason,
    Report,
    Severity,
    StageStatus,
    Subject,
    Verdict,
)
from listencheck.stages import ATTEMPT_STAGES, SPECS, Stage
from listencheck.status import ExitStatus

__all__ = ["analyze", "build_report", "verdict_for"]


def analyze(result: CheckResult) -> tuple[Finding, ...]:
    contexts = [context_for(result, b) for b in result.bootstraps]
    findings: list[Finding] = []
    for ctx in contexts:
        findings.extend(bootstrap_findings(ctx))
        findings.extend(broker_findings(ctx))
        findings.extend(balancer_findings(ctx))
        findings.extend(security_findings(ctx))
        findings.extend(resolution_findings(ctx))
        findings.extend(client_findings(ctx))
        findings.extend(_limit_findings(ctx))
        findings.extend(topic_findings(ctx))
        findings.extend(health_findings(ctx))
        findings.extend(controller_findings(ctx))
        findings.extend(expectation_findings(ctx))
        findings.extend(readback_findings(ctx))
        findings.extend(readback_rule_findings(ctx))
        findings.extend(deep_rules.deep_findings(ctx))
    findings.extend(cross_bootstrap_findings(contexts))
    findings.extend(given_config_findings(result))
    findings.extend(advertised_expectation_findings(result))
    findings.extend(_run_findings(result))
    findings.extend(deep_rules.run_findings(result))
    findings = settle(result, findings)
    order = {b.argument: i for i, b in enumerate(result.bootstraps)}
    codes = {code: i for i, code in enumerate(CATALOGUE)}  # symptoms before address kinds
    return tuple(sorted(
        findings,
        key=lambda f: (f.severity.rank, order.get(f.bootstrap or "", len(order)), _scope(f),
                       f.broker_id if f.broker_id is not None else -1, codes[f.code]),
    ))


def _scope(finding: Finding) -> int:
    """Within a bootstrap: its own findings, then each broker's, then consequences."""
    if finding.broker_id is not None:
        return 1
    return 2 if SPECS[finding.stage].late else 0


def _limit_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    md = ctx.bootstrap.metadata
    if md is not None and len(md.detail.brokers) > len(ctx.bootstrap.brokers):
        yield ctx.finding(
            FindingCode.RUN_LIMIT_REACHED, Severity.WARNING, ctx.server(md.source),
            f"{md.source} lists {len(md.detail.brokers)} brokers; the first {MAX_BROKERS} were probed, "
            f"the other {len(md.detail.brokers) - len(ctx.bootstrap.brokers)} were not.",
            "If the cluster really is that large, check it a part at a time; otherwise the bootstrap "
            "server does not answer like a sane Kafka broker.",
            {"limit": "brokers probed per bootstrap", "max": MAX_BROKERS,
             "brokers": len(md.detail.brokers)},
            Stage.METADATA,
        )
    topics = ctx.bootstrap.topics.detail
    if topics is not None and topics.truncated:
        kept = sum(len(t.partitions) for t in topics.topics)
        yield ctx.finding(
            FindingCode.RUN_LIMIT_REACHED, Severity.WARNING, ctx.whole(md.source if md is not None else None),
            f"The topic metadata lists {topics.topic_count} topics with {topics.partition_count} "
            f"partitions; {len(topics.topics)} topics with {kept} partitions were analysed, the "
            f"rest only counted.",
            "Name the topics your application uses with --topic (repeatable).",
            {"limit": "topics and partitions analysed", "max_topics": MAX_TOPICS,
             "max_partitions": MAX_PARTITIONS, "topics": topics.topic_count,
             "partitions": topics.partition_count},
            Stage.TOPICS,
        )
    probes = {p.endpoint: p for p in [*ctx.bootstrap.servers, *(b.probe for b in ctx.bootstrap.brokers)]}
    for probe in probes.values():
        resolved = probe.resolve.detail
        if resolved is not None and len(resolved.addresses) > MAX_ADDRESSES_PER_HOST:
            yield ctx.finding(
                FindingCode.RUN_LIMIT_REACHED, Severity.WARNING, ctx.probe_subject(probe),
                f"{probe.endpoint.host} resolves to {len(resolved.addresses)} addresses; the first "
                f"{MAX_ADDRESSES_PER_HOST} were tried, the others were not.",
                "A client tries them all in turn: remove the stale records so that every address "
                "of the name is a listener of this broker.",
                {"limit": "addresses tried per host", "max": MAX_ADDRESSES_PER_HOST,
                 "addresses": len(resolved.addresses), "host": probe.endpoint.host},
                Stage.RESOLVE,
            )


def _run_findings(result: CheckResult) -> Iterator[Finding]:
    skipped = sum(
        1
        for b in result.bootstraps
        for probe in list(b.servers) + [br.probe for br in b.brokers]
        for stage in [probe.resolve] + [a.result(s) for a in probe.attempts for s in ATTEMPT_STAGES]
        if stage.status is StageStatus.NOT_RUN and stage.reason is Reason.DEADLINE
    )
    yield from _proxy_findings(result)
    if result.deadline_hit and skipped:
        yield new_finding(
            FindingCode.RUN_INCOMPLETE, Severity.WARNING, Subject.run(),
            f"The run's deadline ({result.settings.deadline_s:g}s) passed; {skipped} stage(s) "
            f"did not run.",
            "Run again with a larger --deadline, or a smaller --timeout.",
            {"deadline_s": result.settings.deadline_s, "timeout_s": result.settings.timeout_s,
             "stages_not_run": skipped},
        )


def _proxy_findings(result: CheckResult) -> Iterator[Finding]:
    """Proxy variables set while something does not work: said once, since clients ignore them."""
    proxies = result.vantage.proxy_variables
    failing = any(not p.works for b in result.bootstraps for p in [*b.servers, *(x.probe for x in b.brokers)])
    if proxies and failing:
        yield new_finding(
            FindingCode.PROXY_IGNORED, Severity.INFO, Subject.run(),
            f"{', '.join(proxies)} {'is' if len(proxies) == 1 else 'are'} set here, but Kafka clients do "
            f"not use HTTP proxies: they connect to every broker directly, so the failures above are "
            f"what your client sees, proxy or not.",
            "Reach the brokers directly (a route, a VPN, a listener advertised on a network this client "
            "is on); a tunnel needs one forwarded port per broker and advertised addresses that match.",
            {"variables": list(proxies)},
        )


def verdict_for(result: CheckResult, findings: tuple[Finding, ...],
                problems: tuple[Problem, ...] | None = None) -> Verdict:
    """Exit status and summary; ``settings.fail_on`` decides which severities fail the run."""
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    fail_on = result.settings.fail_on
    failing_problems = [p for p in (group(findings) if problems is None else problems)
                        if p.severity.at_least(fail_on)]
    failing = len(failing_problems)
    if result.failure is not None:  # nothing was measured: the failure is the whole story
        code = result.failure.kind.status
        return Verdict(int(code), 0, 0, 0, f"{result.failure.kind}: {result.failure.message}")
    if result.interrupted:
        code = ExitStatus.TERMINATED if result.stopped_by == "SIGTERM" else ExitStatus.INTERRUPTED
        by = f", stopped by {result.stopped_by}" if result.stopped_by else ""
        summary = f"this report is partial{by}"
    elif result.bootstraps and not any(b.answered for b in result.bootstraps):
        code, summary = ExitStatus.NO_BOOTSTRAP, _no_metadata(result, findings)
    elif counts[Severity.ERROR]:
        code = ExitStatus.ERROR_FINDINGS
        unmet_only = all(f.stage is Stage.EXPECTATIONS for f in findings if f.severity is Severity.ERROR)
        summary = ("the cluster does not meet the expectations: " if unmet_only else "") + \
            _first_problem(failing_problems)
    elif counts[Severity.WARNING] and Severity.WARNING.at_least(fail_on):
        code = ExitStatus.ERROR_FINDINGS
        summary = "warnings fail this check (--fail-on warning): " + _first_problem(failing_problems)
    else:
        code, summary = ExitStatus.OK, "every advertised listener works from here"
        if result.settings.expect != Expectations():
            summary += ", as expected"
    summary += (f" ({_count(counts[Severity.ERROR], 'error')}, "
                f"{_count(counts[Severity.WARNING], 'warning')}, {_count(counts[Severity.INFO], 'note')})")
    return Verdict(int(code), counts[Severity.ERROR], counts[Severity.WARNING],
                   counts[Severity.INFO], summary, failing)


def _first_problem(problems: list[Problem]) -> str:
    """The verdict names what is wrong: the first problem, and how many more there are."""
    if not problems:
        return "see the findings above"
    more = len(problems) - 1
    return headline(problems[0].headline) + (f", and {_count(more, 'more problem')}" if more else "")


def _no_metadata(result: CheckResult, findings: tuple[Finding, ...]) -> str:
    """Why no bootstrap gave metadata: nothing answered, or what did answer (a listener
    speaking another security protocol, a failed SASL login...)."""
    connected = any(a.tcp.ok for b in result.bootstraps for s in b.servers for a in s.attempts)
    first = next((f for f in findings if f.severity is Severity.ERROR and f.broker_id is None), None)
    if not connected or first is None:
        return "no bootstrap server answered"
    return f"no metadata from the bootstrap: {first.message.split(': ')[0].rstrip('.')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def build_report(result: CheckResult, platform: str = AUTO) -> Report:
    """Findings, verdict and the configuration fix of each broker (``platform``: its syntax)."""
    findings = analyze(result)
    problems = group(findings)
    given = given_brokers(result)
    fixes = tuple(fix for b in result.bootstraps for fix in broker_fixes(
        context_for(result, b), findings, platform, known_configs(b, given)))
    fixes = tuple(dataclasses.replace(fix, problems=tuple(
        p.id for p in problems
        if p.subject.bootstrap == fix.bootstrap and fix.broker_id in _brokers_of(p, findings)
        and set(p.codes) & set(fix.codes))) for fix in fixes)
    return Report(__version__, result, findings, verdict_for(result, findings, problems), fixes,
                  problems=problems)


def _brokers_of(problem: Problem, findings: tuple[Finding, ...]) -> set[int | None]:
    """The brokers a problem is about: its subject's, and those its findings are at or name
    (a load balancer's problem names the brokers that advertise it)."""
    brokers: set[int | None] = {problem.subject.broker_id}
    for index in problem.findings:
        brokers.add(findings[index].broker_id)
        named = findings[index].evidence.get("broker_ids")
        if isinstance(named, list):
            brokers.update(v for v in named if isinstance(v, int))
    return brokers
