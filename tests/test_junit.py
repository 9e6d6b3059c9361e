"""`--format junit`: the structure CI systems expect, in agreement with the report and the exit status."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import xmlschema

from listencheck.analysis import build_report
from listencheck.lab.tansu import free_port
from listencheck.models import Expectations
from listencheck.pipeline import BootstrapSpec, CheckOptions, run_check
from listencheck.render import RENDERERS, RenderOptions
from tests.support.brokers import BrokerFactory
from tests.support.cli import run_cli
from tests.support.junit import case, cases, parse_junit, schema
from tests.support.servers import closed_port, http, tcp_server
from tests.support.tls import Ca, TlsFronts

pytestmark = pytest.mark.tansu

BROKER_STAGES = ("address", "resolve", "tcp", "kafka", "metadata", "identity", "client library")
SERVER_STAGES = ("resolve", "tcp", "kafka", "metadata")


def _texts(element: ET.Element) -> str:
    return "\n".join(e.text or "" for e in element.iter() if e.tag in ("failure", "system-out"))


def test_junit_and_json_tell_the_same_story(tansu: BrokerFactory) -> None:
    healthy = tansu.start("127.0.0.1:{port}")
    broken = tansu.start(f"127.0.0.1:{closed_port()}")
    dead = closed_port()
    with tcp_server(http) as http_port:
        specs = (healthy.listen, f"127.0.0.1:{dead},{broken.listen}", f"127.0.0.1:{http_port}")
        options = CheckOptions(tuple(BootstrapSpec.parse(s) for s in specs), timeout=2,
                               expect=Expectations(brokers=1, advertised=("kafka:9092",)))
        report = build_report(run_check(options))
    root = parse_junit(RENDERERS["junit"](report, RenderOptions()))
    data = json.loads(RENDERERS["json"](report, RenderOptions()))

    # One case per bootstrap × server/broker × stage, plus client, expectations and run cases.
    expected = 0
    for b in data["bootstraps"]:
        expected += len(b["servers"]) * len(SERVER_STAGES) + len(b["brokers"]) * len(BROKER_STAGES)
        expected += 1 + 1 + (len(b["servers"]) > 1)  # client library, broker count, one cluster
    expected += 1 + 1 + 1  # deadline, listeners agree, advertised kafka:9092
    assert int(root.get("tests", "")) == len(cases(root)) == expected

    # Every finding is told exactly once, in a case of its bootstrap (and broker).
    for finding in data["findings"]:
        homes = [c for c in cases(root) if f"{finding['code']}: {finding['message']}" in _texts(c)]
        assert len(homes) == 1, finding
        home = homes[0]
        if finding["bootstrap"]:
            assert home.get("classname", "").startswith(f"bootstrap {finding['bootstrap']} / ")
        if finding["broker_id"] is not None:
            assert f"/ broker {finding['broker_id']} " in home.get("classname", "")
        if finding["subject"] in ("broker", "server"):  # the case is the finding's own stage
            stage = "client library" if finding["stage"] == "client" else finding["stage"]
            assert home.get("name") == stage, (finding["code"], home.get("name"))
        outcome = "failure" if finding["severity"] == "error" else "system-out"
        assert home.find(outcome) is not None
        assert f"fix: {finding['fix']}" in _texts(home)

    # The failures agree with the verdict.
    errors = {f["code"] for f in data["findings"] if f["severity"] == "error"}
    failure_types = {f.get("type") for f in root.iter("failure")}
    assert failure_types <= errors and int(root.get("failures", "")) > 0
    assert data["verdict"]["exit_code"] == 1

    # The broken listener: its broker fails at TCP, later stages are skipped, not failed.
    subject = f"bootstrap 127.0.0.1:{dead},{broken.listen} / broker 111 {broken.advertised}"
    tcp = case(root, subject, "tcp")
    failure = tcp.find("failure")
    assert failure is not None and failure.get("type") == "ADVERTISED_UNREACHABLE"
    (unreachable,) = [f for f in data["findings"] if f["code"] == "ADVERTISED_UNREACHABLE"]
    assert f"fix: {unreachable['fix']}" in (failure.text or "")
    assert case(root, subject, "kafka").find("skipped") is not None
    # The dead server in a list that answered is a warning: told, but not a failure.
    dead_tcp = case(root, f"bootstrap 127.0.0.1:{dead},{broken.listen} / server 127.0.0.1:{dead}", "tcp")
    assert dead_tcp.find("failure") is None and "BOOTSTRAP_UNREACHABLE" in _texts(dead_tcp)
    # The healthy listener passes every stage.
    for stage in BROKER_STAGES[1:]:
        ok = case(root, f"bootstrap {healthy.listen} / broker 111 {healthy.listen}", stage)
        assert ok.find("failure") is None and ok.find("skipped") is None
    # The unmet expectation fails its own case in the run suite.
    missing = case(root, "listencheck run / expectations", "advertised kafka:9092")
    assert missing.find("failure") is not None
    assert missing.find("failure").get("type") == "EXPECT_ADVERTISED_MISSING"  # type: ignore[union-attr]


def test_cli_junit_healthy_and_fail_on(tansu: BrokerFactory) -> None:
    healthy = tansu.start("127.0.0.1:{port}")
    run = run_cli(["check", "--format", "junit", healthy.listen])
    root = parse_junit(run.stdout)
    assert run.code == 0 and root.get("failures") == "0"
    # A note stays a note: shown in system-out of the broker's address case.
    address = case(root, f"bootstrap {healthy.listen} / broker 111 {healthy.listen}", "address")
    assert "info ADVERTISED_LOOPBACK" in _texts(address)

    wildcard = tansu.start("0.0.0.0:{port}")
    lenient = parse_junit(run_cli(["check", "--format", "junit", wildcard.listen]).stdout)
    strict_run = run_cli(["check", "--format", "junit", "--fail-on", "warning", wildcard.listen])
    strict = parse_junit(strict_run.stdout)
    subject = f"bootstrap {wildcard.listen} / broker 111 0.0.0.0:{wildcard.listen_port}"
    assert case(lenient, subject, "address").find("failure") is None
    assert case(strict, subject, "address").find("failure") is not None
    assert strict_run.code == 1 and strict.get("failures") == "1"


def test_unrepresentable_characters_still_give_valid_xml(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    run = run_cli(["check", "--format", "junit", "--vantage", "ci <runner> & \"co\"\x07", broker.listen])
    root = parse_junit(run.stdout)
    (vantage,) = {p.get("value") for p in root.iter("property") if p.get("name") == "vantage"}
    assert vantage == "ci <runner> & \"co\"\ufffd"


def test_no_bootstrap_answer_is_a_failure_with_skipped_stages() -> None:
    port = closed_port()
    run = run_cli(["check", "--format", "junit", f"127.0.0.1:{port}"])
    root = parse_junit(run.stdout)
    assert run.code == 3
    suite = f"bootstrap 127.0.0.1:{port}"
    assert case(root, f"{suite} / server 127.0.0.1:{port}", "tcp").find("failure") is not None
    assert case(root, f"{suite} / client library", "metadata").find("skipped") is not None


def test_tls_findings_fail_the_tls_stage(tansu: BrokerFactory, tls_fronts: TlsFronts, pki: Ca) -> None:
    # The advertised name is not in the certificate: the broker's tls case fails with the code.
    port = free_port()
    broker = tansu.start(f"localhost:{port}")
    tls_fronts.start(pki.issue("broker", ips=["127.0.0.1"], dns=["kafka.example.test"]),
                     broker.listen_port, port=port)
    run = run_cli(["check", "--format", "junit", "-X", "security.protocol=SSL",
                   "-X", f"ssl.ca.location={pki.pem}", f"127.0.0.1:{port}"])
    root = parse_junit(run.stdout)
    assert run.code == 1
    suite = f"bootstrap 127.0.0.1:{port}"
    tls = case(root, f"{suite} / broker 111 localhost:{port}", "tls")
    failure = tls.find("failure")
    assert failure is not None and failure.get("type") == "TLS_HOSTNAME_MISMATCH"
    assert case(root, f"{suite} / server 127.0.0.1:{port}", "tls").find("failure") is None


def test_output_is_valid_against_the_strict_schema_and_times_add_up() -> None:
    # Regression: <testsuites skipped="..."> broke Jenkins' junit-10.xsd; and the root's time was
    # the wall clock, smaller than one suite's sum of concurrent stage times.
    port = closed_port()
    text = run_cli(["check", "--format", "junit", "--timeout", "0.5", f"127.0.0.1:{port}"]).stdout
    root = parse_junit(text)  # validates against tests/support/junit.xsd, then counts and times
    assert root.get("skipped") is None and int(root.get("tests", "")) > 0
    run_duration = {p.get("value") for p in root.iter("property") if p.get("name") == "run-duration-ms"}
    assert len(run_duration) == 1 and float(run_duration.pop() or "") > 0
    with pytest.raises(xmlschema.XMLSchemaValidationError, match="skipped"):
        schema().validate(text.replace("<testsuites ", '<testsuites skipped="0" ', 1))
