"""The classic listener failures, reproduced on real networks (namespaces) and diagnosed.

Each test builds a topology in the lab, runs `listencheck check --format json` inside
the client's namespace and asserts codes, severities, broker ids and key evidence.
Numbers refer to the scenarios of issue 4.
"""

from __future__ import annotations

import sys

import pytest

from tests.lab import Lab, Records
from tests.lab.scenarios import (
    DOCKER_NET,
    HEADLESS_NAME,
    PUBLIC,
    STALE_HOSTS_ADDRESS,
    TUNNEL_NAME,
    compose,
    container_ip_other_network,
    corporate,
    firewalled,
    lan,
    localhost_advertised,
    localhost_to_app_container,
    port_forward,
    stale_hosts_line,
    stale_hosts_nxdomain,
    unpublished_port,
)

# --- 1. containers on a Docker network, and the Docker host -----------------------


def test_1_container_on_the_docker_network_is_healthy(lab: Lab) -> None:
    c = compose(lab, three_listeners=False)
    run = c.app.check("kafka:9092")
    assert run.code == 0, run.stdout
    assert run.report["verdict"]["errors"] == 0
    note = run.one("ADVERTISED_INTERNAL_NAME", 111)
    assert note["severity"] == "info"
    assert "clients outside that network will fail" in note["message"]
    assert run.report["bootstraps"][0]["client"]["status"] == "ok"


def test_1_docker_host_with_published_port_cannot_resolve_the_service_name(lab: Lab) -> None:
    c = compose(lab, three_listeners=False)
    run = c.host.check("localhost:9092")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNRESOLVABLE", 111)
    assert finding["severity"] == "error" and finding["address"] == "kafka:9092"
    assert finding["evidence"]["reason"] == "nxdomain"
    assert finding["evidence"]["dns"]["status"] == "NXDOMAIN"
    assert finding["evidence"]["dns"]["nameservers"] == ["127.0.0.1"]
    # The fix adds a listener on a free port, advertised as the address this client used for
    # this broker (the published port), which now leads to the new listener.
    assert "listeners=<current>,EXTERNAL://0.0.0.0:29092" in finding["fix"]
    assert "advertised.listeners=<current>,EXTERNAL://localhost:9092" in finding["fix"]
    assert "docker -p 9092:29092" in finding["fix"]
    assert finding["evidence"]["bootstrap_path"]["path"] == "local_forward"
    assert run.one("ADVERTISED_INTERNAL_NAME", 111)["severity"] == "error"
    assert run.one("BOOTSTRAP_REDIRECT")["evidence"]["advertised"] == ["kafka:9092"]


# --- 2. the three-listener broker, from four vantage points -----------------------


def test_2a_same_network_container_uses_the_internal_listener(lab: Lab) -> None:
    c = compose(lab, three_listeners=True)
    run = c.app.check("kafka:9092")
    assert run.code == 0 and run.report["verdict"]["errors"] == 0
    # The broker answered through the internal listener, is who it says it is, and its name is
    # reported for what it is: internal, and working from this container.
    (broker,) = run.report["bootstraps"][0]["brokers"]
    assert broker["address"] == "kafka:9092" and broker["probe"]["works"] is True
    assert broker["identity"]["status"] == "ok"
    note = run.one("ADVERTISED_INTERNAL_NAME", 111)
    assert note["severity"] == "info" and note["evidence"]["works_from_here"] is True


def test_2b_container_with_host_gateway_uses_the_docker_listener(lab: Lab) -> None:
    c = compose(lab, three_listeners=True)
    run = c.app.check("host.docker.internal:29092")
    assert run.code == 0, run.stdout
    note = run.one("ADVERTISED_DOCKER_HOST_ALIAS", 111)
    assert note["severity"] == "info" and note["evidence"]["works_from_here"] is True
    resolve = run.report["bootstraps"][0]["brokers"][0]["probe"]["resolve"]["detail"]
    assert resolve["addresses"] == [f"{DOCKER_NET}.1"] and resolve["source"] == "hosts"


