"""`listencheck check --deep` end to end, inside lab namespaces, with real packets.

A routed path (client, r1, r2, server: the server is hop 3) with iptables rules
on the server or on r2, a missing route, a path-MTU black hole, and a client
with two dnsmasq resolvers that disagree plus one that never answers. Each
run is the real command started in the client's namespace.
"""

from __future__ import annotations

import socket
import time

from tests.lab import Host, Lab, Records
from tests.lab.netns import exec_prefix, in_namespace, sh
from tests.lab.paths import R1, R2, R2_6, SERVER, SERVER6, RoutedPath, routed_path
from tests.support.cli import Run, run_cli
from tests.support.prereq import need_commands
from tests.support.scripted import ScriptedKafka

ADVERTISED = 9093


def _broker_behind(path: RoutedPath, advertised: str = f"{SERVER}:{ADVERTISED}") -> None:
    """The bootstrap listener 9092 answers; it advertises ``advertised``."""
    path.server.broker("0.0.0.0", 9092, advertised, ready_on=SERVER)


def _deep(host: Host, *args: str) -> Run:
    return host.check("--deep", *args)


def test_router_two_hops_away_rejecting_is_named(lab: Lab) -> None:
    path = routed_path(lab)
    _broker_behind(path)
    path.firewall(path.r2, "REJECT", ADVERTISED, "icmp-admin-prohibited")
    run = _deep(path.client, f"{SERVER}:9092")
    assert run.code == 1
    finding = run.one("PATH_FIREWALL_REJECTED", 111)
    assert finding["evidence"]["device"] == R2 and finding["evidence"]["hop"] == 2
    assert f"hop 2 ({R2})" in finding["message"] and "administratively prohibited" in finding["message"]
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "unreachable"
    deep = run.report["bootstraps"][0]["brokers"][0]["probe"]["attempts"][0]["deep"]
    assert deep["status"] == "ok" and deep["detail"]["path"]["syn"]["responder"] == "path"
    assert [h["address"] for h in deep["detail"]["path"]["hops"]] == [R1, R2]
    assert run.report["settings"]["deep"] is True


def test_reset_forged_by_the_router_is_not_blamed_on_the_host(lab: Lab) -> None:
    path = routed_path(lab)
    _broker_behind(path)
    path.firewall(path.r2, "REJECT", ADVERTISED, "tcp-reset")
    run = _deep(path.client, f"{SERVER}:9092")
    finding = run.one("PATH_FIREWALL_REJECTED", 111)
    assert finding["evidence"]["answer"] == "rst" and finding["evidence"]["source"] == SERVER
    assert finding["evidence"]["device"] == R2 and "resets connections" in finding["message"]
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "refused"


def test_host_firewall_rejecting_with_port_unreachable(lab: Lab) -> None:
    path = routed_path(lab)
    _broker_behind(path)
    path.firewall(path.server, "REJECT", ADVERTISED, "icmp-port-unreachable")
    finding = _deep(path.client, f"{SERVER}:9092").one("PATH_FIREWALL_REJECTED", 111)
    assert finding["evidence"]["responder"] == "host" and finding["evidence"]["hop"] == 3
    assert "firewall rule on that host" in finding["message"]


def test_silent_drop_names_the_last_hop_and_the_text_report_says_so(lab: Lab) -> None:
    path = routed_path(lab)
    _broker_behind(path)
    path.firewall(path.server, "DROP", ADVERTISED)
    run = _deep(path.client, f"{SERVER}:9092")
    finding = run.one("PATH_SILENTLY_DROPPED", 111)
    assert finding["evidence"]["last_hop"] == R2 and finding["evidence"]["last_hop_ttl"] == 2
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "timeout"
    text = path.client.text("--deep", "-v", f"{SERVER}:9092")
    assert f"the last device that answered is hop 2 ({R2})" in text.stdout
    assert f"traceroute: 1 {R1} · 2 {R2}" in text.stdout
    plain = path.client.text(f"{SERVER}:9092")
    assert "hint: --deep shows who drops" in plain.stdout
    assert "hint: --deep shows who drops" not in text.stdout


