"""`listencheck check` against real Tansu brokers and real misbehaving servers on loopback.

Every finding that can be produced without name resolution is produced here for
real, through the command line, and its code, severity, broker id and evidence
are asserted. (Findings that need a resolver of their own are in the namespace
lab tests: tests/test_lab_scenarios.py and tests/test_lab_tls.py.)
"""

from __future__ import annotations

import pytest

from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json
from tests.support.scripted import Request, ScriptedKafka, api_versions_v0, frame
from tests.support.servers import closed_port, http, silent, ssh_banner, tcp_server

pytestmark = pytest.mark.tansu


def test_healthy_listener_has_no_error_and_exits_0(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    run = check_json(broker.listen)
    assert run.code == 0, run.stdout
    report = run.report
    assert report["verdict"]["errors"] == 0
    b = report["bootstraps"][0]
    assert b["answered"] and b["metadata"]["cluster_id"] == "test-cluster"
    assert [x["node_id"] for x in b["brokers"]] == [111]
    (adv,) = b["brokers"]
    assert adv["probe"]["works"] and adv["identity"]["status"] == "ok"
    attempt = adv["probe"]["attempts"][0]
    assert attempt["kafka"]["detail"]["answer"] == "kafka"
    assert "3" in attempt["kafka"]["detail"]["api_versions"]  # Metadata
    assert b["client"]["status"] == "ok"
    # localhost-style address, client on the same host: a note, not an error.
    note = run.one("ADVERTISED_LOOPBACK", 111)
    assert note["severity"] == "info" and note["evidence"]["works_from_here"] is True


def test_localhost_advertised_is_informational_on_one_host(tansu: BrokerFactory) -> None:
    broker = tansu.start("localhost:{port}")
    run = check_json(broker.listen)
    assert run.code == 0
    assert run.one("ADVERTISED_LOOPBACK", 111)["severity"] == "info"
    assert "BOOTSTRAP_REDIRECT" not in run.codes()  # 127.0.0.1 and localhost: same target


def test_advertised_port_where_nothing_listens(tansu: BrokerFactory) -> None:
    port = closed_port()
    broker = tansu.start(f"127.0.0.1:{port}")
    run = check_json(broker.listen)
    assert run.code == 1
    finding = run.one("ADVERTISED_UNREACHABLE", 111)
    assert finding["severity"] == "error"
    assert finding["address"] == f"127.0.0.1:{port}"
    assert finding["evidence"]["reason"] == "refused"
    assert finding["evidence"]["attempts"][0]["address"] == "127.0.0.1"
    assert f"-p {port}:{port}" in finding["fix"]
    # Right host, wrong port (issue 11): the fix says the port is wrong and where the broker
    # answers; the loopback host is right for this client, so that is only a note.
    assert "the port is wrong" in finding["fix"]
    assert f"advertised.listeners=LISTENER://127.0.0.1:{broker.listen_port}" in finding["fix"]
    assert finding["evidence"]["bootstrap_path"]["path"] == "other_port"
    loopback = run.one("ADVERTISED_LOOPBACK", 111)
    assert loopback["severity"] == "info" and "the port is not" in loopback["message"]
    redirect = run.one("BOOTSTRAP_REDIRECT")
    assert redirect["severity"] == "info"
    assert redirect["evidence"]["advertised"] == [f"127.0.0.1:{port}"]


def test_wildcard_advertised_works_only_on_the_broker_host(tansu: BrokerFactory) -> None:
    broker = tansu.start("0.0.0.0:{port}")
    run = check_json(broker.listen)
    finding = run.one("ADVERTISED_WILDCARD", 111)
    assert finding["severity"] == "warning"
    assert "listeners=PLAINTEXT://0.0.0.0" in finding["fix"]
    assert run.code == 0


def test_advertised_port_of_another_service(tansu: BrokerFactory) -> None:
    with tcp_server(http) as port:
        broker = tansu.start(f"127.0.0.1:{port}")
        run = check_json(broker.listen)
    finding = run.one("ADVERTISED_NOT_KAFKA", 111)
    assert finding["severity"] == "error"
    assert finding["evidence"]["answer"] == "http"
    assert finding["evidence"]["first_bytes"].startswith("HTTP/1.1 400")
    assert run.code == 1


def test_advertised_address_reaches_another_cluster(tansu: BrokerFactory) -> None:
    other = tansu.start("127.0.0.1:{port}", cluster_id="other-cluster")
    broker = tansu.start(f"127.0.0.1:{other.listen_port}", cluster_id="test-cluster")
    run = check_json(broker.listen)
    finding = run.one("ADVERTISED_WRONG_BROKER", 111)
    assert finding["severity"] == "error"
    assert finding["evidence"]["expected_cluster_id"] == "test-cluster"
    assert finding["evidence"]["seen_cluster_id"] == "other-cluster"
    assert run.code == 1


def test_advertised_address_reaches_a_listener_advertising_elsewhere(tansu: BrokerFactory) -> None:
    # Two listeners of one cluster: the first advertises the second's port, the
    # second advertises a third address. A client is moved on again after connecting.
    elsewhere = closed_port()
    second = tansu.start(f"127.0.0.1:{elsewhere}")
    first = tansu.start(f"127.0.0.1:{second.listen_port}")
    run = check_json(first.listen)
    finding = run.one("ADVERTISED_LISTENER_MISMATCH", 111)
    assert finding["severity"] == "warning"
    assert finding["evidence"]["advertised_there"] == f"127.0.0.1:{elsewhere}"


def test_two_brokers_advertising_one_address() -> None:
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, "127.0.0.1", script.port)]
        run = check_json(script.address)
    finding = run.one("ADVERTISED_DUPLICATE")
    assert finding["severity"] == "error"
    assert finding["evidence"]["broker_ids"] == [1, 2]
    assert run.code == 1


