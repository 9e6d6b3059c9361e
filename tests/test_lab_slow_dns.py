"""A dead nameserver (packets dropped, so every query waits its full timeout) must not delay
a name that /etc/hosts answers, nor be called SERVFAIL.

Built in a namespace: the host's resolv.conf names 127.0.0.1, where iptables drops DNS.
"""

from __future__ import annotations

from tests.lab import Host, Lab
from tests.lab.netns import sh


def _dead_dns_host(lab: Lab, hosts: dict[str, list[str]]) -> Host:
    host = lab.host("app", hosts=hosts)
    (host.etc / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:2 attempts:2\n")
    for proto in ("udp", "tcp"):
        sh("ip", "netns", "exec", host.ns, "iptables", "-A", "INPUT", "-p", proto, "--dport", "53",
           "-j", "DROP")
    return host


def test_a_name_from_etc_hosts_is_not_held_up_by_a_dead_nameserver(lab: Lab) -> None:
    host = _dead_dns_host(lab, {"kafka.lab.test": ["127.0.0.1"]})
    host.broker("127.0.0.1", 9092, "kafka.lab.test:9092")
    run = host.check("kafka.lab.test:9092", timeout="3")
    assert run.code == 0, run.stdout
    resolve = run.report["bootstraps"][0]["brokers"][0]["probe"]["resolve"]
    assert resolve["ok"] and resolve["detail"]["source"] == "hosts"
    dns = resolve["detail"]["dns"]
    # Not awaited: the verdict does not wait for the nameserver (3 s here) once the name resolved.
    assert dns["status"] == "TIMEOUT" and "not awaited" in dns["message"], dns
    assert not [f for f in run.report["findings"] if f["code"] == "RESOLVER_DISAGREEMENT"]


def test_an_unresolvable_name_with_a_dead_nameserver_is_a_timeout_not_servfail(lab: Lab) -> None:
    host = _dead_dns_host(lab, {"kafka.lab.test": ["127.0.0.1"]})
    host.broker("127.0.0.1", 9092, "missing.lab.test:9092")
    run = host.check("kafka.lab.test:9092", timeout="3")
    assert run.code == 1, run.stdout
    finding = run.one("ADVERTISED_UNRESOLVABLE")
    dns = finding["evidence"]["dns"]
    assert dns["status"] == "TIMEOUT", dns
    # glibc says EAI_AGAIN ("temporary failure") for a nameserver that never answers: not a SERVFAIL.
    resolve = run.report["bootstraps"][0]["brokers"][0]["probe"]["resolve"]
    assert resolve["error"]["reason"] == "timeout", resolve
    assert "servfail" not in finding["message"].lower()


def test_giving_up_on_every_nameserver_is_named_by_what_they_did() -> None:
    import dns.exception
    import dns.message
    import dns.resolver

    from listencheck.probes.resolve import _no_nameservers_status

    request = dns.message.make_query("kafka.lab.test", "A")

    def gave_up(*outcomes: object) -> str:
        errors = [("127.0.0.1", False, 53, outcome, None) for outcome in outcomes]
        return _no_nameservers_status(dns.resolver.NoNameservers(request=request, errors=errors))

    assert gave_up(dns.exception.Timeout(), dns.exception.Timeout()) == "TIMEOUT"
    assert gave_up(dns.exception.Timeout(), "SERVFAIL") == "SERVFAIL"
    assert gave_up(ConnectionRefusedError()) == "ERROR"
