"""Run the real `listencheck` command and read its JSON report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LISTENCHECK = [sys.executable, "-m", "listencheck"]
GNU_TIME = "/usr/bin/time"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mib: float | None = None  # ru_maxrss of listencheck and its client worker (the larger)

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)  # type: ignore[no-any-return]

    def findings(self, code: str | None = None) -> list[dict[str, Any]]:
        found = self.report["findings"]
        return [f for f in found if code is None or f["code"] == code]

    def codes(self) -> set[str]:
        return {f["code"] for f in self.report["findings"]}

    def one(self, code: str, broker_id: int | None = None) -> dict[str, Any]:
        matches = [f for f in self.findings(code) if broker_id is None or f["broker_id"] == broker_id]
        assert len(matches) == 1, f"expected one {code} (broker {broker_id}), got {matches}\n{self.stdout}"
        return matches[0]


def run_cli(args: Sequence[str], prefix: Sequence[str] = (), timeout: float = 60,
            measure: bool = False) -> Run:
    """Run the real command; ``measure`` also reads its peak memory through GNU time.

    (GNU time forks the command from its own small process: ru_maxrss survives
    exec, so a child forked from this large test process would inherit its peak.)
    """
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        meter = [GNU_TIME, "-q", "-f", "%M", "-o", str(peak_file)] if measure else []
        proc = subprocess.run(
            [*prefix, *meter, *LISTENCHECK, *args], capture_output=True, text=True, timeout=timeout,
            env=cli_environment(),
        )
        peak = int(peak_file.read_text().split()[-1]) / 1024 if measure else None
    assert "Traceback" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr, peak)


def cli_environment() -> dict[str, str]:
    """This process's environment without COLUMNS, which the text report honours: the
    report's width must not depend on where the tests run (some runners export COLUMNS=80
    to their children without it showing in os.environ)."""
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


def check_json(*args: str, prefix: Sequence[str] = (), timeout: float = 60) -> Run:
    return run_cli(["check", "--format", "json", "--timeout", "2", *args], prefix, timeout)


def parse_command(args: Sequence[str]) -> dict[str, Any]:
    """Parse a `listencheck ...` command line exactly as the CLI would, without running it.

    Raises click's usage errors for unknown options or bad values; returns the
    command's parameters.
    """
    from listencheck.cli import cli
    from listencheck.pipeline import BootstrapSpec

    name, *rest = args
    command = cli.commands[name]  # KeyError: no such subcommand
    params = command.make_context(name, list(rest)).params
    for bootstrap in params.get("bootstrap", ()):
        BootstrapSpec.parse(bootstrap)  # the addresses must parse too
    return params