def test_2b_container_without_host_gateway_mapping(lab: Lab) -> None:
    c = compose(lab, three_listeners=True)
    run = c.app_no_gateway.check("kafka:29092")  # bootstrap reaches the DOCKER listener
    assert run.code == 1
    unresolvable = run.one("ADVERTISED_UNRESOLVABLE", 111)
    assert unresolvable["address"] == "host.docker.internal:29092"
    alias = run.one("ADVERTISED_DOCKER_HOST_ALIAS", 111)
    assert alias["severity"] == "error"
    assert 'extra_hosts: ["host.docker.internal:host-gateway"]' in alias["fix"]


def test_2c_outside_client_through_the_tunnel(lab: Lab) -> None:
    c = compose(lab, three_listeners=True, tunnel_port=18028)
    assert c.outside is not None
    run = c.outside.check(f"{TUNNEL_NAME}:18028")
    assert run.code == 0, run.stdout
    note = run.one("ADVERTISED_TUNNEL", 111)
    assert note["severity"] == "info" and note["evidence"]["tunnel_service"] == "ngrok.io"
    assert run.report["bootstraps"][0]["brokers"][0]["probe"]["attempts"][0]["address"] == f"{PUBLIC}.10"


def test_2d_tunnel_restarted_on_another_port(lab: Lab) -> None:
    c = compose(lab, three_listeners=True, tunnel_port=19999)
    assert c.outside is not None
    run = c.outside.check(f"{TUNNEL_NAME}:19999")  # the tunnel's new address
    assert run.code == 1
    unreachable = run.one("ADVERTISED_UNREACHABLE", 111)
    assert unreachable["address"] == f"{TUNNEL_NAME}:18028"
    assert unreachable["evidence"]["reason"] == "refused"
    assert "api/tunnels" in unreachable["fix"]
    stale = run.one("ADVERTISED_TUNNEL", 111)
    assert stale["severity"] == "error" and "another host:port" in stale["message"]


# --- 3. localhost advertised, client on another host ------------------------------


def test_3_localhost_advertised_connects_the_client_to_itself(lab: Lab) -> None:
    net = localhost_advertised(lab)
    run = net.laptop.check("10.50.0.10:9092")
    assert run.code == 1
    loopback = run.one("ADVERTISED_LOOPBACK", 111)
    assert loopback["severity"] == "error"
    assert loopback["evidence"]["bootstrap_address"] == "10.50.0.10"
    assert loopback["evidence"]["reached_from_here"] == "connection refused"
    assert "advertised.listeners=PLAINTEXT://10.50.0.10:9092" in loopback["fix"]
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "refused"


def test_3_localhost_advertised_reaches_another_local_service(lab: Lab) -> None:
    net = localhost_advertised(lab)
    net.laptop.broker("127.0.0.1", 9092, "localhost:9092", cluster_id="laptop-dev-cluster")
    run = net.laptop.check("10.50.0.10:9092")
    assert run.code == 1
    wrong = run.one("ADVERTISED_WRONG_BROKER", 111)
    assert wrong["evidence"]["seen_cluster_id"] == "laptop-dev-cluster"
    assert wrong["evidence"]["expected_cluster_id"] == "lab-cluster"
    loopback = run.one("ADVERTISED_LOOPBACK", 111)
    assert loopback["severity"] == "error"
    assert "a different Kafka" in loopback["evidence"]["reached_from_here"]


