"""Ctrl-C, for real: SIGINT to a running listencheck process, at several moments.

Whatever the moment: exit status 130, no traceback, and nothing left running
(the forked client-library worker, the demo's Tansu brokers). Mid-run, the
first Ctrl-C prints what was measured so far, marked interrupted.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tests.support.brokers import tansu_available
from tests.support.prereq import need
from tests.support.scripted import ScriptedKafka
from tests.support.servers import silent, tcp_server

LISTENCHECK = [sys.executable, "-m", "listencheck"]
SCHEMA = json.loads(resources.files("listencheck.render").joinpath("report.schema.json").read_text())


def processes() -> Iterator[tuple[int, int, bytes]]:
    """(pid, ppid, environment) of every live process (zombies hold nothing)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if fields[0] != "Z":
            yield int(entry.name), int(fields[1]), environ


def left_behind(token: str, grace: float = 3.0) -> list[int]:
    """Processes that inherited this test's ``token`` and are still alive after ``grace``.

    Everything a listencheck run starts (its worker, the demo's brokers in their own
    sessions, anything reparented after its exit) inherits the environment.
    """
    marker = f"LISTENCHECK_TEST_TOKEN={token}".encode()
    end = time.monotonic() + grace
    while True:
        alive = [pid for pid, _, environ in processes() if marker in environ.split(b"\0")]
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.05)


def descendants(pid: int) -> list[int]:
    table = [(p, pp) for p, pp, _ in processes()]
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in table:
            if ppid == parent:
                found.append(child)
                frontier.append(child)
    return found


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.02)


def start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    """listencheck in a process group of its own (what a terminal's Ctrl-C signals), marked
    with a token in its environment."""
    token = secrets.token_hex(8)
    env = dict(os.environ, LISTENCHECK_TEST_TOKEN=token)
    proc = subprocess.Popen([*LISTENCHECK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env=env)
    return proc, token


@pytest.mark.parametrize("whole_group", [True, False], ids=["terminal-ctrl-c", "kill-INT-pid"])
def test_ctrl_c_mid_run_prints_a_partial_report(whole_group: bool) -> None:
    accepted: list[int] = []

    def counting_silence(sock: object) -> None:
        accepted.append(1)
        silent(sock)  # type: ignore[arg-type]

    with tcp_server(counting_silence) as quiet_port, ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, "127.0.0.1", quiet_port)]
        proc, token = start(["check", "--format", "json", "--timeout", "20", script.address,
                             f"127.0.0.1:{quiet_port}"])
        # Bootstrap 1 answered listencheck's own Metadata request (the client library, forked at
        # start-up, may have asked long before); broker 2 and bootstrap 2 are being waited on.
        wait_for(lambda: len(accepted) >= 2 and any(
            r.api_key == 3 and script.listencheck_connection(r) for r in list(script.requests)))
        time.sleep(0.3)
        workers = descendants(proc.pid)
        assert workers, "the client-library worker should be running (it waits on the silent bootstrap)"
        if whole_group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    assert report["interrupted"] is True and report["verdict"]["exit_code"] == 130
    first, second = report["bootstraps"]
    assert first["answered"] and first["brokers"][0]["probe"]["works"]
    cut = first["brokers"][1]["probe"]["resolve"]
    assert cut["status"] == "not_run" and cut["error"]["reason"] == "interrupted"
    assert second["servers"][0]["resolve"]["error"]["reason"] == "interrupted"
    assert second["client"]["status"] == "not_run"
    # No error finding blames broker 2 for a probe the user cut short.
    assert not [f for f in report["findings"] if f["broker_id"] == 2 and f["severity"] == "error"]
    assert left_behind(token) == []
    assert not set(workers) & {pid for pid, _, _ in processes()}


@pytest.mark.parametrize("delay", [0.08, 0.12, 0.25, 0.5])
def test_ctrl_c_at_any_moment_exits_130_and_leaves_nothing(delay: float) -> None:
    """From start-up (imports) to the middle of the probes: the same clean ending.

    (Within Python's own start-up, before listencheck's first line runs, Ctrl-C ends
    the interpreter Python's way: that window is not listencheck's to handle.)
    """
    with tcp_server(silent) as port:
        proc, token = start(["check", "--timeout", "20", f"127.0.0.1:{port}"])
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "Traceback" not in err
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.strip().splitlines()[-1].startswith("listencheck: interrupted")
    assert left_behind(token) == []


def test_ctrl_c_during_the_demo_stops_every_broker() -> None:
    need(tansu_available(), "Tansu broker not installed (pip install 'listencheck[lab]')")
    proc, token = start(["demo", "--format", "json", "--timeout", "20"])

    def brokers() -> list[int]:
        return [pid for pid in descendants(proc.pid) if "listencheck-demo" in _cmdline(pid)]

    wait_for(lambda: len(brokers()) >= 2)  # interrupted while it is still starting brokers
    started = brokers()
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert left_behind(token) == []
    assert not set(started) & {pid for pid, _, _ in processes()}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
