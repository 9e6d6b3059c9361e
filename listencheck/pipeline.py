"""Run a check: bootstrap every listener, then probe every advertised broker, concurrently.

Each distinct host:port is probed once per run (bootstrap servers and
advertised brokers share probes). TCP connections are bounded by a
semaphore; every stage's timeout is capped by the run's deadline, so the
run ends on time whatever the network does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from listencheck.address import Endpoint, classify_host, host_problem, parse_bootstrap, port_problem
from listencheck.config import ClientConfig
from listencheck.deadline import Deadline
from listencheck.identity import judge_identity
from listencheck.models import (
    AddressAttempt,
    AdvertisedBroker,
    BootstrapCheck,
    BrokerCheck,
    CheckResult,
    ClientDetail,
    ClusterMetadata,
    EndpointProbe,
    Expectations,
    IdentityDetail,
    Reason,
    Settings,
    Severity,
    StageResult,
)
from listencheck.probes.attempt import AttemptSettings, probe_address
from listencheck.probes.budget import stage_within_deadline
from listencheck.probes.client import ClientWorker
from listencheck.probes.resolve import Resolver, SystemResolver
from listencheck.redact import Redactor
from listencheck.tls.settings import tls_settings
from listencheck.vantage import local_vantage

DEFAULT_TIMEOUT = 3.0
MAX_CONNECTIONS = 128  # sockets open at once, whatever the cluster size
MAX_ADDRESSES_PER_HOST = 8  # a name with 1,000 A records is probed on its first 8


@dataclass(frozen=True)
class BootstrapSpec:
    argument: str
    endpoints: tuple[Endpoint, ...]

    @classmethod
    def parse(cls, argument: str) -> BootstrapSpec:
        return cls(argument, parse_bootstrap(argument))


@dataclass(frozen=True)
class CheckOptions:
    bootstraps: tuple[BootstrapSpec, ...]
    config: ClientConfig = field(default_factory=ClientConfig)
    timeout: float = DEFAULT_TIMEOUT
    deadline: float | None = None  # whole run; default: enough for bootstrap, brokers and client
    vantage_name: str | None = None
    resolver: Resolver | None = None
    client_check: bool = True
    max_connections: int = MAX_CONNECTIONS
    expect: Expectations = field(default_factory=Expectations)
    fail_on: Severity = Severity.ERROR

    @property
    def run_deadline(self) -> float:
        return self.deadline if self.deadline is not None else default_deadline(self.timeout)


def default_deadline(timeout: float) -> float:
    # Resolve + one stage for the bootstrap, the same for the brokers, plus slack.
    return 4 * timeout + 2.0


def run_check(options: CheckOptions) -> CheckResult:
    """Blocking entry point: run the whole check under its deadline."""
    return asyncio.run(check(options))


async def check(options: CheckOptions) -> CheckResult:
    started_wall = datetime.now(UTC)
    start = time.monotonic()
    run = _Run(options)
    try:
        bootstraps = await asyncio.gather(*(run.bootstrap(spec) for spec in options.bootstraps))
    finally:
        run.close()
    finished_wall = datetime.now(UTC)
    settings = Settings(
        timeout_s=options.timeout,
        deadline_s=options.run_deadline,
        security_protocol=options.config.security_protocol,
        client_properties=options.config.property_names(),
        resolver=run.resolver.name,
        expect=options.expect,
        fail_on=options.fail_on,
    )
    return CheckResult(
        started_at=_iso(started_wall),
        finished_at=_iso(finished_wall),
        duration_ms=round((time.monotonic() - start) * 1000, 1),
        vantage=local_vantage(options.vantage_name),
        settings=settings,
        bootstraps=tuple(bootstraps),
        deadline_hit=run.deadline.expired,
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Run:
    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self.deadline = Deadline(options.timeout, options.run_deadline)
        self.resolver: Resolver = options.resolver or SystemResolver()
        tls = tls_settings(options.config) if options.config.uses_tls else None
        self.attempt_settings = AttemptSettings(options.config, self.deadline, tls)
        self.connections = asyncio.Semaphore(options.max_connections)
        self.redact: Callable[[str], str] = Redactor(options.config.secrets())
        self._probes: dict[Endpoint, asyncio.Task[EndpointProbe]] = {}
        self.client_worker = (
            ClientWorker.start([_servers(s) for s in options.bootstraps], options.config,
                               self.deadline.budget())
            if options.client_check else None
        )

    def close(self) -> None:
        if self.client_worker is not None:
            self.client_worker.stop()

    def probe(self, endpoint: Endpoint) -> asyncio.Task[EndpointProbe]:
        """The probe of ``endpoint``, started once and shared by everyone who asks."""
        task = self._probes.get(endpoint)
        if task is None:
            task = asyncio.ensure_future(self._probe(endpoint))
            self._probes[endpoint] = task
        return task

    async def _probe(self, endpoint: Endpoint) -> EndpointProbe:
        classification = classify_host(endpoint.host)
        family = self.options.config.address_family
        resolved = await stage_within_deadline(
            self.deadline, lambda budget: self.resolver.resolve(endpoint.host, endpoint.port, family, budget)
        )
        if not resolved.ok or resolved.detail is None:
            return EndpointProbe(endpoint, classification, resolved)
        addresses = resolved.detail.addresses[:MAX_ADDRESSES_PER_HOST]
        attempts = await asyncio.gather(*(self._attempt(endpoint, a) for a in addresses))
        return EndpointProbe(endpoint, classification, resolved, tuple(attempts))

    async def _attempt(self, endpoint: Endpoint, address: str) -> AddressAttempt:
        async with self.connections:
            return await probe_address(endpoint, address, self.attempt_settings)

    async def bootstrap(self, spec: BootstrapSpec) -> BootstrapCheck:
        client_task = asyncio.ensure_future(self._client_check(spec))
        servers = await asyncio.gather(*(self.probe(e) for e in spec.endpoints))
        source = next((s for s in servers if s.metadata is not None), None)
        metadata = None
        brokers: tuple[BrokerCheck, ...] = ()
        if source is not None and source.chosen is not None and source.metadata is not None:
            metadata = ClusterMetadata(str(source.endpoint), source.chosen.address, source.metadata)
            brokers = tuple(
                await asyncio.gather(*(self._broker(b, metadata) for b in metadata.detail.brokers))
            )
        if metadata is None:
            # No bootstrap server answered us: the client library cannot do better, and
            # waiting for its timeout would only delay the report.
            client_task.cancel()
            client: StageResult[ClientDetail] = StageResult.not_run(
                Reason.UPSTREAM_FAILED, "no bootstrap server answered")
        else:
            client = await client_task
        return BootstrapCheck(spec.argument, tuple(servers), metadata, brokers, client)

    async def _broker(self, advertised: AdvertisedBroker, metadata: ClusterMetadata) -> BrokerCheck:
        problem = host_problem(advertised.host) or port_problem(advertised.port)
        endpoint = advertised.endpoint
        if problem:
            probe = EndpointProbe(
                endpoint, classify_host(advertised.host) if advertised.host else classify_host("invalid"),
                StageResult.not_run(Reason.INVALID_ADDRESS, f"not a usable address: {problem}"),
            )
            identity: StageResult[IdentityDetail] = StageResult.not_run(
                Reason.INVALID_ADDRESS, "the advertised address is unusable")
            return BrokerCheck(advertised, probe, identity, problem)
        probe = await self.probe(endpoint)
        return BrokerCheck(advertised, probe, judge_identity(advertised, metadata.detail, probe))

    async def _client_check(self, spec: BootstrapSpec) -> StageResult[ClientDetail]:
        worker = self.client_worker
        if worker is None:
            return StageResult.skipped("the client library check was not requested")
        return await stage_within_deadline(
            self.deadline, lambda budget: worker.result(_servers(spec), budget + 1.0, self.redact)
        )


def _servers(spec: BootstrapSpec) -> str:
    return ",".join(str(e) for e in spec.endpoints)
