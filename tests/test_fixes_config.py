"""Fixes computed from a broker's listener configuration: minimal, KRaft-safe, lint-clean,
rendered per platform and as a diff of the user's own file.

Property: for every configuration of the corpus (tests/brokerconfigs: KRaft combined and
broker-only, ZooKeeper era, SSL/SASL listeners, listener names other than PLAINTEXT,
Compose, Bitnami, cp-kafka, apache/kafka, .env, server.properties) and every listener a
broker advertises, the fix keeps every listener and name, reuses the protocol, binds a
port no listener uses, and the fixed configuration has no lint error the original did
not have. The diff, applied to the file and read back, gives exactly the fixed values.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from listencheck.brokerconfig.load import parse_config_text, read_config_file
from listencheck.brokerconfig.model import ConfigFile, ListenerConfig, Platform, SourceKind
from listencheck.fixes.addresses import Origin, Proposal
from listencheck.fixes.change import ListenerChange, add_listener, readvertise
from listencheck.fixes.diff import patched, unified_diff
from listencheck.fixes.platforms import platforms_for, render
from listencheck.lint import lint_file

CORPUS = Path(__file__).parent / "brokerconfigs"
FILES = sorted(p for p in CORPUS.iterdir() if p.is_file())


def _errors(config: ConfigFile) -> set[str]:
    return {f.code for f in lint_file(config) if f.severity.value == "error"}


def _cases() -> list[tuple[Path, int, str]]:
    cases = []
    for path in FILES:
        config = read_config_file(path)
        for i, broker in enumerate(config.brokers):
            for listener in broker.effective_advertised:
                if listener.name not in broker.controller_listener_names:
                    cases.append((path, i, listener.address))
    return cases


def _change(broker: ListenerConfig, failing: str, node: int = 1, origin: Origin = Origin.NEW_PORT,
            port: str = "29092", host: str = "localhost") -> ListenerChange:
    return add_listener(node, failing, Proposal(node, host, port, origin, int(port) if port.isdigit()
                                                else 29092), "PLAINTEXT", broker)


@pytest.mark.parametrize("path, index, failing", _cases(), ids=lambda v: getattr(v, "name", str(v)))
def test_fix_keeps_everything_and_adds_no_lint_error(path: Path, index: int, failing: str) -> None:
    config = read_config_file(path)
    broker = config.brokers[index]
    change = _change(broker, failing)
    after = change.after()
    assert after is not None
    old_names = {x.name for x in broker.listeners}
    assert old_names < {x.name for x in after.listeners}  # every listener kept, one added
    assert change.listener not in old_names and change.listener not in broker.protocol_map
    assert change.port not in broker.ports_in_use
    for name in (*old_names, *broker.controller_listener_names):
        assert after.security_protocol(name) == broker.security_protocol(name)
    complemented = broker.advertised_listener(change.keeps)
    assert complemented is not None
    # Reused from the complemented listener (the client's own when a broken map lacks it).
    assert after.security_protocol(change.listener) == (broker.security_protocol(change.keeps) or "PLAINTEXT")
    assert after.inter_broker_listener_name == broker.inter_broker_listener_name
    assert after.controller_listener_names == broker.controller_listener_names
    brokers = tuple(after if i == index else b for i, b in enumerate(config.brokers))
    fixed = ConfigFile(config.path, config.kind, brokers, config.clients)
    assert _errors(fixed) <= _errors(config), lint_file(fixed)


def test_kraft_combined_node_keeps_its_controller_listener() -> None:
    broker = read_config_file(CORPUS / "cp-kafka-healthy.compose.yaml").brokers[0]
    values = _change(broker, "broker:29092").new_values()
    assert "CONTROLLER://broker:29093" in values["listeners"]
    assert "CONTROLLER:PLAINTEXT" in values["listener.security.protocol.map"]
    assert values["listeners"].endswith(",EXTERNAL://0.0.0.0:29094")  # 29092, 29093 are taken
    assert values["advertised.listeners"].endswith(",EXTERNAL://localhost:29094")


def test_unset_protocol_map_gets_every_listener_it_needs() -> None:
    text = ("process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n"
            "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n"
            "advertised.listeners=PLAINTEXT://kafka:9092\n")
    broker = parse_config_text(text, "server.properties").brokers[0]
    values = _change(broker, "kafka:9092").new_values()
    assert values["listener.security.protocol.map"] == (
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT")
    assert values["listeners"] == "PLAINTEXT://:9092,CONTROLLER://:9093,EXTERNAL://:29092"  # bind style kept


def test_ssl_listener_fix_reuses_ssl() -> None:
    broker = read_config_file(CORPUS / "kraft-healthy.properties").brokers[0]
    change = _change(broker, "kafka-1.example.com:9094")
    assert change.keeps == "SSL" and change.protocol == "SSL"
    assert change.new_values()["listener.security.protocol.map"].endswith(",EXTERNAL:SSL")


def test_without_configuration_names_are_placeholders() -> None:
    change = add_listener(2, "kafka-2:9092", Proposal(2, "BROKER_2_EXTERNAL_HOST", "PORT", Origin.PLACEHOLDER,
                                                      29093), "SASL_SSL", None)
    text = render(change, Platform.PROPERTIES).text
    assert "listeners=<current>,EXTERNAL://0.0.0.0:29093" in text
    assert "advertised.listeners=<current>,EXTERNAL://BROKER_2_EXTERNAL_HOST:PORT" in text
    assert "listener.security.protocol.map=<current>,EXTERNAL:SASL_SSL" in text
    assert "listener names are placeholders" in text and "CONTROLLER included" in text
    assert "placeholder for broker 2's own external address" in text
    assert change.after() is None


@pytest.mark.parametrize("platform, expected, absent", [
    (Platform.PROPERTIES, ["listeners=", "advertised.listeners="], ["KAFKA_"]),
    (Platform.CP_KAFKA, ["KAFKA_LISTENERS:", "KAFKA_ADVERTISED_LISTENERS:",
                         "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP:", '- "29092:29092"'], ["KAFKA_CFG_"]),
    (Platform.APACHE_KAFKA, ["KAFKA_LISTENERS:", "KAFKA_CONTROLLER_QUORUM_VOTERS",
                             "image's own server.properties is not used"], ["KAFKA_CFG_"]),
    (Platform.BITNAMI, ["KAFKA_CFG_LISTENERS:", "KAFKA_CFG_ADVERTISED_LISTENERS:"], ["  KAFKA_LISTENERS"]),
    (Platform.STRIMZI, ["spec:", "listeners:", "advertisedHost: localhost", "advertisedPort: 29092",
                        "- broker: 1", "Strimzi ignores listeners"], ["advertised.listeners="]),
    (Platform.REDPANDA, ["advertised_kafka_api:", "kafka_api:", "name: external", "--advertise-kafka-addr"],
     ["listener.security.protocol.map"]),
    (Platform.MANAGED, ["does not let you", "private endpoint per broker", "kafka:9092"],
     ["listeners=", "KAFKA_"]),
])
def test_each_platform_speaks_its_own_syntax(
    platform: Platform, expected: list[str], absent: list[str],
) -> None:
    change = add_listener(1, "kafka:9092", Proposal(1, "localhost", "29092", Origin.NEW_PORT, 29092),
                          "PLAINTEXT", None)
    text = render(change, platform).text
    for part in expected:
        assert part in text, (part, text)
    for part in absent:
        assert part not in text, (part, text)


def test_auto_platform_follows_the_file() -> None:
    for name, platform in [("bitnami-healthy.compose.yaml", Platform.BITNAMI),
                           ("cp-kafka-healthy.compose.yaml", Platform.CP_KAFKA),
                           ("kraft-healthy.properties", Platform.PROPERTIES)]:
        broker = read_config_file(CORPUS / name).brokers[0]
        assert platforms_for("auto", broker) == (platform,)
    assert platforms_for("auto", None) == (Platform.PROPERTIES, Platform.CP_KAFKA, Platform.BITNAMI)
    assert platforms_for("strimzi", None) == (Platform.STRIMZI,)


DIFFABLE = ["cp-kafka-healthy.compose.yaml", "bitnami-healthy.compose.yaml", "kraft-healthy.properties",
            "zookeeper-legacy.properties", "broker.env", "cp-kafka-zookeeper-healthy.compose.yml"]


@pytest.mark.parametrize("name", DIFFABLE)
def test_diff_applied_to_the_file_gives_the_fixed_configuration(name: str) -> None:
    path = str(CORPUS / name)
    text = Path(path).read_text()
    broker = read_config_file(path).brokers[0]
    failing = broker.effective_advertised[0].address
    change = _change(broker, failing)
    diff = unified_diff(change, path, text)
    assert diff is not None and diff.startswith(f"--- a/{path.lstrip('/')}")
    new_text = patched(change, path, text)
    assert new_text is not None
    reread = parse_config_text(new_text, path).brokers[0]
    after = change.after()
    assert after is not None
    for key in ("listeners", "advertised.listeners", "listener.security.protocol.map"):
        assert reread.value(key) == after.value(key), key
    assert reread.value("listeners") != broker.value("listeners")
    if broker.published_ports:
        published = {(p.host_port, p.container_port) for p in reread.published_ports or ()}
        assert (change.port, change.port) in published
    # Only the listener settings (and a port line) change: every other line is kept.
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert len(removed) <= 3


def test_forwarded_path_repoints_the_published_port() -> None:
    """The client reached the broker at localhost:9092 (published to the old listener): keep that
    address, point the published port at the new listener."""
    path = str(CORPUS / "cp-kafka-healthy.compose.yaml")
    text = Path(path).read_text()
    broker = read_config_file(path).brokers[0]
    change = _change(broker, "broker:29092", origin=Origin.USED, port="9092")
    assert change.advertised == "localhost:9092" and change.publish is not None
    new_text = patched(change, path, text)
    assert new_text is not None and f'"9092:{change.port}"' in new_text and '"9092:9092"' not in new_text


def test_secret_values_never_reach_a_fix() -> None:
    broker = read_config_file(CORPUS / "kraft-healthy.properties").brokers[0]
    change = _change(broker, "localhost:9092")
    for platform in Platform:
        assert "corpus-secret" not in render(change, platform).text
    assert broker.get("ssl.keystore.password") is not None
    assert broker.get("ssl.keystore.password").source.kind is SourceKind.FILE  # type: ignore[union-attr]


def _fix_all(config: ConfigFile, ports: list[int]) -> ConfigFile:
    fixed = []
    for broker, port in zip(config.brokers, ports, strict=True):
        after = _change(broker, broker.effective_advertised[0].address, port=str(port)).after()
        assert after is not None
        fixed.append(after)
    return ConfigFile(config.path, config.kind, tuple(fixed), config.clients)


def test_cluster_fix_with_an_address_per_broker_passes_lint() -> None:
    config = read_config_file(CORPUS / "multi-broker-same-port.compose.yaml")
    assert len(config.brokers) == 3
    fixed = _fix_all(config, [29092, 29093, 29094])
    shared = [f for f in lint_file(fixed) if f.code == "CONFIG_SAME_ADVERTISED_ADDRESS"]
    assert all("localhost:9092" in str(f.evidence["address"]) for f in shared)  # only the old ones
    assert _errors(fixed) <= _errors(config)
    # The same new address for every broker is exactly what lint refuses.
    same = _fix_all(config, [29092, 29092, 29092])
    assert any(f.evidence.get("address") == "localhost:29092" for f in lint_file(same)
               if f.code == "CONFIG_SAME_ADVERTISED_ADDRESS")


def test_readvertise_changes_one_entry_of_the_users_file() -> None:
    """docker/compose.broken.yaml advertises PLAINTEXT://localhost:9092 to other containers."""
    path = str(Path(__file__).parents[1] / "docker" / "compose.broken.yaml")
    text = Path(path).read_text()
    broker = read_config_file(path).brokers[0]
    change = readvertise(1, "localhost:9092", "kafka:9092", "PLAINTEXT", broker)
    assert change.listener == "PLAINTEXT" and set(change.new_values()) == {"advertised.listeners"}
    new_text = patched(change, path, text)
    assert new_text is not None
    reread = parse_config_text(new_text, path).brokers[0]
    now, before = ([x.address for x in c.effective_advertised] for c in (reread, broker))
    assert now[0] == "kafka:9092" and now[1:] == before[1:]
    assert reread.value("listeners") == broker.value("listeners")
    diff = unified_diff(change, path, text)
    assert diff is not None and "${NGROK_ADDRESS:-4.tcp.ngrok.io:18028}" not in diff.split("+", 1)[0]
    for platform in Platform:
        text = render(change, platform).text
        assert "kafka:9092" in text or ("advertisedHost: kafka" in text and "advertisedPort: 9092" in text) \
            or platform is Platform.MANAGED


def test_readvertise_without_configuration() -> None:
    change = readvertise(3, "localhost:9092", "10.50.0.10:9092", "SSL", None)
    text = render(change, Platform.PROPERTIES).text
    assert "advertised.listeners=<current> with LISTENER://localhost:9092 replaced by " \
           "LISTENER://10.50.0.10:9092" in text
    assert "listeners= stays as it is" in text and "placeholder" in text
