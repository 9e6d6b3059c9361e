"""Diffs of a Strimzi Kafka resource and of redpanda.yaml (and redpanda's start flags): applied
to the file and read back, the broker advertises the fixed address, every other line is kept,
and the file gains no lint error."""

from __future__ import annotations

from pathlib import Path

from listencheck.brokerconfig.load import parse_config_text, read_config_file
from listencheck.brokerconfig.model import ConfigFile, ListenerConfig, Platform
from listencheck.fixes.addresses import Origin, Proposal
from listencheck.fixes.change import ListenerChange, add_listener, readvertise
from listencheck.fixes.cluster import BrokerFix, with_diffs
from listencheck.fixes.diff import file_diff, patched, unified_diff
from listencheck.fixes.platforms import render
from listencheck.fixes.yamldiff import strimzi_cluster_patched
from listencheck.lint import lint_file

CORPUS = Path(__file__).parent / "brokerconfigs"


def _errors(config: ConfigFile) -> set[str]:
    return {f.code for f in lint_file(config) if f.severity.value == "error"}


def _apply(change: ListenerChange, path: Path) -> tuple[str, ConfigFile]:
    text = path.read_text()
    diff = unified_diff(change, str(path), text)
    assert diff is not None
    new_text = patched(change, str(path), text)
    assert new_text is not None
    return diff, parse_config_text(new_text, str(path))


def _removed(diff: str) -> list[str]:
    return [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]


def _broker(config: ConfigFile, node: int) -> ListenerConfig:
    return next(b for b in config.brokers if b.node_id == node)


