"""Facts about one bootstrap that several rules need, and shared evidence helpers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from listencheck.address import Endpoint, ip_literal, is_private_ip
from listencheck.brokerconfig.model import AUTO, Platform
from listencheck.brokerconfig.readback import given_brokers, known_configs
from listencheck.catalogue import spec
from listencheck.codes import FindingCode
from listencheck.config import uses_tls
from listencheck.fixes.addresses import AddressPlan, Proposal, plan_addresses
from listencheck.fixes.paths import BootstrapPath
from listencheck.models import (
    AddressAttempt,
    BootstrapCheck,
    BrokerCheck,
    CheckResult,
    EndpointProbe,
    Finding,
    JsonValue,
    KafkaAnswer,
    Reason,
    Severity,
    StageStatus,
    Subject,
)
from listencheck.stages import ATTEMPT_STAGES, Stage


@dataclass(frozen=True)
class BootstrapContext:
    """One bootstrap's results, with the lookups the rules share."""

    result: CheckResult
    bootstrap: BootstrapCheck
    source: Endpoint | None  # the bootstrap server whose metadata is used
    source_address: str | None  # the IP it answered on
    security_protocol: str
    plan: AddressPlan  # the external address each broker would be given
    platform: Platform | None = None  # --platform, else the one every known configuration has (None: unknown)

    @property
    def argument(self) -> str:
        return self.bootstrap.argument

    def proposal(self, broker_id: int) -> Proposal:
        return self.plan.for_broker(broker_id)

    def path_to(self, broker_id: int) -> BootstrapPath | None:
        """The forwarded path through which the bootstrap reached this broker, if it did."""
        path = self.plan.path
        return path if path is not None and path.broker_id == broker_id and path.kind.forwarded else None

    @property
    def same_host(self) -> bool:
        """The client reached the bootstrap on this very host (loopback or own address)."""
        if self.source_address is None:
            return False
        ip = ip_literal(self.source_address)
        return bool(ip and ip.is_loopback) or self.source_address in self.result.vantage.addresses

    @property
    def public_bootstrap(self) -> bool:
        ip = ip_literal(self.source_address or "")
        return ip is not None and not (ip.is_loopback or is_private_ip(ip) or ip.is_unspecified)

    def finding(
        self, code: FindingCode, severity: Severity, subject: Subject, message: str, fix: str,
        evidence: dict[str, JsonValue], stage: Stage | None = None,
    ) -> Finding:
        return new_finding(code, severity, subject, message, fix, evidence, stage)

    def whole(self, address: str | None = None) -> Subject:
        """This bootstrap argument as a whole (``address``: the server a judgement rests on)."""
        return Subject.of_bootstrap(self.argument, address)

    def server(self, address: str) -> Subject:
        return Subject.server(self.argument, address)

    def broker(self, broker_id: int, address: str | None) -> Subject:
        return Subject.broker(self.argument, broker_id, address)

    def probe_subject(self, probe: EndpointProbe) -> Subject:
        """The subject a probe belongs to: the advertised broker it probes, else the server."""
        broker = self._broker_at.get(probe.endpoint)
        if broker is not None:
            return self.broker(broker.advertised.node_id, broker.advertised.address)
        return self.server(str(probe.endpoint))

    @cached_property
    def _broker_at(self) -> dict[Endpoint, BrokerCheck]:
        """The first advertised broker at each host:port (built once: rules ask per probe)."""
        brokers: dict[Endpoint, BrokerCheck] = {}
        for broker in self.bootstrap.brokers:
            brokers.setdefault(broker.probe.endpoint, broker)
        return brokers


def new_finding(
    code: FindingCode, severity: Severity, subject: Subject, message: str, fix: str,
    evidence: dict[str, JsonValue], stage: Stage | None = None,
) -> Finding:
    """The one way rules make a finding: the stage defaults to the catalogue's for the code, and
    the Finding checks the severity against the catalogue."""
    return Finding(code, severity, subject, stage or spec(code).stage, message, fix, evidence)


