"""The ListenerConfig model: effective values follow Apache Kafka's own rules."""

from __future__ import annotations

import pytest

from listencheck.brokerconfig import (
    BrokerConfigError,
    ListenerConfig,
    ListenerRole,
    Mode,
    Platform,
    Source,
    SourceKind,
    parse_listeners,
    parse_protocol_map,
    platform_for_image,
    setting,
)


def config(**values: str) -> ListenerConfig:
    return ListenerConfig(
        "kafka",
        tuple(setting(k.replace("_", "."), v, Source(SourceKind.FILE, "server.properties", i + 1, k))
              for i, (k, v) in enumerate(values.items())),
    )


COMBINED = dict(
    process_roles="broker,controller", node_id="1",
    listeners="PLAINTEXT://:9092,CONTROLLER://:9093,PLAINTEXT_HOST://0.0.0.0:29092",
    advertised_listeners="PLAINTEXT://kafka:9092,PLAINTEXT_HOST://localhost:29092",
    controller_listener_names="CONTROLLER",
)


def test_combined_kraft_node_roles_and_implicit_controller_mapping() -> None:
    c = config(**COMBINED)
    assert c.mode is Mode.KRAFT_COMBINED and c.is_kraft and c.node_id == 1
    # Map unset, nothing SSL/SASL: Kafka maps the controller listener to PLAINTEXT itself,
    # but PLAINTEXT_HOST is no default protocol name and stays unmapped.
    assert c.security_protocol("controller") == "PLAINTEXT"
    assert c.security_protocol("PLAINTEXT_HOST") is None
    assert c.roles("CONTROLLER") == {ListenerRole.CONTROLLER}
    assert c.roles("PLAINTEXT") == {ListenerRole.CLIENTS, ListenerRole.INTER_BROKER}
    assert c.roles("PLAINTEXT_HOST") == {ListenerRole.CLIENTS}
    assert c.ports_in_use == {9092, 9093, 29092}
    assert c.free_port(9092) == 9094
    assert c.listener("plaintext_host") is not None and c.listener("plaintext_host").host == "0.0.0.0"


def test_no_implicit_controller_mapping_when_a_listener_is_sasl() -> None:
    c = config(**{**COMBINED, "listeners": "SASL_SSL://:9092,CONTROLLER://:9093"})
    assert c.security_protocol("CONTROLLER") is None


def test_explicit_map_replaces_the_default() -> None:
    c = config(**COMBINED, listener_security_protocol_map="PLAINTEXT:PLAINTEXT,plaintext_host:plaintext")
    assert c.protocol_map_explicit
    assert c.security_protocol("PLAINTEXT_HOST") == "PLAINTEXT"
    assert c.security_protocol("CONTROLLER") is None
    assert c.security_protocol("SSL") is None


def test_advertised_defaults_to_listeners_without_controllers_and_keeps_empty_hosts() -> None:
    c = config(process_roles="broker,controller", listeners="PLAINTEXT://:9092,CONTROLLER://:9093",
               controller_listener_names="CONTROLLER")
    assert c.advertised is None
    assert [(a.name, a.host, a.port) for a in c.effective_advertised] == [("PLAINTEXT", "", 9092)]
    assert c.advertised_listener("PLAINTEXT") is not None


def test_zookeeper_era_inter_broker_name_from_protocol() -> None:
    c = config(broker_id="3", listeners="INTERNAL://:9092,SSL://:9093",
               security_inter_broker_protocol="SSL")
    assert c.mode is Mode.ZOOKEEPER and c.node_id == 3
    assert c.inter_broker_listener_name == "SSL"
    assert c.roles("SSL") == {ListenerRole.CLIENTS, ListenerRole.INTER_BROKER}
    assert c.roles("INTERNAL") == {ListenerRole.CLIENTS}


def test_controller_only_node_serves_no_clients() -> None:
    c = config(process_roles="controller", listeners="CONTROLLER://:9093",
               controller_listener_names="CONTROLLER")
    assert c.mode is Mode.KRAFT_CONTROLLER
    assert c.inter_broker_listener_name is None and c.effective_advertised == ()


def test_later_settings_override_and_sources_are_kept() -> None:
    c = config(**COMBINED).with_settings(setting("advertised.listeners", "PLAINTEXT://[::1]:9092"))
    assert [a.address for a in c.effective_advertised] == ["[::1]:9092"]
    assert str(config(**COMBINED).source("listeners")) == "server.properties:3 (listeners)"
    assert str(Source(SourceKind.DESCRIBE_CONFIGS, node_id=2)) == "DescribeConfigs of broker 2"


def test_secret_values_are_never_kept() -> None:
    c = config(sasl_jaas_config="org.apache...PlainLoginModule required password=\"hunter22\";",
               ssl_keystore_password="hunter22")
    assert all("hunter22" not in s.value and s.secret for s in c.settings)
    assert "hunter22" not in repr(c)


@pytest.mark.parametrize("raw", ["PLAINTEXT:9092", "://:9092", "PLAINTEXT://host:99999", "PLAINTEXT://host"])
def test_bad_listener_values_name_file_and_line(raw: str) -> None:
    with pytest.raises(BrokerConfigError) as e:
        parse_listeners(raw, Source(SourceKind.FILE, "s.properties", 7, "listeners"))
    assert str(e.value).startswith("s.properties:7: listeners:")


def test_protocol_map_parsing() -> None:
    assert parse_protocol_map(" a:ssl , B:SASL_SSL") == {"A": "SSL", "B": "SASL_SSL"}
    with pytest.raises(BrokerConfigError):
        parse_protocol_map("A=SSL")


@pytest.mark.parametrize(("image", "platform"), [
    ("apache/kafka:3.9.0", Platform.APACHE_KAFKA),
    ("docker.io/apache/kafka-native:4.0.0", Platform.APACHE_KAFKA),
    ("confluentinc/cp-kafka:7.6.1", Platform.CP_KAFKA),
    ("confluentinc/cp-server@sha256:abcd", Platform.CP_KAFKA),
    ("bitnami/kafka:latest", Platform.BITNAMI),
    ("docker.redpanda.com/redpandadata/redpanda:v24.1.1", Platform.REDPANDA),
    ("quay.io/strimzi/kafka:0.41.0-kafka-3.7.0", Platform.STRIMZI),
    ("localhost:5000/apache/kafka", Platform.APACHE_KAFKA),
    ("wurstmeister/kafka", None),
])
def test_platform_from_image(image: str, platform: Platform | None) -> None:
    assert platform_for_image(image) is platform


def test_lint_config_checks_one_broker_on_its_own() -> None:
    from listencheck.lint import has_errors, lint_config

    assert not has_errors(lint_config(config(**COMBINED, listener_security_protocol_map=(
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT"))))
    broken = lint_config(config(**COMBINED))  # PLAINTEXT_HOST is no default protocol name
    assert [f.code for f in broken] == ["CONFIG_LISTENER_NO_PROTOCOL"]
