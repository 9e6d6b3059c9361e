"""`listencheck lint`: exit codes, file:line on bad input, JSON contract, secrets never printed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.support.cli import run_cli

CORPUS = Path(__file__).parent / "brokerconfigs"
SCHEMA = json.loads((Path(__file__).parents[1] / "listencheck" / "render" / "lint.schema.json").read_text())


def test_broken_file_exits_1_with_file_line_and_fix() -> None:
    run = run_cli(["lint", str(CORPUS / "apache-kafka-missing-controller.compose.yaml")])
    assert run.code == 1, run.stderr
    assert "apache-kafka-missing-controller.compose.yaml:14 (KAFKA_LISTENER_SECURITY_PROTOCOL_MAP): error " \
           "CONFIG_LISTENER_NO_PROTOCOL [kafka] listener CONTROLLER" in run.stdout
    assert "fix: Add CONTROLLER:PLAINTEXT" in run.stdout


def test_healthy_files_exit_0_and_json_matches_the_schema() -> None:
    files = [str(CORPUS / n) for n in ("kraft-healthy.properties", "strimzi-healthy.yaml", "redpanda.yaml")]
    run = run_cli(["lint", "--format", "json", *files])
    assert run.code == 0, run.stdout
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMA)
    assert [f["kind"] for f in report["files"]] == ["properties", "strimzi", "redpanda"]
    redpanda = report["files"][2]["brokers"][0]["listeners"]
    protocols = {r["name"]: r["security_protocol"] for r in redpanda}
    assert protocols == {"internal": "PLAINTEXT", "external": "SASL_SSL"}  # as written: case-sensitive


def test_every_corpus_file_gives_schema_valid_json() -> None:
    run = run_cli(["lint", "--format", "json", *map(str, sorted(p for p in CORPUS.iterdir()))])
    assert run.code == 1
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMA)
    assert all(f["file"] and f["line"] for f in report["findings"])


@pytest.mark.parametrize(("name", "text", "where"), [
    ("compose.yaml", "services:\n  kafka:\n    image: [unclosed\n", "compose.yaml:4"),
    ("server.properties", "listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT:9092\n",
     "server.properties:2: advertised.listeners: 'PLAINTEXT:9092' is not NAME://host:port"),
    ("broker.env", "KAFKA_LISTENERS=PLAINTEXT://:9092\nthis is not an assignment secret-value\n",
     "broker.env:2: expected NAME=value"),
    ("compose.yml", "services:\n  kafka:\n    image: apache/kafka\n    ports: ['abc:9092']\n",
     "compose.yml:4: ports:"),
    ("compose.yaml", "services:\n  kafka:\n    image: bitnami/kafka\n    env_file: missing.env\n",
     "compose.yaml:4: env_file missing.env"),
    ("kafka.yaml", "apiVersion: kafka.strimzi.io/v1beta2\nkind: Kafka\nspec:\n  kafka:\n    replicas: 3\n",
     "kafka.yaml:5: spec.kafka.listeners is missing"),
])
def test_bad_input_exits_2_with_file_and_line(tmp_path: Path, name: str, text: str, where: str) -> None:
    (tmp_path / name).write_text(text)
    run = run_cli(["lint", str(tmp_path / name)])
    assert run.code == 2, (run.stdout, run.stderr)
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert f"{tmp_path}/{where}" in run.stderr, run.stderr
    assert "secret-value" not in run.stderr


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "binary.properties").write_bytes(b"\xff\xfe\x00listeners")
    for path in (tmp_path / "absent.properties", tmp_path / "binary.properties", tmp_path):
        run = run_cli(["lint", str(path)])
        assert run.code == 2 and str(path) in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_secret_values_are_never_printed(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  kafka:\n    image: confluentinc/cp-kafka:7.6.0\n    environment:\n"
        "      KAFKA_LISTENERS: SASL_SSL://:9092\n      KAFKA_ADVERTISED_LISTENERS: SASL_SSL://0.0.0.0:9092\n"
        "      KAFKA_SSL_KEYSTORE_PASSWORD: hunter2-keystore\n"
        "      KAFKA_LISTENER_NAME_SASL_SSL_PLAIN_SASL_JAAS_CONFIG: 'PlainLoginModule required "
        "username=\"a\" password=\"hunter2-jaas\";'\n")
    for args in (["-v"], ["--format", "json"]):
        run = run_cli(["lint", *args, str(compose)])
        assert run.code == 1
        assert "hunter2" not in run.stdout + run.stderr


def test_the_shipped_compose_file_lints_clean() -> None:
    """Its PLAINTEXT_NGROK listener advertises the tunnel's public address: the tunnel agent
    forwards it, so no host port has to be published for it (was CONFIG_ADVERTISED_PORT_UNPUBLISHED)."""
    compose = Path(__file__).resolve().parents[1] / "docker" / "compose.yaml"
    run = run_cli(["lint", str(compose)])
    assert run.code == 0, run.stdout


def test_a_client_without_extra_hosts_gets_a_diff_of_its_service(tmp_path: Path) -> None:
    """lint gives the client-side fix as a diff too (the check report does: tests/test_client_diffs.py)."""
    path = tmp_path / "compose.yaml"
    path.write_text((Path(__file__).parents[1] / "docker" / "compose.broken.yaml").read_text())
    run = run_cli(["lint", "--format", "json", str(path)])
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMA)
    (finding,) = [f for f in report["findings"] if f["code"] == "CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS"]
    added = '   listencheck:\n+    extra_hosts:\n+      - "host.docker.internal:host-gateway"\n'
    assert added in finding["diff"]
    assert all("diff" not in f for f in report["findings"] if f is not finding)
    text = run_cli(["lint", str(path)]).stdout
    assert '      +      - "host.docker.internal:host-gateway"' in text
