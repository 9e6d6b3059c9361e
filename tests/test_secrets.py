"""Passwords never appear in any output: every format, succeeding and failing paths.

Two checks: through the real command (stdout and stderr, where a redactor is the
last line of defence), and in-process with that redactor out of the way, which
shows that no secret value is put into a result in the first place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from listencheck.analysis import build_report
from listencheck.config import load_config
from listencheck.lab.tansu import free_port
from listencheck.pipeline import BootstrapSpec, CheckOptions, run_check
from listencheck.render import RENDERERS, RenderOptions
from tests.support.brokers import BrokerFactory
from tests.support.cli import run_cli
from tests.support.sasl_gateway import SaslGateway
from tests.support.tls import Ca, TlsFronts

pytestmark = pytest.mark.tansu

SENTINEL = "Sentinel-Pa55w0rd-d41d8cd9"
KEY_SENTINEL = "Key-Sentinel-8f00b204e980"
FORMATS = (["--format", "json"], ["--no-color"], ["--no-color", "-v"], ["--no-color", "-q"])


@dataclass
class Listeners:
    sasl_ssl: str  # gateway behind TLS; user alice has the sentinel password
    mtls: str  # TLS with client certificates required
    plaintext: str
    authenticating: str  # Tansu --authentication
    ca: Ca
    client_cert: Path
    client_key: Path  # encrypted with KEY_SENTINEL


@pytest.fixture
def listeners(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> Iterator[Listeners]:
    front, mtls = free_port(), free_port()
    backend = tansu.start(f"localhost:{front}")
    mtls_backend = tansu.start(f"localhost:{mtls}")
    plain = tansu.start("127.0.0.1:{port}")
    auth = tansu.start("127.0.0.1:{port}", extra_args=["--authentication"])
    server = pki.issue("broker", dns=["localhost"])
    client = pki.issue("client", client=True, key_password=KEY_SENTINEL)
    tls_fronts.start(server, mtls_backend.listen_port, port=mtls, client_ca=pki.pem)
    with SaslGateway(backend.listen_port, {"alice": SENTINEL}) as gateway:
        tls_fronts.start(server, gateway.port, port=front)
        yield Listeners(f"localhost:{front}", f"localhost:{mtls}", plain.listen, auth.listen, pki,
                        client.cert, client.key)


def scenarios(x: Listeners, tmp: Path) -> list[tuple[str, list[str]]]:
    ca = ["-X", f"ssl.ca.location={x.ca.pem}"]
    scram = ["-X", "sasl.mechanism=SCRAM-SHA-512", "-X", "sasl.username=alice"]
    jaas = tmp / "client.properties"
    jaas.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                    f'username="alice" password="{SENTINEL}";\n')
    key = ["-X", f"ssl.certificate.location={x.client_cert}", "-X", f"ssl.key.location={x.client_key}"]
    return [
        ("sasl_ssl ok", [x.sasl_ssl, "-X", "security.protocol=SASL_SSL", *ca, *scram,
                         "-X", f"sasl.password={SENTINEL}"]),
        ("jaas file ok", [x.sasl_ssl, "-F", str(jaas), *ca]),
        ("wrong user", [x.sasl_ssl, "-X", "security.protocol=SASL_SSL", *ca, "-X", "sasl.mechanism=PLAIN",
                        "-X", "sasl.username=mallory", "-X", f"sasl.password={SENTINEL}"]),
        ("unknown user", [x.authenticating, "-X", "security.protocol=SASL_PLAINTEXT", *scram,
                          "-X", f"sasl.password={SENTINEL}"]),
        ("mismatch", [x.plaintext, "-X", "security.protocol=SASL_PLAINTEXT", *scram,
                      "-X", f"sasl.password={SENTINEL}"]),
        ("mtls ok", [x.mtls, "-X", "security.protocol=SSL", *ca, *key,
                     "-X", f"ssl.key.password={KEY_SENTINEL}"]),
        ("bad key password", [x.mtls, "-X", "security.protocol=SSL", *ca, *key,
                              "-X", f"ssl.key.password={SENTINEL}"]),
    ]


def test_no_output_format_shows_a_password(listeners: Listeners, tmp_path: Path) -> None:
    outcomes = {}
    for name, args in scenarios(listeners, tmp_path):
        for fmt in FORMATS:
            run = run_cli(["check", "--timeout", "2", *fmt, *args])
            text = run.stdout + run.stderr
            assert SENTINEL not in text and KEY_SENTINEL not in text, (name, fmt, text)
            outcomes[name] = run.code
    # The paths really were the succeeding and failing ones.
    assert outcomes == {"sasl_ssl ok": 0, "jaas file ok": 0, "wrong user": 3, "unknown user": 3,
                        "mismatch": 3, "mtls ok": 0, "bad key password": 2}


def test_results_hold_no_secret_before_any_redaction(listeners: Listeners, tmp_path: Path) -> None:
    for name, args in scenarios(listeners, tmp_path):
        if name == "bad key password":
            continue  # a usage error before any probe (checked above)
        target, files, props = args[0], list[str](), list[str]()
        rest = iter(args[1:])
        for flag in rest:
            (files if flag == "-F" else props).append(next(rest))
        config = load_config([Path(f) for f in files], props)
        report = build_report(run_check(CheckOptions((BootstrapSpec.parse(target),), config, timeout=2)))
        for render in RENDERERS.values():
            for verbosity in (-1, 0, 1):
                text = render(report, RenderOptions(verbosity=verbosity))
                assert SENTINEL not in text and KEY_SENTINEL not in text, (name, text)
                assert "***" not in text, (name, "the redactor should have had nothing to do")


def test_redactor_masks_long_secrets_anywhere_and_short_ones_as_tokens() -> None:
    from listencheck.redact import Redactor

    redact = Redactor(["hunter2-long-secret", "p"])
    assert redact("pw=hunter2-long-secret;x") == "pw=***;x"
    assert redact("it speaks kafka") == "it speaks kafka"
    assert redact("password p given") == "password *** given"
    assert redact("user:p") == "user:***"
