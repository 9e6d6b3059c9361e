"""Is the bootstrap address one broker, or a load balancer in front of several?

A few more connections to the bootstrap server that answered, at once, each
asking who it reached (the same DescribeConfigs question the metadata stage
asks). Different broker ids behind one address mean the connections are spread
over the brokers. Only when it can tell: the metadata lists several brokers and
the broker names itself; otherwise the stage is skipped and costs nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from listencheck.address import Endpoint
from listencheck.limits import BALANCER_SAMPLES
from listencheck.models import BalancerDetail, ClusterMetadata, Reason, StageResult
from listencheck.probes.attempt import AttemptSettings, probe_address
from listencheck.probes.extra import BootstrapRun, BootstrapStage

if TYPE_CHECKING:
    from listencheck.pipeline import BootstrapSpec

Acquire = Callable[[], Awaitable[bool]]


def sampling_skipped(metadata: ClusterMetadata) -> StageResult[BalancerDetail] | None:
    """Why the bootstrap is not sampled (None: it is)."""
    detail = metadata.detail
    if len(detail.brokers) < 2:
        return StageResult.skipped("the metadata lists one broker: no other broker could answer there")
    if detail.responder_id is None:
        return StageResult.skipped("the broker does not say which broker it is")
    if not metadata.verified:
        return StageResult.skipped("the metadata was read over an unverified TLS connection")
    return None


async def sample_bootstrap(
    endpoint: Endpoint, metadata: ClusterMetadata, settings: AttemptSettings,
    acquire: Acquire, release: Callable[[], None], samples: int = BALANCER_SAMPLES,
) -> StageResult[BalancerDetail]:
    """``samples`` more connections to the address the metadata came from, concurrently, each
    within the run's deadline and holding a connection slot (``acquire``/``release``)."""
    skipped = sampling_skipped(metadata)
    if skipped is not None:
        return skipped
    start = time.monotonic()

    async def one() -> int | None:
        if not await acquire():
            return None
        try:
            attempt = await probe_address(endpoint, metadata.source_address, settings)
        finally:
            release()
        detail = attempt.metadata.detail
        return detail.responder_id if detail is not None else None

    seen = await asyncio.gather(*(one() for _ in range(samples)))
    elapsed = round((time.monotonic() - start) * 1000, 1)
    detail = BalancerDetail(endpoint.host, endpoint.port, metadata.source_address,
                            (metadata.detail.responder_id, *seen))
    if not any(r is not None for r in seen):
        return StageResult.failure(elapsed, Reason.UPSTREAM_FAILED,
                                   "no further connection said which broker it reached", detail)
    return StageResult.passed(elapsed, detail)


class BalancerProber(BootstrapStage):
    """The stage per bootstrap (Stage.BALANCER), started once the bootstrap's metadata is known."""

    def __init__(self, run: BootstrapRun) -> None:
        self._run = run

    async def run(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[BalancerDetail]:
        """A few more connections to the bootstrap server that answered: which broker each reaches."""
        if metadata is None:
            return self.without_metadata(spec)
        endpoint = next((e for e in spec.endpoints if str(e) == metadata.source), None)
        if endpoint is None:
            return StageResult.skipped("the metadata did not come from a listed bootstrap server")
        return await sample_bootstrap(endpoint, metadata, self._run.attempt_settings,
                                      self._run.acquire_connection, self._run.release_connection)

    def without_metadata(self, spec: BootstrapSpec) -> StageResult[BalancerDetail]:
        return StageResult.not_run(Reason.UPSTREAM_FAILED, "no bootstrap server answered")

    def so_far(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[BalancerDetail]:
        if metadata is None:
            return self.without_metadata(spec)
        return sampling_skipped(metadata) or StageResult.not_run(
            Reason.INTERRUPTED, "the run was interrupted before the bootstrap was sampled")
