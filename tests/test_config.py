import logging
from pathlib import Path

import pytest

from listencheck.config import (
    ClientConfig,
    is_secret_property,
    load_config,
    read_properties_file,
    validate_with_client_library,
)
from listencheck.errors import ConfigError, UsageError

QUIET = logging.getLogger("test.quiet")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "client.properties"
    path.write_text(text)
    return path


def test_java_properties_syntax(tmp_path: Path) -> None:
    path = write(tmp_path, "# comment\n! other comment\n\nsecurity.protocol = SASL_SSL\n"
                 "sasl.mechanism:SCRAM-SHA-512\nssl.ca.location /etc/ca.pem\n"
                 "client.id=a\\\n    b\nescaped\\=key=x\\ty\n")
    assert read_properties_file(path) == {
        "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512",
        "ssl.ca.location": "/etc/ca.pem", "client.id": "ab", "escaped=key": "x\ty",
    }


def test_x_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, "client.id=from-file\nsocket.timeout.ms=1000\n")
    config = load_config([path], ["client.id=from-x"])
    assert config.properties == {"client.id": "from-x", "socket.timeout.ms": "1000"}


def test_jaas_config_becomes_username_and_password(tmp_path: Path) -> None:
    path = write(tmp_path, 'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule '
                 'required username="alice" password="s3cr=t;x";\nkey.serializer=org.Foo\n')
    config = load_config([path], [])
    assert config.get("sasl.username") == "alice"
    assert config.get("sasl.password") == "s3cr=t;x"
    assert config.ignored == ("key.serializer",)
    assert config.secrets() == ("s3cr=t;x",)


def test_java_only_truststore_is_explained() -> None:
    with pytest.raises(ConfigError, match=r"ssl\.truststore\.location.*ssl\.ca\.location"):
        load_config([], ["ssl.truststore.location=/x.jks"])


def test_empty_endpoint_identification_means_none() -> None:
    assert load_config([], ["ssl.endpoint.identification.algorithm="]).get(
        "ssl.endpoint.identification.algorithm") == "none"


@pytest.mark.parametrize("item", ["novalue", "=x"])
def test_malformed_x(item: str) -> None:
    with pytest.raises(UsageError, match="key=value"):
        load_config([], [item])


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read properties file"):
        load_config([tmp_path / "missing.properties"], [])


def test_bad_security_protocol_names_the_property() -> None:
    with pytest.raises(ConfigError, match=r"security\.protocol"):
        load_config([], ["security.protocol=TLS"])


@pytest.mark.parametrize("item, fragment", [
    ("no.such.property=1", "no.such.property"),
    ("socket.timeout.ms=abc", "socket.timeout.ms"),
])
def test_client_library_judges_properties(item: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        validate_with_client_library(load_config([], [item]), QUIET)


def test_valid_properties_pass_validation() -> None:
    validate_with_client_library(load_config([], ["client.id=x", "socket.timeout.ms=5000"]), QUIET)


def test_secret_property_names() -> None:
    for key in ("sasl.password", "ssl.key.password", "ssl.keystore.password",
                "sasl.oauthbearer.client.secret", "ssl.key.pem"):
        assert is_secret_property(key), key
    for key in ("sasl.username", "ssl.ca.location", "security.protocol"):
        assert not is_secret_property(key), key


def test_derived_settings() -> None:
    config = ClientConfig({"security.protocol": "sasl_ssl", "broker.address.family": "v4"})
    assert config.uses_tls and config.uses_sasl and config.address_family == "v4"
    assert ClientConfig().security_protocol == "PLAINTEXT"


def test_client_dns_lookup_is_kept_for_the_resolve_stage_and_not_given_to_librdkafka(tmp_path: Path) -> None:
    path = write(tmp_path, "client.dns.lookup=Resolve_Canonical_Bootstrap_Servers_Only\n")
    config = load_config([path], ["broker.address.family=v4"])
    assert config.dns_lookup == "resolve_canonical_bootstrap_servers_only"
    assert "client.dns.lookup" not in config.librdkafka_conf()
    assert config.property_names() == ("broker.address.family", "client.dns.lookup")
    validate_with_client_library(config, QUIET)  # librdkafka never sees it
    assert load_config([], []).dns_lookup is None


def test_client_dns_lookup_value_is_checked_with_its_origin(tmp_path: Path) -> None:
    path = write(tmp_path, "security.protocol=PLAINTEXT\nclient.dns.lookup=all\n")
    with pytest.raises(ConfigError, match=r"client.properties:2: invalid value 'all' for property "
                                          r"'client.dns.lookup': expected one of use_all_dns_ips"):
        load_config([path], [])


def test_java_address_rules() -> None:
    from listencheck.probes.resolve import java_addresses
    from listencheck.vocabulary import DnsLookup

    both = ("fd00::1", "10.0.0.1", "fd00::2", "10.0.0.2")
    v4, v6 = ("10.0.0.1", "10.0.0.2"), ("fd00::1", "fd00::2")
    assert java_addresses(both, DnsLookup.USE_ALL_DNS_IPS) == (v4, v6)
    assert java_addresses(both, DnsLookup.DEFAULT) == (("10.0.0.1",), ("10.0.0.2", "fd00::1", "fd00::2"))
    assert java_addresses(("fd00::1",), DnsLookup.USE_ALL_DNS_IPS) == (("fd00::1",), ())
