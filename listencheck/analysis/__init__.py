"""Pure analysis: a CheckResult in, findings and a verdict out. No I/O here."""

from __future__ import annotations

from collections.abc import Iterator

from listencheck import __version__
from listencheck.analysis import deep_rules, expectation_rules
from listencheck.analysis.bootstrap_rules import bootstrap_findings, cross_bootstrap_findings
from listencheck.analysis.broker_rules import broker_findings
from listencheck.analysis.context import BootstrapContext, context_for
from listencheck.analysis.expectation_rules import advertised_expectation_findings, expectation_findings
from listencheck.analysis.resolution_rules import resolution_findings
from listencheck.analysis.security_rules import security_findings
from listencheck.catalogue import CATALOGUE
from listencheck.limits import MAX_ADDRESSES_PER_HOST, MAX_BROKERS, MAX_PARTITIONS, MAX_TOPICS
from listencheck.models import (
    CheckResult,
    Expectations,
    Finding,
    Report,
    Severity,
    StageStatus,
    Verdict,
)
from listencheck.status import ExitStatus

__all__ = ["analyze", "build_report", "verdict_for"]


def analyze(result: CheckResult) -> tuple[Finding, ...]:
    contexts = [context_for(result, b) for b in result.bootstraps]
    findings: list[Finding] = []
    for ctx in contexts:
        findings.extend(bootstrap_findings(ctx))
        findings.extend(broker_findings(ctx))
        findings.extend(security_findings(ctx))
        findings.extend(resolution_findings(ctx))
        findings.extend(_client_findings(ctx, findings))
        findings.extend(_limit_findings(ctx))
        findings.extend(expectation_findings(ctx))
        findings.extend(deep_rules.deep_findings(ctx))
    findings.extend(cross_bootstrap_findings(contexts))
    findings.extend(advertised_expectation_findings(result))
    findings.extend(_run_findings(result))
    findings.extend(deep_rules.run_findings(result))
    order = {b.argument: i for i, b in enumerate(result.bootstraps)}
    codes = {code: i for i, code in enumerate(CATALOGUE)}  # symptoms before address kinds
    return tuple(sorted(
        findings,
        key=lambda f: (f.severity.rank, order.get(f.bootstrap or "", len(order)), _scope(f),
                       f.broker_id if f.broker_id is not None else -1, codes[f.code]),
    ))


_CONSEQUENCES = ("CLIENT_", "RESOLVER_", "RUN_")


def _scope(finding: Finding) -> int:
    """Within a bootstrap: its own findings, then each broker's, then consequences."""
    if finding.broker_id is not None:
        return 1
    return 2 if finding.code.startswith(_CONSEQUENCES) else 0


def _client_findings(ctx: BootstrapContext, so_far: list[Finding]) -> Iterator[Finding]:
    client = ctx.bootstrap.client
    if not client.failed or not ctx.bootstrap.answered:
        return  # with no bootstrap answering, the BOOTSTRAP_* findings say it all
    detail = client.detail
    explained = any(f.severity is Severity.ERROR and f.bootstrap == ctx.argument for f in so_far)
    fix = (
        "Fix the addresses named in the other errors; the client library follows them."
        if explained else
        "listencheck's own probes found every advertised address working, so the failure is in "
        "how the client library talks to these brokers (a proxy or broker that mishandles the "
        "request versions real clients send, or a client setting): read the log lines in the "
        "evidence and rerun your client with -X debug=broker,protocol."
    )
    if detail is not None and detail.unreachable:
        yield from _client_unreachable(ctx, so_far)
        return
    message = (client.error.message if client.error else "failed").rstrip(".")
    yield ctx.finding(
        "CLIENT_METADATA_FAILED", Severity.ERROR,
        f"The Kafka client library itself fails with these settings: {message}.", fix,
        {"library": detail.library if detail else None,
         "error": detail.error_code if detail else None,
         "message": client.error.message if client.error else None,
         "log": list(detail.log) if detail else []},
    )


def _client_unreachable(ctx: BootstrapContext, so_far: list[Finding]) -> Iterator[Finding]:
    """librdkafka got metadata but could not talk to these brokers: one finding each."""
    detail = ctx.bootstrap.client.detail
    assert detail is not None
    advertised = {b.advertised.node_id: b.advertised.address for b in ctx.bootstrap.brokers}
    for node_id, code in detail.unreachable:
        address = advertised.get(node_id)
        ours = [f.code for f in so_far if f.bootstrap == ctx.argument and f.broker_id == node_id
                and f.severity is Severity.ERROR]
        fix = (
            f"Fix what {', '.join(sorted(set(ours)))} say for this broker; the client library follows "
            f"the advertised address too."
            if ours else
            "listencheck's own probes reached this broker, but the client library, with your "
            "settings, did not: compare the evidence's log lines with your client settings "
            "(security.protocol, ssl.*, sasl.*, broker.address.family) and rerun your client "
            "with -X debug=broker,security."
        )
        yield ctx.finding(
            "CLIENT_BROKER_UNREACHABLE", Severity.ERROR,
            f"The Kafka client library got the metadata but could not talk to broker {node_id}"
            f"{f' at {address}' if address else ''} ({code}).", fix,
            {"library": detail.library, "error": code, "also_found_by_listencheck": sorted(set(ours)),
             "log": list(detail.log)},
            node_id, address,
        )


