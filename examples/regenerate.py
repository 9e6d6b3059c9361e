#!/usr/bin/env python3
"""Regenerate every captured report in examples/ by running its scenario for real.

    sudo python3 examples/regenerate.py            # rewrite the files
    sudo python3 examples/regenerate.py --check    # exit 1, with a diff, when a file would change

Scenarios: the demo (loopback, Tansu), docker/compose.yaml and compose.broken.yaml
and the DaemonSet of docker/kubernetes/ reproduced in the namespace lab, and
the gallery of issue 4's lab scenarios (root, ip, dnsmasq, socat, haproxy, Tansu). Each
check runs once, inside its vantage point's namespace, through the same option
parsing, pipeline and renderers as
`listencheck check`; its text, JSON and JUnit files are renderings of that one
run. `compare` outputs come from the real `listencheck compare` on those JSON
files. Before rendering, what changes from run to run is normalised:
timestamps and timings (0), host names (the vantage name), link-local
addresses (dropped), local ephemeral ports (0). The demo runs on fixed ports inside an empty namespace.

The client-library stage is left out of these captures: against listeners
that advertise unusable addresses, whether librdkafka's metadata request
succeeds depends on its timing (measured in the compose lab: 6 of 8 runs
through 127.0.0.1:29092 timed out, 0 of 8 through localhost:29092), so the
captures would not be reproducible. The tests exercise that stage.

tests/test_examples.py regenerates everything and fails when a committed file
drifts.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import inspect
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT))

FIXED_TIME = "2025-01-01T00:00:00.000Z"
FORMATS = {"txt": "text", "json": "json", "junit.xml": "junit", "html": "html", "md": "markdown"}


# --- normalising a report before it is rendered ----------------------------------


def scrub(value: Any, hostname: str, addresses: tuple[str, ...] | None) -> Any:
    """The report with everything that varies between identical runs made fixed."""
    from listencheck.models import TcpDetail, Vantage

    if isinstance(value, Vantage):  # link-local addresses carry the random MACs of the lab's veths
        kept = addresses if addresses is not None else value.addresses
        return dataclasses.replace(value, hostname=hostname,
                                   addresses=tuple(a for a in kept if not a.startswith("fe80:")))
    if isinstance(value, TcpDetail) and value.local_address:  # the ephemeral port
        return dataclasses.replace(value, local_address=re.sub(r":\d+$", ":0", value.local_address))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            current = getattr(value, field.name)
            if field.name in ("started_at", "finished_at"):
                changes[field.name] = FIXED_TIME
            elif field.name in ("elapsed_ms", "duration_ms") and current is not None:
                changes[field.name] = 0.0
            else:
                changes[field.name] = scrub(current, hostname, addresses)
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(scrub(v, hostname, addresses) for v in value)
    if isinstance(value, list):
        return [scrub(v, hostname, addresses) for v in value]
    if isinstance(value, dict):
        return {k: 0.0 if k == "elapsed_ms" and v is not None else scrub(v, hostname, addresses)
                for k, v in value.items()}
    return value


def render_all(report: Any, stem: Path, suffixes: tuple[str, ...] = tuple(FORMATS), prefix: str = "") -> None:
    from listencheck.render import RENDERERS, RenderOptions

    options = RenderOptions(color=False, verbosity=0, width=120)
    for suffix in suffixes:
        fmt = FORMATS[suffix]
        text = RENDERERS[fmt](report, options)
        stem.with_name(f"{stem.name}.{suffix}").write_text((prefix if fmt == "text" else "") + text)


def capture(stem: Path, suffixes: tuple[str, ...], args: list[str]) -> None:
    """Run `listencheck check ARGS` once, here, and write its renderings (STEM.json, ...)."""
    from listencheck.analysis import build_report
    from listencheck.cli import check, check_options
    from listencheck.pipeline import run_check

    assert args[0] == "check", args
    params = check.make_context("check", args[1:]).params
    wanted = inspect.signature(check_options).parameters
    options = dataclasses.replace(check_options(**{name: params[name] for name in wanted}),
                                  client_check=False)  # see the module docstring
    result = scrub(run_check(options), hostname=options.vantage_name or "host", addresses=None)
    render_all(build_report(result), stem, suffixes)


# --- scenarios -----------------------------------------------------------------------


def _capture_in(prefix: Sequence[str], stem: Path, args: list[str], suffixes: str = "json,html") -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [*prefix, sys.executable, str(Path(__file__).resolve()), "capture", str(stem), suffixes, "--",
           *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"capture {stem.name} failed: {proc.stderr}")


def _compare(directory: Path, names: list[str]) -> None:
    """The real `listencheck compare`, on the files as they are committed (relative names)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for fmt, suffix in (("text", "txt"), ("json", "json")):
        proc = subprocess.run(
            [sys.executable, "-m", "listencheck", "compare", "--format", fmt, *(f"{n}.json" for n in names)],
            capture_output=True, text=True, cwd=directory, env=env, timeout=60)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"compare failed in {directory}: {proc.stderr}")
        (directory / f"compare.{suffix}").write_text(proc.stdout)


DEMO_PORTS = tuple(range(40001, 40008))


