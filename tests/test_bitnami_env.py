"""bitnami/kafka as its scripts behave (libkafka.sh): KAFKA_CFG_* applied, a fixed list of legacy
KAFKA_* aliases applied over their KAFKA_CFG_ twins, everything else ignored; no listener
defaults of the image's own (Kafka's listeners=PLAINTEXT://:9092 applies), no default KRaft
controller listener. Fixes and diffs for an environment with only some variables set."""

from __future__ import annotations

from pathlib import Path

from listencheck.brokerconfig.load import parse_config_text, read_config_file
from listencheck.brokerconfig.model import Platform, SourceKind
from listencheck.fixes.addresses import Origin, Proposal
from listencheck.fixes.change import add_listener
from listencheck.fixes.diff import patched, unified_diff
from listencheck.fixes.platforms import render
from listencheck.lint import has_errors, lint_file

CORPUS = Path(__file__).parent / "brokerconfigs"


def _env(text: str) -> str:
    return "services:\n  kafka:\n    image: bitnami/kafka:3.9\n    environment:\n" + "".join(
        f"      {line}\n" for line in text.strip().splitlines())


def test_legacy_aliases_are_applied_and_override_their_cfg_twin() -> None:
    text = _env("KAFKA_CFG_ADVERTISED_LISTENERS: PLAINTEXT://:9092\nKAFKA_ADVERTISED_LISTENERS: "
                "PLAINTEXT://kafka:9092\nKAFKA_LISTENERS: PLAINTEXT://:9092")
    broker = parse_config_text(text, "compose.yaml").brokers[0]
    assert broker.value("advertised.listeners") == "PLAINTEXT://kafka:9092"
    assert broker.value("listeners") == "PLAINTEXT://:9092"
    assert broker.source("listeners").key == "KAFKA_LISTENERS" and broker.ignored == ()


def test_a_name_without_alias_is_ignored() -> None:
    text = _env("KAFKA_CFG_PROCESS_ROLES: broker,controller\nKAFKA_CFG_LISTENERS: PLAINTEXT://:9092,"
                "CONTROLLER://:9093\nKAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER")
    config = parse_config_text(text, "compose.yaml")
    broker = config.brokers[0]
    assert [s.key for s in broker.ignored] == ["controller.listener.names"]
    assert broker.controller_listener_names == ()
    codes = {f.code for f in lint_file(config)}
    assert {"CONFIG_BITNAMI_WITHOUT_CFG", "CONFIG_CONTROLLER_LISTENER_MISPLACED"} <= codes


def test_without_listeners_kafkas_default_applies() -> None:
    broker = read_config_file(CORPUS / "bitnami-zookeeper-defaults.compose.yml").brokers[0]
    assert broker.value("listeners") == "PLAINTEXT://:9092"
    assert broker.source("listeners").kind is SourceKind.DEFAULT
    assert [(x.name, x.host, x.port) for x in broker.effective_advertised] == [("PLAINTEXT", "", 9092)]


def test_kraft_controller_without_listeners_is_refused_like_the_image_does() -> None:
    findings = lint_file(read_config_file(CORPUS / "bitnami-kraft-no-listeners.compose.yaml"))
    (refused,) = [f for f in findings if f.code == "CONFIG_CONTROLLER_LISTENER_MISPLACED"]
    assert "bitnami/kafka's own validation refuses" in refused.message
    assert "CONTROLLER://:9093" in refused.fix


def test_env_file_without_listeners_gets_the_default_too() -> None:
    broker = parse_config_text("KAFKA_CFG_ZOOKEEPER_CONNECT=zk:2181\n", "kafka.env").brokers[0]
    assert broker.platform is Platform.BITNAMI and broker.value("listeners") == "PLAINTEXT://:9092"


