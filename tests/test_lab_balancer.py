"""A load balancer as the single entry point, reproduced with a real HAProxy (mode tcp, round robin)
in front of three brokers with distinct ids, in the namespace lab (tests/lab/balancer.py).

(a) the load balancer for bootstrap only, brokers advertise their own addresses: information;
(b) every broker advertises the load balancer's address: one error that gathers the duplicate
    and wrong-broker findings it explains;
(c) a port per broker on the load balancer, two ports crossed: one error naming which port
    reaches which broker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab import Lab
from tests.lab.balancer import BOOTSTRAP, LB_IP, LB_NAME, load_balanced
from tests.support.cli import Run, check_json
from tests.support.prereq import need_commands, need_root
from tests.support.scripted import ScriptedKafka
from tests.support.scripted_cluster import scripted_cluster


@pytest.fixture
def lb_lab(tmp_path: Path) -> Iterator[Lab]:
    need_root()
    need_commands("ip", "dnsmasq", "haproxy")
    with Lab(tmp_path) as built:
        yield built


def _balancer(run: Run) -> dict[str, Any]:
    stage: dict[str, Any] = run.report["bootstraps"][0]["balancer"]
    assert stage["status"] == "ok", stage
    detail: dict[str, Any] = stage["detail"]
    assert detail["address"] == BOOTSTRAP and detail["ip"] == LB_IP
    assert len(detail["responders"]) == 4 and detail["balanced"] is True
    assert len(set(detail["brokers_reached"])) >= 2 and set(detail["brokers_reached"]) <= {1, 2, 3}
    return detail


def _problem_of(run: Run, code: str) -> dict[str, Any]:
    problems = [p for p in run.report["problems"] if p["codes"][0] == code]
    assert len(problems) == 1, run.report["problems"]
    return problems[0]  # type: ignore[no-any-return]


def test_load_balancer_for_bootstrap_only_is_information(lb_lab: Lab) -> None:
    built = load_balanced(lb_lab, "direct")
    run = built.client.check(BOOTSTRAP, timeout="3")
    assert run.code == 0, run.stdout
    _balancer(run)
    note = run.one("BOOTSTRAP_LOAD_BALANCED")
    assert note["severity"] == "info" and note["address"] == BOOTSTRAP
    assert note["evidence"]["advertised_working"] == 3 == note["evidence"]["advertised"]
    assert "every broker advertises an address of its own, and all 3 work from here" in note["message"]
    assert not run.findings("ADVERTISED_LOAD_BALANCER") and not run.findings("LOAD_BALANCER_PORTS_CROSSED")
    assert run.report["verdict"]["errors"] == 0 and run.report["fixes"] == []
    # The redirect to the brokers' own addresses is what a load balancer for bootstrap means: one problem.
    problem = _problem_of(run, "BOOTSTRAP_LOAD_BALANCED")
    assert problem["codes"] == ["BOOTSTRAP_LOAD_BALANCED", "BOOTSTRAP_REDIRECT"]


def test_brokers_advertising_the_load_balancer_are_one_error(lb_lab: Lab) -> None:
    built = load_balanced(lb_lab, "balancer")
    run = built.client.check(BOOTSTRAP, timeout="3")
    assert run.code == 1, run.stdout
    _balancer(run)
    error = run.one("ADVERTISED_LOAD_BALANCER")
    assert error["severity"] == "error" and error["address"] == BOOTSTRAP
    assert error["evidence"]["broker_ids"] == [1, 2, 3]
    assert error["evidence"]["advertised"] == {"1": BOOTSTRAP, "2": BOOTSTRAP, "3": BOOTSTRAP}
    assert "NOT_LEADER_OR_FOLLOWER" in error["message"]
    assert "every broker (1, 2 and 3) advertises it" in error["message"]
    assert "keep kafka.example.com:9092 for bootstrap.servers only" in error["fix"]
    # The existing findings stay (codes are the contract) but read as one problem.
    wrong = run.findings("ADVERTISED_WRONG_BROKER")
    assert len(wrong) == 2 and run.one("ADVERTISED_DUPLICATE")
    problem = _problem_of(run, "ADVERTISED_LOAD_BALANCER")
    assert set(problem["codes"]) == {
        "ADVERTISED_LOAD_BALANCER", "ADVERTISED_WRONG_BROKER", "ADVERTISED_DUPLICATE"}
    assert len(problem["findings"]) == 4
    assert not any(p["codes"][0] in ("ADVERTISED_WRONG_BROKER", "ADVERTISED_DUPLICATE")
                   for p in run.report["problems"])
    assert run.report["verdict"]["problems"] == 1
    assert run.report["verdict"]["summary"].startswith(f"{BOOTSTRAP} is a load balancer")
    # The configuration fix: each broker re-advertised at an address of its own (unknown here: a
    # per-broker placeholder, never the load balancer's address), linked to the problem.
    fixes = {f["broker_id"]: f for f in run.report["fixes"]}
    assert sorted(fixes) == [1, 2, 3]
    for node, fix in fixes.items():
        assert fix["codes"] == ["ADVERTISED_LOAD_BALANCER"] and fix["replaces"] == BOOTSTRAP
        assert fix["advertised"] == f"BROKER_{node}_EXTERNAL_HOST:PORT"
        assert fix["problems"] == [problem["id"]]


def test_crossed_ports_per_broker_name_which_port_reaches_which_broker(lb_lab: Lab) -> None:
    built = load_balanced(lb_lab, "ports", crossed=(1, 2))
    run = built.client.check(BOOTSTRAP, timeout="3")
    assert run.code == 1, run.stdout
    _balancer(run)
    error = run.one("LOAD_BALANCER_PORTS_CROSSED")
    assert error["evidence"]["broker_ids"] == [1, 2]
    assert error["evidence"]["ports"] == [
        {"address": f"{LB_NAME}:9093", "advertised_by": 1, "reaches": 2},
        {"address": f"{LB_NAME}:9094", "advertised_by": 2, "reaches": 1},
    ]
    assert (f"{LB_NAME}:9093 (advertised by broker 1) reaches broker 2; "
            f"{LB_NAME}:9094 (advertised by broker 2) reaches broker 1") in error["message"]
    assert "forward port 9093 to broker 1, port 9094 to broker 2" in error["fix"]
    assert not run.findings("ADVERTISED_LOAD_BALANCER")
    # Broker 3's port is right: no finding about it; brokers 1 and 2 keep their identity findings,
    # gathered into the load balancer's problem.
    assert {f["broker_id"] for f in run.findings("ADVERTISED_WRONG_BROKER")} == {1, 2}
    problem = _problem_of(run, "LOAD_BALANCER_PORTS_CROSSED")
    assert problem["codes"][:2] == ["LOAD_BALANCER_PORTS_CROSSED", "ADVERTISED_WRONG_BROKER"]
    assert run.report["verdict"]["problems"] == 1
    # Or advertise what the load balancer does: each broker the port that reaches it.
    fixes = {f["broker_id"]: (f["replaces"], f["advertised"], f["problems"]) for f in run.report["fixes"]}
    assert fixes == {1: (f"{LB_NAME}:9093", f"{LB_NAME}:9094", [problem["id"]]),
                     2: (f"{LB_NAME}:9094", f"{LB_NAME}:9093", [problem["id"]])}


def test_crossed_ports_in_the_text_report(lb_lab: Lab) -> None:
    built = load_balanced(lb_lab, "ports", crossed=(1, 2))
    run = built.client.text(BOOTSTRAP, timeout="3")
    assert run.code == 1, run.stdout
    out = " ".join(run.stdout.split())
    assert f"a load balancer: 4 connections to {BOOTSTRAP} reached brokers" in out
    assert "LOAD_BALANCER_PORTS_CROSSED + ADVERTISED_WRONG_BROKER" in out
    assert "ADVERTISED_WRONG_BROKER (broker 1): Advertised address reaches another broker or cluster" in out
    assert out.count("✗ ERROR") == 1
    # The balancer line says what is wrong, each crossed address written out whole.
    assert (f"✗ ports lead to the wrong brokers: {LB_NAME}:9093 (broker 1's) reaches broker 2; "
            f"{LB_NAME}:9094 (broker 2's) reaches broker 1") in out


@pytest.mark.parametrize("columns", [120, 60])
def test_the_balancer_line_names_the_brokers_that_advertise_it(lb_lab: Lab, columns: int) -> None:
    from listencheck.render.markdown import render_markdown_document

    built = load_balanced(lb_lab, "balancer")
    run = built.client.text(BOOTSTRAP, timeout="3", columns=columns)
    assert run.code == 1, run.stdout
    lines = run.stdout.splitlines()
    head = lines[:lines.index("Findings")]
    assert not [line for line in head if "…" in line], run.stdout
    assert all(len(line) <= columns for line in lines[:-1]), run.stdout
    at = next(i for i, line in enumerate(head) if "a load balancer:" in line)
    line = " ".join(" ".join(head[at:at + 4]).split())
    assert f"✗ brokers 1, 2 and 3 advertise {BOOTSTRAP} as their own address" in line, run.stdout
    markdown = render_markdown_document(built.client.check(BOOTSTRAP, timeout="3").report)
    assert f"brokers 1, 2 and 3 advertise {BOOTSTRAP} as their own address" in markdown


# --- without a load balancer (loopback): nothing new is reported ------------------------


def test_brokers_reached_directly_are_not_a_load_balancer() -> None:
    """Three brokers, each bootstrapped directly: every sampled connection reaches the same broker."""
    with scripted_cluster(lambda node, port: ("127.0.0.1", port)) as cluster:
        run = check_json(cluster.address(2))
        assert run.code == 0, run.stdout
        stage = run.report["bootstraps"][0]["balancer"]
        assert stage["status"] == "ok" and stage["detail"]["responders"] == [2, 2, 2, 2]
        assert stage["detail"]["balanced"] is False
        assert not run.codes() & {"BOOTSTRAP_LOAD_BALANCED", "ADVERTISED_LOAD_BALANCER",
                                  "LOAD_BALANCER_PORTS_CROSSED"}


def test_a_single_broker_is_not_sampled() -> None:
    """One broker in the metadata: no other broker could answer, so no extra connection is made."""
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port)]
        run = check_json(script.address, "--no-topics")
        assert run.code == 0, run.stdout
        stage = run.report["bootstraps"][0]["balancer"]
        assert stage["status"] == "skipped" and "one broker" in stage["error"]["message"]
        own = {r.connection for r in script.requests if script.listencheck_connection(r)}
        assert len(own) == 1  # the probe of the bootstrap only


def test_a_load_balanced_bootstrap_is_no_path_to_one_broker() -> None:
    """Fixes never propose the load balancer's address for the broker one connection reached."""
    from listencheck.fixes.paths import bootstrap_path
    from tests.test_rules_in_memory import _sampled

    (balanced,) = _sampled(1, 2, 1, 2).bootstraps
    (direct,) = _sampled(1, 1, 1, 1).bootstraps
    assert bootstrap_path(balanced) is None
    path = bootstrap_path(direct)
    assert path is not None and path.broker_id == 1


@pytest.mark.parametrize("code", ["BOOTSTRAP_LOAD_BALANCED", "ADVERTISED_LOAD_BALANCER",
                                  "LOAD_BALANCER_PORTS_CROSSED"])
def test_the_catalogue_states_what_sampling_cannot_see(code: str) -> None:
    from listencheck.catalogue import spec
    from listencheck.codes import FindingCode

    meaning = spec(FindingCode(code)).meaning
    assert "sticky load balancer (source-IP affinity" in meaning
    assert "cannot tell it from a single broker" in meaning
    assert "answers DescribeConfigs for its own broker id" in meaning
    assert "Not seeing a load balancer does not rule one out" in meaning
