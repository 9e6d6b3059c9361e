"""Run a check: bootstrap every listener, then probe every advertised broker, concurrently.

Each distinct host:port is probed once per run (bootstrap servers and
advertised brokers share probes). TCP connections are bounded by a
semaphore; every stage's timeout is capped by the run's deadline, so the
run ends on time whatever the network does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from listencheck.address import (
    Endpoint,
    bootstrap_servers,
    classify_host,
    host_problem,
    ip_literal,
    may_be_machine_name,
    parse_bootstrap,
    port_problem,
)
from listencheck.config import ClientConfig
from listencheck.deadline import Deadline
from listencheck.identity import judge_identity
from listencheck.limits import (
    FD_RESERVE,
    MAX_ADDRESSES_PER_HOST,
    MAX_BROKERS,
    MAX_CONNECTIONS,
    MAX_RESOLUTIONS,
    SOCKETS_PER_ATTEMPT,
    client_timeout,
)
from listencheck.models import (
    AddressAttempt,
    AdvertisedBroker,
    BootstrapCheck,
    BrokerCheck,
    CheckResult,
    ClusterMetadata,
    EndpointProbe,
    Expectations,
    IdentityDetail,
    Reason,
    ResolveDetail,
    Settings,
    Severity,
    StageResult,
)
from listencheck.probes.attempt import (
    UNVERIFIED_RETRY_FAILURES,
    AttemptSettings,
    probe_address,
    probe_metadata_unverified,
)
from listencheck.probes.budget import stage_within_deadline
from listencheck.probes.extra import ExtraProbes, ProbeRunner
from listencheck.probes.resolve import Resolver, SystemResolver, reverse_name
from listencheck.probes.worker import ClientWorker, running_worker
from listencheck.progress import Observer, ProgressTracker
from listencheck.redact import Redactor
from listencheck.stages import Stage, Start
from listencheck.tls.settings import tls_settings
from listencheck.vantage import local_vantage
from listencheck.vocabulary import DnsLookup

if TYPE_CHECKING:
    from listencheck.brokerconfig.model import ConfigFile

DEFAULT_TIMEOUT = 3.0


@dataclass(frozen=True)
class BootstrapSpec:
    """One bootstrap argument and the servers it lists."""

    argument: str
    endpoints: tuple[Endpoint, ...]

    @classmethod
    def parse(cls, argument: str) -> BootstrapSpec:
        return cls(argument, parse_bootstrap(argument))

    @property
    def servers(self) -> str:
        return bootstrap_servers(self.endpoints)


@dataclass(frozen=True)
class CheckOptions:
    """Everything one check runs with."""

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
    broker_configs: tuple[ConfigFile, ...] = ()  # --broker-config files, already read
    topics: tuple[str, ...] = ()  # --topic: the topics to focus on; () = all topics
    topic_metadata: bool = True  # one bounded Metadata request for topics per bootstrap
    deep: bool = False  # raw-packet probes where TCP failed or stalled; DNS asked per resolver
    dns_servers: tuple[str, ...] = ()  # asked besides resolv.conf's nameservers (with deep)

    @property
    def run_deadline(self) -> float:
        return self.deadline if self.deadline is not None else default_deadline(self.timeout)


def default_deadline(timeout: float) -> float:
    # Resolve + one stage for the bootstrap, the same for the brokers, plus slack.
    return 4 * timeout + 2.0


def run_check(options: CheckOptions, client_worker: ClientWorker | None = None,
              observer: Observer | None = None) -> CheckResult:
    """Blocking entry point: run the whole check under its deadline.

    ``client_worker``: the client-library worker, when the caller forked it early
    (``client_worker_for``; the caller's ``with`` stops it); otherwise the run
    starts its own and stops it before returning.

    Ctrl-C: asyncio.run cancels the main task on the first SIGINT; the run then
    returns what it has measured so far, marked ``interrupted`` (a second
    SIGINT raises KeyboardInterrupt at once).
    """
    results: list[CheckResult] = []

    async def main(worker: ClientWorker | None) -> None:
        # Keep the result out of the task's return value: asyncio.run formats the
        # main task's repr when it restores the SIGINT handler, and the repr of a
        # report with hundreds of brokers costs a noticeable fraction of a second.
        run = _Run(options, worker, observer)
        try:
            results.append(await run.check())
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.uncancel() > 0:
                raise
            results.append(run.result(run.partial(), interrupted=True))
        finally:
            run.close()

    if client_worker is not None:
        asyncio.run(main(client_worker))
    else:
        with client_worker_for(options) as worker:
            asyncio.run(main(worker))
    return results[0]


def client_worker_for(options: CheckOptions) -> contextlib.AbstractContextManager[ClientWorker | None]:
    """The client-library worker for these options, stopped when the ``with`` ends (None when the
    stage is not wanted)."""
    if not options.client_check:
        return contextlib.nullcontext()
    return running_worker([s.servers for s in options.bootstraps], options.config.librdkafka_conf(),
                          client_timeout(options.timeout, options.run_deadline))


def connection_limit(wanted: int) -> int:
    """``wanted`` sockets, fitted to the open-file limit (ulimit -n): its soft value is raised
    towards the hard one when needed, else ``wanted`` is lowered to what it leaves room for."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < wanted + FD_RESERVE:
            raised = wanted + FD_RESERVE if hard == resource.RLIM_INFINITY else min(hard, wanted + FD_RESERVE)
            if raised > soft:
                resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
                soft = raised
    except (ImportError, OSError, ValueError):
        return wanted
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - FD_RESERVE))


