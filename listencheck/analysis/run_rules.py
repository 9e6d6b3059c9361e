"""Rules about the run as a whole: its limits, its deadline, proxy variables set here."""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.analysis.context import BootstrapContext, new_finding
from listencheck.analysis.rule import Rules
from listencheck.codes import FindingCode
from listencheck.limits import MAX_ADDRESSES_PER_HOST, MAX_BROKERS, MAX_PARTITIONS, MAX_TOPICS
from listencheck.models import CheckResult, Finding, Reason, Severity, StageStatus, Subject
from listencheck.stages import ATTEMPT_STAGES, Stage


def limit_findings(ctx: BootstrapContext) -> Iterator[Finding]:
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


def run_findings(result: CheckResult) -> Iterator[Finding]:
    skipped = sum(
        1
        for b in result.bootstraps
        for probe in list(b.servers) + [br.probe for br in b.brokers]
        for stage in [probe.resolve] + [a.result(s) for a in probe.attempts for s in ATTEMPT_STAGES]
        if stage.status is StageStatus.NOT_RUN and stage.reason is Reason.DEADLINE
    )
    yield from proxy_findings(result)
    if result.deadline_hit and skipped:
        yield new_finding(
            FindingCode.RUN_INCOMPLETE, Severity.WARNING, Subject.run(),
            f"The run's deadline ({result.settings.deadline_s:g}s) passed; {skipped} stage(s) "
            f"did not run.",
            "Run again with a larger --deadline, or a smaller --timeout.",
            {"deadline_s": result.settings.deadline_s, "timeout_s": result.settings.timeout_s,
             "stages_not_run": skipped},
        )


def proxy_findings(result: CheckResult) -> Iterator[Finding]:
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


RULES = Rules(bootstrap=(limit_findings,), run=(run_findings,))