@pytest.mark.parametrize("host, port, problem", [
    ("", 9092, "empty host"),
    ("kafka:9092", 9092, "':'"),
    ("kafka", 70000, "port 70000"),
    ("kafka", 0, "port 0"),
    ("bröker", 9092, "non-ASCII"),
    ("a" * 300, 9092, "longer than"),
])
def test_unusable_advertised_address(host: str, port: int, problem: str) -> None:
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, host, port)]
        run = check_json(script.address)
    finding = run.one("ADVERTISED_INVALID_ADDRESS", 2)
    assert problem in finding["evidence"]["problem"]
    assert run.code == 1


def test_metadata_without_brokers() -> None:
    with ScriptedKafka(brokers=[]) as script:
        run = check_json(script.address)
    assert run.one("BOOTSTRAP_NO_BROKERS")["severity"] == "error"
    assert run.code == 1


def test_bootstrap_port_closed_exits_3() -> None:
    port = closed_port()
    run = check_json(f"127.0.0.1:{port}")
    assert run.code == 3
    finding = run.one("BOOTSTRAP_UNREACHABLE")
    assert finding["severity"] == "error"
    assert finding["evidence"]["attempts"][0]["result"] == "refused"
    assert run.report["bootstraps"][0]["client"]["status"] == "not_run"


@pytest.mark.parametrize("behaviour, answer", [(http, "http"), (ssh_banner, "ssh"), (silent, "silent")])
def test_bootstrap_is_not_kafka(behaviour: object, answer: str) -> None:
    with tcp_server(behaviour) as port:  # type: ignore[arg-type]
        run = check_json(f"127.0.0.1:{port}", "--timeout", "0.5")
    finding = run.one("BOOTSTRAP_NOT_KAFKA")
    assert finding["evidence"]["answer"] == answer
    assert run.code == 3


def test_one_dead_server_in_a_working_bootstrap_list_is_a_warning(tansu: BrokerFactory) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    dead = closed_port()
    run = check_json(f"127.0.0.1:{dead},{broker.listen}")
    finding = run.one("BOOTSTRAP_UNREACHABLE")
    assert finding["severity"] == "warning"
    assert run.report["bootstraps"][0]["metadata"]["source"] == broker.listen
    assert run.code == 0


def test_bootstrap_list_spanning_two_clusters(tansu: BrokerFactory) -> None:
    a = tansu.start("127.0.0.1:{port}", cluster_id="cluster-a")
    b = tansu.start("127.0.0.1:{port}", cluster_id="cluster-b")
    run = check_json(f"{a.listen},{b.listen}")
    finding = next(f for f in run.findings("BOOTSTRAP_CLUSTER_MISMATCH") if f["severity"] == "error")
    assert set(finding["evidence"]["clusters"]) == {"cluster-a", "cluster-b"}


def test_several_listeners_each_checked(tansu: BrokerFactory) -> None:
    good = tansu.start("127.0.0.1:{port}", cluster_id="one")
    bad = tansu.start(f"127.0.0.1:{closed_port()}", cluster_id="one")
    run = check_json(good.listen, bad.listen)
    report = run.report
    assert [b["argument"] for b in report["bootstraps"]] == [good.listen, bad.listen]
    unreachable = run.one("ADVERTISED_UNREACHABLE")
    assert unreachable["bootstrap"] == bad.listen
    assert run.code == 1


def test_client_library_failure_is_reported() -> None:
    # A broker that answers ApiVersions v0 (our probe) but hangs up on the newer
    # ApiVersions librdkafka sends first, as some old proxies do.
    script = ScriptedKafka()

    def picky(request: Request) -> bytes | None:
        if request.api_key == 18 and request.version > 0:
            return None
        return script.default_answer(request)

    script.responder = picky
    with script:
        script.brokers = [(1, "127.0.0.1", script.port)]
        run = check_json(script.address, "--timeout", "1.5")
    finding = run.one("CLIENT_METADATA_FAILED")
    assert finding["severity"] == "error"
    assert finding["evidence"]["error"]
    assert run.code == 1


def test_deadline_cuts_the_run_short_without_blaming_the_broker() -> None:
    def responder(request: Request) -> bytes | None:
        if request.api_key == 18:
            return frame(request.correlation_id, api_versions_v0([(3, 0, 12)]))
        return b""  # never answer Metadata

    with ScriptedKafka(responder=responder) as script:
        run = check_json(script.address, "--timeout", "5", "--deadline", "0.6", timeout=20)
    report = run.report
    assert report["deadline_hit"] is True
    assert report["duration_ms"] < 3000
    assert "RUN_INCOMPLETE" in run.codes()
    assert "BOOTSTRAP_METADATA_FAILED" not in run.codes()
    metadata = report["bootstraps"][0]["servers"][0]["attempts"][0]["metadata"]
    assert metadata["status"] == "not_run" and metadata["error"]["reason"] == "deadline"
