"""Small things users trip on (issue 18): the default command, -F line numbers, the closest
finding code, -q with -v, the interrupted verdict."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from listencheck.address import parse_bootstrap
from listencheck.analysis import build_report
from listencheck.pipeline import BootstrapSpec, CheckOptions, run_check
from listencheck.render.text import TextOptions, render_text
from tests.support.cli import run_cli
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port


@pytest.mark.parametrize("args", [["{address}"], ["--format", "json", "{address}"], ["-q", "{address}"]])
def test_an_address_first_means_check(args: list[str]) -> None:
    address = f"127.0.0.1:{closed_port()}"
    run = run_cli([a.format(address=address) for a in args] + ["--timeout", "0.5"])
    assert run.code == 3, run.stderr  # no bootstrap server answered: it ran the check
    assert "No such command" not in run.stderr


def test_a_mistyped_command_is_still_an_error() -> None:
    run = run_cli(["chek", "localhost"])
    assert run.code == 2 and "No such command 'chek'" in run.stderr


@pytest.mark.parametrize("content, line, says", [
    ("security.protocol=PLAINTEXT\n# a comment\n\nbogus.property=1\n", 4, "No such configuration property"),
    ("client.id=x\n=no-name\n", 2, "has no property name"),
    ("client.id=x\\\n  continued\nsecurity.protocol=TLS\n", 3, "invalid value 'TLS'"),
    ("ssl.truststore.location=/x.jks\n", 1, "Java-only"),
])
def test_a_bad_line_in_a_properties_file_is_named_with_its_line(tmp_path: Path, content: str, line: int,
                                                                 says: str) -> None:
    path = tmp_path / "client.properties"
    path.write_text(content)
    run = run_cli(["check", "-F", str(path), "localhost:9092"])
    assert run.code == 2
    assert run.stderr.startswith(f"listencheck: error: {path}:{line}: "), run.stderr
    assert says in run.stderr


def test_a_bad_property_given_with_x_names_no_file() -> None:
    run = run_cli(["check", "-X", "bogus.property=1", "localhost:9092"])
    assert run.code == 2 and "No such configuration property" in run.stderr
    assert ".properties" not in run.stderr


def test_explain_suggests_the_closest_code() -> None:
    run = run_cli(["explain", "ADVERTISED_LOOPBAK"])
    assert run.code == 2
    assert "did you mean ADVERTISED_LOOPBACK?" in run.stderr


@pytest.mark.parametrize("command", [["check", "localhost:9092"], ["demo"]])
def test_quiet_and_verbose_together_is_a_usage_error(command: list[str]) -> None:
    run = run_cli([command[0], "-q", "-v", *command[1:]])
    assert run.code == 2
    assert "-q (findings only) and -v (everything) cannot be used together" in run.stderr


def test_an_interrupted_report_says_so_once() -> None:
    with ScriptedKafka(brokers=[(1, "127.0.0.1", closed_port())]) as script:
        options = CheckOptions((BootstrapSpec(script.address, parse_bootstrap(script.address)),),
                               timeout=0.5, client_check=False)
        result = dataclasses.replace(run_check(options), interrupted=True)
    last = render_text(build_report(result), TextOptions()).strip().splitlines()[-1]
    assert last.startswith("! INTERRUPTED: this report is partial ("), last
    assert last.lower().count("interrupted") == 1


@pytest.mark.parametrize(("command", "code"), [(["explain"], 0), (["check", "--timeout", "1"], 3)])
def test_a_reader_that_leaves_early_gets_no_traceback_and_the_verdict(command: list[str], code: int) -> None:
    """`listencheck ... | head -1`: a closed pipe is neither a traceback nor an error line (the
    process ends without interpreter finalization, os._exit, after flushing what it can), and the
    exit status is still the verdict: with `set -o pipefail`, `listencheck check X | head` fails
    exactly when the check does (3 here: nothing answers at the bootstrap address)."""
    import subprocess
    import sys

    if command[0] == "check":
        command = [*command, f"127.0.0.1:{closed_port()}"]
    proc = subprocess.Popen([sys.executable, "-m", "listencheck", *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it writes: every write meets a closed pipe
    assert proc.stderr.read() == b""
    assert proc.wait(timeout=60) == code
