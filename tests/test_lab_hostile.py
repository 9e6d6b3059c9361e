"""Hostile endpoints that need a network namespace: 10,000 brokers on 10,000 addresses,
firewalled (DROP) listeners, and a DNS server that answers what no sane one would.

Everything runs inside a namespace this test creates (only its loopback is up, no
route anywhere), with listencheck started there by `ip netns exec`.
"""

from __future__ import annotations

import pytest

from tests.lab import Lab
from tests.lab.netns import in_namespace
from tests.support.dns_server import ScriptedDns, cname_chain, cname_loop, garbage, many_addresses
from tests.support.scripted import ScriptedKafka
from tests.support.servers import SilentCounter


def _scripted_in(lab_ns: str) -> ScriptedKafka:
    script = ScriptedKafka()
    in_namespace(lab_ns, script.__enter__)  # its listening socket lives in the namespace
    return script


def test_ten_thousand_brokers_never_open_ten_thousand_sockets(lab: Lab) -> None:
    client = lab.host("client")
    counter = SilentCounter()
    # 0.0.0.0 inside a namespace whose only interface is its loopback: every 127.x.y.z.
    port = in_namespace(client.ns, lambda: counter.bind("0.0.0.0"))
    script = _scripted_in(client.ns)
    try:
        script.brokers = [(1, "127.0.0.1", script.port)] + [
            (i + 2, f"127.1.{i // 250}.{i % 250 + 1}", port) for i in range(9_999)
        ]
        with counter.serving():
            run = client.check(script.address, timeout="1")
    finally:
        script.__exit__(None, None, None)
    from listencheck.limits import MAX_CONNECTIONS

    assert counter.accepted >= MAX_CONNECTIONS // 2  # a pool's worth of brokers was connected to...
    assert counter.max_open <= MAX_CONNECTIONS  # ...never more than the pool at once...
    assert counter.max_open >= MAX_CONNECTIONS // 4  # ...but concurrently, not one by one
    report = run.report
    assert run.one("RUN_LIMIT_REACHED")["evidence"]["brokers"] == 10_000
    brokers = report["bootstraps"][0]["brokers"][1:]
    reasons = {b["probe"]["attempts"][0]["kafka"]["error"]["reason"] for b in brokers}
    # Waves of the pool until the deadline: what it cut is reported as such, never blamed.
    assert "silent" in reasons and reasons <= {"silent", "deadline"}
    assert ("deadline" in reasons) == ("RUN_INCOMPLETE" in run.codes())
    client_stage = report["bootstraps"][0]["client"]
    assert client_stage["status"] == "skipped" and "10000 brokers" in client_stage["error"]["message"]
    assert run.code == 1


def test_firewalled_listeners_cost_one_timeout_in_total(lab: Lab) -> None:
    """300 advertised listeners behind iptables DROP: TCP connects time out, all at once.

    With a 1 s stage timeout and a 2.5 s run deadline, probing them in turn (or in
    more than one wave) would leave most cut by the deadline: none may be.
    """
    client = lab.host("client")
    client.firewall(9999, "DROP")
    script = _scripted_in(client.ns)
    try:
        script.brokers = [(1, "127.0.0.1", script.port)] + [
            (i + 2, f"127.2.{i // 250}.{i % 250 + 1}", 9999) for i in range(300)
        ]
        run = client.check("--deadline", "2.5", script.address, timeout="1")
    finally:
        script.__exit__(None, None, None)
    report = run.report
    tcp = [b["probe"]["attempts"][0]["tcp"] for b in report["bootstraps"][0]["brokers"][1:]]
    assert len(tcp) == 300
    assert {t["status"] for t in tcp} == {"failed"} and {t["error"]["reason"] for t in tcp} == {"timeout"}
    assert "RUN_INCOMPLETE" not in run.codes()
    unreachable = run.findings("ADVERTISED_UNREACHABLE")
    assert len(unreachable) == 300 and "firewall" in unreachable[0]["fix"]


@pytest.fixture
def hostile_dns(lab: Lab) -> tuple[Lab, ScriptedDns]:
    client = lab.host("client")
    server = ScriptedDns({
        "loop-a.lab": cname_loop("loop-a.lab", "loop-b.lab"),
        "chain.lab": cname_chain("chain.lab", 40, "127.0.0.1"),
        "many.lab": many_addresses("many.lab", [f"127.3.0.{i + 1}" for i in range(20)]),
        "huge.lab": many_addresses("huge.lab", [f"127.3.{i // 250}.{i % 250 + 1}" for i in range(2000)]),
        "garbage.lab": garbage(b"\x81\x80\xff\xff\xff\xff" + b"\xc0\x0c" * 40),
    })
    in_namespace(client.ns, server.bind)
    return lab, server


@pytest.mark.parametrize("host, expect", [
    ("loop-a.lab", "cname-loop"),
    ("chain.lab", "any"),
    ("many.lab", "limit"),
    ("huge.lab", "too-large"),
    ("garbage.lab", "unresolvable"),
])
def test_hostile_dns_answers(hostile_dns: tuple[Lab, ScriptedDns], host: str, expect: str) -> None:
    lab, server = hostile_dns
    client = lab.hosts["client"]
    script = _scripted_in(client.ns)
    try:
        script.brokers = [(1, "127.0.0.1", script.port), (2, host, 9092)]
        with server.serving():
            run = client.check("--deadline", "6", script.address, timeout="1")
    finally:
        script.__exit__(None, None, None)
    assert any(q.startswith(host) for q in server.queries), server.queries  # it was really asked
    report = run.report
    assert report["deadline_hit"] is False
    resolve = report["bootstraps"][0]["brokers"][1]["probe"]["resolve"]
    if expect == "cname-loop":
        finding = run.one("ADVERTISED_UNRESOLVABLE", 2)
        assert "CNAME chain that loops" in finding["message"]
    elif expect == "unresolvable":
        finding = run.one("ADVERTISED_UNRESOLVABLE", 2)
        assert resolve["status"] == "failed"
        assert finding["evidence"]["dns"]["status"] in {"ERROR", "SERVFAIL", "NODATA", "NXDOMAIN", "TIMEOUT"}
    elif expect == "limit":
        assert len(resolve["detail"]["addresses"]) > 8
        assert len(report["bootstraps"][0]["brokers"][1]["probe"]["attempts"]) == 8
        limit = next(f for f in run.findings("RUN_LIMIT_REACHED")
                     if f["evidence"]["limit"] == "addresses tried per host")
        assert limit["evidence"]["host"] == host
    elif expect == "too-large":  # 2,000 A records: DNS delivers them over TCP, getaddrinfo gives up
        finding = run.one("ADVERTISED_UNRESOLVABLE", 2)
        assert "DNS answers 2000 address(es)" in finding["message"]
        assert len(finding["evidence"]["dns"]["a"]) == 2000
    else:  # a 40-hop chain: resolvers differ; whatever they say must be a clean answer
        assert resolve["status"] in {"ok", "failed"}
    assert run.code == 1
