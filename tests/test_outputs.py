"""One run, several outputs (--output FMT=FILE), and settings from the environment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.brokers import BrokerFactory
from tests.support.cli import LISTENCHECK, run_cli
from tests.support.junit import parse_junit
from tests.support.servers import closed_port
from tests.test_contract import validate

pytestmark = pytest.mark.tansu


def test_one_run_writes_every_output(tansu: BrokerFactory, tmp_path: Path) -> None:
    healthy = tansu.start("127.0.0.1:{port}")
    broken = tansu.start(f"127.0.0.1:{closed_port()}")
    files = {fmt: tmp_path / f"report.{ext}" for fmt, ext in
             (("json", "json"), ("junit", "xml"), ("markdown", "md"), ("html", "html"))}
    run = run_cli(["check", "--no-color", "--timeout", "1", healthy.listen, broken.listen,
                   *(f"--output={fmt}={path}" for fmt, path in files.items())])
    assert run.code == 1
    assert "FAIL: " in run.stdout.splitlines()[-1]  # the text report still goes to stdout (the log)
    report = json.loads(files["json"].read_text())
    validate(report)
    root = parse_junit(files["junit"].read_text())
    # One run: the same findings everywhere, and the same timestamps.
    errors = sorted(f["code"] for f in report["findings"] if f["severity"] == "error")
    failures = "\n".join(f.text or "" for f in root.iter("failure"))
    assert errors and int(root.get("failures", "")) > 0
    for code in errors:
        assert code in failures and code in run.stdout and code in files["markdown"].read_text()
    assert report["started_at"].split(".")[0] == root[0].get("timestamp")
    assert files["html"].read_text().lstrip().lower().startswith("<!doctype html")
    assert not list(tmp_path.glob(".report.*"))  # no temporary file left behind


def test_settings_from_the_environment(tansu: BrokerFactory, tmp_path: Path) -> None:
    broker = tansu.start("127.0.0.1:{port}", cluster_id="from-env")
    junit = tmp_path / "env.xml"
    env = dict(os.environ, LISTENCHECK_FORMAT="json", LISTENCHECK_TIMEOUT="1.5",
               LISTENCHECK_EXPECT_CLUSTER_ID="other", LISTENCHECK_EXPECT_BROKERS="1+",
               LISTENCHECK_VANTAGE="ci-runner", LISTENCHECK_OUTPUT=f"junit={junit}")
    proc = subprocess.run([*LISTENCHECK, "check", broker.listen], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    validate(report)
    assert report["settings"]["timeout_s"] == 1.5 and report["vantage"]["name"] == "ci-runner"
    assert report["settings"]["expect"]["cluster_id"] == "other"
    assert report["settings"]["expect"]["brokers_minimum"] is True
    assert [f["code"] for f in report["findings"] if f["severity"] == "error"] == ["EXPECT_CLUSTER_ID"]
    parse_junit(junit.read_text())
    # The command line wins over the environment.
    proc = subprocess.run([*LISTENCHECK, "check", "--format", "text", "--expect-cluster-id", "from-env",
                           broker.listen], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout
    help_text = subprocess.run([*LISTENCHECK, "check", "--help"], capture_output=True, text=True).stdout
    for name in ("LISTENCHECK_TIMEOUT", "LISTENCHECK_FORMAT", "LISTENCHECK_OUTPUT", "LISTENCHECK_WAIT"):
        assert name in help_text


def test_text_to_stderr_junit_to_stdout(tansu: BrokerFactory) -> None:
    # The one-run form of the CI examples: the JUnit document on stdout (redirected to a file),
    # the text report in the log through /dev/stderr, which must be written through, not replaced.
    broker = tansu.start("127.0.0.1:{port}")
    run = run_cli(["check", "--format", "junit", "--output", "text=/dev/stderr", "--no-color",
                   broker.listen])
    assert run.code == 0
    parse_junit(run.stdout)
    assert "PASS: " in run.stderr and broker.listen in run.stderr
    assert Path("/dev/stderr").is_symlink() or not Path("/dev/stderr").is_file()