@pytest.mark.parametrize("service, answer", [("ssh", "ssh"), ("http", "http")])
def test_3_localhost_advertised_reaches_another_kind_of_server(lab: Lab, service: str, answer: str) -> None:
    net = localhost_advertised(lab)
    lab.spawn(net.laptop, [sys.executable, "-m", "tests.support.servers", service, "127.0.0.1", "9092"],
              f"{service}-server")
    net.laptop.wait_port("127.0.0.1", 9092)
    run = net.laptop.check("10.50.0.10:9092")
    not_kafka = run.one("ADVERTISED_NOT_KAFKA", 111)
    assert not_kafka["evidence"]["answer"] == answer
    reached = run.one("ADVERTISED_LOOPBACK", 111)["evidence"]["reached_from_here"]
    assert reached == f"a non-Kafka service on this host ({answer})"


# --- 4. published on the wrong host port ------------------------------------------


def test_4_advertised_port_not_published(lab: Lab) -> None:
    run = unpublished_port(lab).check("localhost:19092")  # docker run -p 19092:9092
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["address"] == "localhost:9092"
    assert finding["evidence"]["reason"] == "refused"
    assert "-p 9092:9092" in finding["fix"]


# --- 5. firewalled advertised port --------------------------------------------------


def test_5_firewalled_advertised_port_costs_one_timeout(lab: Lab) -> None:
    run = firewalled(lab, "DROP").laptop.check("10.50.0.10:9092", timeout="1")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["evidence"]["reason"] == "timeout"
    tcp = run.report["bootstraps"][0]["brokers"][0]["probe"]["attempts"][0]["tcp"]
    assert 900 <= tcp["elapsed_ms"] < 1500  # one probe timeout, not a hang
    assert run.report["duration_ms"] < 4000
    assert "firewall" in finding["fix"]


def test_5_rejected_advertised_port_is_refused(lab: Lab) -> None:
    run = firewalled(lab, "REJECT").laptop.check("10.50.0.10:9092")
    assert run.one("ADVERTISED_UNREACHABLE", 111)["evidence"]["reason"] == "refused"


# --- 6. split-horizon DNS -----------------------------------------------------------


def test_6_inside_the_corporate_network_is_healthy(lab: Lab) -> None:
    corp = corporate(lab)
    run = corp.inside.check("kafka.corp.example:9092")
    assert run.code == 0, run.stdout
    assert "ADVERTISED_PRIVATE_ADDRESS" not in run.codes()


def test_6_outside_client_gets_the_internal_private_address(lab: Lab) -> None:
    corp = corporate(lab)
    run = corp.leaky.check(f"{PUBLIC}.1:9092")
    assert run.code == 1
    unreachable = run.one("ADVERTISED_UNREACHABLE", 111)
    assert unreachable["evidence"]["reason"] == "unreachable"
    assert unreachable["evidence"]["attempts"][0]["address"] == "10.60.0.10"
    private = run.one("ADVERTISED_PRIVATE_ADDRESS", 111)
    assert private["severity"] == "error"
    assert private["evidence"]["resolved"] == ["10.60.0.10"]
    assert private["evidence"]["bootstrap_address"] == f"{PUBLIC}.1"


def test_6_outside_client_with_split_horizon_dns(lab: Lab) -> None:
    corp = corporate(lab)
    run = corp.outside.check(f"{PUBLIC}.1:9092")
    assert run.code == 0, run.stdout
    attempt = run.report["bootstraps"][0]["brokers"][0]["probe"]["attempts"][0]
    assert attempt["address"] == f"{PUBLIC}.1" and attempt["works"]


# --- 7. crossed port forward --------------------------------------------------------


