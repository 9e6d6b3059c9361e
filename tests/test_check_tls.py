"""TLS listeners for real: Tansu behind a socat TLS terminator, certificates made per test.

Tansu advertises the TLS front's host:port, so the advertised address is the
one the client verifies. Everything runs on 127.0.0.1; the only names used are
localhost and IP literals (other names are in the namespace lab tests).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from listencheck.lab.tansu import free_port
from tests.support.brokers import BrokerFactory
from tests.support.cli import Run, check_json, run_cli
from tests.support.rdkafka import librdkafka_metadata
from tests.support.tls import NOW, Ca, Issued, TlsFronts

pytestmark = pytest.mark.tansu

DAY = dt.timedelta(days=1)


def tls_broker(tansu: BrokerFactory, fronts: TlsFronts, cert: Issued, advertised_host: str = "localhost",
               client_ca: Ca | None = None) -> int:
    """Tansu advertising ``advertised_host:PORT`` where PORT is a socat TLS front; returns PORT."""
    port = free_port()
    broker = tansu.start(f"{advertised_host}:{port}")
    fronts.start(cert, broker.listen_port, port=port, client_ca=client_ca.pem if client_ca else None)
    return port


def ssl_check(target: str, ca: Ca, *extra: str) -> Run:
    return check_json(target, "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={ca.pem}", *extra)


def attempt(run: Run, broker: bool = False) -> Any:
    b = run.report["bootstraps"][0]
    probe = b["brokers"][0]["probe"] if broker else b["servers"][0]
    return probe["attempts"][0]


def test_healthy_ssl_listener(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]))
    run = ssl_check(f"localhost:{port}", pki)
    assert run.code == 0, run.stdout
    assert run.report["verdict"]["errors"] == 0 and run.report["verdict"]["warnings"] == 0
    tls = attempt(run, broker=True)["tls"]
    assert tls["status"] == "ok"
    detail = tls["detail"]
    assert detail["protocol"] == "TLSv1.3" and detail["verified"] is True
    assert detail["certificate"]["dns_names"] == ["localhost"]
    assert detail["certificate"]["issuer"] == "CN=listencheck test CA"
    assert detail["name_match"] == {"name": "localhost", "kind": "dns", "matched": True,
                                    "matched_by": "DNS:localhost", "note": None}
    assert detail["server_name"] == "localhost" and detail["without_server_name"] is None
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"


def test_bootstrap_name_in_certificate_but_not_the_advertised_one(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    # The classic trap: bootstrapping via 127.0.0.1 verifies, the advertised localhost does not.
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", ips=["127.0.0.1"], dns=["kafka.example.test"]))
    run = ssl_check(f"127.0.0.1:{port}", pki)
    assert run.code == 1
    finding = run.one("TLS_HOSTNAME_MISMATCH", 111)
    assert finding["severity"] == "error"
    assert finding["address"] == f"localhost:{port}"
    assert finding["evidence"]["advertised_host"] == "localhost"
    assert finding["evidence"]["dns_names"] == ["kafka.example.test"]
    assert "the bootstrap host 127.0.0.1 is in the certificate" in finding["message"]
    assert "DNS:localhost" in finding["fix"] and "impersonation" in finding["fix"]
    assert "ADVERTISED_METADATA_FAILED" not in run.codes()  # one diagnosis, not two


def test_hostname_mismatch_with_verification_off_is_a_warning(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["kafka.example.test"]))
    run = ssl_check(f"localhost:{port}", pki, "-X", "ssl.endpoint.identification.algorithm=none")
    assert run.code == 0, run.stdout
    finding = run.one("TLS_HOSTNAME_MISMATCH", 111)
    assert finding["severity"] == "warning"
    assert "hostname verification is off" in finding["message"]
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"


def test_ip_advertised_certificate_with_dns_names_only(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost", "127.0.0.1"]),
                      advertised_host="127.0.0.1")
    run = ssl_check(f"localhost:{port}", pki)
    assert run.code == 1
    finding = run.one("TLS_IP_ADVERTISED", 111)
    assert finding["severity"] == "error"
    assert finding["evidence"]["note"] == "dns_only_ip"
    assert "which IP verification ignores" in finding["message"]
    assert "advertised.listeners=LISTENER://localhost:PORT" in finding["fix"]
    assert "TLS_HOSTNAME_MISMATCH" not in run.codes()
    # What the finding says of librdkafka, checked against librdkafka itself (bootstrapping at
    # the IP, so that it must verify it): a DNS entry spelled like the IP does not count.
    rdkafka = librdkafka_metadata(f"127.0.0.1:{port}", {"security.protocol": "SSL",
                                                        "ssl.ca.location": str(pki.pem)})
    # It keeps reconnecting after the failed handshake: its metadata request ends either with
    # the broken connection or with its own timeout, whichever comes first (it varies, idle too).
    assert rdkafka["error_code"] in ("_TRANSPORT", "_TIMED_OUT")
    assert any("certificate verify failed" in line for line in rdkafka["log"])


def test_ip_advertised_certificate_with_ip_san_works_here(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"], ips=["127.0.0.1"]),
                      advertised_host="127.0.0.1")
    run = ssl_check(f"localhost:{port}", pki)
    assert run.code == 0, run.stdout
    note = run.one("TLS_IP_ADVERTISED", 111)
    assert note["severity"] == "info"
    # The server name is the host as given or advertised, never an IP (RFC 6066).
    assert attempt(run)["tls"]["detail"]["server_name"] == "localhost"
    assert attempt(run, broker=True)["tls"]["detail"]["server_name"] is None
    assert note["evidence"]["server_name"] is None
    assert note["evidence"]["matched_by"] == "IP:127.0.0.1"
    assert "#3801" in note["message"]
    # librdkafka (bundled OpenSSL 3) matches the iPAddress name when it must verify the IP.
    rdkafka = librdkafka_metadata(f"127.0.0.1:{port}", {"security.protocol": "SSL",
                                                        "ssl.ca.location": str(pki.pem)})
    assert "error_code" not in rdkafka, rdkafka


def test_expired_certificate(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    cert = pki.issue("broker", dns=["localhost"], not_before=NOW - 60 * DAY, not_after=NOW - 3 * DAY)
    port = tls_broker(tansu, tls_fronts, cert)
    run = ssl_check(f"localhost:{port}", pki)
    assert run.code == 1  # the broker answered: read over an unverified connection, not "nothing answered"
    assert run.report["bootstraps"][0]["metadata"]["verified"] is False
    finding = run.one("TLS_CERT_EXPIRED")
    assert finding["severity"] == "error"
    assert finding["evidence"]["days_expired"] in (2, 3)
    assert finding["evidence"]["not_after"] == cert_date(NOW - 3 * DAY)
    assert attempt(run)["tls"]["detail"]["verify_error"] == "certificate has expired"
    assert "BOOTSTRAP_METADATA_FAILED" not in run.codes()


def test_certificate_not_yet_valid(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"], not_before=NOW + 2 * DAY))
    run = ssl_check(f"localhost:{port}", pki)
    finding = run.one("TLS_CERT_EXPIRED")
    assert "not valid before" in finding["message"]
    assert attempt(run)["tls"]["detail"]["verify_code"] == 9


def test_certificate_expiring_soon(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"], not_after=NOW + 10 * DAY))
    run = ssl_check(f"localhost:{port}", pki)
    assert run.code == 0
    finding = run.one("TLS_CERT_EXPIRING", 111)
    assert finding["severity"] == "warning"
    assert finding["evidence"]["days_left"] in (9, 10)
    assert f"({finding['evidence']['days_left']} days left)" in finding["message"]
    assert cert_date(NOW + 10 * DAY)[:10] in finding["fix"]


def test_untrusted_certificate(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]))
    stranger = Ca(pki.directory / "other", name="some other CA")
    run = ssl_check(f"localhost:{port}", stranger)
    assert run.code == 1
    finding = run.one("TLS_UNTRUSTED_CERTIFICATE")
    assert finding["severity"] == "error"
    assert finding["evidence"]["verify_code"] == 20
    assert finding["evidence"]["verify_error"] == "unable to get local issuer certificate"
    assert finding["evidence"]["certificate"]["issuer"] == "CN=listencheck test CA"
    assert "ssl.ca.location" in finding["fix"] and "impersonation" in finding["fix"]


def test_untrusted_certificate_with_verification_off_is_a_warning(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]))
    stranger = Ca(pki.directory / "other", name="some other CA")
    run = ssl_check(f"localhost:{port}", stranger, "-X", "enable.ssl.certificate.verification=false")
    assert run.code == 0, run.stdout
    finding = run.one("TLS_UNTRUSTED_CERTIFICATE", 111)
    assert finding["severity"] == "warning"
    assert "enable.ssl.certificate.verification=false" in finding["message"]
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"


def test_client_certificate_required(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]), client_ca=pki)
    run = ssl_check(f"localhost:{port}", pki)
    assert run.code == 3
    finding = run.one("TLS_CLIENT_CERT_REQUIRED")
    assert finding["severity"] == "error"
    assert finding["evidence"]["alert"] == "tlsv13 alert certificate required"
    assert "ssl.certificate.location" in finding["fix"]
    assert attempt(run)["tls"]["detail"]["failure"] == "rejected"


def test_mutual_tls_with_a_client_certificate_and_key_password(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]), client_ca=pki)
    client = pki.issue("client", client=True, key_password="key-pass-5ecret")
    run = ssl_check(f"localhost:{port}", pki, "-X", f"ssl.certificate.location={client.cert}",
                    "-X", f"ssl.key.location={client.key}", "-X", "ssl.key.password=key-pass-5ecret")
    assert run.code == 0, run.stdout
    assert run.report["verdict"]["errors"] == 0
    assert attempt(run, broker=True)["tls"]["detail"]["client_certificate"] is True
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"
    assert "key-pass-5ecret" not in run.stdout + run.stderr


def test_client_certificate_refused_by_the_broker(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]), client_ca=pki)
    stranger = Ca(pki.directory / "other", name="some other CA")
    client = stranger.issue("client", client=True)
    run = ssl_check(f"localhost:{port}", pki, "-X", f"ssl.certificate.location={client.cert}",
                    "-X", f"ssl.key.location={client.key}")
    finding = run.one("TLS_HANDSHAKE_FAILED")
    assert finding["severity"] == "error"
    assert finding["evidence"]["alert"] == "tlsv1 alert unknown ca"
    assert finding["evidence"]["client_certificate_configured"] is True
    assert "refused the client certificate" in finding["fix"]


def test_plaintext_client_against_a_tls_listener(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["localhost"]))
    run = check_json(f"localhost:{port}")
    assert run.code == 3
    finding = run.one("PROTOCOL_MISMATCH")
    assert finding["severity"] == "error"
    evidence = finding["evidence"]
    assert (evidence["configured"], evidence["expected"]) == ("PLAINTEXT", "SSL")
    assert evidence["failed_stage"] == "kafka"
    assert evidence["speaks_tls"] is True and evidence["requires_sasl"] is False
    assert "TLS handshake completed (TLSv1.3)" in evidence["tls_evidence"]
    assert "security.protocol=SSL" in finding["fix"]
    assert not {"BOOTSTRAP_NOT_KAFKA", "BOOTSTRAP_METADATA_FAILED"} & run.codes()


def test_tls_client_against_a_plaintext_listener(tansu: BrokerFactory, pki: Ca) -> None:
    broker = tansu.start("localhost:{port}")
    run = ssl_check(broker.listen, pki, "--timeout", "1")
    assert run.code == 3
    finding = run.one("PROTOCOL_MISMATCH")
    evidence = finding["evidence"]
    assert (evidence["configured"], evidence["expected"]) == ("SSL", "PLAINTEXT")
    assert evidence["failed_stage"] == "tls"
    assert "no TLS handshake within" in evidence["failed_with"]  # Tansu waits for a 369 MB "request"
    assert evidence["tls_evidence"] == "a plaintext ApiVersions request got a Kafka answer"
    assert "security.protocol=PLAINTEXT" in finding["fix"]


def cert_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def test_bootstrap_works_but_the_advertised_listener_wants_tls(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    # The tool's core story: the bootstrap answers in plaintext, the advertised listener is TLS.
    front = free_port()
    tls_listener = tansu.start(f"localhost:{front}")
    tls_fronts.start(pki.issue("broker", dns=["localhost"]), tls_listener.listen_port, port=front)
    plaintext = tansu.start(f"localhost:{front}")
    run = check_json(plaintext.listen)
    assert run.code == 1
    finding = run.one("PROTOCOL_MISMATCH", 111)
    assert finding["address"] == f"localhost:{front}"
    assert (finding["evidence"]["configured"], finding["evidence"]["expected"]) == ("PLAINTEXT", "SSL")
    assert "ADVERTISED_NOT_KAFKA" not in run.codes()


def test_bootstrap_failing_verification_is_still_diagnosed(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    """Issue 12 item 7: the bootstrap's certificate names neither 127.0.0.1 nor localhost; the broker
    advertises a plaintext port that is closed. Both problems are reported, exit 1."""
    closed = free_port()
    broker = tansu.start(f"localhost:{closed}")
    port = free_port()
    tls_fronts.start(pki.issue("broker", dns=["kafka.example.test"]), broker.listen_port, port=port)
    run = ssl_check(f"127.0.0.1:{port}", pki, "--timeout", "1")
    assert run.code == 1, run.stdout
    b = run.report["bootstraps"][0]
    assert b["answered"] is True and b["metadata"]["verified"] is False
    assert b["servers"][0]["attempts"][0]["tls"]["status"] == "failed"
    assert "TLS_IP_ADVERTISED" in run.codes()  # the bootstrap's own TLS problem: an IP, DNS names only
    assert run.one("ADVERTISED_UNREACHABLE", 111)["address"] == f"localhost:{closed}"
    text = run_cli(["check", "--no-color", "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={pki.pem}",
                    "--timeout", "1", f"127.0.0.1:{port}"])
    assert "read over an unverified TLS connection" in text.stdout
    assert " TLS " in text.stdout.split("bootstrap server")[1].splitlines()[0]


def test_no_credentials_over_an_unverified_bootstrap(
        tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    port = tls_broker(tansu, tls_fronts, pki.issue("broker", dns=["kafka.example.test"]))
    run = check_json(f"127.0.0.1:{port}", "-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanism=PLAIN",
                     "-X", "sasl.username=u", "-X", "sasl.password=p", "-X", f"ssl.ca.location={pki.pem}",
                     "--timeout", "1")
    assert run.code == 3 and run.report["bootstraps"][0]["metadata"] is None