def context_for(result: CheckResult, bootstrap: BootstrapCheck, platform: str = AUTO) -> BootstrapContext:
    """``platform``: the --platform choice, so fix texts (an SNI router's, ...) speak its language."""
    md = bootstrap.metadata
    source = next((s.endpoint for s in bootstrap.servers if md and str(s.endpoint) == md.source), None)
    # A new listener's port must be free on every broker whose configuration is known.
    configured = known_configs(bootstrap, given_brokers(result)).values()
    taken = {port for config in configured for port in config.ports_in_use}
    own = {config.platform for config in configured}
    chosen = Platform(platform) if platform != AUTO else next(iter(own)) if len(own) == 1 else None
    return BootstrapContext(
        result, bootstrap, source, md.source_address if md else None,
        result.settings.security_protocol, plan_addresses(result, bootstrap, taken), chosen,
    )


def resolve_evidence(probe: EndpointProbe) -> dict[str, JsonValue]:
    r = probe.resolve
    evidence: dict[str, JsonValue] = {"host": probe.endpoint.host, "resolve_status": r.status.value}
    if r.error:
        evidence["reason"] = r.error.reason.value
        evidence["message"] = r.error.message
    if r.detail is not None:
        evidence["addresses"] = list(r.detail.addresses)
        evidence["source"] = r.detail.source
        if r.detail.hosts_file:
            evidence["hosts_file"] = list(r.detail.hosts_file)
        if r.detail.dns is not None:
            dns = r.detail.dns
            evidence["dns"] = {
                "status": dns.status, "a": list(dns.a), "aaaa": list(dns.aaaa),
                "cname_chain": list(dns.cname_chain), "nameservers": list(dns.nameservers),
            }
    kinds = probe.classification.sorted_kinds()
    if kinds:
        evidence["classification"] = kinds
    return evidence


def attempts_evidence(probe: EndpointProbe) -> list[JsonValue]:
    """Per resolved address: the first stage that failed (or ok) and its timing."""
    rows: list[JsonValue] = []
    for attempt in probe.attempts:
        failure = attempt.first_failure()
        row: dict[str, JsonValue] = {"address": attempt.address, "family": attempt.family}
        if failure is None:
            row["result"] = "ok" if attempt.works else "not_run"
            row["elapsed_ms"] = attempt.tcp.elapsed_ms
        else:
            stage, result = failure
            row.update({
                "stage": stage,
                "result": result.reason.value if result.reason else "failed",
                "message": result.error.message if result.error else "",
                "elapsed_ms": result.elapsed_ms,
            })
        rows.append(row)
    return rows


_CUT = (Reason.DEADLINE, Reason.INTERRUPTED)


def unfinished(probe: EndpointProbe) -> bool:
    """The probe was stopped by the deadline or Ctrl-C: it says nothing about the address."""
    stages = [probe.resolve] + [a.result(s) for a in probe.attempts for s in ATTEMPT_STAGES]
    return any(s.status is StageStatus.NOT_RUN and s.reason in _CUT for s in stages)


def kafka_answer(attempt: AddressAttempt) -> KafkaAnswer:
    """What answered the Kafka request; a silent or closing port that a confirming probe found
    to complete a TLS handshake is named for what it is: tls."""
    detail = attempt.kafka.detail
    answer = detail.answer if detail is not None else KafkaAnswer.UNKNOWN
    listener = attempt.listener.detail
    if answer in (KafkaAnswer.CLOSED, KafkaAnswer.SILENT) and listener is not None and listener.speaks_tls \
            and not uses_tls(listener.configured_protocol):
        return KafkaAnswer.TLS
    return answer


def failed_stage(probe: EndpointProbe) -> Stage | None:
    """The first stage at which this endpoint fails as the client would use it."""
    if probe.resolve.status is not StageStatus.OK:
        return Stage.RESOLVE if probe.resolve.failed else None
    if probe.works:
        return None
    chosen = probe.chosen
    failure = chosen.first_failure() if chosen else None
    return failure[0] if failure else None


def all_private(addresses: tuple[str, ...]) -> bool:
    ips = [ip_literal(a.split("%")[0]) for a in addresses]
    return bool(ips) and all(ip is not None and is_private_ip(ip) for ip in ips)
