"""The stages probed after the ordinary ones, dispatched from the stage registry.

A StageSpec with a ``probe`` (``listencheck.stages.ProbeRef``) names a factory,
the option that turns it on and the method to call; this module opens each
factory once per run, hands the pipeline the runners by scope, and closes
them at the end. The pipeline knows no such stage by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Protocol

from listencheck.models import AddressAttempt, ResolveDetail, StageResult
from listencheck.stages import REGISTRY, Scope, Stage

AttemptRunner = Callable[[int, AddressAttempt, float], Awaitable[StageResult[object]]]
ProbeRunner = Callable[[str, StageResult[ResolveDetail], float], Awaitable[StageResult[object]]]


class Owner(Protocol):
    """What a ProbeRef's factory returns: the run's prober, closed at the end of the run."""

    def close(self) -> None: ...


class ExtraProbes:
    """The registry's probed-after stages that this run's options turn on."""

    def __init__(self, options: object) -> None:
        self._owners: dict[tuple[str, str], Owner] = {}
        self.attempt: list[tuple[Stage, AttemptRunner]] = []  # per resolved address
        self.probe: list[tuple[Stage, ProbeRunner]] = []  # per host:port, given its resolution
        for spec in REGISTRY:
            ref = spec.probe
            if ref is None or (ref.option is not None and not getattr(options, ref.option)):
                continue
            key = (ref.module, ref.factory)
            if key not in self._owners:
                factory = getattr(importlib.import_module(ref.module), ref.factory)
                self._owners[key] = factory.for_run(options)
            runner = getattr(self._owners[key], ref.method)
            if spec.scope is Scope.ATTEMPT:
                self.attempt.append((spec.stage, runner))
            elif spec.scope is Scope.PROBE:
                self.probe.append((spec.stage, runner))
            else:
                raise ValueError(f"{spec.stage}: only attempt and probe stages are dispatched")

    def close(self) -> None:
        for owner in self._owners.values():
            owner.close()
        self._owners.clear()
