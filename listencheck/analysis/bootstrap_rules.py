"""Rules about the bootstrap servers and the metadata they return."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from listencheck.analysis.context import (
    BootstrapContext,
    attempts_evidence,
    failed_stage,
    kafka_answer,
    new_finding,
    resolve_evidence,
)
from listencheck.analysis.security_rules import reported_here
from listencheck.codes import FindingCode
from listencheck.models import EndpointProbe, Finding, JsonValue, KafkaAnswer, Severity, Subject
from listencheck.stages import Stage

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO


def bootstrap_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    answered = ctx.bootstrap.answered
    for server in ctx.bootstrap.servers:
        finding = _server_finding(ctx, server, ERR if not answered else WARN)
        if finding:
            yield finding
    yield from _cluster_mismatch(ctx)
    md = ctx.bootstrap.metadata
    if md is None:
        return
    if not md.detail.brokers:
        yield ctx.finding(
            FindingCode.BOOTSTRAP_NO_BROKERS, ERR, ctx.server(md.source),
            f"{md.source} answered Metadata with no brokers.",
            "Wait for the broker to finish starting, or check its advertised.listeners and logs.",
            {"cluster_id": md.detail.cluster_id, "controller_id": md.detail.controller_id,
             "metadata_version": md.detail.api_version},
        )
        return
    redirect = _redirect(ctx)
    if redirect:
        yield redirect


def _server_finding(ctx: BootstrapContext, server: EndpointProbe, severity: Severity) -> Finding | None:
    stage = failed_stage(server)
    address = str(server.endpoint)
    if stage is None or reported_here(server):
        return None  # TLS, SASL and protocol mismatches: one clear diagnosis, from security_rules
    if stage is Stage.RESOLVE:
        return ctx.finding(
            FindingCode.BOOTSTRAP_UNRESOLVABLE, severity, ctx.server(address),
            f"The bootstrap host {server.endpoint.host} does not resolve from here.",
            f"Use a host name this client resolves, or an IP address, in bootstrap.servers "
            f"(instead of {address}).",
            resolve_evidence(server),
        )
    evidence: dict[str, JsonValue] = {"attempts": attempts_evidence(server)}
    if stage is Stage.TCP:
        return ctx.finding(
            FindingCode.BOOTSTRAP_UNREACHABLE, severity, ctx.server(address),
            f"No connection could be made to the bootstrap address {address}.",
            f"Check that a broker listens on port {server.endpoint.port} and that the port is "
            f"published or forwarded to this client (docker -p, kubectl port-forward, firewall).",
            evidence,
        )
    chosen = server.chosen
    if stage is Stage.KAFKA and chosen is not None:
        kafka = chosen.kafka
        answer = kafka_answer(chosen)
        evidence["answer"] = answer
        if kafka.detail and kafka.detail.preview:
            evidence["first_bytes"] = kafka.detail.preview
        hint = (
            "This port speaks TLS: set security.protocol=SSL (or SASL_SSL)."
            if answer is KafkaAnswer.TLS else
            f"Point bootstrap.servers at the broker's Kafka listener; {address} is not one."
        )
        return ctx.finding(
            FindingCode.BOOTSTRAP_NOT_KAFKA, severity, ctx.server(address),
            f"{address} accepts connections but does not answer like a Kafka broker ({answer}).",
            hint,
            evidence,
        )
    if stage is Stage.METADATA and chosen is not None:
        result = chosen.result(stage)
        evidence["stage"] = stage
        evidence["message"] = result.error.message if result.error else ""
        return ctx.finding(
            FindingCode.BOOTSTRAP_METADATA_FAILED, severity, ctx.server(address),
            f"The bootstrap broker at {address} speaks Kafka but returned no metadata.",
            "Check the broker's logs and the client's security settings for this listener.",
            evidence,
        )
    return None


def _cluster_mismatch(ctx: BootstrapContext) -> Iterator[Finding]:
    seen: dict[str, list[str]] = defaultdict(list)
    for server in ctx.bootstrap.servers:
        md = server.metadata
        if md is not None and md.cluster_id:
            seen[md.cluster_id].append(str(server.endpoint))
    if len(seen) > 1:
        yield ctx.finding(
            FindingCode.BOOTSTRAP_CLUSTER_MISMATCH, ERR, ctx.whole(),
            f"The servers in {ctx.argument} belong to {len(seen)} different clusters.",
            "List only servers of one cluster in bootstrap.servers.",
            {"clusters": {cid: servers for cid, servers in seen.items()}},
        )


def _redirect(ctx: BootstrapContext) -> Finding | None:
    md = ctx.bootstrap.metadata
    if md is None or ctx.source is None:
        return None
    advertised = [b.address for b in md.detail.brokers]
    if str(ctx.source) in advertised:
        return None
    same_target = any(
        b.advertised.port == ctx.source.port and b.probe.chosen is not None
        and b.probe.chosen.address == md.source_address
        for b in ctx.bootstrap.brokers
    )
    if same_target:
        return None
    return ctx.finding(
        FindingCode.BOOTSTRAP_REDIRECT, NOTE, ctx.server(str(ctx.source)),
        f"The client bootstraps through {ctx.source} but is then sent to "
        f"{', '.join(advertised[:5])}{' …' if len(advertised) > 5 else ''}.",
        "Nothing to change here: what matters is that the advertised addresses work from this "
        "client (see the findings for each broker).",
        {"bootstrap": str(ctx.source), "bootstrap_address": md.source_address,
         "advertised": advertised},
    )


def cross_bootstrap_findings(contexts: list[BootstrapContext]) -> Iterator[Finding]:
    """Listeners checked together that report different clusters."""
    clusters: dict[str, list[str]] = defaultdict(list)
    for ctx in contexts:
        md = ctx.bootstrap.metadata
        if md is not None and md.detail.cluster_id:
            clusters[md.detail.cluster_id].append(ctx.argument)
    if len(clusters) > 1:
        yield new_finding(
            FindingCode.BOOTSTRAP_CLUSTER_MISMATCH, WARN, Subject.run(),
            "The listeners checked together belong to different clusters.",
            "Check that every bootstrap argument points at the same cluster, if that was intended.",
            {"clusters": {cid: args for cid, args in clusters.items()}},
        )
