"""Command line: parse options, run the core, pick a renderer, return an exit status.

Nothing heavy is imported at module level, so `--help` and `--version` start fast.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from listencheck import __version__
from listencheck.errors import ListencheckError, UsageError
from listencheck.status import ExitStatus

if TYPE_CHECKING:
    from listencheck.address import Endpoint
    from listencheck.config import ClientConfig
    from listencheck.pipeline import CheckOptions
    from listencheck.probes.worker import ClientWorker

F = TypeVar("F", bound=Callable[..., object])
_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")

# Secret values of the current run, masked in every message the error funnel prints.
_secrets: tuple[str, ...] = ()

EXIT_CODES_HELP = (
    "Exit codes: 0 no error finding, 1 at least one error finding, 2 usage or configuration "
    "error, 3 no bootstrap server answered, 130 interrupted."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, "-V", "--version", prog_name="listencheck")
def cli() -> None:
    """Why does my Kafka client reach the bootstrap address but not the brokers?

    listencheck bootstraps like a client, reads the brokers' advertised
    listeners and probes each one from here: DNS, TCP, Kafka, identity.
    """


def output_options(func: F) -> F:
    for decorator in reversed([
        click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "html", "markdown"]),
                     default="text", show_default=True,
                     help="Report format (html: one self-contained file; markdown: for tickets)."),
        click.option("--timeout", type=click.FloatRange(0.05, 300), default=3.0, show_default=True,
                     help="Seconds allowed for each probe stage."),
        click.option("--deadline", type=click.FloatRange(0.1, 3600), default=None,
                     help="Seconds allowed for the whole run [default: 4 x timeout + 2]."),
        click.option("--no-color", is_flag=True, help="Plain text, no colours."),
        click.option("-q", "--quiet", is_flag=True, help="Text: findings and verdict only."),
        click.option("-v", "--verbose", is_flag=True, help="Text: every stage, timing and evidence."),
    ]):
        func = decorator(func)
    return func


def smoke_options(func: F) -> F:
    for decorator in reversed([
        click.option("--expect-brokers", metavar="N|N+",
                     help="Fail unless each bootstrap lists N brokers (N+: at least N)."),
        click.option("--expect-cluster-id", metavar="ID", help="Fail unless the cluster id is ID."),
        click.option("--expect-advertised", multiple=True, metavar="HOST:PORT",
                     help="Fail unless a broker advertises HOST:PORT (repeatable)."),
        click.option("--fail-on", type=click.Choice(["warning", "error"]), default="error",
                     show_default=True, help="Lowest finding severity that fails the run (exit 1)."),
        click.option("--wait", type=click.FloatRange(0, 86400), default=0, metavar="SECONDS",
                     help="Run the whole check again until it passes or SECONDS have passed "
                          "(progress on stderr; exit status of the last attempt). Attempts start "
                          "within SECONDS and each runs under --deadline."),
    ]):
        func = decorator(func)
    return func


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("bootstrap", nargs=-1, required=True)
@click.option("-X", "properties", multiple=True, metavar="KEY=VALUE",
              help="Client property, as librdkafka names it (repeatable).")
@click.option("-F", "files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="client.properties file (Java or librdkafka), read before -X.")
@click.option("--vantage", metavar="NAME", help="Label for where this check runs [default: hostname].")
@click.option("--topic", "topics", multiple=True, metavar="TOPIC",
              help="A topic your application uses: report whether its leaders are reachable "
                   "(repeatable) [default: all topics, bounded].")
@click.option("--no-topics", is_flag=True, help="Do not read topic metadata.")
@click.option("--deep", is_flag=True,
              help="Explain failures with raw packets (SYN probe, TCP traceroute, path MTU; needs "
                   "root or CAP_NET_RAW) and ask every DNS server separately.")
@click.option("--dns-server", "dns_servers", multiple=True, metavar="IP",
              help="With --deep: also ask this DNS server (repeatable).")
@smoke_options
@output_options
def check(bootstrap: tuple[str, ...], properties: tuple[str, ...], files: tuple[Path, ...],
          vantage: str | None, topics: tuple[str, ...], no_topics: bool, deep: bool,
          dns_servers: tuple[str, ...], expect_brokers: str | None, expect_cluster_id: str | None,
          expect_advertised: tuple[str, ...], fail_on: str, wait: float, fmt: str, timeout: float,
          deadline: float | None, no_color: bool, quiet: bool, verbose: bool) -> None:
    """Check every advertised listener of the cluster behind each BOOTSTRAP.

    BOOTSTRAP is host:port[,host:port...] (IPv6 as [::1]:9092, default port
    9092); each argument is one listener's bootstrap list.
    """
    from dataclasses import replace

    from listencheck.address import bootstrap_servers
    from listencheck.limits import client_timeout
    from listencheck.probes.worker import ClientWorker

    config = _client_config(files, properties)
    endpoints = _endpoints(bootstrap)
    # Fork the client-library worker now, before the heavier imports below: its own
    # start-up (confluent-kafka) and metadata request overlap with ours. (With --wait
    # every attempt starts a worker of its own.)
    worker = None if wait > 0 else ClientWorker.start(
        [bootstrap_servers(e) for e in endpoints], config.librdkafka_conf(),
        client_timeout(timeout, deadline))
    try:
        options = _check_options(bootstrap, endpoints, config, vantage, expect_brokers, expect_cluster_id,
                                 expect_advertised, fail_on, timeout, deadline, topics, no_topics)
        options = replace(options, deep=deep, dns_servers=_dns_servers(deep, dns_servers))
        _run_and_print(options, fmt, no_color, quiet, verbose, config.secrets(), wait=wait, worker=worker)
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


def _dns_servers(deep: bool, servers: tuple[str, ...]) -> tuple[str, ...]:
    """--dns-server values: IP addresses, and only with --deep."""
    from listencheck.address import ip_literal

    if servers and not deep:
        raise UsageError("--dns-server needs --deep")
    for server in servers:
        if ip_literal(server) is None:
            raise UsageError(f"--dns-server {server!r}: give the DNS server's IP address")
    return tuple(dict.fromkeys(str(ip_literal(s)) for s in servers))


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
def demo(fmt: str, timeout: float, deadline: float | None, no_color: bool, quiet: bool,
         verbose: bool) -> None:
    """Start local brokers with classic listener mistakes and check them.

    Everything runs on 127.0.0.1 and is stopped afterwards; no root, no
    network access and no DNS query needed.
    """
    from dataclasses import replace

    from listencheck.lab.demo import demo_listeners, demo_options, intro, running

    listeners = demo_listeners()
    with running(listeners):
        if fmt == "text":
            click.echo(intro(listeners))
        options = replace(demo_options(listeners, timeout), deadline=deadline)
        code = _run_and_print(options, fmt, no_color, quiet, verbose, (), exit_=False)
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
            width=max(80, min(shutil.get_terminal_size().columns if stream.isatty() else 120, 200)),
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

    if code is None:
        for spec in CATALOGUE.values():
            click.echo(f"{spec.code:32} {spec.title}")
        return
    found = CATALOGUE.get(code.upper())
    if found is None:
        raise UsageError(f"unknown finding code {code!r}; `listencheck explain` lists them")
    severities = ", ".join(s.value for s in found.severities)
    click.echo(f"{found.code}: {found.title} ({severities})\n\n{found.meaning}\n\n"
               f"Evidence: {found.evidence}\n\nFix: {found.fix}")
    for ref in found.references:
        click.echo(f"See: {ref}")


def _run_and_print(options: CheckOptions, fmt: str, no_color: bool, quiet: bool, verbose: bool,
                   secrets: tuple[str, ...], exit_: bool = True, wait: float = 0,
                   worker: ClientWorker | None = None) -> int:
    from listencheck.analysis import build_report
    from listencheck.pipeline import run_check
    from listencheck.redact import Redactor
    from listencheck.render import RENDERERS, RenderOptions
    from listencheck.wait import until_passing

    redact = Redactor(secrets)
    if wait > 0:
        report = until_passing(lambda: build_report(run_check(options)), wait,
                               lambda line: click.echo(redact(line), err=True))
    else:
        report = build_report(run_check(options, worker))
    stream = click.get_text_stream("stdout")
    # click re-wraps an ASCII stdout as UTF-8; ask the interpreter what the terminal takes.
    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower()
    render_options = RenderOptions(
        color=not no_color and "NO_COLOR" not in os.environ and stream.isatty(),
        verbosity=-1 if quiet else (1 if verbose else 0),
        width=max(80, min(shutil.get_terminal_size().columns if stream.isatty() else 120, 160)),
        ascii_only="utf" not in encoding,
    )
    text = redact(RENDERERS[fmt](report, render_options))
    click.echo(text, nl=False)
    if report.result.interrupted:
        click.echo("listencheck: interrupted; the report above is partial", err=True)
        if exit_:
            exit_interrupted()
    if exit_:
        sys.exit(report.verdict.exit_code)
    return report.verdict.exit_code


def _mask(text: str) -> str:
    from listencheck.redact import Redactor

    return Redactor(_secrets)(text)


def exit_interrupted() -> None:
    """Exit 130 now: everything started has been stopped by the ``finally`` blocks on the way here.

    os._exit, not sys.exit: in CPython 3.11 a KeyboardInterrupt raised inside
    exec'd source (dataclasses builds its methods that way, at import) sets a
    process-wide flag that turns any later exit into death by SIGINT.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(ExitStatus.INTERRUPTED)


def main() -> None:
    """Entry point: the one place exceptions become exit codes and one-line messages."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitStatus.USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt):  # click turns Ctrl-C into Abort
        click.echo("listencheck: interrupted", err=True)
        exit_interrupted()
    except ListencheckError as exc:
        click.echo(_mask(f"listencheck: error: {exc}"), err=True)
        sys.exit(ExitStatus.USAGE)
    except BrokenPipeError:
        sys.exit(ExitStatus.OK)
    except Exception as exc:
        if os.environ.get("LISTENCHECK_DEBUG"):
            raise
        click.echo(_mask(f"listencheck: internal error: {type(exc).__name__}: {exc} "
                         "(set LISTENCHECK_DEBUG=1 for the traceback)"), err=True)
        sys.exit(ExitStatus.INTERNAL)


if __name__ == "__main__":
    main()
