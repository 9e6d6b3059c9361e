"""The stage registry: every stage of a check, in order, and what each part of the tool needs of it.

A stage is a step a check takes for a subject (resolve a name, connect, speak
TLS, ...) or a judgement about it (the advertised address itself, identity,
expectations). Models, analysis, the comparison and every renderer read this
table instead of naming stages themselves, so a new stage is one entry here,
its result field on the model it belongs to, its probe and its rules.

Nothing here imports the models: ``models`` builds on this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """A stage, as findings, the JSON report and JUnit cases name it. Part of the JSON contract."""

    ADDRESS = "address"  # the advertised host:port itself: valid, unique, what kind of address
    RESOLVE = "resolve"
    TCP = "tcp"
    TLS = "tls"
    KAFKA = "kafka"
    SASL = "sasl"
    METADATA = "metadata"
    LISTENER = "listener"  # the confirming probe: what the listener really speaks
    DEEP = "deep"  # --deep: raw packets where TCP failed or a connection stalled (who dropped it, where)
    RESOLVERS = "resolvers"  # --deep: the name asked of every nameserver the client may use
    IDENTITY = "identity"
    TOPICS = "topics"  # bounded topic metadata through the bootstrap: who leads which partitions
    BALANCER = "balancer"  # a few connections to the bootstrap: one broker behind it, or several
    CLIENT = "client"  # the real client library (librdkafka) with the user's settings
    CLUSTER = "cluster"  # servers or listeners checked together belong to one cluster
    CONFIG = "config"  # the broker's listener configuration (a file, or read back from the broker)
    EXPECTATIONS = "expectations"  # --expect-*
    RUN = "run"  # the run as a whole: deadline, limits


class Scope(StrEnum):
    """Where a stage's result lives in the models."""

    ATTEMPT = "attempt"  # a field of AddressAttempt: one result per resolved address
    PROBE = "probe"  # a field of EndpointProbe: one per host:port
    BROKER = "broker"  # a field of BrokerCheck (or judged per broker)
    BOOTSTRAP = "bootstrap"  # a field of BootstrapCheck (or judged per bootstrap)
    RUN = "run"  # judged on the run as a whole


def _always(protocol: str) -> bool:
    return True


def _with_tls(protocol: str) -> bool:
    return protocol in ("SSL", "SASL_SSL")


def _with_sasl(protocol: str) -> bool:
    return protocol.startswith("SASL_")


class Start(StrEnum):
    """When a per-bootstrap stage starts, relative to the bootstrap's metadata."""

    WITH_BOOTSTRAP = "with bootstrap"  # at once, beside the bootstrap servers' probes
    AFTER_METADATA = "after metadata"  # once a bootstrap server gave metadata (it names the brokers)


@dataclass(frozen=True)
class ProbeRef:
    """How the pipeline's generic dispatch runs a stage (``listencheck.probes.extra``).

    Scope.ATTEMPT and Scope.PROBE (stages probed after the ordinary ones, ``explains``):
    ``factory.for_run`` in ``module`` is called once per run with the run's CheckOptions and
    closed at the end; the pipeline calls its ``method`` for every resolved address (Scope.ATTEMPT:
    ``(port, attempt, budget)``) or every host:port (Scope.PROBE: ``(host, resolved, budget)``).
    One factory may serve several stages.

    Scope.BOOTSTRAP: ``factory(run)`` is a ``BootstrapProber`` for the run; its ``method`` is
    started once per bootstrap at ``start`` and keeps to the run's deadline; it says what the
    stage is without metadata and when interrupted.

    Either way the StageResult goes to the model field named after the stage. A stage is
    dispatched when the CheckOptions field named ``option`` is set, or always without one (then
    the field's default stands).
    """

    module: str
    factory: str
    method: str
    option: str | None = None  # the CheckOptions field that turns the stage on (None: always on)
    start: Start = Start.AFTER_METADATA  # Scope.BOOTSTRAP only


@dataclass(frozen=True)
class StageSpec:
    stage: Stage
    scope: Scope
    label: str  # its name for people (document reports' columns)
    column: str | None = None  # its column header in the text report's tables (default: the label)
    short: str | None = None  # its label in the verbose timing cell
    broker_case: bool = True  # a JUnit test case per advertised broker
    applies: Callable[[str], bool] = _always  # for a security.protocol
    late: bool = False  # its findings are consequences of the others': listed after them
    explains: bool = False  # runs only to explain another stage's failure, not tried in turn
    rules: tuple[str, ...] = ()  # its rules modules (listencheck.analysis.<name>, each with RULES)
    probe: ProbeRef | None = None  # run by the pipeline's generic dispatch (see ProbeRef)

    @property
    def header(self) -> str:
        return self.column or self.label


_DEEP = "listencheck.probes.deep.prober"

