"""Issue 12 item 6 in the namespace lab: the resolve stage follows the client's own settings,
broker.address.family (librdkafka) and client.dns.lookup (the Java client), with the reverse DNS
(PTR) records of the laptop's own dnsmasq for the canonical-bootstrap case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab import Host, Lab, Records
from tests.lab.scenarios import Lan, lan
from tests.support.cli import Run, run_cli
from tests.support.tls import Ca

pytestmark = pytest.mark.tansu

NAME = "kafka.example"
SERVER4, SERVER6 = "10.50.0.10", "fd50::10"
CANONICAL = "resolve_canonical_bootstrap_servers_only"


def test_address_family_v4_on_an_ipv6_only_name(lab: Lab) -> None:
    net = lan(lab, laptop_records=Records(aaaa={NAME: [SERVER6]}), ipv6=True)
    net.server.broker(SERVER6, 9092, f"{NAME}:9092", ready_on=SERVER6)
    assert net.laptop.check(f"{NAME}:9092").code == 0
    run = net.laptop.check(f"{NAME}:9092", "-X", "broker.address.family=v4")
    assert run.code == 3  # nothing answered: nothing was tried
    finding = run.one("ADDRESS_FAMILY_EXCLUDED")
    assert finding["severity"] == "error"
    assert finding["evidence"]["not_tried"] == [SERVER6] and finding["evidence"]["tried"] == []
    assert finding["evidence"]["rule"] == "broker.address.family=v4"
    assert "Java clients have no broker.address.family" in finding["evidence"]["applies_to"]
    resolve = run.report["bootstraps"][0]["servers"][0]["resolve"]
    assert resolve["detail"]["not_tried"] == [SERVER6]
    assert "broker.address.family=v4" in resolve["error"]["message"]
    assert run.report["settings"]["address_family"] == "v4"


def test_java_client_tries_only_the_first_family(lab: Lab) -> None:
    """A name with both families and a broker on IPv6 only: librdkafka tries both and gets
    through; a Java client keeps IPv4 (the JVM's default order) and never tries IPv6."""
    records = Records(a={NAME: [SERVER4]}, aaaa={NAME: [SERVER6]})
    net = lan(lab, laptop_records=records, ipv6=True)
    net.server.broker(SERVER6, 9092, f"{NAME}:9092", ready_on=SERVER6)
    librdkafka = net.laptop.check(f"{NAME}:9092")
    assert "ADDRESS_FAMILY_EXCLUDED" not in librdkafka.codes()
    run = net.laptop.check(f"{NAME}:9092", "-X", "client.dns.lookup=use_all_dns_ips")
    assert run.code == 3  # nothing answered the addresses it tried
    finding = run.one("ADDRESS_FAMILY_EXCLUDED")
    assert finding["severity"] == "warning"
    assert finding["evidence"]["tried"] == [SERVER4] and finding["evidence"]["not_tried"] == [SERVER6]
    assert "librdkafka-based clients" in finding["evidence"]["applies_to"]
    assert "preferIPv6Addresses=true" in finding["fix"]
    detail = run.report["bootstraps"][0]["servers"][0]["resolve"]["detail"]
    assert detail["addresses"] == [SERVER4] and detail["lookup"] == "use_all_dns_ips"
    assert run.report["settings"]["dns_lookup"] == "use_all_dns_ips"
    text = net.laptop.text(f"{NAME}:9092", "-X", "client.dns.lookup=use_all_dns_ips")
    assert "client.dns.lookup=use_all_dns_ips (the Java client's rules)" in text.stdout
    assert f"{SERVER4} (1 not tried)" in text.stdout, text.stdout
    assert "ADDRESS_FAMILY_EXCLUDED" in text.stdout


def _canonical_lan(lab: Lab, tmp_path: Path, ptr: str, internal: bool) -> tuple[Lan, Ca]:
    """The bootstrap name's address reverses to ``ptr``; ``internal``: that name resolves back to
    the address (the JVM then uses it), else it does not resolve from the laptop at all."""
    records = Records(a={NAME: [SERVER4], **({ptr: [SERVER4]} if internal else {})}, ptr={SERVER4: ptr})
    net = lan(lab, laptop_records=records)
    ca = Ca(tmp_path / "pki")
    cert = ca.issue("kafka", dns=[NAME])
    net.server.broker("127.0.0.1", 9093, f"{NAME}:9092")
    net.server.lab.spawn(net.server, [
        "socat", f"OPENSSL-LISTEN:9092,bind={SERVER4},cert={cert.cert},key={cert.key},"
                 "verify=0,fork,reuseaddr", "TCP:127.0.0.1:9093"], "tls-9092")
    net.server.wait_port(SERVER4, 9092)
    return net, ca


def _tls(host: Host, ca: Ca, *extra: str) -> Run:
    return host.check(f"{NAME}:9092", "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={ca.pem}",
                      *extra, timeout="2")


@pytest.mark.parametrize("internal", [False, True], ids=["ptr_not_confirmed", "ptr_internal_name"])
def test_canonical_bootstrap_under_a_ptr_to_an_internal_name(lab: Lab, tmp_path: Path,
                                                             internal: bool) -> None:
    ptr = "ip-10-50-0-10.corp.internal"
    net, ca = _canonical_lan(lab, tmp_path, ptr, internal)
    assert _tls(net.laptop, ca).code == 0  # use_all_dns_ips (and librdkafka) verify kafka.example
    run = _tls(net.laptop, ca, "-X", f"client.dns.lookup={CANONICAL}")
    assert run.code == 1, run.stdout
    finding = run.one("BOOTSTRAP_CANONICAL_NAME")
    assert finding["severity"] == "error"
    canonical = finding["evidence"]["canonical"]
    used = ptr if internal else SERVER4
    assert canonical == [{"address": SERVER4, "ptr": ptr, "confirmed": internal, "name": used,
                          "addresses": [SERVER4], "ptr_addresses": [SERVER4] if internal else []}]
    assert finding["evidence"]["failed_stage"] == "tls"
    assert "librdkafka-based clients" in finding["evidence"]["applies_to"]
    assert f"connects to bootstrap {NAME}:9092 as {used}" in finding["message"]
    assert f"PTR record naming {NAME}" in finding["fix"]
    # The TLS stage checked the certificate against the canonical name, as the Java client does;
    # this finding explains the mismatch (no TLS name finding blaming the advertised host).
    assert finding["evidence"]["certificate_dns_names"] == [NAME]
    assert finding["evidence"]["tls_server_name"] in (used, None)
    assert not {"TLS_HOSTNAME_MISMATCH", "TLS_IP_ADVERTISED"} & run.codes(), run.codes()
    assert run.report["problems"][0]["codes"] == ["BOOTSTRAP_CANONICAL_NAME"]
    detail = run.report["bootstraps"][0]["servers"][0]["resolve"]["detail"]
    assert detail["lookup"] == CANONICAL and detail["canonical"][0]["name"] == used


def test_canonical_bootstrap_that_works_is_information(lab: Lab) -> None:
    ptr = "broker1.corp.example"
    records = Records(a={NAME: [SERVER4], ptr: [SERVER4]}, ptr={SERVER4: ptr})
    net = lan(lab, laptop_records=records)
    net.server.broker("0.0.0.0", 9092, f"{NAME}:9092")
    run = net.laptop.check(f"{NAME}:9092", "-X", f"client.dns.lookup={CANONICAL}")
    assert run.code == 0, run.stdout
    finding = run.one("BOOTSTRAP_CANONICAL_NAME")
    assert finding["severity"] == "info" and finding["evidence"]["works_from_here"] is True
    assert finding["evidence"]["canonical"][0]["name"] == ptr
    # Advertised brokers are resolved as under use_all_dns_ips: no canonical names there.
    broker = run.report["bootstraps"][0]["brokers"][0]["probe"]["resolve"]["detail"]
    assert broker["canonical"] == [] and broker["lookup"] == "use_all_dns_ips"


# --- the broker machine's own name (advertised host left empty, no container) -------------

MACHINE = "kafka-node-7"
FULL = f"{MACHINE}.corp.example"


def _machine_broker(lab: Lab, records: Records) -> Lan:
    """A broker on a machine that knows itself by its short name only (its /etc/hosts), and
    advertises it: what Kafka does with listeners=PLAINTEXT://:9092 and no advertised.listeners."""
    net = lan(lab, laptop_records=records)
    net.server.set_hosts({MACHINE: [SERVER4]})
    net.server.broker("0.0.0.0", 9092, f"{MACHINE}:9092")
    return net


def test_machine_name_told_by_reverse_dns(lab: Lab) -> None:
    net = _machine_broker(lab, Records(a={FULL: [SERVER4]}))  # host-record: PTR 10.50.0.10 -> FULL
    run = net.laptop.check(f"{SERVER4}:9092")
    assert run.code == 1
    finding = run.one("ADVERTISED_MACHINE_NAME", 111)
    assert finding["severity"] == "error"
    assert finding["evidence"]["signals"] == ["reverse_dns"] and finding["evidence"]["full_name"] == FULL
    assert f"reverses to {FULL}" in finding["message"]
    assert f"advertised.listeners=LISTENER://{FULL}:9092" in finding["fix"]
    assert "ADVERTISED_INTERNAL_NAME" not in run.codes() and "ADVERTISED_CONTAINER_ID" not in run.codes()
    # On the machine itself the name resolves (its /etc/hosts) and is its own host name.
    inside = run_cli(["check", "--format", "json", "--timeout", "1", "127.0.0.1:9092"],
                     [*net.server.prefix, "unshare", "--uts", "--", "sh", "-c",
                      f'hostname {MACHINE} && exec "$@"', "sh"])
    mine = inside.one("ADVERTISED_MACHINE_NAME", 111)
    assert mine["severity"] == "info" and mine["evidence"]["signals"] == ["this_machine"]


def test_machine_name_told_by_the_broker_config(lab: Lab, tmp_path: Path) -> None:
    net = _machine_broker(lab, Records())  # no reverse DNS: only the configuration tells
    config = tmp_path / "server.properties"
    config.write_text("node.id=111\nprocess.roles=broker,controller\nlisteners=PLAINTEXT://:9092\n")
    run = net.laptop.check(f"{SERVER4}:9092", "--broker-config", str(config))
    finding = run.one("ADVERTISED_MACHINE_NAME", 111)
    assert finding["evidence"]["signals"] == ["broker_config"]
    assert finding["evidence"]["setting"] == "listeners=PLAINTEXT://:9092 without advertised.listeners"
    assert "advertised.listeners=PLAINTEXT://BROKER_111_HOST:9092" in finding["fix"]


def test_short_name_without_a_signal_stays_an_internal_name(lab: Lab) -> None:
    """A Compose service name looks the same: without a signal the cause is not guessed."""
    net = _machine_broker(lab, Records())
    run = net.laptop.check(f"{SERVER4}:9092")
    assert "ADVERTISED_MACHINE_NAME" not in run.codes()
    internal = run.one("ADVERTISED_INTERNAL_NAME", 111)
    assert "the broker machine's own host name" in internal["evidence"]["could_be"]
