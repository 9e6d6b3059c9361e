"""Redpanda listener names are matched as written (case-sensitive, lower case by convention):
read, linted, fixed and rendered without upper-casing them, unlike Kafka's."""

from __future__ import annotations

from pathlib import Path

from listencheck.brokerconfig.load import parse_config_text
from listencheck.brokerconfig.model import Platform
from listencheck.fixes.addresses import Origin, Proposal
from listencheck.fixes.change import add_listener, readvertise
from listencheck.fixes.platforms import render
from listencheck.lint import lint_file
from tests.support.cli import run_cli

YAML = """\
redpanda:
  node_id: 0
  kafka_api:
    - name: internal
      address: 0.0.0.0
      port: 9092
    - name: External
      address: 0.0.0.0
      port: 19092
  advertised_kafka_api:
    - name: internal
      address: redpanda-0
      port: 9092
    - name: External
      address: localhost
      port: 19092
  kafka_api_tls:
    - name: External
      enabled: true
"""


def test_names_stay_as_written() -> None:
    broker = parse_config_text(YAML, "redpanda.yaml").brokers[0]
    assert [x.name for x in broker.listeners] == ["internal", "External"]
    assert [x.name for x in broker.effective_advertised] == ["internal", "External"]
    assert broker.security_protocol("External") == "SSL"
    assert broker.security_protocol("internal") == "PLAINTEXT"
    assert broker.security_protocol("external") is None  # another name to Redpanda
    assert broker.listener("INTERNAL") is None and broker.listener("internal") is not None


def test_an_advertised_name_in_another_case_is_not_a_listener() -> None:
    old = "    - name: External\n      address: localhost"
    text = YAML.replace(old, old.replace("External", "external"))
    codes = {f.code for f in lint_file(parse_config_text(text, "redpanda.yaml"))}
    assert "CONFIG_ADVERTISED_NOT_A_LISTENER" in codes


def test_flags_keep_their_names() -> None:
    text = ("redpanda start --kafka-addr internal://0.0.0.0:9092,external://0.0.0.0:19092 "
            "--advertise-kafka-addr internal://redpanda-0:9092,external://localhost:19092\n")
    broker = parse_config_text(text, "start.sh").brokers[0]
    assert broker.platform is Platform.REDPANDA
    assert [x.name for x in broker.listeners] == ["internal", "external"]
    assert not [f for f in lint_file(parse_config_text(text, "start.sh")) if f.severity.value == "error"]


def test_readvertise_renders_the_listeners_own_name() -> None:
    broker = parse_config_text(YAML, "redpanda.yaml").brokers[0]
    change = readvertise(0, "localhost:19092", "10.0.0.5:19092", "PLAINTEXT", broker)
    assert change.listener == "External"
    text = render(change, Platform.REDPANDA).text
    assert "- name: External" in text and "External://10.0.0.5:19092" in text
    assert "name: external" not in text and "EXTERNAL" not in text


def test_a_new_listener_gets_a_lower_case_name_no_entry_has() -> None:
    broker = parse_config_text(YAML.replace("name: External", "name: external"), "redpanda.yaml").brokers[0]
    change = add_listener(0, "redpanda-0:9092", Proposal(0, "localhost", "29092", Origin.NEW_PORT, 29092),
                          "PLAINTEXT", broker)
    assert change.listener == "external_2"
    text = render(change, Platform.REDPANDA).text
    assert "- name: external_2" in text and "EXTERNAL" not in text
    after = change.after()
    assert after is not None and after.security_protocol("external_2") == "PLAINTEXT"
    assert after.security_protocol("external") == "SSL"  # kept


def test_lint_text_does_not_call_redpanda_a_zookeeper_node(tmp_path: Path) -> None:
    path = tmp_path / "redpanda.yaml"
    path.write_text(YAML)
    run = run_cli(["lint", str(path)])
    assert "redpanda (redpanda, node 0)" in run.stdout and "zookeeper" not in run.stdout