REGISTRY: tuple[StageSpec, ...] = (
    # The advertised address itself (its kind, duplicates) and every symptom of a broker's probe.
    StageSpec(Stage.ADDRESS, Scope.BROKER, "address", rules=("broker_rules",)),
    StageSpec(Stage.RESOLVE, Scope.PROBE, "DNS", "resolves to", "dns", rules=("resolution_rules",)),
    StageSpec(Stage.TCP, Scope.ATTEMPT, "TCP", short="tcp"),
    # TLS and SASL, and protocol mismatches found by the confirming listener probe.
    StageSpec(Stage.TLS, Scope.ATTEMPT, "TLS", short="tls", applies=_with_tls, rules=("security_rules",)),
    StageSpec(Stage.KAFKA, Scope.ATTEMPT, "Kafka", short="kafka", rules=("controller_rules",)),
    StageSpec(Stage.SASL, Scope.ATTEMPT, "SASL", short="sasl", applies=_with_sasl),
    # The bootstrap servers' failures at any stage, and bootstraps that reach different clusters.
    StageSpec(Stage.METADATA, Scope.ATTEMPT, "Metadata", "metadata", "md", rules=("bootstrap_rules",)),
    StageSpec(Stage.LISTENER, Scope.ATTEMPT, "listener", broker_case=False, explains=True),
    StageSpec(Stage.DEEP, Scope.ATTEMPT, "deep probes", broker_case=False, explains=True,
              rules=("deep_rules",), probe=ProbeRef(_DEEP, "DeepProber", "address", "deep")),
    StageSpec(Stage.RESOLVERS, Scope.PROBE, "DNS per resolver", broker_case=False, explains=True,
              probe=ProbeRef(_DEEP, "DeepProber", "name", "deep")),
    StageSpec(Stage.IDENTITY, Scope.BROKER, "identity"),
    # What fails on which partitions follows from the brokers' findings: listed after them.
    StageSpec(Stage.TOPICS, Scope.BOOTSTRAP, "topics", broker_case=False, late=True,
              rules=("topic_rules", "health_rules"),
              probe=ProbeRef("listencheck.probes.topics_stage", "TopicsProber", "run", "topic_metadata")),
    StageSpec(Stage.BALANCER, Scope.BOOTSTRAP, "load balancer", broker_case=False, rules=("balancer_rules",),
              probe=ProbeRef("listencheck.probes.balancer", "BalancerProber", "run")),
    # The client library reaches each broker or not: a JUnit case per broker. Forked before the
    # run, it starts with the bootstrap and ends as soon as its verdict is certain.
    StageSpec(Stage.CLIENT, Scope.BOOTSTRAP, "client library", late=True, rules=("client_rules",),
              probe=ProbeRef("listencheck.probes.client", "ClientProber", "run", start=Start.WITH_BOOTSTRAP)),
    StageSpec(Stage.CLUSTER, Scope.BOOTSTRAP, "one cluster", broker_case=False),
    StageSpec(Stage.CONFIG, Scope.BROKER, "configuration", broker_case=False, rules=("config_rules",)),
    StageSpec(Stage.EXPECTATIONS, Scope.BOOTSTRAP, "expectations", broker_case=False,
              rules=("expectation_rules",)),
    StageSpec(Stage.RUN, Scope.RUN, "run", broker_case=False, late=True, rules=("run_rules",)),
)
SPECS: dict[Stage, StageSpec] = {s.stage: s for s in REGISTRY}
ORDER: dict[Stage, int] = {s.stage: i for i, s in enumerate(REGISTRY)}

# The stages tried on every resolved address, in order; the first that fails ends the attempt.
# (The confirming listener probe and the deep probes are not: they run only to explain a failure.)
ATTEMPT_STAGES: tuple[Stage, ...] = tuple(
    s.stage for s in REGISTRY if s.scope is Scope.ATTEMPT and not s.explains)
# Every stage result kept per address (the JSON report writes each).
ATTEMPT_RESULTS: tuple[Stage, ...] = tuple(s.stage for s in REGISTRY if s.scope is Scope.ATTEMPT)
# What a host:port goes through, in order: resolution, then the attempt stages.
PROBE_STAGES: tuple[Stage, ...] = (Stage.RESOLVE, *ATTEMPT_STAGES)


def probe_stages(protocol: str) -> tuple[Stage, ...]:
    """The probe stages that apply to a security.protocol (TLS, SASL only when configured)."""
    return tuple(s for s in PROBE_STAGES if SPECS[s].applies(protocol))


def broker_cases(protocol: str) -> tuple[Stage, ...]:
    """The JUnit cases of an advertised broker, in order."""
    return tuple(s.stage for s in REGISTRY if s.broker_case and s.applies(protocol))


def detail_type(stage: Stage) -> object:
    """The detail type of a stage's result, read from the typed field that holds it."""
    import typing

    from listencheck import models

    owner = {Scope.ATTEMPT: models.AddressAttempt, Scope.PROBE: models.EndpointProbe,
             Scope.BROKER: models.BrokerCheck, Scope.BOOTSTRAP: models.BootstrapCheck}.get(SPECS[stage].scope)
    if owner is None:
        return None
    hint = typing.get_type_hints(owner).get(stage.value)
    return typing.get_args(hint)[0] if hint is not None else None
