"""All stages on one resolved address: TCP, TLS, ApiVersions, SASL, Metadata.

Each stage gets its own timeout (capped by the run's deadline); a stage after
a failed one is recorded as not run, never as an error of its own. A stage
that timed out only because the run's deadline cut its budget is recorded as
not run (deadline): the peer is not blamed for our lack of time.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from listencheck.address import Endpoint
from listencheck.config import ClientConfig
from listencheck.deadline import Deadline
from listencheck.models import AddressAttempt, Reason, StageResult
from listencheck.probes import kafka, tcp
from listencheck.protocol.connection import KafkaExchange

T = TypeVar("T")
_PATIENCE = (Reason.TIMEOUT, Reason.SILENT)


@dataclass(frozen=True)
class AttemptSettings:
    config: ClientConfig
    deadline: Deadline


async def bounded(
    deadline: Deadline, stage: Callable[[float], Awaitable[T]], result_of: Callable[[T], StageResult[object]]
) -> tuple[T | None, StageResult[object]]:
    """Run one stage with its budget; turn a deadline-induced timeout into 'not run'."""
    if deadline.expired:
        return None, StageResult.not_run(Reason.DEADLINE, "the run's deadline passed")
    budget = deadline.budget()
    outcome = await stage(budget)
    result = result_of(outcome)
    if result.failed and result.reason in _PATIENCE and deadline.cut_short(budget):
        return outcome, StageResult.deadline_cut(result.elapsed_ms)
    return outcome, result


async def probe_address(endpoint: Endpoint, address: str, settings: AttemptSettings) -> AddressAttempt:
    family = "ipv6" if ipaddress.ip_address(address.split("%")[0]).version == 6 else "ipv4"
    return await _Stages(endpoint, address, family, settings).run()


class _Stages:
    def __init__(self, endpoint: Endpoint, address: str, family: str, settings: AttemptSettings) -> None:
        self.endpoint = endpoint
        self.address = address
        self.family = family
        self.config = settings.config
        self.deadline = settings.deadline
        not_run: StageResult[object] = StageResult.not_run(Reason.UPSTREAM_FAILED, "an earlier stage failed")
        self.tcp: StageResult[object] = not_run
        self.tls: StageResult[object] = _skip_tls(self.config) or not_run
        self.kafka: StageResult[object] = not_run
        self.sasl: StageResult[object] = _skip_sasl(self.config) or not_run
        self.metadata: StageResult[object] = not_run

    def _result(self) -> AddressAttempt:
        return AddressAttempt(
            self.address, self.family, self.tcp, self.tls, self.kafka, self.sasl, self.metadata,  # type: ignore[arg-type]
        )

    async def run(self) -> AddressAttempt:
        conn, self.tcp = await bounded(
            self.deadline, lambda t: tcp.connect(self.address, self.endpoint.port, t), lambda o: o[0],
        )
        if conn is None or conn[1] is None:
            return self._result()
        reader, writer = conn[1]
        exchange = KafkaExchange(reader, writer, self.config.client_id)
        try:
            await self._after_connect(exchange)
        finally:
            await exchange.close()
        return self._result()

    async def _after_connect(self, exchange: KafkaExchange) -> None:
        versions_outcome, self.kafka = await bounded(
            self.deadline, lambda t: kafka.api_versions(exchange, t), lambda o: o[0],
        )
        versions = versions_outcome[1] if versions_outcome and self.kafka.ok else None
        if versions is None:
            return
        _, self.metadata = await bounded(
            self.deadline,
            lambda t: kafka.fetch_metadata(exchange, versions, t, self.endpoint.host, self.endpoint.port),
            lambda o: o,  # type: ignore[arg-type,return-value]
        )


def _skip_tls(config: ClientConfig) -> StageResult[object] | None:
    if config.uses_tls:
        return None
    return StageResult.skipped(f"security.protocol={config.security_protocol} does not use TLS")


def _skip_sasl(config: ClientConfig) -> StageResult[object] | None:
    if config.uses_sasl:
        return None
    return StageResult.skipped(f"security.protocol={config.security_protocol} does not use SASL")

