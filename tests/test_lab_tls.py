"""TLS name checks that need real DNS names: a host namespace with its own dnsmasq.

The broker, its socat TLS front and the check all run inside one lab host, whose
resolver answers the lab names with 127.0.0.1; nothing leaves the namespace.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab import Host, Lab, Records
from tests.support.cli import Run
from tests.support.rdkafka import librdkafka_metadata
from tests.support.tls import Ca, Issued

pytestmark = pytest.mark.tansu

NAMES = ["kafka.lab.test", "b1.kafka.lab.test", "bootstrap.lab.test"]


@pytest.fixture
def host(lab: Lab) -> Host:
    client = lab.host("client")
    client.use_dns(Records(a={name: ["127.0.0.1"] for name in NAMES}))
    return client


def tls_broker(host: Host, cert: Issued, advertised_host: str, port: int) -> None:
    host.broker("127.0.0.1", port + 1, f"{advertised_host}:{port}")
    host.lab.spawn(host, ["socat", f"OPENSSL-LISTEN:{port},bind=127.0.0.1,cert={cert.cert},key={cert.key},"
                                   f"verify=0,fork,reuseaddr", f"TCP:127.0.0.1:{port + 1}"], f"tls-{port}")
    host.wait_port("127.0.0.1", port)


def check(host: Host, bootstrap: str, ca: Ca) -> Run:
    return host.check(bootstrap, "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={ca.pem}",
                      timeout="2")


def test_wildcard_does_not_cover_the_advertised_depth(host: Host, tmp_path: Path) -> None:
    ca = Ca(tmp_path / "pki")
    tls_broker(host, ca.issue("wild", dns=["*.lab.test"]), "b1.kafka.lab.test", 9093)
    run = check(host, "bootstrap.lab.test:9093", ca)
    assert run.code == 1, run.stdout
    finding = run.one("TLS_HOSTNAME_MISMATCH", 111)
    assert finding["address"] == "b1.kafka.lab.test:9093"
    assert finding["evidence"]["note"] == "wildcard_depth"
    assert "a wildcard covers exactly one label" in finding["message"]
    assert "the bootstrap host bootstrap.lab.test is in the certificate" in finding["message"]
    # librdkafka agrees when it has to verify that name.
    rdkafka = librdkafka_metadata("b1.kafka.lab.test:9093", ssl_settings(ca), host.prefix)
    assert rdkafka["error_code"] == "_TRANSPORT"
    assert any("certificate verify failed" in line for line in rdkafka["log"])


def test_trailing_dot_in_the_advertised_name(host: Host, tmp_path: Path) -> None:
    ca = Ca(tmp_path / "pki")
    tls_broker(host, ca.issue("dot", dns=["kafka.lab.test"]), "kafka.lab.test.", 9093)
    run = check(host, "kafka.lab.test:9093", ca)
    finding = run.one("TLS_TRAILING_DOT", 111)
    assert finding["severity"] == "warning"
    assert finding["evidence"]["matched_by"] == "DNS:kafka.lab.test"
    assert "advertised.listeners=LISTENER://kafka.lab.test:9093" in finding["fix"]
    assert run.code == 0, run.stdout
    # librdkafka 2.13+ strips the dot (here the bundled 2.16), as the finding says ...
    rdkafka = librdkafka_metadata("kafka.lab.test.:9093", ssl_settings(ca), host.prefix)
    assert "error_code" not in rdkafka, rdkafka
    # ... while a client checking the name as written (Python's ssl) refuses it.
    refused = subprocess.run([*host.prefix, sys.executable, "-c",
                              PYTHON_SSL_CHECK.format(ca=ca.pem, name="kafka.lab.test.")],
                             capture_output=True, text=True, timeout=20).stdout
    assert "Hostname mismatch, certificate is not valid for 'kafka.lab.test.'" in refused


PYTHON_SSL_CHECK = """
import socket, ssl
ctx = ssl.create_default_context(cafile="{ca}")
try:
    ctx.wrap_socket(socket.create_connection(("127.0.0.1", 9093), timeout=3), server_hostname="{name}")
    print("verified")
except ssl.SSLCertVerificationError as exc:
    print(exc.verify_message)
"""


def ssl_settings(ca: Ca) -> dict[str, str]:
    return {"security.protocol": "SSL", "ssl.ca.location": str(ca.pem)}
