"""The stages the registry dispatches: probed after the ordinary ones, or run once per bootstrap.

A StageSpec with a ``probe`` (``listencheck.stages.ProbeRef``) names a factory,
the option that turns it on and the method to call; this module opens each
factory once per run, hands the pipeline the runners by scope, and closes
them at the end. The pipeline knows no such stage by name.

A per-bootstrap stage (Scope.BOOTSTRAP) is a ``BootstrapProber``: started once
per bootstrap when its ``start`` says (with the bootstrap, or once a bootstrap
server gave metadata), under the run's deadline, over what ``BootstrapRun``
offers (connection slots, the bootstrap servers' probes); its result goes to
the ``BootstrapCheck`` field named after the stage.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from listencheck.models import AddressAttempt, ClusterMetadata, EndpointProbe, ResolveDetail, StageResult
from listencheck.stages import REGISTRY, Scope, Stage, Start

if TYPE_CHECKING:
    from listencheck.address import Endpoint
    from listencheck.deadline import Deadline
    from listencheck.pipeline import BootstrapSpec, CheckOptions
    from listencheck.probes.attempt import AttemptSettings
    from listencheck.probes.worker import ClientWorker

AttemptRunner = Callable[[int, AddressAttempt, float], Awaitable[StageResult[object]]]
ProbeRunner = Callable[[str, StageResult[ResolveDetail], float], Awaitable[StageResult[object]]]
# (bootstrap, its metadata: None for a stage started with the bootstrap) -> the stage's result
BootstrapRunner = Callable[["BootstrapSpec", ClusterMetadata | None], Awaitable[StageResult[Any]]]


class Owner(Protocol):
    """What a ProbeRef's factory returns: the run's prober, closed at the end of the run."""

    def close(self) -> None: ...


class BootstrapRun(Protocol):
    """What the pipeline's run offers a per-bootstrap stage."""

    @property
    def options(self) -> CheckOptions: ...
    @property
    def deadline(self) -> Deadline: ...
    @property
    def attempt_settings(self) -> AttemptSettings: ...
    @property
    def client_worker(self) -> ClientWorker | None: ...
    @property
    def redact(self) -> Callable[[str], str]: ...

    async def acquire_connection(self) -> bool:
        """A connection slot, waited for no longer than the run's deadline (False: none)."""
        ...

    def release_connection(self) -> None: ...

    def server(self, endpoint: Endpoint) -> EndpointProbe:
        """A bootstrap server's probe (marked interrupted while it runs)."""
        ...

    def own_outcomes(self, spec: BootstrapSpec) -> Mapping[int, bool | None] | None:
        """Per advertised broker: did listencheck's own probe reach it (None: not finished)?"""
        ...


class BootstrapProber(Owner, Protocol):
    """A per-bootstrap stage (``factory(run)`` of its ProbeRef, whose ``method`` starts it)."""

    # The run's progress shows it waiting for this stage once the brokers are probed.
    waited_on: bool

    def metadata_known(self, spec: BootstrapSpec, metadata: ClusterMetadata) -> None:
        """Told when the bootstrap's metadata is known, before the brokers are probed."""
        ...

    def without_metadata(self, spec: BootstrapSpec) -> StageResult[Any]:
        """The result when no bootstrap server gave metadata (a stage started with the bootstrap
        is then cancelled)."""
        ...

    def so_far(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[Any]:
        """The result when the run was interrupted before the stage finished."""
        ...


class BootstrapStage:
    """Defaults for a BootstrapProber: not waited on visibly, nothing to do on metadata or close."""

    waited_on = False

    def metadata_known(self, spec: BootstrapSpec, metadata: ClusterMetadata) -> None:
        pass

    def close(self) -> None:
        pass


class ExtraProbes:
    """The registry's dispatched stages that this run's options turn on."""

    def __init__(self, options: object, run: BootstrapRun | None = None) -> None:
        self._owners: dict[tuple[str, str], Owner] = {}
        self.attempt: list[tuple[Stage, AttemptRunner]] = []  # per resolved address
        self.probe: list[tuple[Stage, ProbeRunner]] = []  # per host:port, given its resolution
        # per bootstrap, in registry order: (stage, when it starts, its prober, its runner)
        self.bootstrap: list[tuple[Stage, Start, BootstrapProber, BootstrapRunner]] = []
        for spec in REGISTRY:
            ref = spec.probe
            if ref is None or (ref.option is not None and not getattr(options, ref.option)):
                continue
            key = (ref.module, ref.factory)
            if key not in self._owners:
                factory = getattr(importlib.import_module(ref.module), ref.factory)
                if spec.scope is Scope.BOOTSTRAP:
                    if run is None:
                        raise ValueError(f"{spec.stage}: a per-bootstrap stage needs the run")
                    self._owners[key] = factory(run)
                else:
                    self._owners[key] = factory.for_run(options)
            owner = self._owners[key]
            runner = getattr(owner, ref.method)
            if spec.scope is Scope.ATTEMPT:
                self.attempt.append((spec.stage, runner))
            elif spec.scope is Scope.PROBE:
                self.probe.append((spec.stage, runner))
            elif spec.scope is Scope.BOOTSTRAP:
                self.bootstrap.append((spec.stage, ref.start, cast(BootstrapProber, owner), runner))
            else:
                raise ValueError(f"{spec.stage}: only attempt, probe and bootstrap stages are dispatched")

    def close(self) -> None:
        for owner in self._owners.values():
            owner.close()
        self._owners.clear()
