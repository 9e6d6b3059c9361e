"""Pure parts of the TLS and SASL checks: certificate names, SCRAM, what a broker's answer means."""

from __future__ import annotations

import pytest
from scramp import ScramException, ScramMechanism

from listencheck.models import CertificateInfo
from listencheck.probes.sasl import auth_outcome
from listencheck.protocol.scram import ScramClient, ScramError
from listencheck.tls.hostnames import match_name


def cert(dns: tuple[str, ...] = (), ips: tuple[str, ...] = (), cn: str | None = "broker") -> CertificateInfo:
    return CertificateInfo("CN=x", "CN=ca", cn, dns, ips, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                           "1", "0" * 64, False)


@pytest.mark.parametrize("host, certificate, matched, matched_by, note", [
    ("kafka.example.com", cert(("kafka.example.com",)), True, "DNS:kafka.example.com", None),
    ("KAFKA.example.com", cert(("kafka.example.com",)), True, "DNS:kafka.example.com", None),
    ("b1.example.com", cert(("*.example.com",)), True, "DNS:*.example.com", None),
    ("b1.kafka.example.com", cert(("*.example.com",)), False, None, "wildcard_depth"),
    ("example.com", cert(("*.example.com",)), False, None, "not_listed"),
    ("b1.com", cert(("*.com",)), False, None, "not_listed"),  # no wildcard over a single label
    ("kafka.example.com.", cert(("kafka.example.com",)), True, "DNS:kafka.example.com", "trailing_dot"),
    ("other.example.com", cert(("kafka.example.com",)), False, None, "not_listed"),
    ("broker", cert((), (), "broker"), True, "CN:broker", None),  # CN only without any DNS SAN
    ("broker", cert(("kafka.example.com",), (), "broker"), False, None, "not_listed"),
    ("10.0.0.5", cert(("kafka",), ("10.0.0.5",)), True, "IP:10.0.0.5", None),
    ("10.0.0.5", cert(("10.0.0.5",)), False, None, "dns_only_ip"),
    ("10.0.0.5", cert((), (), "10.0.0.5"), False, None, "dns_only_ip"),  # the CN never counts for IPs
    ("10.0.0.5", cert(("kafka",)), False, None, "ip_not_in_sans"),
    ("::1", cert((), ("0:0:0:0:0:0:0:1",)), True, "IP:0:0:0:0:0:0:0:1", None),
])
def test_name_rules(host: str, certificate: CertificateInfo, matched: bool, matched_by: str | None,
                    note: str | None) -> None:
    result = match_name(host, certificate)
    assert (result.matched, result.matched_by, result.note) == (matched, matched_by, note)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_scram_client_against_an_independent_server(mechanism: str) -> None:
    """The RFC 5802 exchange with scramp's server: proof accepted, server signature verified."""
    server_side = ScramMechanism(mechanism)
    info = server_side.make_auth_info("pä,ss=word", iteration_count=4096)
    server = server_side.make_server(lambda user: info if user == "al=i,ce" else {}[user])
    client = ScramClient(mechanism, "al=i,ce", "pä,ss=word")
    server.set_client_first(client.client_first().decode())
    server.set_client_final(client.client_final(server.get_server_first().encode()).decode())
    final = client.server_final(server.get_server_final().encode())
    assert final.error is None and final.signature_valid
    assert client.iterations == 4096


def test_scram_wrong_password_and_forged_server() -> None:
    server_side = ScramMechanism("SCRAM-SHA-256")
    info = server_side.make_auth_info("right", iteration_count=4096)
    server = server_side.make_server(lambda user: info)
    client = ScramClient("SCRAM-SHA-256", "u", "wrong")
    server.set_client_first(client.client_first().decode())
    final_message = client.client_final(server.get_server_first().encode()).decode()
    with pytest.raises(ScramException):
        server.set_client_final(final_message)
    assert client.server_final(b"e=invalid-proof").error == "invalid-proof"
    assert client.server_final(b"v=" + b"AAAA" * 11).signature_valid is False
    with pytest.raises(ScramError):
        ScramClient("SCRAM-SHA-256", "u", "p").client_final(b"r=not-our-nonce,s=QUJD,i=4096")


@pytest.mark.parametrize("message, scram_error, outcome", [
    (None, "unknown-user", "unknown_user"),
    (None, "invalid-proof", "wrong_password"),
    ("Authentication failed during authentication due to invalid credentials with SASL mechanism "
     "SCRAM-SHA-512", None, "invalid_credentials"),
    ("Authentication failed: Invalid username or password", None, "invalid_credentials"),
    ("User not found", None, "unknown_user"),
])
def test_what_the_broker_says(message: str | None, scram_error: str | None, outcome: str) -> None:
    assert auth_outcome(message, scram_error) == outcome
