"""Command line: parse options, run the core, pick a renderer, return an exit status.

Nothing heavy is imported at module level, so `--help` and `--version` start fast.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from listencheck import __version__
from listencheck.errors import ListencheckError, UsageError
from listencheck.status import ExitStatus

if TYPE_CHECKING:
    from listencheck.address import Endpoint
    from listencheck.brokerconfig.model import ConfigFile
    from listencheck.config import ClientConfig
    from listencheck.models import CheckResult, Report
    from listencheck.outputs import Output
    from listencheck.pipeline import CheckOptions
    from listencheck.probes.worker import ClientWorker

F = TypeVar("F", bound=Callable[..., object])
_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")

# Secret values of the current run, masked in every message the error funnel prints.
_secrets: tuple[str, ...] = ()

EXIT_CODES_HELP = (
    "Exit codes: 0 no error finding, 1 at least one error finding, 2 usage or configuration "
    "error, 3 no bootstrap server answered, 4 internal error, 130 interrupted (SIGINT), 143 "
    "terminated (SIGTERM). Interrupted or terminated mid-run, the report measured so far is "
    "written, marked. Options marked env can be set in the environment."
)


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
             epilog=EXIT_CODES_HELP)
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
@smoke_options
@output_options
def check(bootstrap: tuple[str, ...], properties: tuple[str, ...], files: tuple[Path, ...],
          vantage: str | None, topics: tuple[str, ...], no_topics: bool, platform: str,
          broker_config_files: tuple[Path, ...], expect_brokers: str | None,
          expect_cluster_id: str | None, expect_advertised: tuple[str, ...], fail_on: str, wait: float,
          wait_passes: int, fmt: str, extra_outputs: tuple[str, ...], timeout: float,
          deadline: float | None, no_color: bool, quiet: bool, verbose: bool) -> None:
    """Check every advertised listener of the cluster behind each BOOTSTRAP.

    BOOTSTRAP is host:port[,host:port...] (IPv6 as [::1]:9092, default port
    9092); each argument is one listener's bootstrap list.
    """
    from listencheck.address import bootstrap_servers
    from listencheck.limits import client_timeout
    from listencheck.outputs import outputs
    from listencheck.probes.worker import ClientWorker

    _one_verbosity(quiet, verbose)
    targets = outputs(fmt, extra_outputs)
    if wait_passes > 1 and wait <= 0:
        raise UsageError("--wait-passes needs --wait SECONDS (the time the passes may take)")
    config = _client_config(files, properties)
    endpoints = _endpoints(bootstrap)
    broker_configs = _broker_configs(broker_config_files)
    # Fork the client-library worker now, before the heavier imports below: its own
    # start-up (confluent-kafka) and metadata request overlap with ours. (With --wait
    # every attempt starts a worker of its own.)
    worker = None if wait > 0 else ClientWorker.start(
        [bootstrap_servers(e) for e in endpoints], config.librdkafka_conf(),
        client_timeout(timeout, deadline))
    try:
        options = dataclasses.replace(
            _check_options(bootstrap, endpoints, config, vantage, expect_brokers, expect_cluster_id,
                           expect_advertised, fail_on, timeout, deadline, topics, no_topics),
            broker_configs=broker_configs,
        )
        _run_and_print(options, targets, no_color, quiet, verbose, config.secrets(), wait=wait,
                       wait_passes=wait_passes, worker=worker, platform=platform)
    finally:
        if worker is not None:
            worker.stop()


def check_options(bootstrap: tuple[str, ...], properties: tuple[str, ...], files: tuple[Path, ...],
                  vantage: str | None, expect_brokers: str | None, expect_cluster_id: str | None,
                  expect_advertised: tuple[str, ...], fail_on: str, timeout: float,
                  deadline: float | None, topics: tuple[str, ...] = ()) -> CheckOptions:
    """What `check` runs, from its parameters (examples/regenerate.py uses it too)."""
    config = _client_config(files, properties)
    return _check_options(bootstrap, _endpoints(bootstrap), config, vantage, expect_brokers,
                          expect_cluster_id, expect_advertised, fail_on, timeout, deadline, topics)


def _broker_configs(paths: tuple[Path, ...]) -> tuple[ConfigFile, ...]:
    """--broker-config files, read before any probe: a bad file is a usage error (file:line)."""
    if not paths:
        return ()
    from listencheck.brokerconfig.load import read_config_file

    return tuple(read_config_file(p) for p in paths)


def _one_verbosity(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise click.UsageError("-q (findings only) and -v (everything) cannot be used together")


def _endpoints(bootstrap: tuple[str, ...]) -> list[tuple[Endpoint, ...]]:
    from listencheck.address import parse_bootstrap

    return [parse_bootstrap(arg) for arg in bootstrap]


def _client_config(files: tuple[Path, ...], properties: tuple[str, ...]) -> ClientConfig:
    """-F and -X, judged by librdkafka; their secrets are masked from here on."""
    from listencheck.config import load_config, validate_with_client_library
    from listencheck.logs import quiet_logger

    config = load_config(files, properties)
    global _secrets
    _secrets = config.secrets()
    validate_with_client_library(config, quiet_logger("listencheck.librdkafka.validate"))
    return config


def _check_options(bootstrap: tuple[str, ...], endpoints: list[tuple[Endpoint, ...]], config: ClientConfig,
                   vantage: str | None, expect_brokers: str | None, expect_cluster_id: str | None,
                   expect_advertised: tuple[str, ...], fail_on: str, timeout: float,
                   deadline: float | None, topics: tuple[str, ...] = (),
                   no_topics: bool = False) -> CheckOptions:
    from listencheck.expectations import expectations
    from listencheck.models import Severity
    from listencheck.pipeline import BootstrapSpec, CheckOptions

    specs = tuple(BootstrapSpec(arg, e) for arg, e in zip(bootstrap, endpoints, strict=True))
    expect = expectations(expect_brokers, expect_cluster_id, expect_advertised)
    bad = next((t for t in topics if not _TOPIC_NAME.fullmatch(t)), None)
    if bad is not None:
        raise UsageError(f"--topic {bad!r}: a topic name is 1-249 of the characters a-z A-Z 0-9 . _ -")
    if topics and no_topics:
        raise UsageError("--topic and --no-topics contradict each other")
    return CheckOptions(specs, config, timeout, deadline, vantage, expect=expect, fail_on=Severity(fail_on),
                        topics=tuple(dict.fromkeys(topics)), topic_metadata=not no_topics)


@cli.command(epilog="Needs the lab extra: pip install 'listencheck[lab]'.")
@output_options
def demo(fmt: str, extra_outputs: tuple[str, ...], timeout: float, deadline: float | None,
         no_color: bool, quiet: bool, verbose: bool) -> None:
    """Start local brokers with classic listener mistakes and check them.

    Everything runs on 127.0.0.1 and is stopped afterwards; no root, no
    network access and no DNS query needed.
    """
    from listencheck.lab.demo import demo_listeners, demo_options, intro, running
    from listencheck.outputs import outputs

    _one_verbosity(quiet, verbose)
    targets = outputs(fmt, extra_outputs)
    listeners = demo_listeners()
    with running(listeners):
        if fmt == "text":
            click.echo(intro(listeners))
        options = replace(demo_options(listeners, timeout), deadline=deadline)
        code = _run_and_print(options, targets, no_color, quiet, verbose, (), exit_=False)
    sys.exit(ExitStatus.OK if code in (ExitStatus.OK, ExitStatus.ERROR_FINDINGS) else code)


@cli.command(epilog="Exit codes: 0 every address works from every vantage point told it, 1 some "
                     "address fails somewhere (or a vantage point had no bootstrap answer, or the "
                     "reports are of different clusters), 2 a "
                     "report cannot be read.")
@click.argument("reports", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--no-color", is_flag=True, help="Plain text, no colours.")
def compare(reports: tuple[Path, ...], fmt: str, no_color: bool) -> None:
    """Compare JSON reports taken from different vantage points.

    REPORTS are files written by `listencheck check --format json` (use
    --vantage to name each place). Prints advertised broker x vantage point,
    and what the differences mean.
    """
    from listencheck.compare import compare as compare_reports
    from listencheck.compare import load_reports
    from listencheck.compare.render import render_compare_json, render_compare_text

    comparison = compare_reports(load_reports(reports))
    if fmt == "json":
        click.echo(render_compare_json(comparison), nl=False)
    else:
        stream = click.get_text_stream("stdout")
        encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
        click.echo(render_compare_text(
            comparison, color=not no_color and "NO_COLOR" not in os.environ and stream.isatty(),
            width=_width(stream.isatty()),
            ascii_only="utf" not in encoding), nl=False)
    sys.exit(comparison.exit_code)


@cli.command(epilog="Exit codes: 0 no error finding, 1 at least one error finding, 2 a file cannot be "
                     "read or parsed (the message names file and line).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("-v", "--verbose", is_flag=True, help="Text: the evidence of each finding.")
def lint(files: tuple[Path, ...], fmt: str, verbose: bool) -> None:
    """Check broker listener configurations before deploying them (no network).

    FILES: server.properties, a Docker Compose file, a .env / environment
    list, a Strimzi Kafka resource, redpanda.yaml, or a file holding
    Redpanda's --advertise-kafka-addr flags. Secret values are never printed.
    """
    from listencheck.brokerconfig.load import read_config_file
    from listencheck.lint import lint_file
    from listencheck.render.lint_report import LintResult, render_lint_json, render_lint_text

    configs = tuple(read_config_file(f) for f in files)
    result = LintResult(configs, tuple(f for c in configs for f in lint_file(c)))
    click.echo(render_lint_json(result) if fmt == "json" else render_lint_text(result, verbose), nl=False)
    sys.exit(result.exit_code)


@cli.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Explain a finding CODE (or list every code)."""
    from listencheck.catalogue import CATALOGUE
    from listencheck.codes import FindingCode

    if code is None:
        for spec in CATALOGUE.values():
            click.echo(f"{spec.code:32} {spec.title}")
        return
    try:
        found = CATALOGUE[FindingCode(code.upper())]
    except ValueError:
        import difflib

        close = difflib.get_close_matches(code.upper(), [str(c) for c in CATALOGUE], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        raise UsageError(f"unknown finding code {code!r}; {hint}`listencheck explain` lists them") from None
    severities = ", ".join(s.value for s in found.severities)
    click.echo(f"{found.code}: {found.title} ({severities})\n\n{found.meaning}\n\n"
               f"Evidence: {found.evidence}\n\nFix: {found.fix}")
    for ref in found.references:
        click.echo(f"See: {ref}")


def _with_diffs(report: Report) -> Report:
    """Each fix with the unified diff of the --broker-config file its broker's configuration
    came from (read again here: the analysis does no I/O)."""
    paths = {path for fix in report.fixes if (path := fix.config_path) is not None}
    if not paths:
        return report
    from listencheck.fixes.cluster import with_diffs

    texts = {}
    for path in paths:
        try:
            texts[path] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # read moments ago; gone now: the fix simply has no diff
    return replace(report, fixes=with_diffs(report.fixes, texts))


def _run_and_print(options: CheckOptions, targets: tuple[Output, ...], no_color: bool, quiet: bool,
                   verbose: bool, secrets: tuple[str, ...], exit_: bool = True, wait: float = 0,
                   wait_passes: int = 1, worker: ClientWorker | None = None, platform: str = "auto") -> int:
    from listencheck.analysis import build_report
    from listencheck.pipeline import run_check
    from listencheck.redact import Redactor
    from listencheck.render.live import live_status, wanted
    from listencheck.wait import until_passing, with_wait

    redact = Redactor(secrets)
    if wait > 0:
        waited = until_passing(lambda: build_report(_stopped(run_check(options)), platform), wait,
                               lambda line: click.echo(redact(line), err=True), passes=wait_passes)
        report = waited.report
        if waited.record.outcome == "interrupted" and not report.result.interrupted:
            # Cancelled between attempts: the last complete attempt, marked as cut short.
            report = build_report(_stopped(replace(report.result, interrupted=True)), platform)
        report = with_wait(report, waited.record)
    else:
        live = wanted(targets[0].fmt, sys.stdout, sys.stderr, os.environ.get("TERM"))
        with live_status(sys.stderr if live else None) as observer:
            result = run_check(options, worker, observer)
        report = build_report(_stopped(result), platform)
    report = _with_diffs(report)
    _write_outputs(report, targets, no_color, quiet, verbose, redact)
    if report.result.interrupted:
        click.echo(f"listencheck: interrupted ({report.result.stopped_by}); the report is partial",
                   err=True)
        if exit_:
            exit_now(report.verdict.exit_code)
    if exit_:
        sys.exit(report.verdict.exit_code)
    return report.verdict.exit_code


def _stopped(result: CheckResult) -> CheckResult:
    """An interrupted result names the signal that stopped it (SIGINT or SIGTERM)."""
    from listencheck import signals

    return replace(result, stopped_by=signals.stop_signal()) if result.interrupted else result


def _write_outputs(report: Report, targets: tuple[Output, ...], no_color: bool, quiet: bool, verbose: bool,
                   redact: Callable[[str], str]) -> None:
    """Files first, stdout last: a file that cannot be written is a usage error before stdout."""
    from listencheck.outputs import write_file
    from listencheck.render import RENDERERS, RenderOptions

    stream = click.get_text_stream("stdout")
    # click re-wraps an ASCII stdout as UTF-8; ask the interpreter what the terminal takes.
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    on_stdout = RenderOptions(
        color=not no_color and "NO_COLOR" not in os.environ and stream.isatty(),
        verbosity=-1 if quiet else (1 if verbose else 0),
        width=_width(stream.isatty()),
        ascii_only="utf" not in encoding,
    )
    in_file = RenderOptions(color=False, verbosity=on_stdout.verbosity, width=120, ascii_only=False)
    for target in sorted(targets, key=lambda t: t.path is None):
        if target.path is None:
            click.echo(redact(RENDERERS[target.fmt](report, on_stdout)), nl=False)
        else:
            write_file(target.path, redact(RENDERERS[target.fmt](report, in_file)))


def _write_failure(kind: str, message: str) -> None:
    """The document of a run that ended without a report, in every format that was asked for
    except text (whose stdout stays empty: the one line on stderr says it). Never raises."""
    from listencheck.failure import failure_report
    from listencheck.outputs import requested_outputs, write_file
    from listencheck.render import RENDERERS, RenderOptions

    args = sys.argv[1:]
    command = next((a for a in args if not a.startswith("-")), "")
    if command in cli.commands and command not in ("check", "demo"):
        return
    try:
        report = failure_report(kind, message)
        for target in requested_outputs(args, os.environ):
            if target.path is not None:
                text = (RENDERERS[target.fmt](report, RenderOptions()) if target.fmt != "text"
                        else f"listencheck: {kind}: {message}\n")
                write_file(target.path, _mask(text))
            elif target.fmt != "text":
                click.echo(_mask(RENDERERS[target.fmt](report, RenderOptions())), nl=False)
    except Exception:  # the one line on stderr has been said; nothing more to add
        pass


def _width(isatty: bool) -> int:
    """COLUMNS when set (also when piped), else the terminal's width, else 120."""
    from listencheck.render.width import output_width

    return output_width(os.environ, shutil.get_terminal_size().columns if isatty else None)


def _mask(text: str) -> str:
    from listencheck.redact import Redactor

    return Redactor(_secrets)(text)


def exit_now(code: int) -> None:
    """Exit now: everything started has been stopped by the ``finally`` blocks on the way here.

    os._exit, not sys.exit: in CPython 3.11 a KeyboardInterrupt raised inside
    exec'd source (dataclasses builds its methods that way, at import) sets a
    process-wide flag that turns any later exit into death by SIGINT.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    """Entry point: the one place exceptions become exit codes and one-line messages.

    With --format or --output json/junit/html/markdown, every ending writes a document
    saying what happened (a usage error, a cancel before any result, a bug) rather than
    an empty file that a CI would report as a parse error.
    """
    from listencheck import signals

    signals.install()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        _write_failure("usage", _mask(exc.format_message()))
        sys.exit(ExitStatus.USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        by = signals.stop_signal()
        click.echo(f"listencheck: interrupted ({by})", err=True)
        _write_failure("terminated" if by == "SIGTERM" else "interrupted",
                       f"cancelled by {by} before any result")
        exit_now(signals.exit_status(by))
    except ListencheckError as exc:
        click.echo(_mask(f"listencheck: error: {exc}"), err=True)
        _write_failure("usage", _mask(str(exc)))
        sys.exit(ExitStatus.USAGE)
    except BrokenPipeError:
        sys.exit(ExitStatus.OK)
    except Exception as exc:
        if os.environ.get("LISTENCHECK_DEBUG"):
            raise
        message = _mask(f"{type(exc).__name__}: {exc}")
        click.echo(f"listencheck: internal error: {message} (set LISTENCHECK_DEBUG=1 for the traceback)",
                   err=True)
        _write_failure("internal", message)
        sys.exit(ExitStatus.INTERNAL)


if __name__ == "__main__":
    main()
