"""Pure analysis: a CheckResult in, findings and a verdict out. No I/O here."""

from __future__ import annotations

import dataclasses

from listencheck import __version__
from listencheck.analysis.context import context_for
from listencheck.analysis.fix_rules import broker_fixes
from listencheck.analysis.headline import headline
from listencheck.analysis.problems import group
from listencheck.analysis.rule import registered
from listencheck.analysis.suppress import settle
from listencheck.brokerconfig.model import AUTO
from listencheck.brokerconfig.readback import given_brokers, known_configs
from listencheck.catalogue import CATALOGUE
from listencheck.fixes.cluster import shared_strimzi_listeners
from listencheck.models import (
    CheckResult,
    Expectations,
    Finding,
    Problem,
    Report,
    Severity,
    Verdict,
)
from listencheck.stages import SPECS, Stage
from listencheck.status import ExitStatus

__all__ = ["analyze", "build_report", "verdict_for"]


def analyze(result: CheckResult, platform: str = AUTO) -> tuple[Finding, ...]:
    """Every registered rule (see ``listencheck.stages``: each stage names its rules modules) over
    the result, then the suppression pass, in report order (``platform``: --platform, for fix texts)."""
    contexts = [context_for(result, b, platform) for b in result.bootstraps]
    modules = registered()
    findings: list[Finding] = []
    for ctx in contexts:
        for module in modules:
            for rule in module.bootstrap:
                findings.extend(rule(ctx))
    for module in modules:
        for across in module.across:
            findings.extend(across(contexts))
    for module in modules:
        for once in module.run:
            findings.extend(once(result))
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
    findings = analyze(result, platform)
    problems = group(findings)
    given = given_brokers(result)
    fixes = shared_strimzi_listeners(tuple(fix for b in result.bootstraps for fix in broker_fixes(
        context_for(result, b, platform), findings, platform, known_configs(b, given))))
    about = [(p, _brokers_of(p, findings), set(p.codes)) for p in problems]  # once: fixes x problems
    fixes = tuple(dataclasses.replace(fix, problems=tuple(
        p.id for p, brokers, codes in about
        if p.subject.bootstrap == fix.bootstrap and fix.broker_id in brokers and codes & set(fix.codes)))
        for fix in fixes)
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
