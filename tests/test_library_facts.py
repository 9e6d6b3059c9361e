"""The client-library stage's two decisions, taken from facts: when to stop, and what it found.

Events are the worker's own JSON events (probes/worker.py); the verdict must not
depend on the order they arrive in, and the stage must end as soon as every
advertised broker is settled, never before.
"""

from __future__ import annotations

import itertools

from listencheck.models import Reason, StageStatus
from listencheck.probes.library_facts import FactsBuilder, library_verdict, settled, telling_code

LEARNED = {"event": "learned", "cluster_id": "c1", "brokers": [[1, "kafka-1", 9092], [2, "kafka-2", 9092]]}
REFUSED_2 = {"event": "error", "node": 2, "code": "_TRANSPORT",
             "message": "kafka-2:9092/2: Connect to ipv4#10.0.0.2:9092 failed: Connection refused"}
NXDOMAIN_2 = {"event": "error", "node": 2, "code": "_RESOLVE",
              "message": "kafka-2:9092/2: Failed to resolve 'kafka-2:9092': Name or service not known"}
ALL_DOWN = {"event": "error", "node": None, "code": "_ALL_BROKERS_DOWN", "message": "2/2 brokers are down"}
REACHED_1 = {"event": "reached", "node": 1}


def facts_of(*events: dict[str, object]):  # type: ignore[no-untyped-def]
    return FactsBuilder().consume(list(events))


def test_the_verdict_does_not_depend_on_the_order_of_events() -> None:
    events = [LEARNED, REFUSED_2, NXDOMAIN_2, ALL_DOWN, REACHED_1]
    verdicts = set()
    for order in itertools.permutations(events):
        result = library_verdict(facts_of(*order), 10.0)
        assert result.detail is not None
        verdicts.add((result.status, result.detail.unreachable, result.detail.reached))
    assert verdicts == {(StageStatus.FAILED, ((2, "_RESOLVE"),), (1,))}


def test_a_broker_named_in_an_error_proves_the_library_had_metadata() -> None:
    # The library's own metadata request may be lost when it drops its bootstrap connection;
    # what it learned still shows in the brokers it names: this is a broker it cannot reach.
    result = library_verdict(facts_of(REFUSED_2, ALL_DOWN, {"event": "done", "error_code": "_TIMED_OUT",
                                                            "error": "Failed to get metadata"}), 10.0)
    assert result.detail is not None and result.detail.unreachable == ((2, "_TRANSPORT"),)
    assert result.detail.error_code is None


def test_no_metadata_at_all_is_a_metadata_failure() -> None:
    ssl = {"event": "error", "node": None, "code": "_SSL", "message": "k:9093/bootstrap: handshake failed"}
    done = {"event": "done", "error_code": "_TRANSPORT", "error": "Failed to get metadata: transport failure"}
    result = library_verdict(facts_of(ssl, done), 10.0)
    assert result.failed and result.reason is Reason.CLIENT_FAILED
    assert result.detail is not None and result.detail.error_code == "_TRANSPORT"
    assert not result.detail.unreachable


def test_no_answer_at_all_within_the_budget_is_a_timeout() -> None:
    result = library_verdict(facts_of(), 6000.0, timed_out=True)
    assert result.reason is Reason.TIMEOUT
    assert result.detail is not None and result.detail.error_code == "_TIMED_OUT"


def test_every_broker_reached_passes_and_names_them() -> None:
    result = library_verdict(facts_of(LEARNED, REACHED_1, {"event": "reached", "node": 2}), 10.0)
    assert result.ok and result.detail is not None and result.detail.reached == (1, 2)
    assert result.detail.cluster_id == "c1" and len(result.detail.brokers) == 2


def test_settled_when_each_broker_is_reached_or_failing_for_both() -> None:
    facts = facts_of(LEARNED, REACHED_1, REFUSED_2)
    assert settled(facts, {1: True, 2: False}, waited_s=0.1, patience_s=3.0)
    # listencheck's own probe of broker 2 still runs: not yet
    assert not settled(facts, {1: True, 2: None}, waited_s=0.1, patience_s=3.0)
    # before the bootstrap's own metadata is known: not yet
    assert not settled(facts, None, waited_s=0.1, patience_s=3.0)


