"""Smoke-test rules: what the deployment promised (--expect-*) against what the cluster says.

An expectation can only be judged on a bootstrap that answered; one that did not
is already an error of its own (BOOTSTRAP_*), so it adds nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.analysis.context import BootstrapContext, new_finding
from listencheck.analysis.rule import Rules
from listencheck.codes import FindingCode
from listencheck.models import CheckResult, Finding, JsonValue, Severity, Subject

ERR = Severity.ERROR


def expectation_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    """Broker count and cluster id, per bootstrap: each listener lists its own brokers."""
    expect = ctx.result.settings.expect
    md = ctx.bootstrap.metadata
    if md is None:
        return
    listed = md.detail.brokers
    if expect.brokers is not None and (
        len(listed) < expect.brokers if expect.brokers_minimum else len(listed) != expect.brokers
    ):
        working = sum(1 for b in ctx.bootstrap.brokers if b.probe.works and not b.identity.failed)
        wanted = f"at least {expect.brokers}" if expect.brokers_minimum else str(expect.brokers)
        yield ctx.finding(
            FindingCode.EXPECT_BROKER_COUNT, ERR, ctx.whole(md.source),
            f"{md.source} lists {len(listed)} broker(s), {wanted} expected "
            f"({working} of them work from here).",
            "Wait until every broker has joined (--wait SECONDS), or check that every broker has "
            f"the listener {ctx.argument} uses: Kafka lists only brokers that have it.",
            {"expected": expect.brokers, "minimum": expect.brokers_minimum, "listed": len(listed),
             "broker_ids": [b.node_id for b in listed], "working_from_here": working},
        )
    if expect.cluster_id is not None and md.detail.cluster_id != expect.cluster_id:
        seen = md.detail.cluster_id
        yield ctx.finding(
            FindingCode.EXPECT_CLUSTER_ID, ERR, ctx.whole(md.source),
            f"{md.source} belongs to cluster {seen or '(no id reported)'}, "
            f"{expect.cluster_id} expected.",
            f"Point the client at cluster {expect.cluster_id}, or update the expected id if the "
            "cluster was re-created on purpose.",
            {"expected": expect.cluster_id, "reported": seen, "source": md.source},
        )


def advertised_expectation_findings(result: CheckResult) -> Iterator[Finding]:
    """Expected addresses: advertised through any of the listeners checked together."""
    expected = result.settings.expect.advertised
    answered = [b for b in result.bootstraps if b.metadata is not None]
    if not expected or not answered:
        return
    seen: dict[str, JsonValue] = {
        b.argument: [br.address for br in b.metadata.detail.brokers]
        for b in answered if b.metadata is not None
    }
    advertised = {_normal(br.address) for b in answered if b.metadata for br in b.metadata.detail.brokers}
    for address in expected:
        if _normal(address) in advertised:
            continue
        yield new_finding(
            FindingCode.EXPECT_ADVERTISED_MISSING, ERR, Subject.run(address),
            f"No broker advertises {address} through the listener(s) checked.",
            f"Add {address} to advertised.listeners (KAFKA_ADVERTISED_LISTENERS) of the listener "
            f"meant for it, or bootstrap through that listener.",
            {"expected": address, "advertised": seen},
        )


def _normal(address: str) -> str:
    """host:port compared as DNS compares names: any case, trailing dot ignored."""
    host, _, port = address.rpartition(":")
    return f"{host.lower().removesuffix('.')}:{port}"


RULES = Rules(bootstrap=(expectation_findings,), run=(advertised_expectation_findings,))
