"""All stages on one resolved address: TCP, TLS, ApiVersions, SASL, Metadata.

Each stage gets its own timeout (capped by the run's deadline); a stage after
a failed one is recorded as not run, never as an error of its own.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from listencheck.address import Endpoint
from listencheck.config import ClientConfig
from listencheck.deadline import Deadline
from listencheck.models import (
    AddressAttempt,
    KafkaDetail,
    MetadataDetail,
    Reason,
    SaslDetail,
    StageResult,
    TcpDetail,
    TlsDetail,
)
from listencheck.probes import kafka, sniff, tcp
from listencheck.probes.budget import stage_within_deadline, within_deadline
from listencheck.protocol.connection import KafkaExchange


@dataclass(frozen=True)
class AttemptSettings:
    config: ClientConfig
    deadline: Deadline


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
        self.tcp: StageResult[TcpDetail] = StageResult.not_run(Reason.UPSTREAM_FAILED, "not started")
        self.tls: StageResult[TlsDetail] = _skip_tls(self.config) or StageResult.not_run(
            Reason.UPSTREAM_FAILED, "an earlier stage failed")
        self.kafka: StageResult[KafkaDetail] = StageResult.not_run(
            Reason.UPSTREAM_FAILED, "an earlier stage failed")
        self.sasl: StageResult[SaslDetail] = _skip_sasl(self.config) or StageResult.not_run(
            Reason.UPSTREAM_FAILED, "an earlier stage failed")
        self.metadata: StageResult[MetadataDetail] = StageResult.not_run(
            Reason.UPSTREAM_FAILED, "an earlier stage failed")

    def _result(self) -> AddressAttempt:
        return AddressAttempt(
            self.address, self.family, self.tcp, self.tls, self.kafka, self.sasl, self.metadata
        )

    async def run(self) -> AddressAttempt:
        self.tcp, conn = await within_deadline(
            self.deadline, lambda budget: tcp.connect(self.address, self.endpoint.port, budget)
        )
        if conn is None:
            return self._result()
        reader, writer = conn
        exchange = KafkaExchange(reader, writer, self.config.client_id)
        try:
            await self._after_connect(exchange)
        finally:
            await exchange.close()
        if not self.config.uses_tls:
            port = self.endpoint.port
            self.kafka = await sniff.explain_closed(self.kafka, self.address, port, self.deadline)
        return self._result()

    async def _after_connect(self, exchange: KafkaExchange) -> None:
        self.kafka, versions = await within_deadline(
            self.deadline, lambda budget: kafka.api_versions(exchange, budget)
        )
        if versions is None:
            return
        host, port = self.endpoint.host, self.endpoint.port
        self.metadata = await stage_within_deadline(
            self.deadline, lambda budget: kafka.fetch_metadata(exchange, versions, budget, host, port)
        )


def _skip_tls(config: ClientConfig) -> StageResult[TlsDetail] | None:
    if config.uses_tls:
        return None
    return StageResult.skipped(f"security.protocol={config.security_protocol} does not use TLS")


def _skip_sasl(config: ClientConfig) -> StageResult[SaslDetail] | None:
    if config.uses_sasl:
        return None
    return StageResult.skipped(f"security.protocol={config.security_protocol} does not use SASL")
