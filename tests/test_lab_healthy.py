"""Issue 12's Done-when: no new code on any healthy topology of the lab.

Every healthy topology the lab builds (tests/lab/scenarios.py, deployments.py, and the
balancer and SNI labs done right) is checked for real, in its own namespaces: exit 0, no
error or warning, only the informational codes expected there, and none of issue 12's
codes (load balancer, SNI routing, controller listener, missing listener, container id,
machine name, proxies, address family) unless the topology is the one it describes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab import Host, Lab
from tests.lab.balancer import BOOTSTRAP as LB_BOOTSTRAP
from tests.lab.balancer import load_balanced
from tests.lab.deployments import COMPOSE, NGROK_ADDRESS, build_compose, read_compose
from tests.lab.scenarios import TUNNEL_NAME, compose, corporate, localhost_to_app_container
from tests.lab.sni import sni_lab
from tests.support.cli import Run, run_cli
from tests.support.prereq import need_commands

# The codes issue 12 added: none may appear where nothing is wrong (BOOTSTRAP_LOAD_BALANCED is
# information, and only where a load balancer really is the bootstrap).
ISSUE_12_CODES = frozenset({
    "BOOTSTRAP_LOAD_BALANCED", "ADVERTISED_LOAD_BALANCER", "LOAD_BALANCER_PORTS_CROSSED",
    "TLS_ROUTER_DEFAULT_CERTIFICATE", "TLS_SNI_WRONG_BROKER", "LISTENER_IS_CONTROLLER",
    "BROKER_LISTENER_MISSING", "PARTITIONS_UNREACHABLE", "TOPIC_UNAVAILABLE", "ADVERTISED_CONTAINER_ID",
    "ADVERTISED_MACHINE_NAME", "PROXY_IGNORED", "ADDRESS_FAMILY_EXCLUDED", "BOOTSTRAP_CANONICAL_NAME",
})


@dataclass(frozen=True)
class Healthy:
    """A healthy topology: how to build it and check it, and the notes expected there."""

    name: str
    run: Callable[[Lab, contextlib.ExitStack, Path], Run]
    notes: frozenset[str] = frozenset()  # informational codes expected (CONFIG_NOT_READABLE: always allowed)


def _check(host: Host, *args: str) -> Run:
    return host.check(*args, timeout="3")


def _sidecar(lab: Lab, _stack: contextlib.ExitStack, _tmp: Path) -> Run:
    stack = build_compose(lab, read_compose(COMPOSE))
    return run_cli([*stack.spec.sidecar_command, "--format", "json"], stack.sidecar.prefix)


def _remote(lab: Lab, _stack: contextlib.ExitStack, _tmp: Path) -> Run:
    stack = build_compose(lab, read_compose(COMPOSE))
    return _check(stack.remote, NGROK_ADDRESS)


def _sni(balanced: bool) -> Callable[[Lab, contextlib.ExitStack, Path], Run]:
    def run(lab: Lab, stack: contextlib.ExitStack, tmp: Path) -> Run:
        need_commands("haproxy")
        sni = stack.enter_context(sni_lab(lab.host("client"), tmp))
        sni.route(sni.passthrough(balanced=balanced))
        return _check(sni.host, sni.bootstrap, "-X", "security.protocol=SSL", "-X",
                      f"ssl.ca.location={sni.ca.pem}")
    return run


def _balancer(lab: Lab, _stack: contextlib.ExitStack, _tmp: Path) -> Run:
    need_commands("haproxy")
    return _check(load_balanced(lab, "direct").client, LB_BOOTSTRAP)


HEALTHY = (
    Healthy("docker-container", lambda lab, _s, _t: _check(compose(lab, three_listeners=False).app,
                                                            "kafka:9092"),
            frozenset({"ADVERTISED_INTERNAL_NAME"})),
    Healthy("docker-alias-with-host-gateway",
            lambda lab, _s, _t: _check(compose(lab, three_listeners=True).app, "host.docker.internal:29092"),
            frozenset({"ADVERTISED_DOCKER_HOST_ALIAS"})),
    Healthy("tunnel-from-outside",
            lambda lab, _s, _t: _check(_outside(compose(lab, three_listeners=True, tunnel_port=18028)),
                                       f"{TUNNEL_NAME}:18028"),
            frozenset({"ADVERTISED_TUNNEL"})),
    Healthy("corporate-inside", lambda lab, _s, _t: _check(corporate(lab).inside, "kafka.corp.example:9092")),
    Healthy("docker-host-localhost",
            lambda lab, _s, _t: _check(localhost_to_app_container(lab).host, "localhost:9093"),
            frozenset({"ADVERTISED_LOOPBACK"})),
    Healthy("compose-stack-sidecar", _sidecar,
            frozenset({"ADVERTISED_INTERNAL_NAME", "ADVERTISED_DOCKER_HOST_ALIAS", "ADVERTISED_TUNNEL",
                       "BOOTSTRAP_REDIRECT"})),
    Healthy("compose-stack-remote", _remote, frozenset({"ADVERTISED_TUNNEL"})),
    Healthy("load-balancer-for-bootstrap-only", _balancer,
            frozenset({"BOOTSTRAP_LOAD_BALANCED", "BOOTSTRAP_REDIRECT"})),
    Healthy("sni-passthrough", _sni(balanced=False)),
    Healthy("sni-passthrough-balanced-bootstrap", _sni(balanced=True),
            frozenset({"BOOTSTRAP_LOAD_BALANCED"})),
)


def _outside(built: object) -> Host:
    host = getattr(built, "outside", None)
    assert isinstance(host, Host)
    return host


@pytest.fixture
def stack() -> Iterator[contextlib.ExitStack]:
    with contextlib.ExitStack() as opened:
        yield opened


@pytest.mark.parametrize("case", HEALTHY, ids=[h.name for h in HEALTHY])
def test_no_new_code_on_a_healthy_topology(lab: Lab, stack: contextlib.ExitStack, tmp_path: Path,
                                           case: Healthy) -> None:
    run = case.run(lab, stack, tmp_path)
    findings = run.report["findings"]
    assert run.code == 0, run.stdout
    assert not [f for f in findings if f["severity"] != "info"], run.stdout
    codes = {f["code"] for f in findings}
    assert codes <= case.notes | {"CONFIG_NOT_READABLE"}, (codes - case.notes, run.stdout)
    assert not (codes & ISSUE_12_CODES) - case.notes, run.stdout
