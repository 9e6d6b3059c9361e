"""Rules about the brokers' listener configuration: read back from them, or given as files."""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.analysis.context import BootstrapContext, new_finding
from listencheck.analysis.rule import Rules
from listencheck.brokerconfig.model import ConfigFile, FileKind
from listencheck.brokerconfig.readback import broker_configs, given_brokers
from listencheck.codes import FindingCode
from listencheck.lint import lint_file
from listencheck.lint.rules import advertised_host_problems
from listencheck.models import CheckResult, Finding, JsonValue, ReadbackStatus, Severity, Subject
from listencheck.stages import Stage

GIVE_CONFIG = (
    "Give the configuration instead: --broker-config FILE (server.properties, a Compose file, a .env "
    "list, a Strimzi Kafka resource, redpanda.yaml; repeatable), or check a file alone with "
    "`listencheck lint FILE`."
)


def readback_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    """One note per bootstrap when some broker's listener configuration is known neither way."""
    if not ctx.bootstrap.answered or _said_before(ctx):
        return
    given = given_brokers(ctx.result)
    unknown = [c for c in broker_configs(ctx.bootstrap, given) if c.config is None]
    if not unknown:
        return
    reasons: dict[str, JsonValue] = {
        str(c.node_id): f"{c.status.value}: {c.error}" if c.status else "not reached from here"
        for c in unknown
    }
    statuses = {c.status for c in unknown}
    why = (
        "the broker refused DescribeConfigs (reading a broker's configuration needs the "
        "DESCRIBE_CONFIGS permission on the cluster)"
        if ReadbackStatus.REFUSED in statuses
        else "the broker answered DescribeConfigs for its own configuration without its listener "
        "settings (Apache Kafka and Confluent return them; Tansu and other Kafka-compatible brokers "
        "do not)"
        if ReadbackStatus.EMPTY in statuses
        else "the broker does not answer DescribeConfigs for its own configuration (Apache Kafka and "
        "Confluent do; Tansu does not)"
        if statuses - {None}
        else "no connection to the broker worked from here"
    )
    ids = ", ".join(str(c.node_id) for c in unknown)
    yield ctx.finding(
        FindingCode.CONFIG_NOT_READABLE,
        Severity.INFO,
        ctx.server(str(ctx.source)) if ctx.source else ctx.whole(),  # asked along with the metadata
        f"The listener configuration of broker{'s' if len(unknown) > 1 else ''} {ids} could not be "
        f"read: {why}.",
        GIVE_CONFIG,
        {"brokers": reasons},
        Stage.METADATA,  # read in the metadata stage's DescribeConfigs request
    )


def readback_rule_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    """Rules that still say something about a running broker's own configuration: an empty
    advertised host (the broker then advertises its machine name) explains the address seen."""
    for known in broker_configs(ctx.bootstrap):
        config = known.config
        if config is None:
            continue
        for f in advertised_host_problems(config, ConfigFile(config.name, FileKind.PROPERTIES, (config,))):
            address = next((b.advertised.address for b in ctx.bootstrap.brokers
                            if b.advertised.node_id == known.node_id), None)
            yield ctx.finding(f.code, f.severity, ctx.broker(known.node_id, address),
                              f"Broker {known.node_id}: {f.message} ({f.location}).",
                              f.fix, {**f.evidence, "source": f.location},
                              Stage.ADDRESS)  # it explains the advertised address itself


def _said_before(ctx: BootstrapContext) -> bool:
    """An earlier bootstrap argument reached the same cluster: one note for the run is enough."""
    md = ctx.bootstrap.metadata
    cluster = md.detail.cluster_id if md else None
    for earlier in ctx.result.bootstraps:
        if earlier is ctx.bootstrap:
            return False
        if earlier.metadata is not None and earlier.metadata.detail.cluster_id == cluster:
            return True
    return False


def given_config_findings(result: CheckResult) -> Iterator[Finding]:
    """The lint findings of every --broker-config file, as run-level findings."""
    for config in result.given_configs:
        for f in lint_file(config):
            broker = next((b for b in config.brokers if b.name == f.broker), None)
            yield new_finding(
                f.code, f.severity, Subject.run(), f"{f.location}: [{f.broker}] {f.message}", f.fix,
                {**f.evidence, "file": f.source.path, "line": f.source.line, "broker": f.broker,
                 "node_id": broker.node_id if broker else None},
            )


RULES = Rules(bootstrap=(readback_findings, readback_rule_findings), run=(given_config_findings,))
