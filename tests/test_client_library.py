"""The client-library stage: librdkafka must reach every advertised broker, not just one.

Metadata can come from any single broker; listencheck then makes librdkafka send a
request to each advertised broker (DescribeConfigs for that broker's own resource),
so an application's "connected but cannot produce" case shows up here too.
"""

from __future__ import annotations

import pytest

from listencheck.analysis.client_rules import brokers_not_reached
from listencheck.models import ClientDetail
from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json
from tests.support.mock_cluster import mock_cluster
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port


def test_client_library_reaches_every_broker_of_a_mock_cluster() -> None:
    with mock_cluster(12) as cluster:
        run = check_json(cluster.bootstrap)
    assert run.code == 0, run.stdout
    bootstrap = run.report["bootstraps"][0]
    assert sorted(b["node_id"] for b in bootstrap["brokers"]) == list(range(1, 13))
    assert all(b["probe"]["works"] and b["identity"]["ok"] for b in bootstrap["brokers"])
    client = bootstrap["client"]
    assert client["status"] == "ok"
    assert client["detail"]["unreachable"] == []
    assert len(client["detail"]["brokers"]) == 12
    assert bootstrap["metadata"]["api_version"] == 13  # the mock speaks Metadata v13


@pytest.mark.tansu
def test_client_library_cannot_talk_to_the_advertised_broker(tansu: BrokerFactory) -> None:
    port = closed_port()
    broker = tansu.start(f"127.0.0.1:{port}")
    run = check_json(broker.listen, "--timeout", "1")
    finding = run.one("CLIENT_BROKER_UNREACHABLE", 111)
    assert finding["severity"] == "error"
    assert finding["address"] == f"127.0.0.1:{port}"
    assert finding["evidence"]["error"] == "_TRANSPORT"  # librdkafka's own connect error, not a timeout
    assert "ADVERTISED_UNREACHABLE" in finding["evidence"]["also_found_by_listencheck"]
    assert "CLIENT_METADATA_FAILED" not in run.codes()
    client = run.report["bootstraps"][0]["client"]
    assert client["detail"]["unreachable"][0][0] == 111


@pytest.mark.tansu
def test_healthy_broker_is_reached_by_the_client_library(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    run = check_json(broker.listen)
    client = run.report["bootstraps"][0]["client"]
    assert client["status"] == "ok" and client["detail"]["unreachable"] == []
    assert run.code == 0


@pytest.mark.parametrize("detail, failing_here, expected", [
    # librdkafka fetched the metadata, then could not talk to broker 1
    (ClientDetail("lib", unreachable=((1, "_TIMED_OUT"),)), [1], ((1, "_TIMED_OUT"),)),
    # the race lost the other way: the metadata request itself failed for lack of a connection
    (ClientDetail("lib", error_code="_TRANSPORT"), [1], ((1, "_TRANSPORT"),)),
    (ClientDetail("lib", error_code="_ALL_BROKERS_DOWN"), [2, 1], ((1, "_ALL_BROKERS_DOWN"),
                                                                    (2, "_ALL_BROKERS_DOWN"))),
    # no broker fails listencheck's own probes: the library's own failure
    (ClientDetail("lib", error_code="_TRANSPORT"), [], ()),
    # a setting the library rejects is not about reaching brokers
    (ClientDetail("lib", error_code="_INVALID_ARG"), [1], ()),
])
def test_which_brokers_the_client_library_did_not_reach(
    detail: ClientDetail, failing_here: list[int], expected: tuple[tuple[int, str], ...]
) -> None:
    assert brokers_not_reached(detail, failing_here) == expected


def test_the_code_is_decided_by_what_the_library_learned_not_by_event_order() -> None:
    # librdkafka drops its bootstrap connection once it has the broker list, so its own
    # metadata request may or may not be answered before it tries the (refused) broker.
    # Either way it learned broker 7 and could not connect to it: always the same finding.
    with ScriptedKafka() as script:
        port = closed_port()
        script.brokers = [(7, "127.0.0.1", port)]
        runs = [check_json(script.address, "--timeout", "1") for _ in range(3)]
    for run in runs:
        assert "CLIENT_METADATA_FAILED" not in run.codes(), run.stdout
        finding = run.one("CLIENT_BROKER_UNREACHABLE", 7)
        assert finding["evidence"]["error"] == "_TRANSPORT"
        assert any("Connection refused" in line for line in finding["evidence"]["log"])
        client = run.report["bootstraps"][0]["client"]["detail"]
        assert client["unreachable"] == [[7, "_TRANSPORT"]] and client["reached"] == []
        assert client["brokers"] == [{"node_id": 7, "host": "127.0.0.1", "port": port, "rack": None}]


def test_run_duration_includes_the_client_library_stage() -> None:
    # Regression: duration_ms started after the early-forked client worker, so a 200 ms run
    # reported 5 ms. The run's span must cover every stage, the client library's included.
    from datetime import datetime

    with mock_cluster(3) as cluster:
        run = check_json(cluster.bootstrap)
    report = run.report
    client = report["bootstraps"][0]["client"]
    assert client["status"] == "ok"
    assert report["duration_ms"] >= client["elapsed_ms"] > 0
    span = (datetime.fromisoformat(report["finished_at"]) - datetime.fromisoformat(report["started_at"]))
    assert abs(span.total_seconds() * 1000 - report["duration_ms"]) < 5  # timestamps at ms precision
