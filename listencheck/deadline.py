"""The run's deadline and the per-stage timeouts derived from it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Deadline:
    """A point in monotonic time after which no new stage starts.

    ``stage_timeout`` is the per-stage budget (``--timeout``); a stage gets the
    smaller of it and what is left of the run (``--deadline``).
    """

    stage_timeout: float
    total: float
    started: float = field(default_factory=time.monotonic)

    @property
    def remaining(self) -> float:
        return self.started + self.total - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.remaining <= 0

    def budget(self, factor: float = 1.0) -> float:
        """Time allowed for the next stage (0 when the run is out of time)."""
        return max(0.0, min(self.stage_timeout * factor, self.remaining))

    def cut_short(self, budget: float, factor: float = 1.0) -> bool:
        """True when a stage given ``budget`` lost time to the deadline, not to the peer."""
        return budget < self.stage_timeout * factor and self.expired


def elapsed_ms(since: float) -> float:
    return (time.monotonic() - since) * 1000.0
