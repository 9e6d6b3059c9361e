"""Command line: parse options, run the core, pick a renderer, return an exit status.

Each command turns its parameters into the core's frozen options (``listencheck.options``),
runs, writes through the session's ``Terminal`` (the one escaping boundary) and returns its
exit status; ``run`` is the one place exceptions become exit codes and one-line messages.
Nothing heavy is imported at module level, so `--help` and `--version` start fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from listencheck import __version__
from listencheck.errors import ListencheckError, Unavailable, UsageError
from listencheck.status import ExitStatus, RunFailureKind
from listencheck.terminal import Terminal

if TYPE_CHECKING:
    from listencheck.models import CheckResult, Report
    from listencheck.options import CheckRun
    from listencheck.pipeline import CheckOptions
    from listencheck.probes.worker import ClientWorker

F = TypeVar("F", bound=Callable[..., object])

_COMMON = {2: "usage or configuration error", 4: "internal error (a bug: please report it)",
           130: "interrupted (SIGINT)", 143: "terminated (SIGTERM)"}


def exit_codes(specific: dict[int, str], note: str = "") -> str:
    """A command's help epilog: every exit status it can end with, in order."""
    codes = {**_COMMON, **specific}
    return "Exit codes: " + ", ".join(f"{c} {codes[c]}" for c in sorted(codes)) + "." + (
        f" {note}" if note else "")


_CHECK_CODES = {0: "no error finding", 1: "at least one error finding", 3: "no bootstrap server answered"}
_CHECK_NOTE = ("Interrupted or terminated mid-run, the report measured so far is written, marked. "
               "Options marked env can be set in the environment.")
EXIT_CODES_HELP = exit_codes(_CHECK_CODES, _CHECK_NOTE)


@dataclass
class Session:
    """What a command shares with the error funnel: where to write, and which secrets to mask
    (set by the command once its options are built). Passed as click's context object."""

    terminal: Terminal
    secrets: tuple[str, ...] = ()
    args: tuple[str, ...] = ()

    def mask(self, text: str) -> str:
        from listencheck.redact import Redactor

        return Redactor(self.secrets)(text) if self.secrets else text

    def say(self, line: str) -> None:
        self.terminal.with_secrets(self.mask).say(line)


pass_session = click.make_pass_decorator(Session)


