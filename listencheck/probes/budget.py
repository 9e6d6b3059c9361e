"""Run a stage within its budget, and never blame a peer for the run's own deadline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from listencheck.deadline import Deadline
from listencheck.models import Reason, StageResult

D = TypeVar("D")
X = TypeVar("X")

_PATIENCE = (Reason.TIMEOUT, Reason.SILENT)


async def within_deadline(
    deadline: Deadline, run: Callable[[float], Awaitable[tuple[StageResult[D], X | None]]],
    factor: float = 1.0,
) -> tuple[StageResult[D], X | None]:
    """Run a stage that also yields a by-product (a connection, a parsed response).

    A stage that timed out only because the deadline shortened its budget is
    recorded as not run (deadline): it says nothing about the peer.
    """
    if deadline.expired:
        return StageResult.not_run(Reason.DEADLINE, "the run's deadline passed"), None
    budget = deadline.budget(factor)
    result, extra = await run(budget)
    if result.failed and result.reason in _PATIENCE and deadline.cut_short(budget, factor):
        return StageResult.deadline_cut(result.elapsed_ms), None
    return result, extra


async def stage_within_deadline(
    deadline: Deadline, run: Callable[[float], Awaitable[StageResult[D]]], factor: float = 1.0
) -> StageResult[D]:
    async def paired(budget: float) -> tuple[StageResult[D], None]:
        return await run(budget), None

    result, _ = await within_deadline(deadline, paired, factor)
    return result
