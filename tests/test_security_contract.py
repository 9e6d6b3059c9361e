"""The public contract for TLS and SASL: their JSON reports match the committed schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from listencheck.lab.tansu import free_port
from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json
from tests.support.sasl_gateway import SaslGateway
from tests.support.tls import Ca, TlsFronts

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "listencheck/render/report.schema.json").read_text())


@pytest.mark.tansu
def test_security_reports_match_the_schema(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    front = free_port()
    backend = tansu.start(f"localhost:{front}")
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    with SaslGateway(backend.listen_port, {"alice": "pw-1"}) as gateway:
        tls_fronts.start(pki.issue("broker", dns=["localhost"]), gateway.port, port=front)
        tls = ["-X", "security.protocol=SASL_SSL", "-X", f"ssl.ca.location={pki.pem}",
               "-X", "sasl.username=alice"]
        runs = [
            check_json(f"localhost:{front}", *tls, "-X", "sasl.mechanism=SCRAM-SHA-256",
                       "-X", "sasl.password=pw-1"),
            check_json(f"localhost:{front}", *tls, "-X", "sasl.mechanism=PLAIN", "-X", "sasl.password=bad"),
            check_json(f"localhost:{front}"),  # plaintext against SASL_SSL: the listener probe runs
        ]
    assert [r.code for r in runs] == [0, 3, 3]
    for run in runs:
        errors = sorted(validator.iter_errors(run.report), key=str)
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    attempts = [r.report["bootstraps"][0]["servers"][0]["attempts"][0] for r in runs]
    assert attempts[0]["sasl"]["detail"]["outcome"] == "authenticated"
    assert attempts[1]["sasl"]["detail"]["outcome"] == "invalid_credentials"
    assert attempts[2]["listener"]["detail"]["expected_protocol"] == "SASL_SSL"
