"""Fixes for multi-broker clusters: every broker its own address, never another broker's.

Real servers on loopback: scripted Kafka-protocol brokers (distinct ids, each naming
itself through DescribeConfigs like Apache Kafka) and librdkafka's mock cluster. For
every fix the report gives for broker N, no address that this run saw answer as
broker M != N (nor the bootstrap, when it reached M or nobody can tell) appears in it,
and the proposed addresses are pairwise distinct.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import Run, check_json, run_cli
from tests.support.mock_cluster import mock_cluster
from tests.support.scripted import ScriptedKafka
from tests.support.scripted_cluster import Cluster, scripted_cluster
from tests.support.servers import closed_port


def _mentions(text: str, address: str) -> bool:
    return re.search(rf"(?<![\w.:]){re.escape(address)}(?!\d)", text) is not None


def _proposals(run: Run) -> dict[int, str]:
    """broker id -> the external address the report proposes for it (one per broker)."""
    proposed: dict[int, set[str]] = {}
    for finding in run.findings():
        p = finding["evidence"].get("proposed_address")
        if p is not None and finding["broker_id"] is not None:
            proposed.setdefault(finding["broker_id"], set()).add(p["address"])
    assert all(len(v) == 1 for v in proposed.values()), proposed
    return {k: next(iter(v)) for k, v in proposed.items()}


def assert_no_foreign_address(run: Run, owners: dict[int, list[str]]) -> None:
    """No fix or proposal for broker N names an address that answered as another broker."""
    per_broker: dict[int, list[dict[str, Any]]] = {}
    for finding in run.findings():
        if finding["broker_id"] is not None:
            per_broker.setdefault(finding["broker_id"], []).append(finding)
    for node, findings in per_broker.items():
        for finding in findings:
            for other, addresses in owners.items():
                if other == node:
                    continue
                for address in addresses:
                    assert not _mentions(finding["fix"], address), (node, other, address, finding["fix"])
    proposals = _proposals(run)
    assert len(set(proposals.values())) == len(proposals), proposals
    for node, address in proposals.items():
        for other, addresses in owners.items():
            assert other == node or address not in addresses, (node, address, other)
    # The structured fixes (every platform's text) follow the same rule.
    fixes = run.report["fixes"]
    advertised = [f["advertised"] for f in fixes]
    assert len(set(advertised)) == len(advertised), advertised
    for fix in fixes:
        texts = [fix["advertised"], *(r["text"] for r in fix["renderings"]), *fix["settings"].values()]
        for other, addresses in owners.items():
            if other != fix["broker_id"]:
                for address in addresses:
                    assert not any(_mentions(t, address) for t in texts), (fix["broker_id"], address)


def _owners(cluster: Cluster) -> dict[int, list[str]]:
    """Addresses that answer as each broker: its own port, and what it advertises when that works."""
    owners: dict[int, list[str]] = {}
    for node, host, port in cluster.listed:
        owners[node] = [cluster.address(node)] + ([f"{host}:{port}"] if host == "127.0.0.1" else [])
    return owners


def _internal(names: set[int]) -> Any:
    def advertise(node: int, port: int) -> tuple[str, int]:
        return (f"kafka-{node}", 9092) if node in names else ("127.0.0.1", port)
    return advertise


def test_one_broker_with_an_internal_name_never_gets_the_bootstrap_brokers_address() -> None:
    """The case of issue 16: broker 2 advertises kafka-2:9092, bootstrap through broker 1."""
    with scripted_cluster(_internal({2})) as cluster:
        run = check_json(cluster.address(1))
    owners = _owners(cluster)
    assert {f["broker_id"] for f in run.findings() if f["severity"] == "error"} == {2}
    fix = run.one("ADVERTISED_UNRESOLVABLE", 2)["fix"]
    bootstrap_port = cluster.brokers[1].port
    assert not _mentions(fix, cluster.address(1))
    assert f"-p {bootstrap_port}:{bootstrap_port}" not in fix
    proposal = run.one("ADVERTISED_UNRESOLVABLE", 2)["evidence"]["proposed_address"]
    assert proposal["origin"] == "new_port" and proposal["address"].startswith("127.0.0.1:")
    assert f"EXTERNAL://{proposal['address']}" in fix
    (change,) = run.report["fixes"]
    assert change["broker_id"] == 2 and change["kind"] == "add_listener"
    assert change["advertised"] == proposal["address"] and change["replaces"] == "kafka-2:9092"
    assert change["publish"] == {"host_port": proposal["address"].split(":")[1],
                                 "container_port": proposal["listener_port"]}
    assert change["placeholder_names"] is True and change["config_source"] is None
    assert {r["platform"] for r in change["renderings"]} == {"properties", "cp-kafka", "bitnami"}
    assert_no_foreign_address(run, owners)


@pytest.mark.parametrize("names", [{2, 3}, {1, 2, 3}])
def test_several_brokers_with_internal_names_each_get_their_own_address(names: set[int]) -> None:
    with scripted_cluster(_internal(names)) as cluster:
        run = check_json(cluster.address(1))
    assert {f["broker_id"] for f in run.findings("ADVERTISED_UNRESOLVABLE")} == names
    assert_no_foreign_address(run, _owners(cluster))
    if 1 in names:
        # The bootstrap reached broker 1 (it said so) at an address it does not advertise:
        # a forwarded path, and the one address proven to lead to broker 1 from here.
        finding = run.one("ADVERTISED_UNRESOLVABLE", 1)
        path = finding["evidence"]["bootstrap_path"]
        assert path == {"used": cluster.address(1), "reached_ip": "127.0.0.1", "broker_id": 1,
                        "identity": "confirmed", "advertised": "kafka-1:9092", "path": "local_forward"}
        assert f"reached broker 1 at {cluster.address(1)}" in finding["message"]
        assert finding["evidence"]["proposed_address"]["address"] == cluster.address(1)
        assert f"EXTERNAL://{cluster.address(1)}" in finding["fix"]
        for other in names - {1}:
            assert "bootstrap_path" not in run.one("ADVERTISED_UNRESOLVABLE", other)["evidence"]


def test_bootstrap_of_unknown_broker_is_never_proposed() -> None:
    """Brokers that do not name themselves: the bootstrap may be any of them, so it is nobody's."""
    with scripted_cluster(_internal({1, 2, 3}), name_themselves=False) as cluster:
        run = check_json(cluster.address(1))
    bootstrap = cluster.address(1)
    for finding in run.findings():
        if finding["broker_id"] is not None:
            assert not _mentions(finding["fix"], bootstrap), finding["fix"]
            assert "bootstrap_path" not in finding["evidence"]
    proposals = _proposals(run)
    assert set(proposals) == {1, 2, 3} and len(set(proposals.values())) == 3
    assert bootstrap not in proposals.values()