def test_a_broker_listencheck_reached_gets_the_librarys_whole_budget() -> None:
    # The library failed once (a refused IPv6 address, say) but listencheck reached the broker:
    # the library may still get there on its next address, so this is never settled early.
    facts = facts_of(LEARNED, REACHED_1, REFUSED_2)
    assert not settled(facts, {1: True, 2: True}, waited_s=5.9, patience_s=3.0)


def test_a_silent_broker_settles_after_the_stage_timeout() -> None:
    facts = facts_of(LEARNED, REACHED_1)
    assert not settled(facts, {1: True, 2: False}, waited_s=2.9, patience_s=3.0)
    assert settled(facts, {1: True, 2: False}, waited_s=3.0, patience_s=3.0)
    result = library_verdict(facts, 3000.0)
    assert result.detail is not None and result.detail.unreachable == ((2, "_TIMED_OUT"),)


def test_a_library_without_metadata_is_never_settled_early() -> None:
    facts = facts_of({"event": "error", "node": None, "code": "_TRANSPORT", "message": "x:1/bootstrap: no"})
    assert not settled(facts, {1: False}, waited_s=10.0, patience_s=3.0)


def test_the_end_of_the_library_settles_everything() -> None:
    facts = facts_of(LEARNED, {"event": "done", "brokers": LEARNED["brokers"], "cluster_id": "c1",
                               "unreachable": [[1, "_TIMED_OUT"], [2, "_TIMED_OUT"]]})
    assert settled(facts, {1: None, 2: None}, waited_s=0.0, patience_s=3.0)
    assert library_verdict(facts, 10.0).detail.unreachable == ((1, "_TIMED_OUT"), (2, "_TIMED_OUT"))  # type: ignore[union-attr]


def test_the_most_telling_code_wins_whatever_the_order() -> None:
    assert telling_code(["_TIMED_OUT", "_TRANSPORT", "_RESOLVE"]) == "_RESOLVE"
    assert telling_code(["_TRANSPORT", "_SSL"]) == telling_code(["_SSL", "_TRANSPORT"]) == "_SSL"
    assert telling_code([]) is None


def test_consume_is_incremental() -> None:
    builder = FactsBuilder()
    events: list[dict[str, object]] = [LEARNED]
    assert builder.consume(events).knows_brokers and not builder.consume(events).reached
    events.append(REACHED_1)
    assert builder.consume(events).reached == frozenset({1})


def test_the_typed_events_fold_after_the_pipe_json_round_trip() -> None:
    import json

    from listencheck.probes.worker import (
        DoneEvent,
        ErrorEvent,
        EventKind,
        LearnedEvent,
        NotReachedEvent,
        ReachedEvent,
        Summary,
    )

    typed = [LearnedEvent(event=EventKind.LEARNED, cluster_id="c1",
                          brokers=[[1, "kafka-1", 9092], [2, "kafka-2", 9092], [3, "kafka-3", 9092]]),
             ReachedEvent(event=EventKind.REACHED, node=1),
             ErrorEvent(event=EventKind.ERROR, node=2, code="_RESOLVE", message="kafka-2:9092/2: no"),
             NotReachedEvent(event=EventKind.NOT_REACHED, node=3, code="_TRANSPORT"),
             DoneEvent(**Summary(elapsed_ms=5.0, unreachable=[]), event=EventKind.DONE)]
    wire = [json.loads(json.dumps({**e, "bootstrap": "b:9092"})) for e in typed]
    assert [e["event"] for e in wire] == [e["event"] for e in typed]  # a StrEnum crosses as its value
    facts = FactsBuilder().consume(wire)
    assert facts.finished and facts.reached == {1} and facts.cluster_id == "c1"
    assert {n: set(c) for n, c in facts.failures.items()} == {2: {"_RESOLVE"}, 3: {"_TRANSPORT"}}