def test_7_port_forward_crossed_between_two_clusters(lab: Lab) -> None:
    net = lab.network("dc")
    a, b, gateway = lab.host("broker-a"), lab.host("broker-b"), lab.host("gateway")
    client = lab.host("client")
    net.attach(a, "10.70.0.11")
    net.attach(b, "10.70.0.12")
    net.attach(gateway, "10.70.0.1")
    net.attach(client, "10.70.0.50")
    a.broker("0.0.0.0", 9092, "10.70.0.1:9092", cluster_id="cluster-a")
    b.broker("0.0.0.0", 9092, "10.70.0.1:9093", cluster_id="cluster-b")
    gateway.publish(9092, "10.70.0.12", 9092)  # crossed: 9092 leads to cluster b
    gateway.publish(9093, "10.70.0.11", 9092)  # and 9093 to cluster a
    run = client.check("10.70.0.1:9092")
    assert run.code == 1
    wrong = run.one("ADVERTISED_WRONG_BROKER", 111)
    assert wrong["address"] == "10.70.0.1:9093"
    assert wrong["evidence"]["expected_cluster_id"] == "cluster-b"
    assert wrong["evidence"]["seen_cluster_id"] == "cluster-a"


# --- 8. /etc/hosts and DNS disagree --------------------------------------------------


def test_8_hosts_file_and_dns_disagree(lab: Lab) -> None:
    run = stale_hosts_line(lab).laptop.check("10.50.0.10:9092")
    assert run.code == 1
    disagreement = run.one("RESOLVER_DISAGREEMENT")
    assert disagreement["severity"] == "warning"
    assert disagreement["evidence"]["hosts_file"] == ["10.50.0.99"]
    assert disagreement["evidence"]["dns_a"] == ["10.50.0.10"]
    # The check follows what the client library uses: /etc/hosts.
    unreachable = run.one("ADVERTISED_UNREACHABLE", 111)
    assert [a["address"] for a in unreachable["evidence"]["attempts"]] == ["10.50.0.99"]
    assert "10.50.0.99" in disagreement["message"]


# --- 9. address families ---------------------------------------------------------------


@pytest.mark.parametrize("listen, failing", [("0.0.0.0", "ipv6"), ("fd50::10", "ipv4")])
def test_9_name_with_both_families_but_broker_on_one(lab: Lab, listen: str, failing: str) -> None:
    records = Records(a={"kafka.example": ["10.50.0.10"]}, aaaa={"kafka.example": ["fd50::10"]})
    net = lan(lab, laptop_records=records, ipv6=True)
    ready = "fd50::10" if ":" in listen else "127.0.0.1"
    net.server.broker(listen, 9092, "kafka.example:9092", ready_on=ready)
    bootstrap = "[fd50::10]:9092" if ":" in listen else "10.50.0.10:9092"
    run = net.laptop.check(bootstrap)
    partial = run.one("ADVERTISED_PARTIALLY_REACHABLE", 111)
    assert partial["severity"] == "warning"
    assert partial["evidence"]["failing_families"] == [failing]
    families = {a["family"]: a["result"] for a in partial["evidence"]["attempts"]}
    assert families[failing] == "refused"
    assert families[{"ipv4": "ipv6", "ipv6": "ipv4"}[failing]] == "ok"
    # Clients get through, slowly: a warning, not an error (a failure names the errors it found).
    errors = [(f["code"], f["message"], f["evidence"]) for f in run.findings() if f["severity"] == "error"]
    assert run.code == 0, errors


# --- 10. Kubernetes-style ----------------------------------------------------------------


def test_10_kubectl_port_forward_to_a_headless_service_name(lab: Lab) -> None:
    name = HEADLESS_NAME
    run = port_forward(lab).check("localhost:9092")
    assert run.code == 1
    unresolvable = run.one("ADVERTISED_UNRESOLVABLE", 111)
    assert unresolvable["address"] == f"{name}:9092"
    assert "Kubernetes" in unresolvable["fix"] and "port-forward" in unresolvable["fix"]
    internal = run.one("ADVERTISED_INTERNAL_NAME", 111)
    assert "kubernetes_service" in internal["evidence"]["classification"]