def capture_demo(stem: Path) -> None:
    """`listencheck demo` on fixed ports: run inside an empty namespace, where they are free."""
    from listencheck.analysis import build_report
    from listencheck.lab.demo import demo_listeners, demo_options, intro, running
    from listencheck.pipeline import run_check

    listeners = demo_listeners(DEMO_PORTS)
    with running(listeners):
        result = run_check(demo_options(listeners, timeout=3.0))
    report = build_report(scrub(result, "laptop", None))
    render_all(report, stem, prefix=intro(listeners))


def demo(out: Path) -> None:
    from tests.lab import Lab

    directory = out / "demo"
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, Lab(Path(work)) as lab:
        machine = lab.host("laptop")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cmd = [*machine.prefix, sys.executable, str(Path(__file__).resolve()), "capture-demo",
               str(directory / "report")]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"demo capture failed: {proc.stderr}")


def lab_scenarios(out: Path) -> None:
    from tests.lab import Lab
    from tests.lab.deployments import (
        COMPOSE,
        COMPOSE_BROKEN,
        NGROK_ADDRESS,
        build_compose,
        build_k8s,
        read_compose,
        read_daemonset,
    )

    with tempfile.TemporaryDirectory() as work:
        with Lab(Path(work)) as lab:
            directory = out / "compose"
            directory.mkdir(parents=True, exist_ok=True)
            stack = build_compose(lab, read_compose(COMPOSE))
            _capture_in(stack.host.prefix, directory / "host",
                        ["check", "--vantage", "host", *stack.host_bootstraps()])
            _capture_in(stack.sidecar.prefix, directory / "sidecar", stack.spec.sidecar_command,
                        "json,txt,junit.xml,html")
            _capture_in(stack.remote.prefix, directory / "remote",
                        ["check", "--vantage", "remote", NGROK_ADDRESS])
            _compare(directory, ["host", "sidecar", "remote"])
        with Lab(Path(work)) as lab:
            directory = out / "compose-broken"
            directory.mkdir(parents=True, exist_ok=True)
            stack = build_compose(lab, read_compose(COMPOSE_BROKEN))
            _capture_in(stack.sidecar.prefix, directory / "sidecar", stack.spec.sidecar_command,
                        "json,txt,html,md")
        with Lab(Path(work)) as lab:
            directory = out / "kubernetes"
            directory.mkdir(parents=True, exist_ok=True)
            spec = read_daemonset()
            nodes = build_k8s(lab, spec)
            for name, node in nodes.items():
                _capture_in(node.prefix, directory / name,
                            ["check", "--vantage", name, spec.env["BOOTSTRAP"]])
            _compare(directory, list(nodes))


def gallery(out: Path) -> None:
    """Issue 4's scenarios (tests/lab/scenarios.py): one text report each, and an index."""
    from tests.lab import Lab
    from tests.lab.scenarios import EXAMPLES as GALLERY

    directory = out / "lab"
    directory.mkdir(parents=True, exist_ok=True)
    index = ["# Lab scenarios", "",
             "Each report was captured from a real run: the topology is built with network namespaces "
             "(tests/lab/scenarios.py), a Tansu broker (or scripted brokers behind HAProxy) runs inside it, "
             "and the check runs in the "
             "client's namespace. Regenerated, with the others, by `sudo python3 examples/regenerate.py`.",
             ""]
    with tempfile.TemporaryDirectory() as work:
        for example in GALLERY:
            with Lab(Path(work)) as lab:
                vantage, args = example.build(lab)
                _capture_in(vantage.prefix, directory / example.slug,
                            ["check", "--timeout", "1", "--vantage", vantage.name, *args], "txt")
            index += [f"## {example.title}", "", example.story, "",
                      f"`listencheck check {' '.join(args)}` from {vantage.name}: "
                      f"[{example.slug}.txt]({example.slug}.txt)", ""]
    (directory / "README.md").write_text("\n".join(index))


SCENARIOS: dict[str, Callable[[Path], None]] = {"demo": demo, "lab": lab_scenarios, "gallery": gallery}


def regenerate(out: Path) -> None:
    for scenario in SCENARIOS.values():
        scenario(out)


def generated_files(directory: Path) -> dict[str, str]:
    """Every captured file under ``directory`` (examples/ci and the scripts are not captures)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and relative.parts[0] in ("demo", "compose", "compose-broken", "kubernetes", "lab"):
            found[str(relative)] = path.read_text()
    return found


def drift(expected: dict[str, str], actual: dict[str, str]) -> str:
    """A unified diff of every difference, or '' when none."""
    lines: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        before, after = expected.get(name, ""), actual.get(name, "")
        if before != after:
            lines += difflib.unified_diff(before.splitlines(), after.splitlines(),
                                          f"committed/{name}", f"regenerated/{name}", lineterm="")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["capture-demo"]:
        capture_demo(Path(argv[1]))
        return 0
    if argv[:1] == ["capture"]:
        stem, suffixes, separator, *args = argv[1:]
        assert separator == "--"
        capture(Path(stem), tuple(suffixes.split(",")), args)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files only")
    options = parser.parse_args(argv)
    if not options.check:
        regenerate(EXAMPLES)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        regenerate(Path(tmp))
        diff = drift(generated_files(EXAMPLES), generated_files(Path(tmp)))
    print(diff or "examples are current")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
