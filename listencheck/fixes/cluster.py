"""The fixes of a run, per broker: which configuration change, in which platform syntax.

A ``BrokerFix`` names the findings it resolves, the change as data, its renderings
(one per platform asked for) and, when the broker's configuration came from a file,
a unified diff of that file. Several brokers with the same kind of change form one
cluster-wide table in the report (each with its own address, never another's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from listencheck.brokerconfig.model import Platform, SourceKind
from listencheck.fixes.change import ChangeKind, ListenerChange
from listencheck.fixes.diff import file_diff, unified_diff
from listencheck.fixes.platforms import RenderedFix, strimzi_listener_for_brokers
from listencheck.fixes.yamldiff import strimzi_cluster_patched


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
    """Each fix with the diff of its configuration file (``texts``: path -> content).

    The brokers of one Strimzi ``Kafka`` resource share one diff of it: brokers that each need
    the same new listener get one ``spec.kafka.listeners[]`` entry with an override per broker,
    not one listener each (whose names and ports would collide when applied together).
    """
    strimzi: dict[str, list[BrokerFix]] = {}
    for fix in fixes:
        path, config = fix.config_path, fix.change.config
        if path is not None and config is not None and config.platform is Platform.STRIMZI:
            strimzi.setdefault(path, []).append(fix)
    shared: dict[str, str | None] = {}
    for path, group in strimzi.items():
        text = texts.get(path)
        if len(group) > 1 and text is not None:
            new = strimzi_cluster_patched([f.change for f in group], path, text)
            if new is not None:  # else each broker's own diff, where it has one
                shared[path] = file_diff(path, text, new)
    out = []
    for fix in fixes:
        path = fix.config_path
        text = texts.get(path) if path is not None else None
        if path is None or text is None:
            out.append(fix)
        elif path in shared:
            out.append(replace(fix, diff=shared[path]))
        else:
            out.append(replace(fix, diff=unified_diff(fix.change, path, text)))
    return tuple(out)


def shared_strimzi_listeners(fixes: tuple[BrokerFix, ...]) -> tuple[BrokerFix, ...]:
    """Fixes whose Strimzi rendering adds the same listener for several brokers of one resource
    render it once for all of them: one ``spec.kafka.listeners[]`` entry, one override per broker."""
    groups: dict[tuple[str, str, int, str], list[BrokerFix]] = {}
    for fix in fixes:
        change = fix.change
        if change.kind is ChangeKind.ADD_LISTENER and any(r.platform is Platform.STRIMZI
                                                         for r in fix.renderings):
            key = (fix.config_path or fix.bootstrap, change.listener, change.port, change.protocol)
            groups.setdefault(key, []).append(fix)
    combined: dict[int, RenderedFix] = {}
    for group in groups.values():
        if len(group) > 1:
            rendering = strimzi_listener_for_brokers([f.change for f in group])
            combined.update({id(f): rendering for f in group})
    return tuple(
        replace(f, renderings=tuple(combined[id(f)] if r.platform is Platform.STRIMZI else r
                                    for r in f.renderings)) if id(f) in combined else f
        for f in fixes)


__all__ = ["BrokerFix", "shared_strimzi_listeners", "with_diffs"]
