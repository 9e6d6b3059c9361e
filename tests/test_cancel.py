"""Cancelled, refused or failed runs still leave a document that says what happened.

SIGTERM is how CI systems, `docker stop` and the kubelet cancel: it must act like
the first Ctrl-C (the partial report, marked, exit 143). A usage error or a cancel
before any result writes a report with ``failure`` set (JSON) or a ``run /
completed`` <error> (JUnit) instead of an empty file that CI reports as a parse
error.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.junit import case, parse_junit
from tests.support.scripted import ScriptedKafka
from tests.support.servers import silent, tcp_server
from tests.test_contract import validate
from tests.test_interrupt import descendants, left_behind, processes, start, wait_for


@pytest.mark.parametrize("whole_group", [True, False], ids=["ci-cancel-group", "docker-stop-pid"])
def test_sigterm_mid_run_writes_the_partial_report_everywhere(whole_group: bool, tmp_path: Path) -> None:
    accepted: list[int] = []

    def counting_silence(sock: object) -> None:
        accepted.append(1)
        silent(sock)  # type: ignore[arg-type]

    junit = tmp_path / "listencheck.xml"
    with tcp_server(counting_silence) as quiet_port, ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, "127.0.0.1", quiet_port)]
        proc, token = start(["check", "--format", "json", "--output", f"junit={junit}", "--timeout", "20",
                             script.address, f"127.0.0.1:{quiet_port}"])
        # listencheck's own Metadata request (not the client library's, forked at start-up): the
        # run is under way, bootstrap 2 and broker 2 silent.
        wait_for(lambda: len(accepted) >= 2 and any(
            r.api_key == 3 and r.client_id == "listencheck" for r in script.requests))
        time.sleep(0.3)
        workers = descendants(proc.pid)
        (os.killpg if whole_group else os.kill)(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "interrupted (SIGTERM)" in err
    report = json.loads(out)
    validate(report)
    assert report["interrupted"] is True and report["stopped_by"] == "SIGTERM"
    assert report["verdict"]["exit_code"] == 143
    # The silent bootstrap is cut short, not blamed (the partial content itself: test_interrupt.py).
    second = report["bootstraps"][1]
    assert second["servers"][0]["resolve"]["error"]["reason"] == "interrupted"
    blamed = [f for f in report["findings"] if f["bootstrap"] == second["argument"]
              and f["severity"] == "error"]
    assert not blamed
    root = parse_junit(junit.read_text())  # valid against the schema, counts consistent
    error = case(root, "listencheck run / run", "completed").find("error")
    assert error is not None and error.get("type") == "SIGTERM"
    assert "exit status 143" in (error.text or "")
    assert left_behind(token) == []
    assert not set(workers) & {pid for pid, _, _ in processes()}


def test_sigterm_before_any_result_writes_a_failure_document(tmp_path: Path) -> None:
    # -F from a FIFO holds the run in reading its options, before any probe started.
    fifo = tmp_path / "client.properties"
    os.mkfifo(fifo)
    report_file = tmp_path / "report.json"
    opened = threading.Event()
    writer: list[int] = []

    def open_writer() -> None:
        writer.append(os.open(fifo, os.O_WRONLY))  # returns once listencheck opened it to read
        opened.set()

    threading.Thread(target=open_writer, daemon=True).start()
    proc, token = start(["check", "--format", "junit", "--output", f"json={report_file}", "-F", str(fifo),
                         "127.0.0.1:9"])
    try:
        assert opened.wait(20), "listencheck never opened the properties file"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        for fd in writer:
            os.close(fd)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == "listencheck: interrupted (SIGTERM)"
    root = parse_junit(out)
    error = case(root, "listencheck run / run", "completed").find("error")
    assert error is not None and error.get("type") == "terminated"
    report = json.loads(report_file.read_text())
    validate(report)
    assert report["failure"]["kind"] == "terminated" and report["verdict"]["exit_code"] == 143
    assert report["bootstraps"] == [] and report["stopped_by"] == "SIGTERM"
    assert left_behind(token) == []


@pytest.mark.parametrize("args, says", [
    (["--expect-cluster-id", ""], "--expect-cluster-id is empty"),
    (["--no-such-option"], "No such option"),
    (["--timeout", "zero"], "'zero' is not a valid float"),
    (["-X", "no.such.property=1"], "no.such.property"),
    (["-X", "sasl.password=s3cret-sentinel", "-X", "bogus"], "-X expects key=value"),
])
def test_usage_errors_write_a_document_in_the_requested_format(args: list[str], says: str,
                                                                tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    run = run_cli(["check", "--format", "junit", "--output", f"json={out_file}", *args, "127.0.0.1:9"])
    assert run.code == 2
    assert says in run.stderr
    root = parse_junit(run.stdout)
    error = case(root, "listencheck run / run", "completed").find("error")
    assert error is not None and error.get("type") == "usage" and says in (error.get("message") or "")
    report = json.loads(out_file.read_text())
    validate(report)
    assert report["failure"]["kind"] == "usage" and says in report["failure"]["message"]
    assert report["verdict"]["exit_code"] == 2
    assert "s3cret-sentinel" not in run.stdout + run.stderr + out_file.read_text()


def test_usage_error_in_text_format_keeps_stdout_empty() -> None:
    run = run_cli(["check", "--expect-cluster-id", "", "127.0.0.1:9"])
    assert run.code == 2 and run.stdout == "" and len(run.stderr.splitlines()) == 1


def test_other_commands_keep_their_own_output_on_errors() -> None:
    run = run_cli(["compare", "--format", "json", "/nonexistent/a.json", "/nonexistent/b.json"])
    assert run.code == 2 and run.stdout == ""


def test_an_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file instead
            target = tmp_path / "a-file" / "report.xml"
            (tmp_path / "a-file").write_text("")
        else:
            target = locked / "report.xml"
        with tcp_server(silent) as port:
            run = run_cli(["check", "--timeout", "0.3", "--output", f"junit={target}", f"127.0.0.1:{port}"])
    finally:
        locked.chmod(stat.S_IRWXU)
    assert run.code == 2 and f"cannot write {target}" in run.stderr
    assert run.stdout == ""  # files are written before stdout: no report that contradicts the exit


@pytest.mark.parametrize("value, says", [
    ("junit", "expects FORMAT=FILE"), ("yaml=x.yaml", "unknown format 'yaml'"),
    ("json=", "expects FORMAT=FILE"),
])
def test_bad_output_option(value: str, says: str) -> None:
    run = run_cli(["check", "--output", value, "127.0.0.1:9"])
    assert run.code == 2 and says in run.stderr
