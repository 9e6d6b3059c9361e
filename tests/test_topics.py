"""Topic metadata: one bounded Metadata request for topics per bootstrap, and its model.

The codec is checked against bytes built from apache/kafka's MetadataRequest /
MetadataResponse definitions (tests/support/scripted.py encodes them on its
own), against librdkafka's mock cluster (compared with what librdkafka's own
decoder reads from the same brokers) and against a Tansu broker.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listencheck.models import PartitionMetadata
from listencheck.protocol.messages import encode_metadata_request
from listencheck.protocol.topics import decode_topics
from listencheck.protocol.wire import DecodeError, Reader
from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json, run_cli
from tests.support.mock_topics import mock_topics_cluster
from tests.support.scripted import Request, ScriptedKafka, frame, metadata_response
from tests.test_contract import validate

BROKERS = [(1, "b1", 9092), (2, "b2", 9092)]
TOPICS = [
    ("orders", 0, [(0, 0, 1, [1, 2], [1, 2], []), (72, 1, 3, [3, 1], [3], [2]), (5, 2, -1, [1], [], [1])]),
    ("empty", 3, []),
]


# --- request -------------------------------------------------------------------


@pytest.mark.parametrize("version, expected", [
    (1, struct.pack(">i", -1)),                              # null array: all topics
    (4, struct.pack(">ib", -1, 0)),                          # + allow_auto_topic_creation=false
    (8, struct.pack(">ibbb", -1, 0, 0, 0)),                  # + cluster/topic authorized ops
    (9, b"\x00" + b"\x00\x00\x00" + b"\x00"),                # compact null array, 3 bools, tags
    (12, b"\x00" + b"\x00\x00" + b"\x00"),                   # cluster ops gone from v11
])
def test_all_topics_request(version: int, expected: bytes) -> None:
    assert encode_metadata_request(version, None) == expected


def test_named_topics_request_classic_and_flexible() -> None:
    assert encode_metadata_request(4, ("a", "bc")) == (
        struct.pack(">i", 2) + b"\x00\x01a" + b"\x00\x02bc" + b"\x00")
    # v10+: each topic is TopicId (zero uuid: ask by name) then a compact Name, then its tags
    assert encode_metadata_request(12, ("a",)) == (
        b"\x02" + bytes(16) + b"\x02a" + b"\x00" + b"\x00\x00" + b"\x00")
    assert encode_metadata_request(9, ("a",)) == b"\x02" + b"\x02a\x00" + b"\x00\x00\x00" + b"\x00"


# --- response ------------------------------------------------------------------


@pytest.mark.parametrize("version", range(1, 14))
def test_topics_round_trip_every_version(version: int) -> None:
    body = metadata_response(version, BROKERS, "cid", 1, TOPICS)
    answer = decode_topics(Reader(body), version, 100, 100)
    assert [b.node_id for b in answer.brokers] == [1, 2]
    assert (answer.topic_count, answer.partition_count, answer.truncated) == (2, 3, False)
    orders, empty = answer.topics
    assert (orders.name, orders.error_code, orders.partition_count) == ("orders", 0, 3)
    assert (empty.name, empty.error_code, empty.partitions) == ("empty", 3, ())
    offline = (2,) if version >= 5 else ()
    epoch = 0 if version >= 7 else -1
    assert orders.partitions[1] == PartitionMetadata(1, 3, (3, 1), (3,), offline, 72, epoch)
    assert orders.partitions[2].leader_id == -1 and orders.partitions[2].error_code == 5


def test_limits_keep_the_first_topics_and_count_the_rest() -> None:
    topics = [(f"t{i}", 0, [(0, p, 1, [1], [1], []) for p in range(10)]) for i in range(5)]
    body = metadata_response(12, BROKERS, "cid", 1, topics)
    by_partitions = decode_topics(Reader(body), 12, 100, 25)
    assert [t.name for t in by_partitions.topics] == ["t0", "t1"]
    assert (by_partitions.topic_count, by_partitions.partition_count) == (5, 50)
    assert by_partitions.truncated
    by_topics = decode_topics(Reader(body), 12, 3, 1000)
    assert len(by_topics.topics) == 3 and by_topics.truncated
    assert not decode_topics(Reader(body), 12, 5, 50).truncated


def test_equal_replica_lists_are_shared() -> None:
    topics = [("t", 0, [(0, p, 1, [1, 2], [1, 2], []) for p in range(100)])]
    answer = decode_topics(Reader(metadata_response(12, BROKERS, "c", 1, topics)), 12, 10, 1000)
    partitions = answer.topics[0].partitions
    assert len({id(p.replicas) for p in partitions}) == 1
    assert partitions[0].replicas is partitions[0].isr


@pytest.mark.parametrize("version", [8, 12])
def test_every_cut_short_answer_is_a_decode_error(version: int) -> None:
    body = metadata_response(version, BROKERS, "cid", 1, TOPICS)
    for end in range(len(body)):
        with pytest.raises(DecodeError):
            decode_topics(Reader(body[:end]), version, 100, 100)


def test_hostile_replica_list_length_is_refused() -> None:
    body = bytearray(metadata_response(8, BROKERS, "cid", 1, [("t", 0, [(0, 0, 1, [1], [1], [])])]))
    head = struct.pack(">hiii", 0, 0, 1, 0)  # error, partition 0, leader 1, epoch 0
    at = body.index(head) + len(head)  # then the replica list's length
    body[at:at + 4] = struct.pack(">i", 2**30)
    with pytest.raises(DecodeError, match="exceeds the limit"):
        decode_topics(Reader(bytes(body)), 8, 100, 100)


@settings(max_examples=300)
@given(st.binary(max_size=512), st.sampled_from([1, 5, 7, 8, 9, 10, 12, 13]))
def test_any_bytes_give_topics_or_a_decode_error(data: bytes, version: int) -> None:
    try:
        answer = decode_topics(Reader(data), version, 50, 50)
    except DecodeError:
        return
    assert answer.partition_count >= sum(len(t.partitions) for t in answer.topics)


# --- the topics stage against real brokers -------------------------------------


def test_mock_cluster_topics_match_what_librdkafka_reads() -> None:
    from confluent_kafka.admin import AdminClient

    with mock_topics_cluster(3, [("orders", 6, 3), ("payments", 3, 2)]) as cluster:
        cluster.command("leader", "orders", 0, 3)
        run = check_json(cluster.bootstrap)
        expected = AdminClient({"bootstrap.servers": cluster.bootstrap}).list_topics(timeout=10)
    assert run.code == 0, run.stdout
    topics = run.report["bootstraps"][0]["topics"]
    assert topics["status"] == "ok", topics
    detail = topics["detail"]
    assert detail["requested"] == [] and detail["topic_count"] == 2 and detail["partition_count"] == 9
    assert detail["broker_ids"] == [1, 2, 3]
    seen = {t["name"]: t for t in detail["topics"]}
    for name, meta in expected.topics.items():
        leaders: dict[str, int] = {}
        for p in meta.partitions.values():
            leaders[str(p.leader)] = leaders.get(str(p.leader), 0) + 1
        assert seen[name]["leaders"] == dict(sorted(leaders.items())), name
        assert seen[name]["partitions"] == len(meta.partitions)
    assert seen["orders"]["leaders"]["3"] >= 1
    assert "RUN_LIMIT_REACHED" not in run.codes()


def test_topic_option_asks_for_those_topics_only() -> None:
    with mock_topics_cluster(2, [("orders", 4, 2), ("payments", 2, 2)]) as cluster:
        run = check_json(cluster.bootstrap, "--topic", "orders", "--topic", "orders")
    detail = run.report["bootstraps"][0]["topics"]["detail"]
    assert detail["requested"] == ["orders"]
    assert [t["name"] for t in detail["topics"]] == ["orders"]
    assert detail["topics"][0]["partitions"] == 4


def test_scripted_broker_sees_one_topic_request_without_auto_creation() -> None:
    with ScriptedKafka(brokers=[(1, "127.0.0.1", 0)]) as server:
        server.brokers = [(1, "127.0.0.1", server.port)]
        check_json(server.address, "--topic", "new-topic")
    topic_requests = [r for r in server.requests if r.api_key == 3 and b"new-topic" in r.body]
    assert len(topic_requests) == 1
    request = topic_requests[0]
    if request.version >= 4:  # allow_auto_topic_creation is false
        flags = request.body[-4:] if request.version >= 9 else request.body[-3:]
        assert flags[0] == 0


def test_invalid_topic_name_is_a_usage_error() -> None:
    result = run_cli(["check", "127.0.0.1:9", "--topic", "bad name!"])
    assert result.code == 2
    assert "--topic" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.tansu
def test_tansu_topic_metadata(tansu: BrokerFactory) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    broker = tansu.start()
    admin = AdminClient({"bootstrap.servers": broker.listen})
    admin.create_topics([NewTopic("events", 3, 1)])["events"].result(15)
    run = check_json(broker.listen, "--topic", "events")
    topics = run.report["bootstraps"][0]["topics"]
    assert topics["status"] == "ok", topics
    (events,) = topics["detail"]["topics"]
    assert events["name"] == "events" and events["error"] == "NONE" and events["partitions"] == 3
    assert events["leaders"] == {"111": 3}
    assert run.code == 0


def test_no_topics_skips_the_request() -> None:
    with ScriptedKafka(brokers=[(1, "127.0.0.1", 0)]) as server:
        server.brokers = [(1, "127.0.0.1", server.port)]
        run = check_json(server.address, "--no-topics")
    assert run.report["bootstraps"][0]["topics"]["status"] == "skipped"
    assert run_cli(["check", "127.0.0.1:9", "--no-topics", "--topic", "t"]).code == 2


# --- brokers without the listener, and what each broken broker costs (issue 12, items 3 and 4) -----


def test_healthy_mock_cluster_with_topics_gains_no_finding() -> None:
    with mock_topics_cluster(3, [("orders", 6, 3), ("payments", 3, 2)]) as cluster:
        run = check_json(cluster.bootstrap, "--topic", "orders", "--topic", "payments")
    assert run.code == 0 and run.report["verdict"]["errors"] == 0
    # The mock's brokers advertise 127.0.0.1 and payments has two replicas (notes of other checks);
    # nothing about listeners, leaders or topics.
    assert not run.codes() & {"BROKER_LISTENER_MISSING", "PARTITIONS_UNREACHABLE", "TOPIC_UNAVAILABLE",
                              "LISTENER_IS_CONTROLLER", "PROXY_IGNORED", "RUN_LIMIT_REACHED"}
    detail = run.report["bootstraps"][0]["topics"]["detail"]
    assert [t["leaders_unusable"] for t in detail["topics"]] == [0, 0]


def test_leader_missing_from_the_broker_list_mock_cluster() -> None:
    """librdkafka's mock API leaves broker 3 out of Metadata while it leads two partitions."""
    with mock_topics_cluster(3, [("orders", 6, 3), ("payments", 3, 2)]) as cluster:
        cluster.command("remove", 3)
        cluster.command("leader", "orders", 0, 3)
        cluster.command("leader", "orders", 1, 3)
        run = check_json(cluster.bootstrap)
    assert run.code == 1
    finding = run.one("BROKER_LISTENER_MISSING")
    assert finding["severity"] == "error"
    evidence = finding["evidence"]
    assert evidence["brokers_without_listener"] == [3]
    assert evidence["listed_brokers"] == [1, 2]
    assert (evidence["partitions"], evidence["topics"]) == (2, ["orders"])
    assert "broker 3" in finding["message"] and "broker 3" in finding["fix"]


