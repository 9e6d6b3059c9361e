"""Live progress: a status line on stderr while the check runs, only when a person watches
a terminal (issue 18). Checked through real pseudo-terminals."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator

import pytest

from listencheck.address import Endpoint
from listencheck.progress import CLIENT_LIBRARY, Progress, ProgressTracker, progress_line
from tests.support.cli import LISTENCHECK
from tests.support.scripted import ScriptedKafka
from tests.support.servers import silent, tcp_server


@pytest.fixture(scope="module")
def slow_broker() -> Iterator[tuple[str, str]]:
    """A bootstrap whose one broker accepts connections and never answers: a run of seconds."""
    with tcp_server(silent) as port, ScriptedKafka(brokers=[(1, "127.0.0.1", port)]) as script:
        yield script.address, f"127.0.0.1:{port}"


def run_on(args: list[str], stdout_tty: bool, stderr_tty: bool) -> tuple[int, str, str]:
    """Run listencheck with each of stdout and stderr on a pseudo-terminal or a pipe."""
    ends: dict[str, tuple[int, int]] = {}
    for name, tty in (("stdout", stdout_tty), ("stderr", stderr_tty)):
        ends[name] = pty.openpty() if tty else os.pipe()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    proc = subprocess.Popen([*LISTENCHECK, *args], stdin=subprocess.DEVNULL, stdout=ends["stdout"][1],
                            stderr=ends["stderr"][1], env=env)
    for _, write_end in ends.values():
        os.close(write_end)
    out = {name: b"" for name in ends}
    readers = {ends[name][0]: name for name in ends}
    end = time.monotonic() + 60
    while readers and time.monotonic() < end:
        ready, _, _ = select.select(list(readers), [], [], 0.5)
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # a pty's master reads EIO once the child has closed it
                chunk = b""
            if chunk:
                out[readers[fd]] += chunk
            else:
                os.close(fd)
                del readers[fd]
    for fd in readers:
        os.close(fd)
    code = proc.wait(timeout=10)
    return code, out["stdout"].decode(errors="replace"), out["stderr"].decode(errors="replace")


def test_a_terminal_shows_what_the_run_waits_for(slow_broker: tuple[str, str]) -> None:
    bootstrap, broker = slow_broker
    code, stdout, stderr = run_on(["check", "--timeout", "1", bootstrap], stdout_tty=True, stderr_tty=True)
    assert code == 1
    assert f"brokers 0/1 · waiting for {broker}" in stderr, stderr
    assert stderr.endswith("\x1b[2K")  # the status line is erased when the run ends
    assert "waiting for" not in stdout and "Bootstrap" in stdout  # the report itself is untouched


@pytest.mark.parametrize("args, stdout_tty", [
    (["--format", "json"], True),  # JSON on a terminal
    (["--format", "junit"], True),
    ([], False),  # the text report piped
])
def test_no_status_line_for_machines_or_pipes(slow_broker: tuple[str, str], args: list[str],
                                              stdout_tty: bool) -> None:
    bootstrap, _ = slow_broker
    code, stdout, stderr = run_on(["check", "--timeout", "1", *args, bootstrap], stdout_tty, stderr_tty=True)
    assert code == 1 and stdout
    assert stderr == "", stderr


def test_tracker_follows_the_stages() -> None:
    seen: list[Progress] = []
    tracker = ProgressTracker(seen.append)
    server, a, b = Endpoint("boot", 9092), Endpoint("a", 9092), Endpoint("b", 9092)
    tracker.servers([server])
    tracker.finished(server)
    tracker.brokers([a, b])
    tracker.finished(a)
    tracker.client(waiting=True)
    tracker.finished(b)
    tracker.client(waiting=False)
    lines = [progress_line(p) for p in seen]
    assert lines == [
        "bootstrap · waiting for boot:9092",
        "done",
        "brokers 0/2 · waiting for a:9092, b:9092",
        "brokers 1/2 · waiting for b:9092",
        "brokers 1/2 · waiting for b:9092",
        f"client library · brokers 2/2 · waiting for {CLIENT_LIBRARY}",
        "done · brokers 2/2",
    ]
