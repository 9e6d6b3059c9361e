"""A command line's values in, one frozen ``CheckRun`` out: everything a `check` run needs.

Built once by ``check_run`` (which validates every value and raises
``UsageError`` with a one-line message), then only read: the CLI parses,
calls this, and hands the result to the run. The run's secrets travel in it
explicitly, so whatever prints an error can mask them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from listencheck.errors import ListencheckError, UsageError

if TYPE_CHECKING:
    from listencheck.address import Endpoint
    from listencheck.brokerconfig.model import ConfigFile
    from listencheck.config import ClientConfig
    from listencheck.outputs import Output
    from listencheck.pipeline import CheckOptions
    from listencheck.probes.worker import ClientWorker

_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")


@dataclass(frozen=True)
class CheckRun:
    """One `check` (or `demo`) invocation: what to probe, how to report, how long to wait."""

    check: CheckOptions
    outputs: tuple[Output, ...]  # stdout's format first, then each --output FILE
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    no_color: bool = False
    wait_s: float = 0.0
    wait_passes: int = 1
    platform: str = "auto"  # syntax of the configuration fixes
    secrets: tuple[str, ...] = ()  # values to mask in anything printed


def check_run(
    bootstrap: Sequence[str], properties: Sequence[str] = (), files: Sequence[Path] = (),
    vantage: str | None = None, topics: Sequence[str] = (), no_topics: bool = False,
    platform: str = "auto", broker_config_files: Sequence[Path] = (), deep: bool = False,
    dns_servers: Sequence[str] = (), expect_brokers: str | None = None, expect_cluster_id: str | None = None,
    expect_advertised: Sequence[str] = (), fail_on: str = "error", wait: float = 0.0,
    wait_passes: int = 1, fmt: str = "text", extra_outputs: Sequence[str] = (), timeout: float = 3.0,
    deadline: float | None = None, no_color: bool = False, quiet: bool = False, verbose: bool = False,
    config: ClientConfig | None = None,
) -> CheckRun:
    """Every option of `check`, validated; the names are the command's parameters (``config``: the
    client configuration, when the caller has already read -F and -X)."""
    from listencheck.outputs import outputs

    targets = outputs(fmt, tuple(extra_outputs))
    if wait_passes > 1 and wait <= 0:
        raise UsageError("--wait-passes needs --wait SECONDS (the time the passes may take)")
    level = verbosity(quiet, verbose)
    options = check_options(bootstrap, properties, files, vantage, expect_brokers, expect_cluster_id,
                            expect_advertised, fail_on, timeout, deadline, topics, no_topics, config)
    options = replace(options, broker_configs=broker_configs(broker_config_files), deep=deep,
                      dns_servers=dns_server_addresses(deep, dns_servers))
    return CheckRun(options, targets, level, no_color, wait, wait_passes, platform,
                    options.config.secrets())


def dns_server_addresses(deep: bool, servers: Sequence[str]) -> tuple[str, ...]:
    """--dns-server values: IP addresses, and only with --deep."""
    from listencheck.address import ip_literal

    if servers and not deep:
        raise UsageError("--dns-server needs --deep")
    for server in servers:
        if ip_literal(server) is None:
            raise UsageError(f"--dns-server {server!r}: give the DNS server's IP address")
    return tuple(dict.fromkeys(str(ip_literal(s)) for s in servers))


def verbosity(quiet: bool, verbose: bool) -> int:
    """-1 quiet (findings only), 0 normal, 1 everything; both at once is a usage error."""
    if quiet and verbose:
        raise UsageError("-q (findings only) and -v (everything) cannot be used together")
    return -1 if quiet else (1 if verbose else 0)


def check_options(
    bootstrap: Sequence[str], properties: Sequence[str] = (), files: Sequence[Path] = (),
    vantage: str | None = None, expect_brokers: str | None = None, expect_cluster_id: str | None = None,
    expect_advertised: Sequence[str] = (), fail_on: str = "error", timeout: float = 3.0,
    deadline: float | None = None, topics: Sequence[str] = (), no_topics: bool = False,
    config: ClientConfig | None = None,
) -> CheckOptions:
    """What the probes run (examples/regenerate.py builds its captures with it too)."""
    from listencheck.expectations import expectations
    from listencheck.models import Severity
    from listencheck.pipeline import BootstrapSpec, CheckOptions

    config = config if config is not None else client_config(files, properties)
    specs = tuple(BootstrapSpec(arg, e) for arg, e in zip(bootstrap, endpoints(bootstrap), strict=True))
    expect = expectations(expect_brokers, expect_cluster_id, tuple(expect_advertised))
    bad = next((t for t in topics if not _TOPIC_NAME.fullmatch(t)), None)
    if bad is not None:
        raise UsageError(f"--topic {bad!r}: a topic name is 1-249 of the characters a-z A-Z 0-9 . _ -")
    if topics and no_topics:
        raise UsageError("--topic and --no-topics contradict each other")
    return CheckOptions(specs, config, timeout, deadline, vantage, expect=expect, fail_on=Severity(fail_on),
                        topics=tuple(dict.fromkeys(topics)), topic_metadata=not no_topics)


def broker_configs(paths: Sequence[Path]) -> tuple[ConfigFile, ...]:
    """--broker-config files, read before any probe: a bad file is a usage error (file:line)."""
    if not paths:
        return ()
    from listencheck.brokerconfig.load import read_config_file

    return tuple(read_config_file(p) for p in paths)


def endpoints(bootstrap: Sequence[str]) -> list[tuple[Endpoint, ...]]:
    from listencheck.address import parse_bootstrap

    return [parse_bootstrap(arg) for arg in bootstrap]


def client_config(files: Sequence[Path], properties: Sequence[str]) -> ClientConfig:
    """-F and -X, judged by librdkafka; a rejection's message never shows a secret value."""
    from listencheck.config import validate_with_client_library
    from listencheck.logs import quiet_logger

    config = read_client_config(files, properties)
    try:
        validate_with_client_library(config, quiet_logger("listencheck.librdkafka.validate"))
    except ListencheckError as exc:
        raise masked(exc, config) from None
    return config


def read_client_config(files: Sequence[Path], properties: Sequence[str]) -> ClientConfig:
    """-F and -X as read, not yet judged by librdkafka: `check` lets its client-library worker judge
    them (``judged_by``), so the parent never loads the library (~40 ms of its start-up)."""
    from listencheck.config import load_config

    return load_config(tuple(files), tuple(properties))


def judged_by(worker: ClientWorker, config: ClientConfig, timeout: float) -> None:
    """Raise librdkafka's refusal of -F/-X as `client_config` would, once the worker has said."""
    from listencheck.config import refused

    reason = worker.settings_refused(timeout)
    if reason is not None:
        raise masked(refused(config, reason), config)


def masked(exc: ListencheckError, config: ClientConfig) -> ListencheckError:
    """The same error with every secret of ``config`` masked in its message."""
    from listencheck.redact import Redactor

    return type(exc)(Redactor(config.secrets())(str(exc)))