def test_port_per_broker_on_one_host_is_healthy_and_notes_use_placeholders() -> None:
    with scripted_cluster(lambda node, port: ("127.0.0.1", port)) as cluster:
        run = check_json(cluster.address(2))
    assert run.code == 0, run.stdout
    owners = _owners(cluster)
    for node in (1, 2, 3):
        note = run.one("ADVERTISED_LOOPBACK", node)
        assert note["severity"] == "info"
        assert f"BROKER_{node}_HOST:{cluster.brokers[node].port}" in note["fix"]
    assert_no_foreign_address(run, owners)


def test_mock_cluster_fixes_name_each_brokers_own_address() -> None:
    with mock_cluster(3) as cluster:
        run = check_json(cluster.bootstrap)
    assert run.code == 0, run.stdout
    listed = run.report["bootstraps"][0]["metadata"]["brokers"]
    owners = {b["node_id"]: [f"{b['host']}:{b['port']}"] for b in listed}
    assert len(owners) == 3
    assert_no_foreign_address(run, owners)


def test_platform_choice_renders_one_syntax_and_text_shows_the_table() -> None:
    with scripted_cluster(_internal({2, 3})) as cluster:
        run = check_json(cluster.address(1), "--platform", "strimzi")
        text = run_cli(["check", "--no-color", "--timeout", "2", "--platform", "strimzi", cluster.address(1)])
    for fix in run.report["fixes"]:
        (rendering,) = fix["renderings"]
        assert rendering["platform"] == "strimzi"
        assert f"- broker: {fix['broker_id']}" in rendering["text"]
    section = text.stdout[text.stdout.index("Fixes"):]
    rows = [line.split() for line in section.splitlines() if line.strip()[:1].isdigit()]
    assert [r[0] for r in rows] == ["2", "3"] and len({r[-2] for r in rows}) == 2
    assert "broker 2 · strimzi" in section and "broker 3 · strimzi" in section


def test_cli_platform_choices_match_the_renderers() -> None:
    from listencheck.cli import PLATFORM_CHOICES as CLI_CHOICES
    from listencheck.fixes.platforms import PLATFORM_CHOICES

    assert CLI_CHOICES == PLATFORM_CHOICES


def test_broker_config_file_gives_complete_values_and_a_diff(tmp_path: Path) -> None:
    """--broker-config: the fix starts from the file (KRaft, CONTROLLER kept) and diffs it."""
    closed = closed_port()
    config = tmp_path / "server.properties"
    with ScriptedKafka() as script:
        config.write_text(
            "process.roles=broker,controller\nnode.id=1\ncontroller.quorum.voters=1@localhost:9093\n"
            "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n"
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{closed}\n")
        script.brokers = [(1, "127.0.0.1", closed)]
        run = check_json("--broker-config", str(config), script.address)
        text = run_cli(["check", "--no-color", "--timeout", "2", "--broker-config", str(config),
                        script.address])
        port = script.port
    (fix,) = run.report["fixes"]
    assert (fix["kind"], fix["listener"]) == ("readvertise", "PLAINTEXT")
    assert fix["advertised"] == f"127.0.0.1:{port}"
    assert fix["placeholder_names"] is False and fix["config_source"] is not None
    assert fix["settings"] == {"advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}"}
    diff = fix["diff"]
    assert f"-advertised.listeners=PLAINTEXT://127.0.0.1:{closed}" in diff
    assert f"+advertised.listeners=PLAINTEXT://127.0.0.1:{port}" in diff
    assert diff.count("\n-") == 1  # one changed line, nothing else
    assert [r["platform"] for r in fix["renderings"]] == ["properties"]
    assert "diff of" in text.stdout and f"+advertised.listeners=PLAINTEXT://127.0.0.1:{port}" in text.stdout


def test_each_fix_names_the_problems_it_resolves() -> None:
    with scripted_cluster(_internal({2, 3})) as cluster:
        run = check_json(cluster.address(1))
    problems = {p["id"]: p for p in run.report["problems"]}
    for fix in run.report["fixes"]:
        assert fix["problems"], fix
        for problem_id in fix["problems"]:
            problem = problems[problem_id]
            assert problem["broker_id"] == fix["broker_id"]
            assert set(problem["codes"]) & set(fix["codes"])
