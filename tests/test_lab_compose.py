"""docker/compose.yaml reproduced in the namespace lab, checked from three vantage points, compared.

The lab is built from the compose files (see tests/lab/deployments.py); the
sidecar runs the compose `command` through the image's ENTRYPOINT.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import IO, Any

from tests.lab import Lab
from tests.lab.deployments import (
    COMPOSE,
    COMPOSE_BROKEN,
    NGROK_ADDRESS,
    ComposeLab,
    build_compose,
    read_compose,
)
from tests.support.ci import gate_commands
from tests.support.cli import Run, run_cli
from tests.support.entrypoint import install_shim, shim_env
from tests.support.junit import parse_junit

TUNNEL_ADDRESS = NGROK_ADDRESS
DOCKER_ALIAS = "host.docker.internal:29092"


def _sidecar(stack: ComposeLab, *extra: str) -> Run:
    return run_cli([*stack.spec.sidecar_command, *extra], stack.sidecar.prefix)


def _reports(stack: ComposeLab, out: Path) -> list[Path]:
    runs = {
        "host": run_cli(["check", "--format", "json", "--vantage", "host", *stack.host_bootstraps()],
                        stack.host.prefix),
        "sidecar": _sidecar(stack, "--format", "json"),
        "remote": run_cli(["check", "--format", "json", "--vantage", "remote", TUNNEL_ADDRESS],
                          stack.remote.prefix),
    }
    paths = []
    for name, run in runs.items():
        assert run.report["vantage"]["name"] == name
        path = out / f"{name}.json"
        path.write_text(run.stdout)
        paths.append(path)
    return paths


def _first_line_with(stream: IO[str], needle: str, deadline: float) -> str:
    """What ``stream`` printed up to the first line that contains ``needle`` (read from its file
    descriptor, unbuffered, so that communicate() later gets exactly the rest)."""
    data = b""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        ready, _, _ = select.select([stream.fileno()], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            break
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            break
        data += chunk
        if needle.encode() in data and data.endswith(b"\n"):
            return data.decode()
    raise AssertionError(f"no {needle!r} within {deadline}s: {data.decode(errors='replace')}")


def test_sidecar_waits_for_the_broker_then_every_listener_passes(lab: Lab, tmp_path: Path) -> None:
    # Compose starts the sidecar as soon as the kafka container starts, before the broker
    # listens: the command's --wait carries it over. Run as the container would: ENTRYPOINT
    # + command, with the compose default LISTENCHECK_WAIT=60.
    spec = read_compose(COMPOSE, {"NGROK_ADDRESS": NGROK_ADDRESS})
    stack = build_compose(lab, spec, start_brokers=False)
    shim = install_shim(tmp_path / "bin")
    proc = subprocess.Popen([*stack.sidecar.prefix, str(shim), *spec.sidecar_command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=shim_env(tmp_path / "bin"))
    try:
        # Start the brokers once the first attempt has failed (a fixed sleep raced the sidecar's
        # own start-up on a loaded machine: attempt 1 then saw kafka:9092 already up).
        assert proc.stderr is not None
        first = _first_line_with(proc.stderr, "attempt 1 failed", deadline=60)
        stack.start_brokers()
        out, rest = proc.communicate(timeout=90)
        err = first + rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out + err
    assert "attempt 1 failed (exit 3: BOOTSTRAP_UNREACHABLE kafka:9092" in err
    assert "passed after" in err.splitlines()[-1]
    assert out.rstrip().splitlines()[-1].startswith("✓ PASS: every advertised listener works from here, as "
                                                    "expected")
    for listener in ("Bootstrap kafka:9092", "Bootstrap kafka:29092", "Bootstrap kafka:29093"):
        assert listener in out


def test_three_vantage_points_compared(lab: Lab, tmp_path: Path) -> None:
    stack = build_compose(lab, read_compose(COMPOSE))
    paths = _reports(stack, tmp_path)
    reports = [json.loads(p.read_text()) for p in paths]
    assert [r["verdict"]["exit_code"] for r in reports] == [1, 0, 0]

    run = run_cli(["compare", "--format", "json", *map(str, paths)])
    assert run.code == 1
    result: dict[str, Any] = json.loads(run.stdout)
    rows = {r["address"]: r for r in result["rows"]}
    assert set(rows) == {"kafka:9092", DOCKER_ALIAS, TUNNEL_ADDRESS}
    alias = rows[DOCKER_ALIAS]["cells"]
    assert rows[DOCKER_ALIAS]["status"] == "differs"
    assert alias["host"]["result"] == "resolve nxdomain" and alias["sidecar"]["ok"]
    assert alias["remote"] is None
    assert rows[TUNNEL_ADDRESS]["status"] == "works_everywhere"
    assert all(cell["ok"] for cell in rows[TUNNEL_ADDRESS]["cells"].values())
    assert rows["kafka:9092"]["cells"]["host"] is None  # the host was never told kafka:9092

    (diagnosis,) = [d for d in result["diagnoses"] if d["kind"] == "works_only_from"]
    assert diagnosis["address"] == DOCKER_ALIAS
    assert diagnosis["works_from"] == ["sidecar"] and diagnosis["fails_from"] == ["host"]
    assert "resolves only from sidecar (a Docker host alias" in diagnosis["message"]
    # A listener for the host, on a port none of the three listeners uses.
    assert "For host: add a listener advertised as `localhost:29094`" in diagnosis["fix"]

    text = run_cli(["compare", "--no-color", *map(str, paths)])
    assert text.code == 1
    lines = text.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("broker"))
    assert header.split()[-3:] == ["host", "sidecar", "remote"]
    alias_line = next(line for line in lines if DOCKER_ALIAS in line and "✗" in line)
    assert "≠" in alias_line and "resolve nxdomain" in alias_line
    assert "Diagnosis" in text.stdout and "`localhost:29094`" in text.stdout


def test_broken_variant_shows_both_mistakes_from_the_sidecar(lab: Lab) -> None:
    stack = build_compose(lab, read_compose(COMPOSE_BROKEN))
    run = _sidecar(stack, "--format", "json")
    assert run.code == 1
    loopback = run.one("ADVERTISED_LOOPBACK")
    assert loopback["severity"] == "error" and loopback["address"] == "localhost:9092"
    assert run.one("ADVERTISED_UNREACHABLE")["address"] == "localhost:9092"
    alias = run.one("ADVERTISED_UNRESOLVABLE")
    assert alias["address"] == DOCKER_ALIAS
    assert 'extra_hosts: ["host.docker.internal:host-gateway"]' in alias["fix"]
    assert run.one("ADVERTISED_DOCKER_HOST_ALIAS")["severity"] == "error"
    # The tunnel listener is untouched by the mistakes and still works from the sidecar.
    tunnel = next(b for b in run.report["bootstraps"] if b["argument"] == "kafka:29093")
    assert tunnel["brokers"][0]["probe"]["works"] is True


def test_the_ci_gates_pass_on_the_stack_and_fail_on_the_broken_one(lab: Lab) -> None:
    """The exact check of examples/ci/, run in the sidecar: green on compose.yaml, red on the broken one."""
    commands = {ci: args for ci, (_, _, args, _) in gate_commands().items()}
    stack = build_compose(lab, read_compose(COMPOSE))
    for ci, args in commands.items():
        run = run_cli(args, stack.sidecar.prefix)
        assert run.code == 0, (ci, run.stdout)
        assert parse_junit(run.stdout).get("failures") == "0"
    lab.teardown()
    broken = build_compose(lab, read_compose(COMPOSE_BROKEN))
    # The gate would retry for its whole --wait; 2 s are enough to see it stay red.
    args = list(commands["github"])
    args[args.index("--wait") + 1] = "2"
    run = run_cli(args, broken.sidecar.prefix)
    assert run.code == 1
    assert "still failing after" in run.stderr
    failures = {f.get("type") for f in parse_junit(run.stdout).iter("failure")}
    assert {"ADVERTISED_UNREACHABLE", "ADVERTISED_LOOPBACK", "ADVERTISED_UNRESOLVABLE"} <= failures
