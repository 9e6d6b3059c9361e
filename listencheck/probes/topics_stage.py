"""The topics stage per bootstrap: topic metadata from the bootstrap server that answered.

Started once the bootstrap's metadata is known (``listencheck.stages``: Stage.TOPICS),
on a new connection under a connection slot; the request itself is ``probe_topics``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from listencheck.models import ClusterMetadata, Reason, StageResult, TopicsDetail
from listencheck.probes.attempt import probe_topics
from listencheck.probes.extra import BootstrapRun, BootstrapStage

if TYPE_CHECKING:
    from listencheck.pipeline import BootstrapSpec

_NO_SERVER = "no bootstrap server answered"


class TopicsProber(BootstrapStage):
    def __init__(self, run: BootstrapRun) -> None:
        self._run = run

    async def run(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[TopicsDetail]:
        """Topic metadata over this listener, from the bootstrap server that answered."""
        source = next((s for s in map(self._run.server, spec.endpoints) if s.metadata is not None), None)
        if source is None or source.chosen is None:
            return StageResult.not_run(Reason.UPSTREAM_FAILED, _NO_SERVER)
        address = source.chosen.address
        if not await self._run.acquire_connection():
            return StageResult.not_run(Reason.DEADLINE, "the run's deadline passed")
        try:
            return await probe_topics(source.endpoint, address, self._run.attempt_settings,
                                      self._run.options.topics)
        finally:
            self._run.release_connection()

    def without_metadata(self, spec: BootstrapSpec) -> StageResult[TopicsDetail]:
        return StageResult.not_run(Reason.UPSTREAM_FAILED, _NO_SERVER)

    def so_far(self, spec: BootstrapSpec, metadata: ClusterMetadata | None) -> StageResult[TopicsDetail]:
        if metadata is None:
            return self.without_metadata(spec)
        return StageResult.not_run(
            Reason.INTERRUPTED, "the run was interrupted before topic metadata arrived")