def test_listener_not_found_as_apache_kafka_answers_it() -> None:
    """Apache Kafka's metadata cache: error 72, leader -1, the replica list unfiltered. (No real
    broker here can be given a listener on some brokers only: the scripted server answers.)"""
    with ScriptedKafka() as server:
        server.brokers = [(1, "127.0.0.1", server.port)]
        topics = [("orders", 0, [(0, 0, 1, [1, 3], [1, 3], []), (72, 1, -1, [3, 1], [3, 1], []),
                                 (72, 2, -1, [3, 4], [3, 4], [])]),
                  ("audit", 0, [(72, 0, -1, [4], [4], [])])]

        def answer(request: Request) -> bytes | None:
            if request.api_key == 3 and request.body[:1] in (b"\x00", b"\xff"):  # all topics
                body = metadata_response(request.version, server.brokers, "c", 1, topics)
                return frame(request.correlation_id, body, flexible=request.version >= 9)
            return server.default_answer(request)

        server.responder = answer
        run = check_json(server.address)
    finding = run.one("BROKER_LISTENER_MISSING")
    assert finding["evidence"]["brokers_without_listener"] == [3, 4]
    assert finding["evidence"]["partitions"] == 3 and finding["evidence"]["topic_count"] == 2
    assert finding["evidence"]["partition_errors"] == {"LISTENER_NOT_FOUND": 3}
    assert "LISTENER_NOT_FOUND" in finding["message"]
    assert run.code == 1


