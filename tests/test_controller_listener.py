"""KRaft controller listeners recognised from the ApiVersions answer (issue 12, item 2).

No KRaft controller runs here (Tansu and librdkafka's mock cluster are brokers), so the
scripted Kafka-protocol server answers ApiVersions with a controller's API set: the APIs
whose apache/kafka request definitions say "listeners": [... "controller" ...], with the
controller-only ones (Vote, BrokerRegistration...) and neither Produce nor Metadata.
"""

from __future__ import annotations

from listencheck.analysis.controller_rules import CLIENT_APIS, CONTROLLER_ONLY_APIS
from tests.support.cli import check_json
from tests.support.mock_topics import mock_topics_cluster
from tests.support.scripted import ScriptedKafka

# apache/kafka 3.9 message definitions with "controller" among their listeners (key, min, max).
CONTROLLER_API_SET = [
    (1, 0, 17), (7, 0, 3), (17, 0, 1), (18, 0, 4), (19, 0, 7), (20, 0, 6), (29, 0, 3), (30, 0, 3),
    (31, 0, 3), (32, 0, 4), (33, 0, 2), (36, 0, 2), (37, 0, 3), (43, 0, 2), (44, 0, 1), (45, 0, 0),
    (46, 0, 0), (49, 0, 1), (50, 0, 0), (51, 0, 0), (52, 0, 1), (53, 0, 1), (54, 0, 1), (55, 0, 2),
    (56, 0, 3), (57, 0, 1), (58, 0, 0), (59, 0, 1), (60, 0, 1), (62, 0, 4), (63, 0, 1), (64, 0, 0),
    (67, 0, 0), (70, 0, 0), (73, 0, 0), (80, 0, 0), (81, 0, 0), (82, 0, 0),
]


def test_bootstrap_to_the_controller_port() -> None:
    with ScriptedKafka(apis=CONTROLLER_API_SET) as controller:
        controller.brokers = [(1, "127.0.0.1", controller.port)]
        run = check_json(controller.address, "--timeout", "1")
    finding = run.one("LISTENER_IS_CONTROLLER")
    assert finding["address"] == controller.address and finding["broker_id"] is None
    assert set(finding["evidence"]["controller_only_apis"]) == {52, 53, 54, 59, 62, 63, 70, 73, 82}
    assert "controller.listener.names" in finding["fix"]
    assert "BOOTSTRAP_METADATA_FAILED" not in run.codes()  # the controller finding says why
    assert run.code == 3  # nothing a client can use answered


def test_broker_advertising_its_controller_listener_next_to_a_working_one() -> None:
    """Broker 1 (the mock cluster) works; broker 2 advertises a controller listener."""
    with ScriptedKafka(apis=CONTROLLER_API_SET) as controller, \
            mock_topics_cluster(1, []) as cluster, ScriptedKafka() as bootstrap:
        host, port = cluster.bootstrap.rsplit(":", 1)
        bootstrap.brokers = [(1, host, int(port)), (2, "127.0.0.1", controller.port)]
        run = check_json(bootstrap.address, "--timeout", "1", "--no-topics")
    finding = run.one("LISTENER_IS_CONTROLLER", 2)
    assert finding["address"] == controller.address
    assert cluster.bootstrap in finding["evidence"]["client_listeners_working"]
    assert "advertised.listeners" in finding["fix"]
    assert "ADVERTISED_METADATA_FAILED" not in run.codes()
    assert run.code == 1


def test_the_api_sets_follow_the_message_definitions() -> None:
    offered = {key for key, _, _ in CONTROLLER_API_SET}
    assert offered >= CONTROLLER_ONLY_APIS and not CLIENT_APIS & offered
