"""What the client library did, as facts, and the two decisions taken from them (pure).

The worker (``probes/worker.py``) streams events as they happen: the brokers
librdkafka learned from a Metadata answer, an error librdkafka reported for a
broker (it names the broker), a broker that answered a request, the end.
``FactsBuilder`` folds them into ``LibraryFacts``; then

- ``settled`` says whether the run may stop the library now: every advertised
  broker is either reached by the library, or failing both for listencheck's
  own probe and for the library (an error it reported, or no answer within the
  stage timeout);
- ``library_verdict`` turns the facts into the stage result. It is the one
  place that decides between "the library got no metadata" and "it got the
  metadata but could not talk to broker N": from what the library learned and
  what it reported per broker, never from which event happened to come first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from listencheck.models import AdvertisedBroker, ClientDetail, Reason, StageResult
from listencheck.probes.worker import EventKind, WireEvent

LIBRARY = "confluent-kafka"

# Which of several librdkafka errors for one broker names the cause best, most telling first.
_CODE_ORDER = ("_RESOLVE", "_AUTHENTICATION", "_SSL", "_TRANSPORT", "_TIMED_OUT", "_TIMED_OUT_QUEUE",
               "_ALL_BROKERS_DOWN")
NO_ANSWER = "_TIMED_OUT"


def telling_code(codes: Iterable[str]) -> str | None:
    """The most telling of ``codes`` (a fixed order, whatever order they came in)."""
    distinct = set(codes)
    for code in _CODE_ORDER:
        if code in distinct:
            return code
    return min(distinct) if distinct else None


@dataclass(frozen=True)
class LibraryFacts:
    """Everything the library reported for one bootstrap so far."""

    library: str = LIBRARY
    learned: tuple[AdvertisedBroker, ...] | None = None  # the first Metadata answer it received
    cluster_id: str | None = None
    reached: frozenset[int] = frozenset()  # brokers that answered a request
    failures: Mapping[int, frozenset[str]] = field(default_factory=dict)  # broker -> its error codes
    other_errors: tuple[str, ...] = ()  # errors about a bootstrap server or about no broker
    metadata_error: tuple[str, str] | None = None  # the metadata request's own failure: code, message
    messages: tuple[str, ...] = ()  # the first message of each error, as librdkafka wrote it
    log: tuple[str, ...] = ()
    finished: bool = False  # the library ran to its end (it was not stopped)
    elapsed_ms: float = 0.0

    @property
    def knows_brokers(self) -> bool:
        """The library received a Metadata answer (or named a broker, which it only knows from one)."""
        return self.learned is not None or bool(self.failures) or bool(self.reached)

    @property
    def nodes(self) -> tuple[int, ...]:
        learned = {b.node_id for b in self.learned or ()}
        return tuple(sorted(learned | set(self.failures) | self.reached))


class FactsBuilder:
    """Folds the worker's events for one bootstrap into LibraryFacts, incrementally."""

    def __init__(self) -> None:
        self._consumed = 0
        self._facts = LibraryFacts()
        self._failures: dict[int, set[str]] = {}
        self._reached: set[int] = set()
        self._other: list[str] = []
        self._messages: list[str] = []
        self._log: list[str] = []
        self._changed = False

    def consume(self, events: list[WireEvent]) -> LibraryFacts:
        """Apply the events not seen yet (``events`` only ever grows) and return the facts."""
        fresh = events[self._consumed:]
        self._consumed += len(fresh)
        for event in fresh:
            self._apply(event)
        if self._changed:
            self._changed = False
            self._facts = LibraryFacts(
                self._facts.library, self._facts.learned, self._facts.cluster_id, frozenset(self._reached),
                {n: frozenset(c) for n, c in self._failures.items()}, tuple(self._other),
                self._facts.metadata_error, tuple(self._messages), tuple(self._log),
                self._facts.finished, self._facts.elapsed_ms,
            )
        return self._facts

    def _apply(self, event: WireEvent) -> None:
        kind = event.get("event")  # a str from JSON: equal to its EventKind
        self._changed = True
        node = event.get("node")
        if kind == EventKind.LEARNED:
            self._learned(event)
        elif kind == EventKind.ERROR:
            code = str(event.get("code"))
            if isinstance(node, int):
                self._failures.setdefault(node, set()).add(code)
            else:
                self._other.append(code)
            self._messages.append(str(event.get("message", "")))
        elif kind == EventKind.NOT_REACHED and isinstance(node, int):
            self._failures.setdefault(node, set()).add(str(event.get("code")))
        elif kind == EventKind.REACHED and isinstance(node, int):
            self._reached.add(node)
        elif kind == EventKind.LOG:
            self._log.append(str(event.get("line", "")))
        elif kind == EventKind.DONE:
            self._done(event)

    def _learned(self, event: WireEvent) -> None:
        if self._facts.learned is not None:
            return
        brokers = tuple(_broker(b) for b in _items(event.get("brokers")))
        cluster = event.get("cluster_id")
        self._facts = _replace(self._facts, learned=brokers, cluster_id=str(cluster) if cluster else None)

    def _done(self, event: WireEvent) -> None:
        for node, code in (_pair(u) for u in _items(event.get("unreachable"))):
            self._failures.setdefault(node, set()).add(code)
        if "brokers" in event:
            self._facts = _replace(self._facts, learned=None)  # the final list, from the library's answer
            self._learned(event)
        error = (str(event["error_code"]), str(event.get("error", ""))) if "error_code" in event else None
        elapsed = event.get("elapsed_ms", 0.0)
        self._facts = _replace(
            self._facts, library=str(event.get("library", LIBRARY)), metadata_error=error, finished=True,
            elapsed_ms=float(elapsed) if isinstance(elapsed, int | float) else 0.0)


