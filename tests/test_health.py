"""Cluster health from topic metadata: real runs against librdkafka's mock cluster (topics of
chosen shape, leaders moved through its mock API) and, for states the mock cannot reach
(offline leaders, a shrunk ISR, min.insync.replicas answers), the scripted Kafka server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from listencheck.protocol.wire import Reader, Writer
from tests.support.cli import Run, check_json
from tests.support.mock_topics import mock_topics_cluster
from tests.support.scripted import Request, ScriptedKafka, Topic, frame, metadata_response

HEALTH_APIS = ((3, 0, 12), (18, 0, 3), (32, 1, 4))  # Metadata, ApiVersions, DescribeConfigs


def health_codes(run: Run) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in run.report["findings"] if f["code"].startswith("HEALTH_")}


def test_replication_sizing_and_leadership_on_a_mock_cluster() -> None:
    topics = [("orders", 12, 3), ("single", 4, 1), ("__consumer_offsets", 5, 1), ("pairs", 6, 2),
              ("huge", 250, 3)]
    with mock_topics_cluster(3, topics) as cluster:
        for topic, partitions, _ in topics:
            if topic in ("orders", "huge"):
                for p in range(partitions):
                    cluster.command("leader", topic, p, 1)
        run = check_json(cluster.bootstrap, "--timeout", "2")
    assert run.code == 0, run.stdout  # health warnings and notes do not fail the run
    codes = health_codes(run)
    assert codes == {
        "HEALTH_REPLICATION_FACTOR_ONE": "warning",
        "HEALTH_INTERNAL_TOPIC_UNREPLICATED": "warning",
        "HEALTH_REPLICATION_FACTOR_TWO": "info",
        "HEALTH_TOPIC_PARTITIONS_HIGH": "warning",
        "HEALTH_LEADERSHIP_SKEWED": "warning",
    }, run.stdout
    rf1 = run.one("HEALTH_REPLICATION_FACTOR_ONE")
    assert rf1["evidence"]["topics"] == ["single"] and rf1["evidence"]["brokers"] == 3
    assert "kafka-reassign-partitions" in rf1["fix"]
    assert run.one("HEALTH_INTERNAL_TOPIC_UNREPLICATED")["evidence"]["topics"] == ["__consumer_offsets"]
    assert run.one("HEALTH_TOPIC_PARTITIONS_HIGH")["evidence"]["partition_counts"] == {"huge": 250}
    skew = run.one("HEALTH_LEADERSHIP_SKEWED")["evidence"]
    assert skew["broker_id"] == 1 and skew["led"] >= 262 and skew["share"] > 0.5
    detail = run.report["bootstraps"][0]["topics"]["detail"]
    by_name = {t["name"]: t for t in detail["topics"]}
    assert by_name["pairs"]["replication_factor"] == 2 and by_name["single"]["under_replicated"] == 0
    assert detail["configs_note"] == "the broker does not offer DescribeConfigs"  # the mock lacks it


def test_healthy_replicated_cluster_has_no_health_finding() -> None:
    with mock_topics_cluster(3, [("orders", 12, 3), ("payments", 8, 3)]) as cluster:
        # The mock picks its first leaders at random, sometimes most of them on one broker (a
        # real HEALTH_LEADERSHIP_SKEWED): spread them as a preferred leader election would.
        for topic, partitions in (("orders", 12), ("payments", 8)):
            for p in range(partitions):
                cluster.command("leader", topic, p, 1 + p % 3)
        run = check_json(cluster.bootstrap)
    assert run.code == 0, [(f["code"], f["message"]) for f in run.findings()]
    assert health_codes(run) == {}


def test_single_broker_cluster_is_not_told_to_replicate() -> None:
    with mock_topics_cluster(1, [("orders", 3, 1), ("__consumer_offsets", 5, 1)]) as cluster:
        run = check_json(cluster.bootstrap)
    assert health_codes(run) == {}


# --- the scripted server: offline leaders, a shrunk ISR, min.insync.replicas ----------------


def _read_resources(request: Request) -> list[tuple[int, str]]:
    """The (type, name) resources of a DescribeConfigs request v1-v4 (apache/kafka
    DescribeConfigsRequest.json)."""
    flexible = request.version >= 4
    r = Reader(request.body)
    out = []
    for _ in range((r.uvarint() - 1) if flexible else r.int32()):
        kind = r.int8()
        name = (r.compact_nullable_string() if flexible else r.nullable_string()) or ""
        keys = (r.uvarint() - 1) if flexible else r.int32()
        for _ in range(max(keys, 0)):
            r.compact_nullable_string() if flexible else r.nullable_string()
        if flexible:
            r.uvarint()  # tagged fields
        out.append((kind, name))
    return out


ConfigResult = tuple[int, int, str, Mapping[str, str]]  # error code, resource type, name, configs


def _describe_configs_response(version: int, results: Sequence[ConfigResult]) -> bytes:
    """DescribeConfigsResponse v1-v4 (apache/kafka DescribeConfigsResponse.json): per resource
    (error code, type, name, configs)."""
    flexible = version >= 4
    w = Writer().int32(0)  # throttle

    def string(s: str | None) -> None:
        w.compact_nullable_string(s) if flexible else w.nullable_string(s)

    w.uvarint(len(results) + 1) if flexible else w.int32(len(results))
    for error, kind, name, configs in results:
        w.int16(error)
        string(None)
        w.int8(kind)
        string(name)
        w.uvarint(len(configs) + 1) if flexible else w.int32(len(configs))
        for key, value in configs.items():
            string(key)
            string(value)
            w.boolean(False).int8(1).boolean(False)  # read only, source DYNAMIC_TOPIC_CONFIG, sensitive
            w.uvarint(1) if flexible else w.int32(0)  # no synonyms
            if version >= 3:
                w.int8(3)  # INT
                string(None)
            if flexible:
                w.empty_tagged_fields()
        if flexible:
            w.empty_tagged_fields()
    if flexible:
        w.empty_tagged_fields()
    return w.build()


def _scripted_run(topics: Sequence[Topic], min_insync: Mapping[str, int | None], *extra: str) -> Run:
    """A three-broker cluster as broker 1 describes it: every broker advertises the scripted
    server's own address (their reachability is not what these tests are about), topic metadata
    and min.insync.replicas (None: refused) as given."""
    with ScriptedKafka(apis=HEALTH_APIS) as server:
        server.brokers = [(1, "127.0.0.1", server.port), (2, "127.0.0.1", server.port),
                          (3, "127.0.0.1", server.port)]

        def answer(request: Request) -> bytes | None:
            if request.api_key == 3 and request.body[:1] in (b"\x00", b"\xff"):  # all topics
                body = metadata_response(request.version, server.brokers, "c", 1, topics)
                return frame(request.correlation_id, body, flexible=request.version >= 9)
            if request.api_key == 32:
                results = []
                for kind, name in _read_resources(request):
                    if kind == 2:
                        value = min_insync.get(name)
                        results.append((29, kind, name, {}) if value is None else
                                       (0, kind, name, {"min.insync.replicas": str(value)}))
                    else:
                        results.append((0, kind, name, {"node.id": "1"}))
                body = _describe_configs_response(request.version, results)
                return frame(request.correlation_id, body, flexible=request.version >= 4)
            return server.default_answer(request)

        server.responder = answer
        return check_json(server.address, "--timeout", "2", *extra)


def test_offline_under_replicated_and_below_min_insync() -> None:
    topics: list[Topic] = [
        # payments: partition 0 has no leader (its replicas 2 and 3 are gone), 1 lost broker 3 from ISR
        ("payments", 0, [(5, 0, -1, [2, 3], [], [2, 3]), (0, 1, 1, [1, 3], [1], [3]),
                         (0, 2, 1, [1, 2], [1, 2], [])]),
        # orders: min.insync.replicas=2, one partition down to one in-sync replica
        ("orders", 0, [(0, 0, 1, [1, 2, 3], [1], []), (0, 1, 2, [2, 3, 1], [2, 3, 1], [])]),
        # strict: min.insync.replicas equal to the replication factor
        ("strict", 0, [(0, 0, 1, [1, 2], [1, 2], []), (0, 1, 2, [2, 1], [2, 1], [])]),
    ]
    run = _scripted_run(topics, {"payments": 1, "orders": 2, "strict": 2})
    assert run.code == 1  # offline partitions and blocked acks=all producers are errors
    codes = health_codes(run)
    assert codes["HEALTH_OFFLINE_PARTITIONS"] == "error"
    assert codes["HEALTH_BELOW_MIN_INSYNC"] == "error"
    assert codes["HEALTH_UNDER_REPLICATED"] == "warning"
    assert codes["HEALTH_MIN_INSYNC_BLOCKS_PRODUCERS"] == "warning"
    offline = run.one("HEALTH_OFFLINE_PARTITIONS")["evidence"]
    assert (offline["partitions"], offline["topics"], offline["replica_brokers"]) == (1, ["payments"], [2, 3])
    urp = run.one("HEALTH_UNDER_REPLICATED")["evidence"]
    assert urp["partitions"] == 2 and urp["out_of_sync"] == {"2": 1, "3": 2}
    below = run.one("HEALTH_BELOW_MIN_INSYNC")
    assert below["evidence"]["topics"] == ["orders"]
    assert below["evidence"]["min_insync_replicas"] == {"orders": 2}
    assert "NOT_ENOUGH_REPLICAS" in below["message"]
    strict = run.one("HEALTH_MIN_INSYNC_BLOCKS_PRODUCERS")["evidence"]
    assert strict["settings"] == {"strict": {"replication_factor": 2, "min_insync_replicas": 2}}
    detail = run.report["bootstraps"][0]["topics"]["detail"]
    assert {t["name"]: t["min_insync_replicas"] for t in detail["topics"]} == {
        "payments": 1, "orders": 2, "strict": 2}
    assert detail["configs_note"] is None


def test_refused_topic_configs_are_noted_and_judged_without() -> None:
    topics: list[Topic] = [("pairs", 0, [(0, 0, 1, [1, 2], [1, 2], []), (0, 1, 2, [2, 1], [2, 1], [])])]
    run = _scripted_run(topics, {"pairs": None})
    detail = run.report["bootstraps"][0]["topics"]["detail"]
    assert detail["configs_note"] == "1 topic(s) refused (TOPIC_AUTHORIZATION_FAILED)"
    assert detail["topics"][0]["min_insync_replicas"] is None
    assert health_codes(run) == {"HEALTH_REPLICATION_FACTOR_TWO": "info"}


def test_broker_and_cluster_partition_counts_past_the_guidance() -> None:
    """4,001 replicas on broker 1 (one topic, one replica each) on a two-broker cluster."""
    partitions = [(0, i, 1, [1], [1], []) for i in range(4_001)]
    run = _scripted_run([("wide", 0, partitions)], {"wide": 1})
    codes = health_codes(run)
    assert codes["HEALTH_BROKER_PARTITIONS_HIGH"] == "warning"
    assert run.one("HEALTH_BROKER_PARTITIONS_HIGH")["evidence"]["replicas_per_broker"] == {"1": 4001}
    assert codes["HEALTH_TOPIC_PARTITIONS_HIGH"] == "warning"
    assert "HEALTH_CLUSTER_PARTITIONS_HIGH" not in codes


def test_a_cluster_past_200000_partitions() -> None:
    topics: list[Topic] = [
        (f"t{n}", 0, [(0, i, 1 + i % 3, [1 + i % 3], [1 + i % 3], []) for i in range(20_001)])
        for n in range(10)]
    run = _scripted_run(topics, {}, "--timeout", "20")  # the scripted server encodes in Python
    finding = run.one("HEALTH_CLUSTER_PARTITIONS_HIGH")
    assert finding["evidence"]["partitions"] == 200_010 and finding["evidence"]["topics"] == 10


def test_health_in_the_document_reports() -> None:
    """The same facts in the Markdown and HTML reports: the topics needing attention first."""
    from tests.support.cli import run_cli

    with mock_topics_cluster(3, [("orders", 12, 3), ("single", 4, 1)]) as cluster:
        md = run_cli(["check", "--format", "markdown", "--timeout", "2", cluster.bootstrap]).stdout
        html = run_cli(["check", "--format", "html", "--timeout", "2", cluster.bootstrap]).stdout
    table = md[md.index("#### Topics through"):]
    assert "| `single` | 4 | 1 | — | 0 | 0 |" in table  # RF 1, min.insync unknown (the mock lacks it)
    assert "`orders`" not in table  # healthy topics stay out of a ticket
    assert "HEALTH_REPLICATION_FACTOR_ONE" in md
    assert '<tr class="concern-1"><td class="addr">single</td>' in html
    assert html.index(">single<") < html.index(">orders<")  # needing attention first
