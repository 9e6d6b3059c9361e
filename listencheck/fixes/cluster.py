"""The fixes of a run, per broker: which configuration change, in which platform syntax.

A ``BrokerFix`` names the findings it resolves, the change as data, its renderings
(one per platform asked for) and, when the broker's configuration came from a file,
a unified diff of that file. Several brokers with the same kind of change form one
cluster-wide table in the report (each with its own address, never another's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from listencheck.brokerconfig.model import SourceKind
from listencheck.fixes.change import ListenerChange
from listencheck.fixes.diff import unified_diff
from listencheck.fixes.platforms import RenderedFix


@dataclass(frozen=True)
class BrokerFix:
    bootstrap: str
    broker_id: int
    codes: tuple[str, ...]  # the findings this change resolves
    change: ListenerChange
    renderings: tuple[RenderedFix, ...]
    config_source: str | None  # where the broker's configuration came from; None: unknown
    diff: str | None = None
    problems: tuple[str, ...] = ()  # the ids of the problems (report.problems) this change fixes

    @property
    def config_path(self) -> str | None:
        config = self.change.config
        if config is None:
            return None
        origin = config.origin  # the file, also when its listeners are the image's defaults
        return origin.path if origin.kind is SourceKind.FILE else None


def with_diffs(fixes: tuple[BrokerFix, ...], texts: Mapping[str, str]) -> tuple[BrokerFix, ...]:
    """Each fix with the diff of its configuration file (``texts``: path -> content)."""
    out = []
    for fix in fixes:
        path = fix.config_path
        text = texts.get(path) if path is not None else None
        out.append(replace(fix, diff=unified_diff(fix.change, path, text))
                   if path is not None and text is not None else fix)
    return tuple(out)


__all__ = ["BrokerFix", "with_diffs"]
