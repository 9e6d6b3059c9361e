"""All stages on one resolved address: TCP, TLS, ApiVersions, SASL, Metadata.

Each stage gets its own timeout (capped by the run's deadline); a stage after
a failed one is recorded as not run, never as an error of its own. When a
failure looks like a security.protocol mismatch, a confirming probe finds out
what the listener really speaks (the ``listener`` stage).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field, replace
from typing import TypeVar

from listencheck.address import Endpoint
from listencheck.config import ClientConfig
from listencheck.deadline import Deadline
from listencheck.models import (
    AddressAttempt,
    KafkaAnswer,
    KafkaDetail,
    ListenerDetail,
    MetadataDetail,
    Reason,
    SaslDetail,
    SaslOutcome,
    StageResult,
    StageStatus,
    TcpDetail,
    TlsDetail,
    TlsFailure,
    TopicsDetail,
)
from listencheck.probes import kafka, listener, sasl, tcp, tls, topics
from listencheck.probes.budget import stage_within_deadline, within_deadline
from listencheck.probes.dial import Target, dial
from listencheck.protocol.connection import KafkaExchange
from listencheck.protocol.messages import ApiVersionsResponse
from listencheck.stages import Stage
from listencheck.tls.settings import TlsSettings, bare_probe_context
from listencheck.vocabulary import IpFamily

T = TypeVar("T")

SILENT_CONFIRM_S = 0.5  # confirming probe of a listener that stayed silent (see _confirm)
_MISMATCH_TLS_FAILURES = (TlsFailure.NOT_TLS, TlsFailure.TIMEOUT, TlsFailure.CLOSED)
_MISMATCH_KAFKA_ANSWERS = (KafkaAnswer.TLS, KafkaAnswer.CLOSED, KafkaAnswer.SILENT)
_MISMATCH_SASL_OUTCOMES = (SaslOutcome.NOT_SASL, SaslOutcome.MECHANISM_UNSUPPORTED, SaslOutcome.ERROR)


@dataclass(frozen=True)
class AttemptSettings:
    """What every probe of an address needs: settings, deadline, TLS contexts."""

    config: ClientConfig
    deadline: Deadline
    tls: TlsSettings | None = None  # required when the client uses TLS
    probe_context: ssl.SSLContext = field(default_factory=bare_probe_context)


async def probe_address(endpoint: Endpoint, address: str, settings: AttemptSettings) -> AddressAttempt:
    return await _Stages(endpoint, address, _family(address), settings).run()


async def probe_topics(
    endpoint: Endpoint, address: str, settings: AttemptSettings, requested: tuple[str, ...],
) -> StageResult[TopicsDetail]:
    """On a new connection to a bootstrap address that answered (TLS and SASL as configured),
    one Metadata request for ``requested`` topics (``()``: all) instead of the broker list."""
    stages = _Stages(endpoint, address, _family(address), settings, requested)
    attempt = await stages.run()
    if stages.topics.status is StageStatus.NOT_RUN:
        failure = attempt.first_failure()
        error = failure[1].error if failure is not None else None
        if failure is not None and error is not None:
            return StageResult.not_run(Reason.UPSTREAM_FAILED, f"{failure[0]} failed: {error.message}")
    return stages.topics


UNVERIFIED_RETRY_FAILURES = (TlsFailure.VERIFY, TlsFailure.HOSTNAME)


async def probe_metadata_unverified(
    endpoint: Endpoint, address: str, settings: AttemptSettings,
) -> StageResult[MetadataDetail]:
    """The bootstrap's metadata over TLS without certificate or host name verification.

    Only after the verified handshake failed that way, only to learn the advertised
    listeners and probe them (with verification, as the client does); the report marks
    the metadata as unverified. Never with SASL: credentials are not sent to a peer
    whose certificate failed.
    """
    tls = settings.tls
    if tls is None or settings.config.uses_sasl:
        return StageResult.not_run(Reason.TLS_FAILED,
                                   "credentials are not sent over an unverified connection")
    unverified = replace(tls, client=tls.inspect, certificate_verification=False, hostname_verification=False)
    attempt = await _Stages(endpoint, address, _family(address), replace(settings, tls=unverified)).run()
    return attempt.metadata


def _family(address: str) -> IpFamily:
    return IpFamily.of(address)


class _Stages:
    def __init__(self, endpoint: Endpoint, address: str, family: IpFamily, settings: AttemptSettings,
                 topics: tuple[str, ...] | None = None) -> None:
        self.endpoint = endpoint
        self.requested_topics = topics  # None: the broker list (a normal attempt)
        self.address = address
        self.family = family
        self.settings = settings
        self.config = settings.config
        self.deadline = settings.deadline
        self.target = Target(address, endpoint.port, endpoint.host, self.config.client_id)
        upstream = "an earlier stage failed"
        self.tcp: StageResult[TcpDetail] = StageResult.not_run(Reason.UPSTREAM_FAILED, "not started")
        self.tls: StageResult[TlsDetail] = _skip_tls(self.config) or StageResult.not_run(
            Reason.UPSTREAM_FAILED, upstream)
        self.kafka: StageResult[KafkaDetail] = StageResult.not_run(Reason.UPSTREAM_FAILED, upstream)
        self.sasl: StageResult[SaslDetail] = _skip_sasl(self.config) or StageResult.not_run(
            Reason.UPSTREAM_FAILED, upstream)
        self.metadata: StageResult[MetadataDetail] = StageResult.not_run(Reason.UPSTREAM_FAILED, upstream)
        self.listener: StageResult[ListenerDetail] = StageResult.skipped(
            "no stage failed like a protocol mismatch")
        self.topics: StageResult[TopicsDetail] = StageResult.not_run(Reason.UPSTREAM_FAILED, upstream)

    def _result(self) -> AddressAttempt:
        return AddressAttempt(self.address, self.family, self.tcp, self.tls, self.kafka, self.sasl,
                              self.metadata, self.listener)

    async def run(self) -> AddressAttempt:
        self.tcp, conn = await within_deadline(
            self.deadline, lambda budget: tcp.connect(self.address, self.endpoint.port, budget)
        )
        if conn is None:
            return self._result()
        reader, writer = conn
        try:
            if self.settings.tls is not None and self.config.uses_tls:
                tls_settings, plain = self.settings.tls, conn
                self.tls, conn = await within_deadline(
                    self.deadline, lambda budget: tls.handshake(plain, self.target, tls_settings, budget))
                detail = self.tls.detail
                if conn is None:
                    if self.tls.failed and detail is not None and detail.failure in _MISMATCH_TLS_FAILURES:
                        await self._confirm(Stage.TLS)
                    return self._result()
            await self._after_connect(KafkaExchange(reader, writer, self.config.client_id))
        finally:
            await KafkaExchange(reader, writer, self.config.client_id).close()
        return self._result()

    async def _after_connect(self, exchange: KafkaExchange) -> None:
        request = asyncio.ensure_future(within_deadline(
            self.deadline, lambda budget: kafka.api_versions(exchange, budget)
        ))
        early: asyncio.Task[StageResult[ListenerDetail]] | None = None
        try:
            early = await self._confirm_while_silent(request)
            self.kafka, versions = await request
            if versions is None:
                alert = await self._refused_session()
                if alert is not None:  # TLS 1.3: the server's refusal comes after the handshake
                    self.tls = tls.rejected_after_handshake(self.tls, alert, self.kafka.elapsed_ms or 0.0)
                    self.kafka = StageResult.not_run(Reason.UPSTREAM_FAILED, "an earlier stage failed")
                elif early is not None and self.kafka.reason is Reason.SILENT:
                    self.listener = await early
                elif self.kafka.detail is not None and self.kafka.detail.answer in _MISMATCH_KAFKA_ANSWERS:
                    await self._confirm(Stage.KAFKA)
                return
        finally:
            await _cancelled(early)
            await _cancelled(request)
        if self.config.uses_sasl and not await self._sasl(exchange, versions):
            return
        requested = self.requested_topics
        if requested is not None:
            self.topics = await stage_within_deadline(
                self.deadline, lambda budget: topics.fetch_topics(exchange, versions, requested, budget))
            return
        host, port = self.endpoint.host, self.endpoint.port
        self.metadata = await stage_within_deadline(
            self.deadline, lambda budget: kafka.fetch_metadata(exchange, versions, budget, host, port)
        )
        if not self.config.uses_sasl and self.metadata.reason in (Reason.CLOSED, Reason.RESET):
            await self._confirm(Stage.METADATA)

    async def _refused_session(self) -> str | None:
        if not self.tls.ok or self.settings.tls is None:
            return None
        if self.kafka.reason is Reason.TLS_FAILED and self.kafka.error:
            return self.kafka.error.message.rpartition(": ")[2]
        if self.kafka.reason in (Reason.RESET, Reason.CLOSED):
            settings = self.settings.tls
            return await tls.session_refusal(self.target, settings, self.deadline.budget())
        return None

    async def _sasl(self, exchange: KafkaExchange, versions: ApiVersionsResponse) -> bool:
        context = self._client_context()

        async def redial(timeout: float) -> KafkaExchange:
            return await dial(self.target, context, timeout)

        self.sasl = await stage_within_deadline(
            self.deadline, lambda budget: sasl.authenticate(exchange, versions, self.config, budget, redial))
        if self.sasl.status is StageStatus.SKIPPED:
            self.metadata = StageResult.not_run(
                Reason.UNSUPPORTED, f"{self.config.sasl_mechanism} authentication is not checked")
            return False
        detail = self.sasl.detail
        if self.sasl.failed and detail is not None and detail.handshake_error and \
                detail.outcome in _MISMATCH_SASL_OUTCOMES:
            await self._confirm(Stage.SASL)
        return self.sasl.ok

    def _client_context(self) -> ssl.SSLContext | None:
        if self.settings.tls is not None and self.config.uses_tls:
            return self.settings.tls.client
        return None

    async def _confirm_while_silent(
        self, request: asyncio.Future[tuple[StageResult[KafkaDetail], ApiVersionsResponse | None]]
    ) -> asyncio.Task[StageResult[ListenerDetail]] | None:
        """A listener still silent shortly before its timeout gets its confirming probe now,
        alongside the request: a silent listener then costs one timeout, not one plus the probe."""
        budget = self._silent_confirm_budget()
        lead = self.deadline.budget() - budget
        if lead <= 0:
            return None
        done, _ = await asyncio.wait({request}, timeout=lead)
        if done:
            return None
        return asyncio.ensure_future(self._identify(Stage.KAFKA, budget, silent=True))

    def _silent_confirm_budget(self) -> float:
        # The peer already had (most of) a timeout to answer: what may still answer now is a
        # TLS server, within a round trip. A short budget, within the second half of the
        # request's own timeout, keeps any number of silent listeners at one timeout in total.
        round_trip = (self.tcp.elapsed_ms or 0.0) / 1000
        return min(self.deadline.budget() / 2, max(SILENT_CONFIRM_S, 10 * round_trip))

    async def _confirm(self, symptom: Stage) -> None:
        budget = self.deadline.budget(2.0)
        silent = symptom is Stage.KAFKA and self.kafka.reason is Reason.SILENT
        if silent:
            budget = self._silent_confirm_budget()
        self.listener = await self._identify(symptom, budget, silent)

    async def _identify(self, symptom: Stage, budget: float,
                        silent: bool = False) -> StageResult[ListenerDetail]:
        """``silent``: the client's own ApiVersions request is unanswered (so far)."""
        context = self.settings.tls.probe if self.settings.tls is not None else self.settings.probe_context
        plaintext_silent = silent and not self.config.uses_tls
        return await stage_within_deadline(
            self.deadline,
            lambda _: listener.identify(self.target, self.config.security_protocol, symptom, context, budget,
                                        plaintext_silent),
        )


async def _cancelled(task: asyncio.Future[T] | None) -> None:
    """Cancel ``task`` if it still runs, and wait until it has cleaned up (closed its sockets)."""
    if task is None or task.done():
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _skip_tls(config: ClientConfig) -> StageResult[TlsDetail] | None:
    if config.uses_tls:
        return None
    return StageResult.skipped(f"security.protocol={config.security_protocol} does not use TLS")


def _skip_sasl(config: ClientConfig) -> StageResult[SaslDetail] | None:
    if config.uses_sasl:
        return None
    return StageResult.skipped(f"security.protocol={config.security_protocol} does not use SASL")