def test_fix_for_an_environment_with_only_some_variables_keeps_the_default_listener() -> None:
    path = str(CORPUS / "bitnami-zookeeper-defaults.compose.yml")
    text = Path(path).read_text()
    broker = read_config_file(path).brokers[0]
    change = add_listener(1001, ":9092", Proposal(1001, "localhost", "29092", Origin.NEW_PORT, 29092),
                          "PLAINTEXT", broker)
    values = change.new_values()
    assert values["listeners"] == "PLAINTEXT://:9092,EXTERNAL://:29092"
    assert values["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT"
    diff = unified_diff(change, path, text)
    assert diff is not None
    assert "+      - KAFKA_CFG_LISTENERS=PLAINTEXT://:9092,EXTERNAL://:29092" in diff
    assert '+      - "29092:29092"' in diff
    new_text = patched(change, path, text)
    assert new_text is not None
    fixed = parse_config_text(new_text, path)
    after = change.after()
    assert after is not None
    for key in ("listeners", "advertised.listeners", "listener.security.protocol.map"):
        assert fixed.brokers[0].value(key) == after.value(key)
    assert "CONFIG_ADVERTISED_PORT_UNPUBLISHED" not in {f.code for f in lint_file(fixed)}


def test_fix_keeps_the_legacy_spelling_the_file_uses() -> None:
    path = str(CORPUS / "bitnami-legacy-aliases-healthy.compose.yaml")
    broker = read_config_file(path).brokers[0]
    change = add_listener(1, "kafka:9092", Proposal(1, "localhost", "29092", Origin.NEW_PORT, 29092),
                          "PLAINTEXT", broker)
    text = render(change, Platform.BITNAMI).text
    assert "  KAFKA_LISTENERS: " in text and "KAFKA_CFG_LISTENERS" not in text
    new_text = patched(change, path, Path(path).read_text())
    assert new_text is not None
    fixed = parse_config_text(new_text, path)
    assert fixed.brokers[0].value("listeners") == change.new_values()["listeners"]
    assert not has_errors(lint_file(fixed))


_CONTROLLER = ("KAFKA_CFG_NODE_ID: 1\nKAFKA_CFG_PROCESS_ROLES: broker,controller\nKAFKA_CFG_LISTENERS: "
               "PLAINTEXT://:9092,CONTROLLER://:9093\nKAFKA_CFG_CONTROLLER_LISTENER_NAMES: CONTROLLER\n")


def _quorum_findings(image: str, extra: str = "") -> list[tuple[str, str]]:
    text = _env(_CONTROLLER + extra).replace("bitnami/kafka:3.9", image)
    return [(f.code, f.severity.value) for f in lint_file(parse_config_text(text, "compose.yaml"))
            if f.code == "CONFIG_BITNAMI_NO_QUORUM"]


def test_a_controller_without_quorum_voters_is_refused_by_images_up_to_4_0() -> None:
    assert _quorum_findings("bitnami/kafka:4.0.0-debian-12-r5") == [("CONFIG_BITNAMI_NO_QUORUM", "error")]
    assert _quorum_findings("bitnami/kafka:3.9", "KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9093") == []
    broker_only = _env(_CONTROLLER.replace("broker,controller", "broker"))
    codes = {f.code for f in lint_file(parse_config_text(broker_only, "c.yaml"))}
    assert "CONFIG_BITNAMI_NO_QUORUM" not in codes


def test_the_dynamic_quorum_form_counts_on_4_1_and_on_an_unversioned_tag() -> None:
    bootstrap = "KAFKA_CFG_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS: kafka:9093"
    assert _quorum_findings("bitnami/kafka:4.1") == []
    assert _quorum_findings("bitnami/kafka:4.1", bootstrap) == [("CONFIG_BITNAMI_NO_QUORUM", "error")]
    assert _quorum_findings("bitnami/kafka:4.1", bootstrap + "\nKAFKA_INITIAL_CONTROLLERS: 1@kafka:9093:"
                            "Bz1Y6y7zQTG4X7mNbh1p1g") == []
    assert _quorum_findings("bitnami/kafka:latest", bootstrap) == []
    assert _quorum_findings("bitnami/kafka:3.8", bootstrap) == [("CONFIG_BITNAMI_NO_QUORUM", "error")]
    assert _quorum_findings("bitnami/kafka") == [("CONFIG_BITNAMI_NO_QUORUM", "warning")]