class DefaultCheck(click.Group):
    """`listencheck localhost:9094` means `listencheck check localhost:9094` (httpie-style)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and _looks_like_check(args[0]):
            args = ["check", *args]
        return super().parse_args(ctx, args)


_GROUP_OPTIONS = ("-h", "--help", "-V", "--version")


def _looks_like_check(arg: str) -> bool:
    """An address (host:port, a dotted name, localhost, a list) or an option of `check`."""
    if arg.startswith("-"):
        return arg not in _GROUP_OPTIONS
    return ":" in arg or "." in arg or "," in arg or arg.lower() == "localhost"


@click.group(cls=DefaultCheck, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=exit_codes({**_CHECK_CODES, 5: "an optional extra is not installed (demo)"}, _CHECK_NOTE))
@click.version_option(__version__, "-V", "--version", prog_name="listencheck")
def cli() -> None:
    """Why does my Kafka client reach the bootstrap address but not the brokers?

    listencheck bootstraps like a client, reads the brokers' advertised
    listeners and probes each one from here: DNS, TCP, Kafka, identity.
    `listencheck HOST:PORT` is short for `listencheck check HOST:PORT`.
    """


def output_options(func: F) -> F:
    for decorator in reversed([
        click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "html", "markdown"]),
                     default="text", show_default=True, envvar="LISTENCHECK_FORMAT", show_envvar=True,
                     help="Report format on stdout (html: one self-contained file; markdown: for tickets)."),
        click.option("--output", "extra_outputs", multiple=True, metavar="FORMAT=FILE",
                     envvar="LISTENCHECK_OUTPUT", show_envvar=True,
                     help="Also write the report as FORMAT to FILE, from the same run (repeatable; "
                          "e.g. --output junit=report.xml --output json=report.json)."),
        click.option("--timeout", type=click.FloatRange(0.05, 300), default=3.0, show_default=True,
                     envvar="LISTENCHECK_TIMEOUT", show_envvar=True,
                     help="Seconds allowed for each probe stage."),
        click.option("--deadline", type=click.FloatRange(0.1, 3600), default=None,
                     envvar="LISTENCHECK_DEADLINE", show_envvar=True,
                     help="Seconds allowed for the whole run [default: 4 x timeout + 2]."),
        click.option("--no-color", is_flag=True, help="Plain text, no colours."),
        click.option("-q", "--quiet", is_flag=True, help="Text: findings and verdict only."),
        click.option("-v", "--verbose", is_flag=True, help="Text: every stage, timing and evidence."),
    ]):
        func = decorator(func)
    return func


def smoke_options(func: F) -> F:
    for decorator in reversed([
        click.option("--expect-brokers", metavar="N|N+", envvar="LISTENCHECK_EXPECT_BROKERS",
                     show_envvar=True, help="Fail unless each bootstrap lists N brokers (N+: at least N)."),
        click.option("--expect-cluster-id", metavar="ID", envvar="LISTENCHECK_EXPECT_CLUSTER_ID",
                     show_envvar=True, help="Fail unless the cluster id is ID."),
        click.option("--expect-advertised", multiple=True, metavar="HOST:PORT[,...]",
                     envvar="LISTENCHECK_EXPECT_ADVERTISED", show_envvar=True,
                     help="Fail unless a broker advertises each HOST:PORT (repeatable)."),
        click.option("--fail-on", type=click.Choice(["warning", "error"]), default="error",
                     show_default=True, envvar="LISTENCHECK_FAIL_ON", show_envvar=True,
                     help="Lowest finding severity that fails the run (exit 1)."),
        click.option("--wait", type=click.FloatRange(0, 86400), default=0, metavar="SECONDS",
                     envvar="LISTENCHECK_WAIT", show_envvar=True,
                     help="Run the whole check again until it passes or SECONDS have passed "
                          "(progress on stderr; exit status of the last attempt). Attempts start "
                          "within SECONDS and each runs under --deadline."),
        click.option("--wait-passes", type=click.IntRange(1, 100), default=1, show_default=True,
                     metavar="N", envvar="LISTENCHECK_WAIT_PASSES", show_envvar=True,
                     help="With --wait: ready means N passing attempts in a row (a flapping "
                          "listener passes once)."),
    ]):
        func = decorator(func)
    return func


# listencheck.fixes.platforms.PLATFORM_CHOICES, spelled out to keep start-up imports small
# (a test checks the two agree).
PLATFORM_CHOICES = ("auto", "properties", "apache-kafka", "cp-kafka", "bitnami", "strimzi", "redpanda",
                    "managed")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("bootstrap", nargs=-1, required=True)
@click.option("-X", "properties", multiple=True, metavar="KEY=VALUE",
              help="Client property, as librdkafka names it (repeatable).")
@click.option("-F", "files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="client.properties file (Java or librdkafka), read before -X.")
@click.option("--vantage", metavar="NAME", envvar="LISTENCHECK_VANTAGE", show_envvar=True,
              help="Label for where this check runs [default: hostname].")
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="A topic your application uses: report whether its leaders are reachable "
                   "(repeatable) [default: all topics, bounded].")
@click.option("--no-topics", is_flag=True, help="Do not read topic metadata.")
@click.option("--platform", type=click.Choice(PLATFORM_CHOICES), default="auto", show_default=True,
              help="Syntax of the configuration fixes (auto: the configuration's own; otherwise "
                   "server.properties and the container environment forms).")
@click.option("--broker-config", "broker_config_files", multiple=True, type=click.Path(path_type=Path),
              metavar="FILE", help="The brokers' configuration (server.properties, Compose, .env, Strimzi "
                                   "Kafka, redpanda.yaml): linted, and used where a broker's own cannot "
                                   "be read (repeatable).")
@click.option("--deep", is_flag=True,
              help="Explain failures with raw packets (SYN probe, TCP traceroute, path MTU; needs "
                   "root or CAP_NET_RAW) and ask every DNS server separately.")
@click.option("--dns-server", "dns_servers", multiple=True, metavar="IP",
              help="With --deep: also ask this DNS server (repeatable).")
@smoke_options
@output_options
@pass_session
def check(session: Session, /, **params: Any) -> int:
    """Check every advertised listener of the cluster behind each BOOTSTRAP.

    BOOTSTRAP is host:port[,host:port...] (IPv6 as [::1]:9092, default port
    9092); each argument is one listener's bootstrap list.
    """
    from listencheck import options
    from listencheck.address import bootstrap_servers
    from listencheck.limits import client_timeout
    from listencheck.probes.worker import running_worker

    options.verbosity(params["quiet"], params["verbose"])  # -q -v: a usage error before anything starts
    if params["wait"] > 0:  # every attempt starts a worker of its own: judge -F/-X here, once
        config = options.client_config(params["files"], params["properties"])
        session.secrets = config.secrets()
        return _run_and_print(session, options.check_run(**params, config=config))
    config = options.read_client_config(params["files"], params["properties"])
    session.secrets = config.secrets()
    servers = [bootstrap_servers(e) for e in options.endpoints(params["bootstrap"])]
    timeout = client_timeout(params["timeout"], params["deadline"])
    with running_worker(servers, config.librdkafka_conf(), timeout) as worker:
        # Forked now, before the heavier imports of the run: its start-up (confluent-kafka) and
        # metadata request overlap with ours, and it judges -F/-X as it creates its client, so
        # this process never loads the library.
        if worker is None:  # no fork here: judge them in this process
            config = options.client_config(params["files"], params["properties"])
        run = options.check_run(**params, config=config)
        if worker is not None:
            options.judged_by(worker, config, timeout)
        return _run_and_print(session, run, worker=worker)


def check_options(bootstrap: tuple[str, ...], properties: tuple[str, ...], files: tuple[Path, ...],
                  vantage: str | None, expect_brokers: str | None, expect_cluster_id: str | None,
                  expect_advertised: tuple[str, ...], fail_on: str, timeout: float,
                  deadline: float | None, topics: tuple[str, ...] = ()) -> CheckOptions:
    """What `check` runs, from its parameters (examples/regenerate.py uses it too)."""
    from listencheck.options import check_options as build

    return build(bootstrap, properties, files, vantage, expect_brokers, expect_cluster_id,
                 expect_advertised, fail_on, timeout, deadline, topics)


@cli.command(epilog="Needs the lab extra: pip install 'listencheck[lab]'. " + exit_codes({
    0: "the demo ran (its report shows the classic mistakes)", 3: "no demo broker answered",
    5: "the lab extra is not installed"}))
@output_options
@pass_session
def demo(session: Session, fmt: str, extra_outputs: tuple[str, ...], timeout: float,
         deadline: float | None, no_color: bool, quiet: bool, verbose: bool) -> int:
    """Start local brokers with classic listener mistakes and check them.

    Everything runs on 127.0.0.1 and is stopped afterwards; no root, no
    network access and no DNS query needed.
    """
    from listencheck.lab.demo import demo_listeners, demo_options, intro, running
    from listencheck.options import CheckRun, verbosity
    from listencheck.outputs import outputs

    level = verbosity(quiet, verbose)
    targets = outputs(fmt, extra_outputs)
    listeners = demo_listeners()
    with running(listeners):
        if fmt == "text":
            session.terminal.show(intro(listeners) + "\n")
        options = replace(demo_options(listeners, timeout), deadline=deadline)
        code = _run_and_print(session, CheckRun(options, targets, level, no_color))
    return ExitStatus.OK if code in (ExitStatus.OK, ExitStatus.ERROR_FINDINGS) else code


@cli.command(epilog=exit_codes({
    0: "every address works from every vantage point told it",
    1: "some address fails somewhere (or a vantage point had no bootstrap answer, or the reports are "
       "of different clusters)",
    2: "a report cannot be read, or a usage error"}))
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--no-color", is_flag=True, help="Plain text, no colours.")
@pass_session
def compare(session: Session, reports: tuple[Path, ...], fmt: str, no_color: bool) -> int:
    """Compare JSON reports taken from different vantage points.

    REPORTS are files written by `listencheck check --format json` (use
    --vantage to name each place). Prints advertised broker x vantage point,
    and what the differences mean.
    """
    from listencheck.compare import compare as compare_reports
    from listencheck.compare import load_reports
    from listencheck.compare.render import render_compare_json, render_compare_text

    comparison = compare_reports(load_reports(reports))
    terminal = session.terminal
    if fmt == "json":
        terminal.emit(render_compare_json(comparison))
    else:
        color = terminal.color and not no_color
        terminal.show(render_compare_text(comparison, color=color, width=terminal.width,
                                          ascii_only=terminal.ascii_only), colored=color)
    return comparison.exit_code


@cli.command(epilog=exit_codes({
    0: "no error finding", 1: "at least one error finding",
    2: "a file cannot be read or parsed (the message names file and line), or a usage error"}))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("-v", "--verbose", is_flag=True, help="Text: the evidence of each finding.")
@pass_session
def lint(session: Session, files: tuple[Path, ...], fmt: str, verbose: bool) -> int:
    """Check broker listener configurations before deploying them (no network).

    FILES: server.properties, a Docker Compose file, a .env / environment
    list, a Strimzi Kafka resource, redpanda.yaml, or a file holding
    Redpanda's --advertise-kafka-addr flags. Secret values are never printed.
    """
    from listencheck.brokerconfig.load import read_config_file
    from listencheck.fixes.clientside import config_findings_with_diffs
    from listencheck.lint import lint_file
    from listencheck.render.lint_report import LintResult, render_lint_json, render_lint_text

    configs = tuple(read_config_file(f) for f in files)
    texts = {}
    for f in files:
        try:
            texts[str(f)] = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # read moments ago; gone now: the finding simply has no diff
    findings = config_findings_with_diffs(tuple(f for c in configs for f in lint_file(c)), texts)
    result = LintResult(configs, findings)
    if fmt == "json":
        session.terminal.emit(render_lint_json(result))
    else:
        session.terminal.show(render_lint_text(result, verbose))
    return result.exit_code


@cli.command(epilog=exit_codes({0: "explained", 2: "no such code"}))
@click.argument("code", required=False)
@pass_session
def explain(session: Session, code: str | None) -> int:
    """Explain a finding CODE (or list every code)."""
    from listencheck.catalogue import CATALOGUE
    from listencheck.codes import FindingCode

    if code is None:
        session.terminal.show("".join(f"{spec.code:32} {spec.title}\n" for spec in CATALOGUE.values()))
        return ExitStatus.OK
    try:
        found = CATALOGUE[FindingCode(code.upper())]
    except ValueError:
        import difflib

        close = difflib.get_close_matches(code.upper(), [str(c) for c in CATALOGUE], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        raise UsageError(f"unknown finding code {code!r}; {hint}`listencheck explain` lists them") from None
    severities = ", ".join(s.value for s in found.severities)
    session.terminal.show(
        f"{found.code}: {found.title} ({severities})\n\n{found.meaning}\n\n"
        f"Evidence: {found.evidence}\n\nFix: {found.fix}\n"
        + "".join(f"See: {ref}\n" for ref in found.references))
    return ExitStatus.OK


def _with_diffs(report: Report) -> Report:
    """Each fix with the unified diff of the --broker-config file its broker's configuration
    came from, and each client-side finding (a client container's missing extra_hosts) with the
    diff of its file (read again here: the analysis does no I/O)."""
    from listencheck.fixes.clientside import client_file

    paths = {path for fix in report.fixes if (path := fix.config_path) is not None}
    clients = {path for f in report.findings if (path := client_file(f)) is not None}
    if not paths and not clients:
        return report
    from listencheck.fixes.clientside import with_client_diffs
    from listencheck.fixes.cluster import with_diffs

    texts = {}
    for path in paths | clients:
        try:
            texts[path] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # read moments ago; gone now: the fix simply has no diff
    return replace(report, fixes=with_diffs(report.fixes, texts),
                   findings=with_client_diffs(report.findings, texts))


def _run_and_print(session: Session, run: CheckRun, worker: ClientWorker | None = None) -> int:
    """Run (with --wait: until it passes), write every output, return the exit status."""
    from listencheck.analysis import build_report
    from listencheck.models import WaitEnd
    from listencheck.pipeline import run_check
    from listencheck.render.live import live_status, wanted
    from listencheck.wait import until_passing, with_wait

    if run.wait_s > 0:
        waited = until_passing(lambda: build_report(_stopped(run_check(run.check)), run.platform), run.wait_s,
                               session.say, passes=run.wait_passes)
        report = waited.report
        if waited.record.outcome is WaitEnd.INTERRUPTED and not report.result.interrupted:
            # Cancelled between attempts: the last complete attempt, marked as cut short.
            report = build_report(_stopped(replace(report.result, interrupted=True)), run.platform)
        report = with_wait(report, waited.record)
    else:
        terminal = session.terminal
        live = wanted(run.outputs[0].fmt, terminal.stdout, terminal.stderr, os.environ.get("TERM"))
        with live_status(terminal.stderr if live else None) as observer:
            result = run_check(run.check, worker, observer)
        report = build_report(_stopped(result), run.platform)
    report = _with_diffs(report)
    _write_outputs(session, report, run)
    if report.result.interrupted:
        session.say(f"listencheck: interrupted ({report.result.stopped_by}); the report is partial")
    return report.verdict.exit_code


def _stopped(result: CheckResult) -> CheckResult:
    """An interrupted result names the signal that stopped it (SIGINT or SIGTERM)."""
    from listencheck import signals

    return replace(result, stopped_by=signals.stop_signal()) if result.interrupted else result


def _write_outputs(session: Session, report: Report, run: CheckRun) -> None:
    """Files first, stdout last: a file that cannot be written is a usage error before stdout."""
    from listencheck.outputs import write_file
    from listencheck.render import RENDERERS, RenderOptions

    terminal = session.terminal
    color = terminal.color and not run.no_color
    on_stdout = RenderOptions(color=color, verbosity=run.verbosity, width=terminal.width,
                              ascii_only=terminal.ascii_only)
    in_file = RenderOptions(color=False, verbosity=run.verbosity, width=120, ascii_only=False)
    for target in sorted(run.outputs, key=lambda t: t.path is None):
        if target.path is not None:
            write_file(target.path, session.mask(RENDERERS[target.fmt](report, in_file)))
        elif target.fmt == "text":
            terminal.show(session.mask(RENDERERS[target.fmt](report, on_stdout)), colored=color)
        else:
            terminal.emit(session.mask(RENDERERS[target.fmt](report, on_stdout)))


def _write_failure(session: Session, kind: RunFailureKind, message: str) -> None:
    """The document of a run that ended without a report, in every format that was asked for
    except text (whose stdout stays empty: the one line on stderr says it). Never raises."""
    from listencheck.failure import failure_report
    from listencheck.outputs import requested_outputs, write_file
    from listencheck.render import RENDERERS, RenderOptions

    args = session.args
    command = next((a for a in args if not a.startswith("-")), "")
    if command in cli.commands and command not in ("check", "demo"):
        return
    try:
        report = failure_report(kind, message)
        for target in requested_outputs(args, os.environ):
            if target.path is not None:
                text = (RENDERERS[target.fmt](report, RenderOptions()) if target.fmt != "text"
                        else f"listencheck: {kind}: {message}\n")
                write_file(target.path, session.mask(text))
            elif target.fmt != "text":
                session.terminal.emit(session.mask(RENDERERS[target.fmt](report, RenderOptions())))
    except Exception:  # the one line on stderr has been said; nothing more to add
        pass


def exit_now(code: int) -> NoReturn:
    """Exit with ``code``, without the interpreter's finalization: everything started (the
    worker, brokers, temporary files, output files) has been stopped or closed by the ``with``
    and ``finally`` blocks on the way here, so tearing down every module and object is only
    time (~30 ms of a healthy check on this 2-core machine, benchmarks/bench.py).

    os._exit, not sys.exit, also after an interruption: in CPython 3.11 a KeyboardInterrupt
    raised inside exec'd source (dataclasses builds its methods that way, at import) sets a
    process-wide flag that turns any later exit into death by SIGINT.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that left (| head), a closed stream
            stream.flush()
    os._exit(code)