def test_missing_route_on_the_client(lab: Lab) -> None:
    path = routed_path(lab)
    path.client_routes_only_to_the_server()
    _broker_behind(path, "10.71.9.10:9092")  # an internal network the client has no route to
    run = _deep(path.client, f"{SERVER}:9092")
    finding = run.one("PATH_NO_ROUTE", 111)
    assert finding["evidence"]["answer"] == "local_error" and finding["evidence"]["responder"] == "local"
    assert "this machine has no route to 10.71.9.10" in finding["message"]
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "unreachable"


def test_without_cap_net_raw_the_run_degrades_with_one_note(lab: Lab) -> None:
    need_commands("capsh")
    path = routed_path(lab)
    _broker_behind(path)
    path.firewall(path.server, "DROP", ADVERTISED)
    no_raw = [*exec_prefix(path.client.ns), "capsh", "--drop=cap_net_raw", "--", "-c", 'exec "$0" "$@"']
    run = run_cli(["check", "--format", "json", "--timeout", "1", "--deep", f"{SERVER}:9092"], no_raw)
    assert run.code == 1 and "Traceback" not in run.stderr
    note = run.one("DEEP_NO_RAW_SOCKETS")
    assert note["severity"] == "info" and "--cap-add NET_RAW" in note["fix"] and "NET_RAW" in note["fix"]
    assert "PATH_SILENTLY_DROPPED" not in run.codes()
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "timeout"
    deep = run.report["bootstraps"][0]["brokers"][0]["probe"]["attempts"][0]["deep"]["detail"]
    assert deep["raw_sockets"] is False and deep["path"] is None


def test_path_mtu_black_hole_stalls_metadata_and_is_named(lab: Lab) -> None:
    path = routed_path(lab)
    path.mtu_black_hole(1200)
    # A Metadata answer of ~3 KB (a 40-broker cluster): more than one packet.
    script = ScriptedKafka(host="0.0.0.0", cluster_id="big-cluster")
    in_namespace(path.server.ns, script.__enter__)
    try:
        script.brokers = [(1, SERVER, script.port)] + [
            (i, f"broker-{i}.kafka.a-rather-long-internal-domain.example", 9092) for i in range(2, 42)]
        run = _deep(path.client, f"{SERVER}:{script.port}")
    finally:
        script.__exit__(None, None, None)
    assert run.code == 3  # the bootstrap itself stalls
    server = run.report["bootstraps"][0]["servers"][0]["attempts"][0]
    assert server["kafka"]["status"] == "ok" and server["metadata"]["error"]["reason"] == "timeout"
    finding = run.one("PATH_MTU_BLACK_HOLE")
    evidence = finding["evidence"]
    assert 1100 < evidence["largest_passing"] <= 1200 < evidence["smallest_failing"] <= 1280
    assert evidence["route_mtu"] == 1500
    assert "--clamp-mss-to-pmtu" in finding["fix"] and f"--set-mss {evidence['mss']}" in finding["fix"]


def test_healthy_path_runs_no_raw_probe(lab: Lab) -> None:
    path = routed_path(lab)
    _broker_behind(path, f"{SERVER}:9092")
    run = _deep(path.client, f"{SERVER}:9092")
    assert run.code == 0, run.stdout
    attempt = run.report["bootstraps"][0]["servers"][0]["attempts"][0]
    assert attempt["deep"]["status"] == "skipped"  # nothing failed: no raw probe
    assert not {c for c in run.codes() if c.startswith(("PATH_", "DEEP_"))}