def _address_problem(advertised: AdvertisedBroker) -> str | None:
    return host_problem(advertised.host) or port_problem(advertised.port)


async def _results(tasks: Mapping[Stage, Awaitable[StageResult[object]]]) -> dict[str, Any]:
    """The probed-after stages' results, as the model's keyword arguments (field = stage name)."""
    return {stage.value: await task for stage, task in tasks.items()}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Run:
    def __init__(self, options: CheckOptions, client_worker: ClientWorker | None,
                 observer: Observer | None = None) -> None:
        self.started_wall = datetime.now(UTC)
        self.started = time.monotonic()
        if client_worker is not None and client_worker.started < self.started:
            # The run began when its client-library stage did (forked early by the CLI).
            self.started_wall -= timedelta(seconds=self.started - client_worker.started)
            self.started = client_worker.started
        self.options = options
        self.deadline = Deadline(options.timeout, options.run_deadline)
        self.resolver: Resolver = options.resolver or SystemResolver()
        tls = tls_settings(options.config) if options.config.uses_tls else None
        self.attempt_settings = AttemptSettings(options.config, self.deadline, tls)
        # Used for what waited for a slot until the deadline: every stage is then not run.
        self._expired_settings = AttemptSettings(options.config, Deadline(options.timeout, 0.0), tls)
        # Addresses probed at once: each holds at most SOCKETS_PER_ATTEMPT sockets at a time.
        attempts = connection_limit(options.max_connections) // SOCKETS_PER_ATTEMPT
        self.connections = asyncio.Semaphore(max(1, attempts))
        self.resolutions = asyncio.Semaphore(MAX_RESOLUTIONS)
        self.redact: Callable[[str], str] = Redactor(options.config.secrets())
        self._probes: dict[tuple[Endpoint, bool], asyncio.Task[EndpointProbe]] = {}
        self._probes_done = 0
        self._outcomes: dict[str, tuple[int, dict[int, bool | None]]] = {}  # bootstrap -> (probes done, ...)
        self._stage_results: dict[str, dict[Stage, StageResult[Any]]] = {}  # bootstrap -> its stages' results
        self._source_names: dict[str, str | None] = {}
        self._unverified: dict[str, ClusterMetadata] = {}
        self.client_worker = client_worker
        self.progress = ProgressTracker(observer)
        # The registry's dispatched stages: probed after the ordinary ones (--deep's), per bootstrap.
        self.extras = ExtraProbes(options, self)

    def close(self) -> None:
        """Release what the run's stages opened (the deep probes' raw sockets)."""
        self.extras.close()

    async def check(self) -> CheckResult:
        bootstraps = await asyncio.gather(*(self.bootstrap(spec) for spec in self.options.bootstraps))
        return self.result(tuple(bootstraps))

    def result(self, bootstraps: tuple[BootstrapCheck, ...], interrupted: bool = False) -> CheckResult:
        options = self.options
        settings = Settings(
            timeout_s=options.timeout,
            deadline_s=options.run_deadline,
            security_protocol=options.config.security_protocol,
            client_properties=options.config.property_names(),
            resolver=self.resolver.name,
            expect=options.expect,
            fail_on=options.fail_on,
            deep=options.deep,
            dns_servers=options.dns_servers if options.deep else (),
            address_family=options.config.address_family,
            dns_lookup=options.config.dns_lookup,
        )
        return CheckResult(
            started_at=_iso(self.started_wall),
            finished_at=_iso(datetime.now(UTC)),
            duration_ms=round((time.monotonic() - self.started) * 1000, 1),
            vantage=local_vantage(options.vantage_name),
            settings=settings,
            bootstraps=bootstraps,
            interrupted=interrupted,
            deadline_hit=self.deadline.expired,
            given_configs=options.broker_configs,
        )

    def partial(self) -> tuple[BootstrapCheck, ...]:
        """Everything measured so far, after an interruption; the rest marked interrupted."""
        return tuple(self.assemble(spec) for spec in self.options.bootstraps)

    def _key(self, endpoint: Endpoint, bootstrap: bool) -> tuple[Endpoint, bool]:
        """Probes are shared per host:port; a bootstrap server under client.dns.lookup=
        resolve_canonical_bootstrap_servers_only is resolved differently, so apart."""
        return endpoint, bootstrap and self.options.config.dns_lookup is DnsLookup.RESOLVE_CANONICAL

    def probe(self, endpoint: Endpoint, bootstrap: bool = False) -> asyncio.Task[EndpointProbe]:
        """The probe of ``endpoint``, started once and shared by everyone who asks."""
        key = self._key(endpoint, bootstrap)
        task = self._probes.get(key)
        if task is None:
            task = asyncio.ensure_future(self._probe(endpoint, canonical=key[1]))
            task.add_done_callback(self._probe_done)
            task.add_done_callback(lambda _: self.progress.finished(endpoint))
            self._probes[key] = task
        return task

    def _probe_done(self, _: asyncio.Task[EndpointProbe]) -> None:
        self._probes_done += 1

    async def _probe(self, endpoint: Endpoint, canonical: bool = False) -> EndpointProbe:
        classification = classify_host(endpoint.host)
        resolved = await self._resolve(endpoint, canonical)
        # Probed-after stages of the host:port (--deep: every nameserver asked for the name) run
        # while the addresses are probed.
        extras = {stage: asyncio.ensure_future(self._probe_extra(run, endpoint, resolved))
                  for stage, run in self.extras.probe}
        if not resolved.ok or resolved.detail is None:
            return EndpointProbe(endpoint, classification, resolved, **await _results(extras))
        detail = resolved.detail
        addresses = detail.addresses[:MAX_ADDRESSES_PER_HOST]
        # Under a canonical name, TLS and SASL see that name, as the Java client's do.
        attempts = await asyncio.gather(*(
            self._attempt(replace(endpoint, host=detail.server_name(a, endpoint.host)), a)
            for a in addresses))
        return EndpointProbe(endpoint, classification, resolved, tuple(attempts), **await _results(extras))

    async def _probe_extra(self, run: ProbeRunner, endpoint: Endpoint, resolved: StageResult[ResolveDetail]
                           ) -> StageResult[object]:
        """A probed-after stage of a host:port, under a name-resolution slot (it asks about the name)."""
        if not await self._acquire(self.resolutions):
            return StageResult.deadline_cut(None)
        try:
            return await run(endpoint.host, resolved, self.deadline.budget())
        finally:
            self.resolutions.release()

    async def _resolve(self, endpoint: Endpoint, canonical: bool = False) -> StageResult[ResolveDetail]:
        family = self.options.config.address_family
        lookup = self.options.config.dns_lookup
        if lookup is DnsLookup.RESOLVE_CANONICAL and not canonical:
            lookup = DnsLookup.USE_ALL_DNS_IPS  # after the bootstrap, the same as use_all_dns_ips

        def resolve(deadline: Deadline) -> Awaitable[StageResult[ResolveDetail]]:
            return stage_within_deadline(deadline, lambda budget: self.resolver.resolve(
                endpoint.host, endpoint.port, family, budget, lookup, canonical))

        if ip_literal(endpoint.host) is not None and not canonical:
            return await resolve(self.deadline)  # nothing to look up: no slot needed
        if not await self._acquire(self.resolutions):
            return await resolve(self._expired_settings.deadline)
        try:
            return await resolve(self.deadline)
        finally:
            self.resolutions.release()

    async def _attempt(self, endpoint: Endpoint, address: str) -> AddressAttempt:
        if not await self._acquire(self.connections):
            return await probe_address(endpoint, address, self._expired_settings)
        try:
            attempt = await probe_address(endpoint, address, self.attempt_settings)
            for stage, run in self.extras.attempt:  # under the same slot: they use sockets too
                result = await run(endpoint.port, attempt, self.deadline.budget())
                attempt = replace(attempt, **{stage.value: result})  # type: ignore[arg-type]
            return attempt
        finally:
            self.connections.release()

    async def acquire_connection(self) -> bool:
        """A connection slot for a per-bootstrap stage (see ``BootstrapRun``)."""
        return await self._acquire(self.connections)

    def release_connection(self) -> None:
        self.connections.release()

    def server(self, endpoint: Endpoint) -> EndpointProbe:
        return self._server(endpoint)

    async def _acquire(self, slots: asyncio.Semaphore) -> bool:
        """Wait for a slot, but not past the run's deadline."""
        remaining = self.deadline.remaining
        if remaining <= 0:
            return False
        try:
            async with asyncio.timeout(remaining):
                await slots.acquire()  # at once while a slot is free
        except TimeoutError:
            return False
        return True

    async def bootstrap(self, spec: BootstrapSpec) -> BootstrapCheck:
        stages = self.extras.bootstrap  # the registry's per-bootstrap stages (topics, client, ...)
        results = self._stage_results.setdefault(spec.argument, {})
        tasks = {stage: asyncio.ensure_future(run(spec, None))
                 for stage, start, _, run in stages if start is Start.WITH_BOOTSTRAP}
        self.progress.servers(spec.endpoints)
        await asyncio.gather(*(self.probe(e, bootstrap=True) for e in spec.endpoints))
        metadata = self._metadata(spec) or await self._metadata_unverified(spec)
        if metadata is None:
            for task in tasks.values():
                task.cancel()
            results.update({stage: prober.without_metadata(spec) for stage, _, prober, _ in stages})
        else:
            for _, _, prober, _ in stages:
                prober.metadata_known(spec, metadata)
            tasks.update({stage: asyncio.ensure_future(run(spec, metadata))
                          for stage, start, _, run in stages if start is Start.AFTER_METADATA})
            usable = [b.endpoint for b in self._probed(metadata) if _address_problem(b) is None]
            self.progress.brokers(usable)
            await asyncio.gather(*(self.probe(e) for e in usable))
            name_task = asyncio.ensure_future(self._source_name(metadata))
            # What the run waits for once the brokers are probed (the client library), then the rest.
            waited = [stage for stage, _, prober, _ in stages if prober.waited_on]
            if waited:
                self.progress.client(waiting=True)
                try:
                    for stage in waited:
                        results[stage] = await tasks[stage]
                finally:
                    self.progress.client(waiting=False)
            for stage, _, _, _ in stages:
                if stage not in waited:
                    results[stage] = await tasks[stage]
            self._source_names[spec.argument] = await name_task
        return self.assemble(spec)

    async def _source_name(self, metadata: ClusterMetadata) -> str | None:
        """The bootstrap address's reverse DNS name, when a broker advertises a short name that
        does not resolve here: the machine's own name has its full name there."""
        if not any(may_be_machine_name(b.host) and self._finished(b.endpoint).resolve.failed
                   for b in self._probed(metadata) if _address_problem(b) is None):
            return None
        if not isinstance(self.resolver, SystemResolver):
            return None  # a static table (the demo) sends no query
        budget = min(self.options.timeout, self.deadline.remaining)
        if budget <= 0:
            return None
        return await reverse_name(metadata.source_address, 0, budget)

    def assemble(self, spec: BootstrapSpec) -> BootstrapCheck:
        """The bootstrap's result from the probes that finished (all of them, unless interrupted)."""
        servers = tuple(self._server(e) for e in spec.endpoints)
        metadata = self._metadata(spec)
        brokers = tuple(self._broker(b, metadata) for b in self._probed(metadata)) if metadata else ()
        results = self._stage_results.get(spec.argument, {})
        stages = {stage.value: results[stage] if stage in results else prober.so_far(spec, metadata)
                  for stage, _, prober, _ in self.extras.bootstrap}
        return BootstrapCheck(spec.argument, servers, metadata, brokers, **stages,
                              source_name=self._source_names.get(spec.argument))

    def _metadata(self, spec: BootstrapSpec) -> ClusterMetadata | None:
        for server in (self._server(e) for e in spec.endpoints):
            if server.chosen is not None and server.metadata is not None:
                return ClusterMetadata(str(server.endpoint), server.chosen.address, server.metadata)
        return self._unverified.get(spec.argument)

    async def _metadata_unverified(self, spec: BootstrapSpec) -> ClusterMetadata | None:
        """When every bootstrap server failed TLS verification only: their metadata read without
        it, so the advertised listeners are still learned and probed (marked unverified)."""
        for server in map(self._server, spec.endpoints):
            attempt = server.chosen
            tls = attempt.tls.detail if attempt is not None else None
            if attempt is None or tls is None or tls.failure not in UNVERIFIED_RETRY_FAILURES:
                continue
            if not await self._acquire(self.connections):
                return None
            try:
                result = await probe_metadata_unverified(
                    server.endpoint, attempt.address, self.attempt_settings)
            finally:
                self.connections.release()
            if result.ok and result.detail is not None:
                found = ClusterMetadata(str(server.endpoint), attempt.address, result.detail, verified=False)
                self._unverified[spec.argument] = found
                return found
        return None

    @staticmethod
    def _probed(metadata: ClusterMetadata) -> tuple[AdvertisedBroker, ...]:
        return metadata.detail.brokers[:MAX_BROKERS]  # the analysis reports any rest

    def _server(self, endpoint: Endpoint) -> EndpointProbe:
        """A bootstrap server's probe."""
        return self._finished(endpoint, bootstrap=True)

    def _finished(self, endpoint: Endpoint, bootstrap: bool = False) -> EndpointProbe:
        task = self._probes.get(self._key(endpoint, bootstrap))
        if task is not None and task.done() and not task.cancelled():
            return task.result()
        return EndpointProbe(endpoint, classify_host(endpoint.host), StageResult.not_run(
            Reason.INTERRUPTED, "the run was interrupted before the probe of this address finished"))

    def _broker(self, advertised: AdvertisedBroker, metadata: ClusterMetadata) -> BrokerCheck:
        problem = _address_problem(advertised)
        endpoint = advertised.endpoint
        if problem:
            probe = EndpointProbe(
                endpoint, classify_host(advertised.host) if advertised.host else classify_host("invalid"),
                StageResult.not_run(Reason.INVALID_ADDRESS, f"not a usable address: {problem}"),
            )
            identity: StageResult[IdentityDetail] = StageResult.not_run(
                Reason.INVALID_ADDRESS, "the advertised address is unusable")
            return BrokerCheck(advertised, probe, identity, problem)
        probe = self._finished(endpoint)
        return BrokerCheck(advertised, probe, judge_identity(advertised, metadata.detail, probe))

    def own_outcomes(self, spec: BootstrapSpec) -> dict[int, bool | None] | None:
        """Per advertised broker: did listencheck's own probe reach it (None: not finished)?"""
        metadata = self._metadata(spec)
        if metadata is None:
            return None
        cached = self._outcomes.get(spec.argument)
        if cached is not None and cached[0] == self._probes_done:
            return cached[1]  # the same object while no probe has finished since
        outcomes: dict[int, bool | None] = {}
        for advertised in self._probed(metadata):
            if _address_problem(advertised) is not None:
                outcomes[advertised.node_id] = False
                continue
            task = self._probes.get(self._key(advertised.endpoint, False))
            done = task is not None and task.done() and not task.cancelled()
            outcomes[advertised.node_id] = task.result().works if done and task is not None else None
        self._outcomes[spec.argument] = (self._probes_done, outcomes)
        return outcomes
