"""Each broker's listener configuration, read back over DescribeConfigs (scripted Kafka brokers
answering with realistic configurations, Tansu answering nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json
from tests.support.scripted import ScriptedKafka
from tests.support.scripted_cluster import scripted_cluster
from tests.test_contract import validate

APIS = ((3, 0, 12), (18, 0, 3), (32, 1, 4))  # Metadata, ApiVersions, DescribeConfigs


def kraft_combined(port: int, controller_port: int) -> dict[str, str | None]:
    """What a cp-kafka KRaft combined node (like the Confluent quick start) answers."""
    return {
        "process.roles": "broker,controller",
        "listeners": f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://0.0.0.0:{controller_port},"
                     f"PLAINTEXT_HOST://0.0.0.0:{port + 10000}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},PLAINTEXT_HOST://localhost:{port + 10000}",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
    }


@pytest.fixture
def cluster() -> Iterator[list[ScriptedKafka]]:
    """Three scripted brokers, each answering DescribeConfigs for its own id only."""
    with ExitStack() as stack:
        brokers = [stack.enter_context(ScriptedKafka(apis=APIS, node_id=i)) for i in (1, 2, 3)]
        listing = [(b.node_id or 0, b.host, b.port) for b in brokers]
        for b in brokers:
            b.brokers = listing
            b.broker_config = kraft_combined(b.port, 29093)
        yield brokers


def listener_config(report: dict[str, Any], node_id: int) -> dict[str, Any]:
    broker = next(b for b in report["bootstraps"][0]["brokers"] if b["node_id"] == node_id)
    return broker["listener_config"]  # type: ignore[no-any-return]


def test_every_broker_reached_gives_its_listener_table(cluster: list[ScriptedKafka]) -> None:
    run = check_json(cluster[0].address)
    validate(run.report)
    assert "CONFIG_NOT_READABLE" not in run.codes()
    for b in cluster:
        known = listener_config(run.report, b.node_id or 0)
        assert known["readback"] == "read" and known["source"] == "describe_configs"
        config = known["config"]
        assert config["mode"] == "kraft_combined" and config["node_id"] == b.node_id
        rows = {r["name"]: r for r in config["listeners"]}
        assert rows["PLAINTEXT"] == {
            "name": "PLAINTEXT", "bind": f"0.0.0.0:{b.port}", "advertised": f"127.0.0.1:{b.port}",
            "security_protocol": "PLAINTEXT", "roles": ["clients", "inter_broker"],
            "source": f"DescribeConfigs of broker {b.node_id}", "landed": True,
        }
        assert rows["CONTROLLER"]["roles"] == ["controller"] and rows["CONTROLLER"]["advertised"] is None
        assert rows["PLAINTEXT_HOST"]["landed"] is False
    # the id and the listener keys in one request (the client library's own asks for all keys)
    for b in cluster:
        ours = [r for r in b.requests if r.api_key == 32 and b"advertised.listeners" in r.body]
        assert ours and all(b"node.id" in r.body for r in ours)


def test_the_text_report_shows_the_table_and_marks_the_listener_used(cluster: list[ScriptedKafka]) -> None:
    from tests.support.cli import run_cli

    run = run_cli(["check", "--timeout", "2", "--no-color", cluster[0].address])
    text = run.stdout
    assert "listener configuration of broker 1 (DescribeConfigs of broker 1)" in text, text
    line = next(x for x in text.splitlines() if x.strip().startswith("* PLAINTEXT "))
    assert f"127.0.0.1:{cluster[0].port}" in line and "clients, inter-broker" in line


def test_authorization_refusal_gives_one_note_saying_how_to_give_the_config(
        cluster: list[ScriptedKafka]) -> None:
    for b in cluster:
        b.describe_error = (31, "Cluster authorization failed.")
    run = check_json(cluster[0].address)
    validate(run.report)
    note = run.one("CONFIG_NOT_READABLE")
    assert note["severity"] == "info" and "DESCRIBE_CONFIGS permission" in note["message"]
    assert "--broker-config FILE" in note["fix"]
    assert set(note["evidence"]["brokers"]) == {"1", "2", "3"}
    assert "CLUSTER_AUTHORIZATION_FAILED" in note["evidence"]["brokers"]["1"]
    assert listener_config(run.report, 2) == {
        "readback": "refused", "error": "CLUSTER_AUTHORIZATION_FAILED: Cluster authorization failed.",
        "source": None, "config": None}


def test_a_broker_asked_for_another_id_is_asked_again_for_its_own() -> None:
    """Bootstrapping through an address the metadata does not list (a forwarded port)."""
    with ScriptedKafka(apis=APIS, node_id=7) as b:
        b.brokers = [(5, "127.0.0.1", 1), (7, "127.0.0.1", b.port)]  # 5 first: asked first
        b.broker_config = kraft_combined(b.port, 29093)
        run = check_json(f"localhost:{b.port}")
    summary = run.report["bootstraps"][0]["servers"][0]["attempts"][0]["metadata"]["detail"]
    assert summary["responder_id"] == 7 and summary["config_readback"] == {"status": "read", "error": None}
    assert listener_config(run.report, 7)["readback"] == "read"


@pytest.mark.tansu
def test_tansu_answers_nothing_so_one_note_says_so(tansu: BrokerFactory) -> None:
    broker = tansu.start()
    run = check_json(broker.listen)
    validate(run.report)
    note = run.one("CONFIG_NOT_READABLE")
    assert "does not answer DescribeConfigs" in note["message"]
    assert listener_config(run.report, 111)["config"] is None


def test_a_broker_that_answers_without_its_listener_settings_is_told_apart() -> None:
    """DescribeConfigs answered with its node id and none of the listener keys (as a
    Kafka-compatible broker may): the note says so, not that the broker does not answer."""
    with scripted_cluster(lambda node_id, port: ("127.0.0.1", port), ids=(1,)) as cluster:
        run = check_json(cluster.address(1))
    validate(run.report)
    note = run.one("CONFIG_NOT_READABLE")
    assert "answered DescribeConfigs for its own configuration without its listener" in note["message"]
    assert note["evidence"]["brokers"] == {"1": "empty: the answer holds no listeners"}


def test_broker_config_file_stands_in_where_the_broker_cannot_be_read(tmp_path: Path) -> None:
    with ScriptedKafka(node_id=1) as b:  # no DescribeConfigs at all
        b.brokers = [(1, "127.0.0.1", b.port)]
        props = tmp_path / "server.properties"
        props.write_text(
            "process.roles=broker,controller\nnode.id=1\ncontroller.listener.names=CONTROLLER\n"
            f"listeners=PLAINTEXT://:{b.port},CONTROLLER://:29093,LEGACY://:{b.port + 1}\n"
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{b.port},LEGACY://:{b.port + 1}\n"
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,LEGACY:PLAINTEXT\n"
            "ssl.keystore.password=hunter2-broker-secret\n")
        run = check_json("--broker-config", str(props), b.address)
    validate(run.report)
    known = listener_config(run.report, 1)
    assert known["readback"] == "unsupported" and known["source"] == "file"
    rows = {r["name"]: r for r in known["config"]["listeners"]}
    assert rows["PLAINTEXT"]["landed"] and rows["PLAINTEXT"]["source"] == f"{props}:4 (listeners)"
    assert "CONFIG_NOT_READABLE" not in run.codes()
    empty = run.one("CONFIG_ADVERTISED_EMPTY_HOST")
    assert empty["subject"] == "run" and str(props) in empty["message"]
    assert empty["evidence"]["node_id"] == 1 and empty["evidence"]["line"] == 5
    assert "hunter2" not in run.stdout + run.stderr


def test_unparseable_broker_config_is_a_usage_error_before_any_probe(tmp_path: Path) -> None:
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  kafka:\n    environment: [\n")
    run = check_json("--broker-config", str(bad), "127.0.0.1:9")
    assert run.code == 2 and f"{bad}:4: not valid YAML" in run.stderr
    assert run.report["failure"]["kind"] == "usage" and run.report["bootstraps"] == []


def test_an_empty_advertised_host_read_back_is_named_as_the_cause() -> None:
    """advertised.listeners=PLAINTEXT://:PORT: Kafka advertises the machine's name instead."""
    with ScriptedKafka(apis=APIS, node_id=4) as b:
        b.brokers = [(4, "127.0.0.1", b.port)]
        b.broker_config = {**kraft_combined(b.port, 29093), "advertised.listeners": f"PLAINTEXT://:{b.port}"}
        run = check_json(b.address)
    finding = run.one("CONFIG_ADVERTISED_EMPTY_HOST", broker_id=4)
    assert finding["evidence"]["source"] == "DescribeConfigs of broker 4"
    rows = {r["name"]: r for r in listener_config(run.report, 4)["config"]["listeners"]}
    assert rows["PLAINTEXT"]["advertised"] == f":{b.port}" and rows["PLAINTEXT"]["landed"]


def test_a_listener_value_that_does_not_parse_is_reported_not_fatal() -> None:
    with ScriptedKafka(apis=APIS, node_id=1) as b:
        b.brokers = [(1, "127.0.0.1", b.port)]
        b.broker_config = {"listeners": "PLAINTEXT:\x1b[31m9092", "listener.security.protocol.map": "x"}
        run = check_json(b.address)
    validate(run.report)
    known = listener_config(run.report, 1)
    assert known["config"] is None and known["error"].startswith("its answer does not parse")
    assert "\x1b" not in run.stdout
    assert "CONFIG_NOT_READABLE" in run.codes()