def _second_resolver(lab: Lab, host: Host, listen: str, records: Records) -> None:
    lab.spawn(host, [
        "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces",
        f"--listen-address={listen}", "--port=53", "--user=root",
        f"--pid-file={lab.workdir / (host.ns + listen + '.pid')}", "--address=/#/", *records.dnsmasq_args(),
    ], f"{host.ns}-dnsmasq-{listen}")

    def answers() -> bool:
        query = bytes.fromhex("abcd01000001000000000000") + b"\x05probe\x00\x00\x01\x00\x01"
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(0.1)
                try:
                    sock.sendto(query, (listen, 53))
                    sock.recv(512)
                    return True
                except OSError:
                    time.sleep(0.05)
        return False

    assert in_namespace(host.ns, answers), f"dnsmasq on {listen} did not answer"


def test_resolvers_that_disagree_and_one_that_never_answers(lab: Lab) -> None:
    client = lab.host("client")
    client.use_dns(Records(a={"kafka.lab": ["127.0.0.1"]}))  # resolv.conf's first nameserver
    _second_resolver(lab, client, "127.0.0.2", Records(a={"kafka.lab": ["127.0.0.9"]}))  # stale record
    # A third nameserver in resolv.conf that never answers (its queries are dropped).
    (client.etc / "resolv.conf").write_text(
        "nameserver 127.0.0.1\nnameserver 127.0.0.3\noptions timeout:1 attempts:1\n")
    sh(*client.prefix, "iptables", "-A", "INPUT", "-d", "127.0.0.3", "-p", "udp", "--dport", "53",
       "-j", "DROP")
    client.broker("127.0.0.1", 9092, "kafka.lab:9092")
    run = client.check("--deep", "--dns-server", "127.0.0.2", "127.0.0.1:9092")
    assert run.code == 0, run.stdout  # the client's own resolver gives the working address
    disagree = run.one("DNS_RESOLVERS_DISAGREE", 111)
    answers = disagree["evidence"]["answers"]
    assert answers["127.0.0.1"] == {"status": "NOERROR", "addresses": ["127.0.0.1"]}
    assert answers["127.0.0.2"] == {"status": "NOERROR", "addresses": ["127.0.0.9"]}
    assert answers["127.0.0.3"]["status"] == "TIMEOUT"
    assert disagree["evidence"]["client_used"] == ["127.0.0.1"]
    silent = run.one("DNS_RESOLVER_UNRESPONSIVE")
    assert silent["evidence"] == {"nameserver": "127.0.0.3", "names": ["kafka.lab"]}
    resolvers = run.report["bootstraps"][0]["brokers"][0]["probe"]["resolvers"]["detail"]
    assert [(a["nameserver"], a["configured_by"]) for a in resolvers["answers"]] == [
        ("127.0.0.1", "resolv.conf"), ("127.0.0.3", "resolv.conf"), ("127.0.0.2", "--dns-server")]
    assert run.report["settings"]["dns_servers"] == ["127.0.0.2"]


def test_both_address_families_of_a_name_are_probed(lab: Lab) -> None:
    path = routed_path(lab)
    path.client.use_dns(Records(a={"kafka.path": [SERVER]}, aaaa={"kafka.path": [SERVER6]}))
    _broker_behind(path, f"kafka.path:{ADVERTISED}")
    path.firewall(path.r2, "REJECT", ADVERTISED, "icmp-admin-prohibited")
    run = _deep(path.client, f"{SERVER}:9092")
    rejected = run.findings("PATH_FIREWALL_REJECTED")
    devices = {(f["evidence"]["address"], f["evidence"]["device"]) for f in rejected}
    assert devices == {(SERVER, R2), (SERVER6, R2_6)}
    probe = run.report["bootstraps"][0]["brokers"][0]["probe"]
    assert {a["family"] for a in probe["attempts"]} == {"ipv4", "ipv6"}
    resolvers = probe["resolvers"]["detail"]
    assert resolvers["answers"][0]["a"] == [SERVER] and resolvers["answers"][0]["aaaa"] == [SERVER6]
    picks = dict(map(tuple, resolvers["family_picks"]))
    assert picks["v4"] == SERVER and picks["v6"] == SERVER6 and picks["any"] in (SERVER, SERVER6)