def test_cost_of_a_broker_that_fails_from_here_and_topic_focus() -> None:
    """Broker 2 advertises a port nobody listens on: the partitions it leads fail from here."""
    from tests.support.servers import closed_port

    with mock_topics_cluster(3, [("orders", 6, 3), ("payments", 3, 2), ("audit", 2, 1)]) as cluster:
        cluster.command("advertise", 2, "127.0.0.1", closed_port())
        run = check_json(cluster.bootstrap, "--timeout", "1")
        text = run_cli(["check", "--no-color", "--timeout", "1", cluster.bootstrap,
                        "--topic", "orders", "--topic", "missing"])
    validate(run.report)
    detail = run.report["bootstraps"][0]["topics"]["detail"]
    led_by_2 = {t["name"]: t["leaders"].get("2", 0) for t in detail["topics"]}
    finding = run.one("PARTITIONS_UNREACHABLE")
    assert finding["evidence"]["partitions"] == sum(led_by_2.values()) > 0
    assert finding["evidence"]["per_broker"]["2"]["partitions"] == sum(led_by_2.values())
    assert finding["evidence"]["topics"] == sorted(name for name, n in led_by_2.items() if n)
    assert f"Producing to {sum(led_by_2.values())} partition(s)" in finding["message"]
    assert {t["name"]: t["leaders_unusable"] for t in detail["topics"]} == led_by_2
    assert "ADVERTISED_UNREACHABLE" in run.codes()
    reachable = 6 - led_by_2["orders"]
    assert f"topic orders: leaders of {reachable}/6 partition(s) reachable from here" in text.stdout
    assert "topic missing: UNKNOWN_TOPIC_OR_PARTITION" in text.stdout
    assert "TOPIC_UNAVAILABLE" in text.stdout and text.code == 1
