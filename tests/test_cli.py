"""The command line contract: exit codes, one-line errors, output modes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from listencheck import __version__
from listencheck.catalogue import CATALOGUE
from tests.support.brokers import BrokerFactory
from tests.support.cli import run_cli

ANSI = re.compile(r"\x1b\[")


def test_version_and_help() -> None:
    assert run_cli(["--version"]).stdout.strip() == f"listencheck, version {__version__}"
    help_text = run_cli(["check", "--help"]).stdout
    for option in ("-X", "-F", "--format", "--timeout", "--deadline", "--no-color", "-q", "-v"):
        assert option in help_text
    assert "Exit codes" in run_cli(["--help"]).stdout


@pytest.mark.parametrize("args, fragment", [
    (["check", "kafka:notaport"], "invalid port 'notaport'"),
    (["check", "kafka:99999"], "out of range"),
    (["check", "[::1"], "missing ']'"),
    (["check", ","], "no address"),
    (["check", "-X", "no.such.prop=1", "127.0.0.1:9"], "no.such.prop"),
    (["check", "-X", "justakey", "127.0.0.1:9"], "key=value"),
    (["check", "-F", "/nonexistent/client.properties", "127.0.0.1:9"], "cannot read properties file"),
    (["check", "--format", "yaml", "127.0.0.1:9"], "yaml"),
    (["check"], "BOOTSTRAP"),
    (["explain", "NOPE"], "unknown finding code"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    run = run_cli(args)
    assert run.code == 2, (run.stdout, run.stderr)
    assert fragment in run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr


def test_unreadable_properties_file(tmp_path: Path) -> None:
    path = tmp_path / "client.properties"
    path.write_bytes(b"\xff\xfe not utf-8")
    run = run_cli(["check", "-F", str(path), "127.0.0.1:9"])
    assert run.code == 2 and "cannot read properties file" in run.stderr


def test_explain_lists_and_explains_every_code() -> None:
    listing = run_cli(["explain"]).stdout
    assert all(code in listing for code in CATALOGUE)
    text = run_cli(["explain", "advertised_unresolvable"]).stdout
    assert text.startswith("ADVERTISED_UNRESOLVABLE:") and "Fix:" in text


def test_text_report_modes(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    normal = run_cli(["check", broker.listen])
    assert normal.code == 0
    assert not ANSI.search(normal.stdout)  # piped: no colour codes
    assert "Bootstrap " + broker.listen in normal.stdout
    assert "PASS" in normal.stdout.splitlines()[-1]
    quiet = run_cli(["check", "-q", broker.listen])
    assert "Bootstrap" not in quiet.stdout and "ADVERTISED_LOOPBACK" in quiet.stdout
    verbose = run_cli(["check", "-v", broker.listen])
    assert "bootstrap server" in verbose.stdout and " ms" in verbose.stdout
    assert "works_from_here: yes" in verbose.stdout  # evidence is shown
    assert all(line == line.rstrip() for line in verbose.stdout.splitlines())


def test_text_report_survives_an_ascii_terminal(tansu: BrokerFactory) -> None:
    import os
    import subprocess
    import sys

    broker = tansu.start("127.0.0.1:{port}")
    env = dict(os.environ, PYTHONIOENCODING="ascii", LC_ALL="C")
    proc = subprocess.run([sys.executable, "-m", "listencheck", "check", broker.listen],
                          capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    proc.stdout.decode("ascii")  # no check marks that the terminal cannot show
    assert b"PASS" in proc.stdout


def test_text_folds_a_finding_repeated_across_many_brokers() -> None:
    from tests.support.scripted import ScriptedKafka

    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port)] + [(i, "0.0.0.0", script.port) for i in range(2, 8)]
        folded = run_cli(["check", "-q", script.address])
        listed = run_cli(["check", "-v", script.address])
    assert folded.stdout.count("ADVERTISED_WILDCARD") == 1
    assert "the same for 5 more" in folded.stdout
    assert listed.stdout.count("ADVERTISED_WILDCARD") == 6
    assert "CLIENT_METADATA_FAILED" not in listed.stdout  # a well-formed server: librdkafka is fine