def test_strimzi_new_listener_with_the_brokers_own_address() -> None:
    path = CORPUS / "strimzi-healthy.yaml"
    config = read_config_file(path)
    broker = _broker(config, 1)
    change = add_listener(1, "192.0.2.11:32001", Proposal(1, "203.0.113.5", "31000", Origin.USED, 29092),
                          "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert _removed(diff) == []  # only added lines
    assert "+      - name: external2" in diff  # 'external' is taken: Strimzi names are unique
    assert "+              nodePort: 31000" in diff
    after = _broker(fixed, 1)
    advertised = [(x.name, x.address) for x in after.effective_advertised]
    assert ("EXTERNAL2-29092", "203.0.113.5:31000") in advertised
    assert after.security_protocol("EXTERNAL2-29092") == "PLAINTEXT"
    assert _errors(fixed) <= _errors(config)
    assert "name: external2" in render(change, Platform.STRIMZI).text  # the rendering agrees


STRIMZI_SCRAM = """\
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata:
  name: my-cluster
spec:
  kafka:
    listeners:
      - name: tls
        port: 9093
        type: internal
        tls: true
        authentication:
          type: scram-sha-512
"""


def test_strimzi_sasl_listener_copies_its_authentication(tmp_path: Path) -> None:
    path = tmp_path / "kafka.yaml"
    path.write_text(STRIMZI_SCRAM)
    broker = read_config_file(path).brokers[0]
    change = add_listener(0, "my-cluster-kafka-0.my-cluster-kafka-brokers:9093",
                          Proposal(0, "203.0.113.5", "31000", Origin.USED, 29092), "PLAINTEXT", broker)
    assert (change.keeps, change.protocol) == ("TLS-9093", "SASL_SSL")
    diff, fixed = _apply(change, path)
    assert "+        tls: true" in diff and "+          type: scram-sha-512" in diff
    assert _broker(fixed, 0).security_protocol("EXTERNAL-29092") == "SASL_SSL"


def test_strimzi_readvertise_updates_the_brokers_override() -> None:
    path = CORPUS / "strimzi-healthy.yaml"
    broker = _broker(read_config_file(path), 1)
    change = readvertise(1, "192.0.2.11:32001", "203.0.113.9:31500", "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert len(_removed(diff)) == 2
    assert _broker(fixed, 1).advertised_listener("EXTERNAL-9094").address == "203.0.113.9:31500"  # type: ignore[union-attr]
    assert _broker(fixed, 0).advertised_listener("EXTERNAL-9094").address == "192.0.2.10:32000"  # type: ignore[union-attr]


STRIMZI_NO_OVERRIDES = """\
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata:
  name: my-cluster
spec:
  kafka:
    listeners:
      - name: external
        port: 9094
        type: nodeport
        tls: false
    config:
      offsets.topic.replication.factor: 1
"""


def test_strimzi_readvertise_adds_the_first_override(tmp_path: Path) -> None:
    path = tmp_path / "kafka.yaml"
    path.write_text(STRIMZI_NO_OVERRIDES)
    broker = read_config_file(path).brokers[0]
    change = readvertise(0, "my-cluster-kafka-0:9094", "203.0.113.9:31500", "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert _removed(diff) == []
    after = _broker(fixed, 0)
    assert after.advertised_listener("EXTERNAL-9094").address == "203.0.113.9:31500"  # type: ignore[union-attr]


def test_redpanda_yaml_new_listener_copies_tls_and_sasl() -> None:
    path = CORPUS / "redpanda.yaml"
    config = read_config_file(path)
    broker = config.brokers[0]
    change = add_listener(0, "redpanda.example.com:9093",
                          Proposal(0, "203.0.113.5", "31000", Origin.USED, 29092), "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert _removed(diff) == []
    after = fixed.brokers[0]
    assert change.listener == "external_2"
    assert after.advertised_listener("external_2").address == "203.0.113.5:31000"  # type: ignore[union-attr]
    assert after.security_protocol("external_2") == "SASL_SSL"  # kafka_api_tls and sasl copied
    assert after.security_protocol("external") == "SASL_SSL"
    assert _errors(fixed) <= _errors(config)


def test_redpanda_yaml_readvertise_rewrites_address_and_port() -> None:
    path = CORPUS / "redpanda.yaml"
    broker = read_config_file(path).brokers[0]
    change = readvertise(0, "redpanda.example.com:9093", "203.0.113.9:31500", "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert len(_removed(diff)) == 2
    assert fixed.brokers[0].advertised_listener("external").address == "203.0.113.9:31500"  # type: ignore[union-attr]
    assert fixed.brokers[0].advertised_listener("internal") == broker.advertised_listener("internal")


def test_redpanda_flags_in_a_compose_command() -> None:
    path = CORPUS / "redpanda-healthy.compose.yaml"
    config = read_config_file(path)
    broker = config.brokers[0]
    change = add_listener(0, "localhost:19092", Proposal(0, "203.0.113.5", "31000", Origin.USED, 29092),
                          "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert "KAFKA_" not in diff and "listener.security.protocol.map" not in diff
    assert "--pandaproxy-addr" not in "".join(_removed(diff))  # the other flags stay
    after = fixed.brokers[0]
    assert after.advertised_listener("external_2").address == "203.0.113.5:31000"  # type: ignore[union-attr]
    assert (31000, 29092) in {(p.host_port, p.container_port) for p in after.published_ports or ()}
    assert _errors(fixed) <= _errors(config)


def test_redpanda_flags_on_one_command_line_keep_the_rest_of_it() -> None:
    path = CORPUS / "redpanda-unpublished.compose.yaml"
    broker = read_config_file(path).brokers[0]
    change = readvertise(0, "localhost:9092", "localhost:8081", "PLAINTEXT", broker)
    _, fixed = _apply(change, path)
    after = fixed.brokers[0]
    assert after.advertised_listener("OUTSIDE").address == "localhost:8081"  # type: ignore[union-attr]
    assert after.value("listeners") == broker.value("listeners")


def test_the_cli_attaches_the_diff_of_the_given_file() -> None:
    path = str(CORPUS / "strimzi-healthy.yaml")
    broker = _broker(read_config_file(path), 1)
    change = readvertise(1, "192.0.2.11:32001", "203.0.113.9:31500", "PLAINTEXT", broker)
    fix = BrokerFix("x:9092", 1, ("ADVERTISED_UNREACHABLE",), change, (), str(broker.origin))
    (with_diff,) = with_diffs((fix,), {path: Path(path).read_text()})
    assert with_diff.diff is not None and "+              advertisedHost: 203.0.113.9" in with_diff.diff


def test_redpanda_unnamed_flag_entry_stays_unnamed(tmp_path: Path) -> None:
    path = tmp_path / "start.sh"
    path.write_text("redpanda start --kafka-addr 0.0.0.0:9092 --advertise-kafka-addr localhost:9092 "
                    "--smp 1\n")
    broker = read_config_file(path).brokers[0]
    change = readvertise(0, "localhost:9092", "10.0.0.5:9092", "PLAINTEXT", broker)
    diff, fixed = _apply(change, path)
    assert "+redpanda start --kafka-addr 0.0.0.0:9092 --advertise-kafka-addr 10.0.0.5:9092 --smp 1" in diff
    assert fixed.brokers[0].effective_advertised[0].address == "10.0.0.5:9092"


def _three_broker_fixes(path: Path) -> tuple[BrokerFix, ...]:
    """Each broker of the 3-broker resource needs a listener for the office (public NodePorts)."""
    config = read_config_file(path)
    fixes = []
    for node in (0, 1, 2):
        broker = _broker(config, node)
        change = add_listener(node, f"10.0.1.1{node}:3210{node}",
                              Proposal(node, "203.0.113.7", str(31000 + node), Origin.USED, 9095),
                              "PLAINTEXT", broker)
        fixes.append(BrokerFix("b:9092", node, ("ADVERTISED_UNREACHABLE",), change,
                               (render(change, Platform.STRIMZI),), str(broker.origin)))
    return tuple(fixes)


def test_strimzi_brokers_needing_the_same_listener_get_one_entry_with_overrides(tmp_path: Path) -> None:
    path = tmp_path / "kafka.yaml"
    path.write_text((CORPUS / "strimzi-three-brokers-healthy.yaml").read_text())
    fixes = with_diffs(_three_broker_fixes(path), {str(path): path.read_text()})
    diffs = {f.diff for f in fixes}
    assert len(diffs) == 1  # one change of the resource, shared by the three brokers
    (diff,) = diffs
    assert diff is not None and _removed(diff) == []
    assert diff.count("+      - name: ") == 1 and diff.count("+            - broker: ") == 3
    new_text = strimzi_cluster_patched([f.change for f in fixes], str(path), path.read_text())
    assert new_text is not None and file_diff(str(path), path.read_text(), new_text) == diff
    fixed = parse_config_text(new_text, str(path))
    for node in (0, 1, 2):
        after = _broker(fixed, node)
        advertised = dict((x.name, x.address) for x in after.effective_advertised)
        name = next(n for n in advertised if n.endswith("-9095"))
        assert advertised[name] == f"203.0.113.7:{31000 + node}"
        assert advertised["EXTERNAL-9094"] == f"10.0.1.1{node}:3210{node}"  # kept
    assert _errors(fixed) == set()


def test_strimzi_renderings_of_a_shared_listener_name_every_broker_once() -> None:
    from listencheck.fixes.cluster import shared_strimzi_listeners

    fixes = shared_strimzi_listeners(_three_broker_fixes(CORPUS / "strimzi-three-brokers-healthy.yaml"))
    texts = {r.text for f in fixes for r in f.renderings}
    assert len(texts) == 1
    (text,) = texts
    assert text.count("      - name: ") == 1
    for node in (0, 1, 2):
        assert f"- broker: {node}\n              advertisedHost: 203.0.113.7\n" \
               f"              advertisedPort: {31000 + node}\n              nodePort: {31000 + node}" in text