def test_10_nodeport_advertising_the_container_port(lab: Lab) -> None:
    nodes = lab.network("nodes")
    pods = lab.network("pods")
    node, pod, client = lab.host("node"), lab.host("kafka-0"), lab.host("client")
    nodes.attach(node, "10.100.0.5")
    nodes.attach(client, "10.100.0.50")
    pods.attach(node, "10.96.0.1")
    pods.attach(pod, "10.96.0.10")
    pod.broker("0.0.0.0", 9092, "10.100.0.5:9092")  # should be the node port 30092
    node.publish(30092, "10.96.0.10", 9092)  # Service type NodePort
    run = client.check("10.100.0.5:30092")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["address"] == "10.100.0.5:9092"
    assert finding["evidence"]["reason"] == "refused"
    assert "NodePort" in finding["fix"]


# --- 11. a healthy multi-listener setup from every vantage point --------------------------


def test_11_healthy_listeners_from_every_vantage_point(lab: Lab) -> None:
    c = compose(lab, three_listeners=True, tunnel_port=18028)
    assert c.outside is not None
    vantages = [(c.app, "kafka:9092"), (c.app, "host.docker.internal:29092"),
                (c.outside, f"{TUNNEL_NAME}:18028")]
    for host, bootstrap in vantages:
        run = host.check(bootstrap)
        assert run.code == 0, (host.name, bootstrap, run.stdout)
        assert run.report["verdict"]["errors"] == 0
        assert not [f for f in run.report["findings"] if f["severity"] == "warning"]
        assert run.report["bootstraps"][0]["client"]["status"] == "ok"




# --- 12. three misdiagnoses a new user hit (issue 18) ------------------------------------


def test_12_stale_hosts_line_for_a_name_dns_does_not_know(lab: Lab) -> None:
    run = stale_hosts_nxdomain(lab).check("localhost:9092")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["evidence"]["source"] == "hosts"
    assert finding["evidence"]["hosts_file"] == [STALE_HOSTS_ADDRESS]
    assert finding["evidence"]["dns"]["status"] == "NXDOMAIN"
    assert "/etc/hosts" in finding["message"]
    assert finding["fix"].startswith("Remove or correct the `kafka` line in /etc/hosts "
                                     "(DNS does not know this name)")
    assert "firewall" not in finding["fix"]
    assert run.report["findings"][0]["code"] == "ADVERTISED_UNREACHABLE"  # the first thing to read


def test_12_localhost_advertised_to_an_app_container(lab: Lab) -> None:
    built = localhost_to_app_container(lab)
    run = built.app.check("host.docker.internal:9093")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    # Add a listener for containers; the host's clients keep using localhost:9093.
    assert "advertised.listeners=<current>,EXTERNAL://host.docker.internal:9093" in finding["fix"]
    assert "Keep PLAINTEXT://localhost:9093 for clients on the Docker host" in finding["fix"]
    assert run.one("ADVERTISED_LOOPBACK", 111)["fix"] == finding["fix"]
    # ... and those clients on the Docker host are fine with the listener as it is.
    assert built.host.check("localhost:9093").code == 0


def test_12_container_ip_advertised_to_another_network(lab: Lab) -> None:
    run = container_ip_other_network(lab).check("host.docker.internal:9096")
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["evidence"]["reason"] == "timeout"
    assert "firewall" not in finding["fix"]
    assert "reached broker 111 at host.docker.internal:9096" in finding["fix"]
    assert "advertised.listeners=<current>,EXTERNAL://host.docker.internal:9096" in finding["fix"]


def test_12_the_same_unreachable_broker_gives_the_same_code_every_time(lab: Lab) -> None:
    """librdkafka fails the metadata request or fetches it and then fails on the broker,
    whichever its timers hit first; the finding code must not follow that race."""
    app = container_ip_other_network(lab)
    seen = []
    for _ in range(20):
        run = app.check("host.docker.internal:9096")
        seen.append(tuple(sorted(f["code"] for f in run.findings() if f["code"].startswith("CLIENT_"))))
    assert set(seen) == {("CLIENT_BROKER_UNREACHABLE",)}, seen
