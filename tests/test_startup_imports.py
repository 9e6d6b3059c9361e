"""What is imported before the client-library worker is forked, and for --help / --version.

The worker is forked right after the command line is parsed so that its start-up overlaps with the
parent's; every heavy import on that path (the models build ~40 frozen dataclasses, asyncio, rich)
delays it. This checks the import graph, not a time.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.cli import run_cli
from tests.support.servers import closed_port

HEAVY = ("listencheck.models", "listencheck.pipeline", "listencheck.analysis", "asyncio", "rich",
         "dns", "confluent_kafka", "cryptography")

BEFORE_FORK = """
import sys
import listencheck.cli, listencheck.address, listencheck.limits
import listencheck.options, listencheck.probes.worker
from listencheck.address import bootstrap_servers
from listencheck.options import client_config, endpoints
config = client_config((), ())  # what `check` does before it forks the worker
config.librdkafka_conf(), [bootstrap_servers(e) for e in endpoints(("127.0.0.1:9092",))]
print(" ".join(m for m in {heavy!r} if m in sys.modules))
"""


def _imported(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.split()


def test_nothing_heavy_is_imported_before_the_worker_is_forked() -> None:
    assert _imported(BEFORE_FORK.format(heavy=HEAVY)) == []


def test_help_and_version_import_nothing_heavy() -> None:
    for argv in (["--version"], ["--help"], ["check", "--help"]):
        code = (f"import sys; sys.argv = ['listencheck', *{argv!r}]\n"
                "import listencheck.cli\n"
                "from listencheck.terminal import Terminal\n"
                "listencheck.cli.run(sys.argv[1:], Terminal.from_process())\n"
                f"print('@@', ' '.join(m for m in {HEAVY!r} if m in sys.modules))")
        heavy = _imported(code)
        assert heavy[heavy.index("@@") + 1:] == [], argv


def _modules_after_a_check(extra: list[str], modules: tuple[str, ...]) -> list[str]:
    """A check of an unanswered bootstrap in a fresh interpreter: its exit status, then whether
    each of ``modules`` was imported by the end."""
    address = f"127.0.0.1:{closed_port()}"
    argv = ["listencheck", "check", "--format", "json", "--timeout", "0.5", *extra, address]
    code = (f"import sys; sys.argv = {argv!r}\n"
            "import listencheck.cli\n"
            "from listencheck.terminal import Terminal\n"
            "print('@@', listencheck.cli.run(sys.argv[1:], Terminal.from_process()))\n"
            f"print('@@', *(m in sys.modules for m in {modules!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.count("@@") >= 2, out.stdout[-500:] + out.stderr[-500:]
    return [part.strip() for part in out.stdout.split("@@")[-2:]]


def test_the_client_library_is_loaded_by_the_worker_only() -> None:
    """-X settings are judged by the worker as it creates its client: the parent, whose imports
    are the run's critical path, never loads confluent-kafka (~40 ms)."""
    assert _modules_after_a_check(["-X", "client.id=startup-test"], ("confluent_kafka",)) == ["3", "False"]


def test_a_check_without_configuration_files_loads_no_yaml_parser() -> None:
    """PyYAML compiles its regular expressions at import (~11 ms of a run): only a YAML file
    read (--broker-config, the compose file of a fix) loads it, not the analysis or the report."""
    assert _modules_after_a_check([], ("listencheck.analysis", "yaml")) == ["3", "True False"]


@pytest.mark.parametrize("wait", [[], ["--wait", "1"]])
def test_settings_refused_by_the_library_are_one_masked_line(wait: list[str]) -> None:
    """Judged by the worker (or, with --wait, by this process): the same one line, exit 2, and a
    secret the library echoes is masked."""
    run = run_cli(["check", *wait, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=BOGUSMECH",
                   "-X", "sasl.password=BOGUSMECH", f"127.0.0.1:{closed_port()}"])
    assert run.code == 2
    refused = "Failed to create admin client: Unsupported SASL mechanism: ***"
    assert run.stderr == f"listencheck: error: {refused}\n"