def run(args: Sequence[str], terminal: Terminal) -> int:
    """Run one command line against ``terminal``; the one place exceptions become exit codes and
    one-line messages (on stderr, escaped, secrets masked).

    With --format or --output json/junit/html/markdown, every ending writes a document
    saying what happened (a usage error, a cancel before any result, a bug) rather than
    an empty file that a CI would report as a parse error.
    """
    from listencheck import signals

    session = Session(terminal, args=tuple(args))
    try:
        # click writes --help and --version itself: to this terminal too.
        with contextlib.redirect_stdout(terminal.stdout):
            code = cli.main(list(args), prog_name="listencheck", standalone_mode=False, obj=session)
        return int(code) if isinstance(code, int) else ExitStatus.OK
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        _usage_error(session, exc)
        _write_failure(session, RunFailureKind.USAGE, session.mask(exc.format_message()))
        return ExitStatus.USAGE
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        by = signals.stop_signal()
        session.say(f"listencheck: interrupted ({by})")
        _write_failure(session, RunFailureKind.TERMINATED if by == "SIGTERM" else RunFailureKind.INTERRUPTED,
                       f"cancelled by {by} before any result")
        return signals.exit_status(by)
    except Unavailable as exc:
        session.say(f"listencheck: {exc}")
        _write_failure(session, RunFailureKind.UNAVAILABLE, session.mask(str(exc)))
        return ExitStatus.UNAVAILABLE
    except ListencheckError as exc:
        session.say(f"listencheck: error: {exc}")
        _write_failure(session, RunFailureKind.USAGE, session.mask(str(exc)))
        return ExitStatus.USAGE
    except BrokenPipeError:
        return ExitStatus.OK
    except Exception as exc:
        if os.environ.get("LISTENCHECK_DEBUG"):
            raise
        message = session.mask(f"{type(exc).__name__}: {exc}")
        session.say(f"listencheck: internal error: {message} (set LISTENCHECK_DEBUG=1 for the traceback)")
        _write_failure(session, RunFailureKind.INTERNAL, message)
        return ExitStatus.INTERNAL


def _usage_error(session: Session, exc: click.ClickException) -> None:
    """click's usage message (usage line, hint, error), through the escaping boundary."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        session.say(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            session.say(f"Try '{ctx.command_path} {ctx.help_option_names[0]}' for help.")
        session.say("")
    session.say(f"Error: {exc.format_message()}")


def main() -> None:
    """The `listencheck` command: this process's terminal, this process's exit status."""
    from listencheck import signals

    signals.install()
    exit_now(run(sys.argv[1:], Terminal.from_process()))


if __name__ == "__main__":
    main()