def _limit_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    md = ctx.bootstrap.metadata
    if md is not None and len(md.detail.brokers) > len(ctx.bootstrap.brokers):
        yield ctx.finding(
            "RUN_LIMIT_REACHED", Severity.WARNING,
            f"{md.source} lists {len(md.detail.brokers)} brokers; the first {MAX_BROKERS} were probed, "
            f"the other {len(md.detail.brokers) - len(ctx.bootstrap.brokers)} were not.",
            "If the cluster really is that large, check it a part at a time; otherwise the bootstrap "
            "server does not answer like a sane Kafka broker.",
            {"limit": "brokers probed per bootstrap", "max": MAX_BROKERS,
             "brokers": len(md.detail.brokers)},
            address=md.source,
        )
    topics = ctx.bootstrap.topics.detail
    if topics is not None and topics.truncated:
        kept = sum(len(t.partitions) for t in topics.topics)
        yield ctx.finding(
            "RUN_LIMIT_REACHED", Severity.WARNING,
            f"The topic metadata lists {topics.topic_count} topics with {topics.partition_count} "
            f"partitions; {len(topics.topics)} topics with {kept} partitions were analysed, the "
            f"rest only counted.",
            "Name the topics your application uses with --topic (repeatable).",
            {"limit": "topics and partitions analysed", "max_topics": MAX_TOPICS,
             "max_partitions": MAX_PARTITIONS, "topics": topics.topic_count,
             "partitions": topics.partition_count},
            address=md.source if md is not None else None,
        )
    probes = {p.endpoint: p for p in [*ctx.bootstrap.servers, *(b.probe for b in ctx.bootstrap.brokers)]}
    for probe in probes.values():
        resolved = probe.resolve.detail
        if resolved is not None and len(resolved.addresses) > MAX_ADDRESSES_PER_HOST:
            yield ctx.finding(
                "RUN_LIMIT_REACHED", Severity.WARNING,
                f"{probe.endpoint.host} resolves to {len(resolved.addresses)} addresses; the first "
                f"{MAX_ADDRESSES_PER_HOST} were tried, the others were not.",
                "A client tries them all in turn: remove the stale records so that every address "
                "of the name is a listener of this broker.",
                {"limit": "addresses tried per host", "max": MAX_ADDRESSES_PER_HOST,
                 "addresses": len(resolved.addresses), "host": probe.endpoint.host},
                address=str(probe.endpoint),
            )


def _run_findings(result: CheckResult) -> Iterator[Finding]:
    skipped = sum(
        1
        for b in result.bootstraps
        for probe in list(b.servers) + [br.probe for br in b.brokers]
        for stage in [probe.resolve] + [getattr(a, s) for a in probe.attempts
                                        for s in ("tcp", "tls", "kafka", "sasl", "metadata")]
        if stage.status is StageStatus.NOT_RUN and stage.error and stage.error.reason.value == "deadline"
    )
    if result.deadline_hit and skipped:
        yield Finding(
            "RUN_INCOMPLETE", Severity.WARNING,
            f"The run's deadline ({result.settings.deadline_s:g}s) passed; {skipped} stage(s) "
            f"did not run.",
            "Run again with a larger --deadline, or a smaller --timeout.",
            {"deadline_s": result.settings.deadline_s, "timeout_s": result.settings.timeout_s,
             "stages_not_run": skipped},
        )


_FAILURE_STATUS = {"usage": ExitStatus.USAGE, "interrupted": ExitStatus.INTERRUPTED,
                   "terminated": ExitStatus.TERMINATED, "internal": ExitStatus.INTERNAL}


def verdict_for(result: CheckResult, findings: tuple[Finding, ...]) -> Verdict:
    """Exit status and summary; ``settings.fail_on`` decides which severities fail the run."""
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    fail_on = result.settings.fail_on
    if result.failure is not None:  # nothing was measured: the failure is the whole story
        code = _FAILURE_STATUS.get(result.failure.kind, ExitStatus.INTERNAL)
        return Verdict(int(code), 0, 0, 0, f"{result.failure.kind}: {result.failure.message}")
    if result.interrupted:
        code = ExitStatus.TERMINATED if result.stopped_by == "SIGTERM" else ExitStatus.INTERRUPTED
        by = f" ({result.stopped_by})" if result.stopped_by else ""
        summary = f"interrupted{by}: this report is partial"
    elif result.bootstraps and not any(b.answered for b in result.bootstraps):
        code, summary = ExitStatus.NO_BOOTSTRAP, "no bootstrap server answered"
    elif counts[Severity.ERROR]:
        code = ExitStatus.ERROR_FINDINGS
        unmet_only = all(f.code in expectation_rules.CODES for f in findings if f.severity is Severity.ERROR)
        summary = ("the cluster does not meet the expectations: see the errors above" if unmet_only
                   else "clients will fail: fix the errors above")
    elif counts[Severity.WARNING] and Severity.WARNING.at_least(fail_on):
        code = ExitStatus.ERROR_FINDINGS
        summary = "warnings fail this check (--fail-on warning): fix the warnings above"
    else:
        code, summary = ExitStatus.OK, "every advertised listener works from here"
        if result.settings.expect != Expectations():
            summary += ", as expected"
    summary += (f" ({_count(counts[Severity.ERROR], 'error')}, "
                f"{_count(counts[Severity.WARNING], 'warning')}, {_count(counts[Severity.INFO], 'note')})")
    return Verdict(int(code), counts[Severity.ERROR], counts[Severity.WARNING],
                   counts[Severity.INFO], summary)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def build_report(result: CheckResult) -> Report:
    findings = analyze(result)
    return Report(__version__, result, findings, verdict_for(result, findings))
