"""Smoke-test mode: --expect-*, --fail-on and --wait, through the real CLI and real brokers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from listencheck.lab.tansu import free_port
from tests.support.brokers import BrokerFactory
from tests.support.cli import LISTENCHECK, check_json, run_cli
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port, silent, tcp_server
from tests.test_contract import validate

pytestmark = pytest.mark.tansu


def test_met_expectations_pass_and_are_recorded(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}", cluster_id="prod-1")
    run = check_json(broker.listen, "--expect-brokers", "1", "--expect-cluster-id", "prod-1",
                     "--expect-advertised", broker.listen)
    assert run.code == 0, run.stdout
    validate(run.report)
    assert run.report["settings"]["expect"] == {
        "brokers": 1, "cluster_id": "prod-1", "advertised": [broker.listen], "brokers_minimum": False}
    assert run.report["settings"]["fail_on"] == "error"
    assert not {c for c in run.codes() if c.startswith("EXPECT_")}
    summary = run.report["verdict"]["summary"]
    assert summary.startswith("every advertised listener works from here, as expected")


def test_each_unmet_expectation_is_its_own_finding(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}", cluster_id="staging")
    missing = f"127.0.0.1:{closed_port()}"
    run = check_json(broker.listen, "--expect-brokers", "3", "--expect-cluster-id", "prod-1",
                     "--expect-advertised", broker.listen, "--expect-advertised", missing)
    assert run.code == 1
    validate(run.report)
    count = run.one("EXPECT_BROKER_COUNT")
    assert count["severity"] == "error" and count["bootstrap"] == broker.listen
    assert count["evidence"] == {"expected": 3, "minimum": False, "listed": 1, "broker_ids": [111],
                                 "working_from_here": 1}
    cluster = run.one("EXPECT_CLUSTER_ID")
    assert cluster["evidence"]["expected"] == "prod-1" and cluster["evidence"]["reported"] == "staging"
    advertised = run.one("EXPECT_ADVERTISED_MISSING")  # only the missing one, not the present one
    assert advertised["address"] == missing
    assert advertised["evidence"]["advertised"] == {broker.listen: [broker.listen]}
    assert "does not meet the expectations" in run.report["verdict"]["summary"]


def test_broker_count_is_judged_per_listener() -> None:
    # Kafka lists only the brokers that have the listener a request arrives on.
    with ScriptedKafka() as full, ScriptedKafka() as partial:
        full.brokers = [(1, "127.0.0.1", full.port), (2, "127.0.0.1", partial.port)]
        partial.brokers = [(2, "127.0.0.1", partial.port)]
        run = check_json(full.address, partial.address, "--expect-brokers", "2")
    finding = run.one("EXPECT_BROKER_COUNT")
    assert finding["bootstrap"] == partial.address
    assert finding["evidence"]["listed"] == 1 and finding["evidence"]["broker_ids"] == [2]


def test_no_answer_leaves_expectations_to_the_bootstrap_findings() -> None:
    run = check_json(f"127.0.0.1:{closed_port()}", "--expect-brokers", "3",
                     "--expect-advertised", "kafka:9092")
    assert run.code == 3
    assert not {c for c in run.codes() if c.startswith("EXPECT_")}


def test_fail_on_warning_changes_only_the_exit_status(tansu: BrokerFactory) -> None:
    broker = tansu.start("0.0.0.0:{port}")  # a wildcard advertised: a warning on the broker's host
    default = check_json(broker.listen)
    strict = check_json(broker.listen, "--fail-on", "warning")
    assert default.one("ADVERTISED_WILDCARD")["severity"] == "warning"
    assert (default.code, strict.code) == (0, 1)
    assert strict.report["verdict"]["exit_code"] == 1
    assert "--fail-on warning" in strict.report["verdict"]["summary"]
    strip = ("started_at", "finished_at", "duration_ms", "bootstraps", "verdict", "settings")
    same = [{k: v for k, v in r.report.items() if k not in strip} for r in (default, strict)]
    for r in same:
        for f in r["findings"]:
            f["evidence"].pop("attempts", None)
    assert same[0] == same[1]  # the findings themselves do not change


@pytest.mark.parametrize("value", ["kafka:notaport", "[::1", "", " ", ",", "a:1,b:x"])
def test_bad_expected_address_is_a_usage_error(value: str) -> None:
    run = run_cli(["check", "127.0.0.1:9", "--expect-advertised", value])
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.startswith("listencheck: error: ") and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("option, value", [
    ("--expect-cluster-id", ""), ("--expect-cluster-id", "   "),
    ("--expect-brokers", ""), ("--expect-brokers", "0"), ("--expect-brokers", "three"),
    ("--expect-brokers", "-1"), ("--expect-brokers", "2++"),
])
def test_empty_or_malformed_expectation_is_a_usage_error(option: str, value: str) -> None:
    # An unset CI variable must not become an expectation nothing can meet.
    run = run_cli(["check", "127.0.0.1:9", option, value])
    assert run.code == 2 and run.stdout == "", run.stdout
    assert option in run.stderr and len(run.stderr.splitlines()) == 1


def test_expectation_values_are_trimmed_split_and_normalised(tansu: BrokerFactory) -> None:
    broker = tansu.start("localhost:{port}", cluster_id="prod-1")
    port = broker.listen_port
    run = check_json(broker.listen, "--expect-cluster-id", " prod-1\n", "--expect-brokers", " 1 ",
                     "--expect-advertised", f" LOCALHOST.:{port}, localhost:{port} ")
    assert run.code == 0, run.stdout
    validate(run.report)
    assert run.report["settings"]["expect"] == {
        "brokers": 1, "cluster_id": "prod-1", "advertised": [f"localhost:{broker.listen_port}"],
        "brokers_minimum": False}


def test_minimum_broker_count() -> None:
    with ScriptedKafka() as a, ScriptedKafka() as b:
        a.brokers = b.brokers = [(1, "127.0.0.1", a.port), (2, "127.0.0.1", b.port)]
        enough = check_json(a.address, "--expect-brokers", "2+")
        more = check_json(a.address, "--expect-brokers", "1+")
        fewer = check_json(a.address, "--expect-brokers", "3+")
    assert enough.code == 0 and more.code == 0, (enough.stdout, more.stdout)
    assert more.report["settings"]["expect"]["brokers_minimum"] is True
    assert fewer.code == 1
    finding = fewer.one("EXPECT_BROKER_COUNT")
    assert "at least 3 expected" in finding["message"]
    assert finding["evidence"]["minimum"] is True and finding["evidence"]["listed"] == 2


def test_wait_until_a_late_broker_starts(tansu: BrokerFactory) -> None:
    port = free_port()
    timer = threading.Timer(2.0, lambda: tansu.start("127.0.0.1:{port}", port=port))
    timer.start()
    try:
        started = time.monotonic()
        run = run_cli(["check", "--format", "json", "--timeout", "1", "--wait", "30",
                       f"127.0.0.1:{port}"])
        elapsed = time.monotonic() - started
    finally:
        timer.join()
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)  # stdout holds exactly one report: the passing attempt's
    assert report["bootstraps"][0]["answered"] is True
    lines = run.stderr.splitlines()
    assert lines[0].startswith("listencheck: attempt 1 failed (exit 3: BOOTSTRAP_UNREACHABLE "
                               f"127.0.0.1:{port}); retrying in 1.0s")
    assert lines[-1].startswith("listencheck: attempt ") and " passed after " in lines[-1]
    assert 2.0 < elapsed < 15


def test_wait_gives_up_with_the_last_attempts_status() -> None:
    port = closed_port()
    started = time.monotonic()
    run = run_cli(["check", "--format", "json", "--timeout", "1", "--wait", "2.5", f"127.0.0.1:{port}"])
    elapsed = time.monotonic() - started
    assert run.code == 3
    assert json.loads(run.stdout)["verdict"]["exit_code"] == 3
    attempts = [line for line in run.stderr.splitlines() if "failed (exit 3" in line]
    assert len(attempts) >= 2
    assert "still failing after" in run.stderr.splitlines()[-1]
    # Refused connections fail fast: the command ends soon after the wait, not a deadline later.
    assert 2.5 <= elapsed < 2.5 + 4


def test_wait_with_expectations_retries_until_they_are_met(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}", cluster_id="old")
    run = run_cli(["check", "-q", "--no-color", "--wait", "1.5", "--expect-cluster-id", "new", broker.listen])
    assert run.code == 1
    assert "EXPECT_CLUSTER_ID" in run.stderr  # the progress names what is still failing
    assert run.stdout.count("EXPECT_CLUSTER_ID") == 1  # one report, not one per attempt


def _interrupt(args: list[str], when: str | float | threading.Event) -> tuple[int, str, str, float, int]:
    """Run the CLI in its own process group, press Ctrl-C (SIGINT to the group) at ``when``."""
    proc = subprocess.Popen([*LISTENCHECK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stderr is not None
    if isinstance(when, str):
        line = proc.stderr.readline()
        assert when in line, line
    elif isinstance(when, threading.Event):  # a connection of the attempt: it is under way
        assert when.wait(30), "the attempt never connected"
        time.sleep(0.3)
    else:
        time.sleep(when)
    pressed = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err, time.monotonic() - pressed, proc.pid


def _group_is_gone(pgid: int) -> bool:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout
    return not found.strip()


def test_ctrl_c_between_attempts_exits_130_at_once_with_the_last_report() -> None:
    port = closed_port()
    code, out, err, took, pgid = _interrupt(
        ["check", "--format", "json", "--wait", "60", "--timeout", "1", f"127.0.0.1:{port}"],
        "attempt 1 failed")
    assert code == 130
    assert "interrupted (SIGINT)" in err and "Traceback" not in err
    assert took < 3
    assert _group_is_gone(pgid)
    report = json.loads(out)  # the last complete attempt's, marked: what the wait had seen
    validate(report)
    assert report["interrupted"] is True and report["stopped_by"] == "SIGINT"
    assert report["verdict"]["exit_code"] == 130
    assert "BOOTSTRAP_UNREACHABLE" in {f["code"] for f in report["findings"]}
    assert report["wait"]["outcome"] == "interrupted" and report["wait"]["attempts"] >= 1
    assert report["wait"]["first_pass"] is None


def test_ctrl_c_during_an_attempt_stops_the_client_worker_too() -> None:
    accepted = threading.Event()

    def silent_once_seen(sock: socket.socket) -> None:
        accepted.set()
        silent(sock)

    with tcp_server(silent_once_seen) as port:  # the attempt hangs in the Kafka stage until Ctrl-C
        code, out, err, took, pgid = _interrupt(
            ["check", "--format", "json", "--wait", "60", "--timeout", "10", f"127.0.0.1:{port}"], accepted)
    assert code == 130
    assert "Traceback" not in err
    assert took < 5
    assert _group_is_gone(pgid)  # the forked librdkafka worker did not outlive the command
    report = json.loads(out)  # the README's promise: the partial report of the attempt
    validate(report)
    assert report["interrupted"] is True and report["wait"]["outcome"] == "interrupted"
    assert report["wait"]["attempts"] == 1
    assert report["bootstraps"][0]["client"]["error"]["reason"] == "interrupted"


def test_wait_passes_asks_for_passes_in_a_row(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    run = run_cli(["check", "--format", "json", "--timeout", "1", "--wait", "30", "--wait-passes", "2",
                   broker.listen])
    assert run.code == 0, run.stderr
    report = run.report
    validate(report)
    wait = report["wait"]
    assert wait == {"wait_s": 30.0, "passes_required": 2, "attempts": 2, "consecutive_passes": 2,
                    "first_pass": 1, "ready_after_ms": wait["ready_after_ms"], "outcome": "ready"}
    assert wait["ready_after_ms"] >= 1000  # the second attempt starts a retry interval later
    assert "attempt 1 passed (1 of 2 in a row)" in run.stderr
    assert "attempt 2 passed after" in run.stderr


def test_wait_passes_needs_wait() -> None:
    run = run_cli(["check", "--wait-passes", "2", "127.0.0.1:9"])
    assert run.code == 2 and "--wait-passes needs --wait" in run.stderr