def settled(facts: LibraryFacts, own: Mapping[int, bool | None] | None, waited_s: float,
            patience_s: float) -> bool:
    """May the library be stopped now, its verdict already certain?

    ``own``: for each advertised broker listencheck probed, whether its own probe
    reached it (None while that probe runs; None for the whole map before the
    bootstrap's metadata is known). A broker is settled when the library reached
    it, or when both listencheck and the library fail on it: the library
    reported an error for it, or has tried for ``patience_s`` without an answer.
    A broker listencheck reached but the library has not yet is never settled:
    the library gets its whole budget for it.
    """
    if facts.finished:
        return True
    if own is None or not facts.knows_brokers:
        return False
    for node, works in own.items():
        if node in facts.reached:
            continue
        if works is None or works:
            return False
        if node not in facts.failures and waited_s < patience_s:
            return False
    return True


def library_verdict(
    facts: LibraryFacts, elapsed_ms: float, timed_out: bool = False
) -> StageResult[ClientDetail]:
    """The client-library stage's result, from the facts alone."""
    detail = ClientDetail(facts.library, facts.cluster_id, facts.learned or (), log=facts.log,
                          reached=tuple(sorted(facts.reached)))
    if not facts.knows_brokers:
        code, message = facts.metadata_error or (telling_code(facts.other_errors) or NO_ANSWER, "")
        if not message:
            message = facts.messages[0] if facts.messages else (
                f"no Metadata answer within {elapsed_ms / 1000:.1f}s")
        reason = Reason.TIMEOUT if timed_out and not facts.other_errors else Reason.CLIENT_FAILED
        return StageResult.failure(
            elapsed_ms, reason, f"librdkafka metadata request failed: {code}: {message}",
            ClientDetail(facts.library, error_code=code, log=facts.log))
    unreachable = tuple(
        (node, telling_code(facts.failures.get(node, ())) or NO_ANSWER)
        for node in facts.nodes if node not in facts.reached
    )
    if not unreachable:
        return StageResult.passed(elapsed_ms, detail)
    which = ", ".join(f"{n} ({code})" for n, code in unreachable)
    silent = any(node not in facts.failures for node, _ in unreachable)
    return StageResult.failure(
        elapsed_ms, Reason.TIMEOUT if timed_out and silent else Reason.CLIENT_FAILED,
        f"librdkafka got metadata but could not talk to broker {which}",
        _replace_detail(detail, unreachable),
    )


def _replace_detail(detail: ClientDetail, unreachable: tuple[tuple[int, str], ...]) -> ClientDetail:
    return ClientDetail(detail.library, detail.cluster_id, detail.brokers, detail.error_code, detail.log,
                        unreachable, detail.reached)


def _replace(facts: LibraryFacts, **changes: object) -> LibraryFacts:
    from dataclasses import replace

    return replace(facts, **changes)  # type: ignore[arg-type]


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _broker(item: object) -> AdvertisedBroker:
    node, host, port = item if isinstance(item, list) and len(item) == 3 else (-1, "", 0)
    return AdvertisedBroker(int(str(node)), str(host), int(str(port)))


def _pair(item: object) -> tuple[int, str]:
    node, code = item if isinstance(item, list) and len(item) == 2 else (-1, NO_ANSWER)
    return int(str(node)), str(code)
