"""SNI-routed TLS listeners for real: HAProxy (req.ssl_sni) in front of TLS-terminated brokers.

Every name (bootstrap and brokers 1-3) resolves to the router's one address and
port inside a lab host; the router passes each connection through to the broker
its server name belongs to, as an ingress or OpenShift route in passthrough mode
does for Strimzi. Then the same router done wrong three ways.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab import Lab
from tests.lab.sni import (
    BOOTSTRAP,
    DEFAULT_CN,
    FAKE_CN,
    NGINX_STREAM,
    ROUTER_PORT,
    SniLab,
    broker_name,
    sni_lab,
)
from tests.support.cli import Run
from tests.support.prereq import need, need_commands
from tests.support.rdkafka import librdkafka_metadata

TLS_CODES = {"TLS_HOSTNAME_MISMATCH", "TLS_UNTRUSTED_CERTIFICATE", "TLS_ROUTER_DEFAULT_CERTIFICATE",
             "TLS_SNI_WRONG_BROKER", "TLS_CERT_EXPIRED"}


@pytest.fixture
def sni(lab: Lab, tmp_path: Path) -> Iterator[SniLab]:
    need_commands("haproxy")
    with sni_lab(lab.host("client"), tmp_path) as built:
        yield built


def check(s: SniLab, *extra: str, target: str | None = None) -> Run:
    return s.host.check(target or s.bootstrap, "-X", "security.protocol=SSL", "-X",
                        f"ssl.ca.location={s.ca.pem}", *extra, timeout="3")


def tls_of(run: Run, node_id: int | None = None) -> Any:
    b = run.report["bootstraps"][0]
    probe = b["servers"][0] if node_id is None else \
        next(x["probe"] for x in b["brokers"] if x["node_id"] == node_id)
    return probe["attempts"][0]["tls"]["detail"]


def ssl_settings(s: SniLab, **extra: str) -> dict[str, str]:
    return {"security.protocol": "SSL", "ssl.ca.location": str(s.ca.pem), **extra}


def test_passthrough_routes_every_name_to_its_broker(sni: SniLab) -> None:
    sni.route(sni.passthrough())  # unknown names and no name at all: refused
    run = check(sni)
    assert run.code == 0, run.stdout
    assert not TLS_CODES & set(run.codes())
    assert tls_of(run)["server_name"] == BOOTSTRAP  # the bootstrap host for the bootstrap
    for node_id in (1, 2, 3):
        detail = tls_of(run, node_id)
        assert detail["server_name"] == broker_name(node_id)  # the advertised host, as SNI
        assert detail["certificate"]["common_name"] == f"broker-{node_id}"
        assert detail["without_server_name"] is None  # no extra handshake when all is well
    # librdkafka sends the name even with hostname verification off (the router refuses
    # connections without one, so this proves it): such a client keeps working here.
    for extra in ({}, {"ssl.endpoint.identification.algorithm": "none"}):
        rdkafka = librdkafka_metadata(sni.bootstrap, ssl_settings(sni, **extra), sni.host.prefix)
        assert "error_code" not in rdkafka and not rdkafka["unreachable"], rdkafka
    assert check(sni, "-X", "ssl.endpoint.identification.algorithm=none").code == 0


def test_a_balanced_bootstrap_name_beside_routed_broker_names_is_healthy(sni: SniLab) -> None:
    # Strimzi's bootstrap route leads to a Service over every broker; the broker names share the
    # router's address and port, but the router sends each to its own broker.
    sni.route(sni.passthrough(balanced=True))
    run = check(sni)
    assert run.code == 0, run.stdout
    assert not {"ADVERTISED_LOAD_BALANCER", "ADVERTISED_WRONG_BROKER"} & set(run.codes())
    assert not TLS_CODES & set(run.codes())
    balanced = run.one("BOOTSTRAP_LOAD_BALANCED")  # seen, and rightly not blamed
    assert balanced["severity"] == "info" and balanced["evidence"]["advertised_working"] == 3


def test_an_ip_is_never_sent_as_server_name(sni: SniLab) -> None:
    sni.route(sni.passthrough())
    run = check(sni, target=f"127.0.0.1:{ROUTER_PORT}")
    detail = tls_of(run)
    assert detail["server_name"] is None  # RFC 6066: no IP literal in server_name...
    assert detail["failure"] == "closed"  # ...so the router, which routes by name, hangs up
    assert run.code == 3, run.stdout


def test_an_unknown_name_gets_the_routers_default_certificate(sni: SniLab) -> None:
    routes = sni.passthrough()
    del routes[broker_name(2)]  # the Ingress for broker 2 is missing
    sni.route(routes, default=sni.default_front)
    run = check(sni)
    assert run.code == 1, run.stdout
    finding = run.one("TLS_ROUTER_DEFAULT_CERTIFICATE", 2)
    assert finding["severity"] == "error"
    evidence = finding["evidence"]
    assert evidence["server_name"] == broker_name(2)
    # Not a certificate known by name: told by the other names at the same address and port.
    assert evidence["router_default"] is None
    assert {n["host"] for n in evidence["same_address_other_names"]} == {
        BOOTSTRAP, broker_name(1), broker_name(3)}
    assert "names DNS:router.lab.test" in finding["message"]
    assert "picks the destination by server name" in finding["message"]
    fix = finding["fix"]
    assert "--enable-ssl-passthrough" in fix and "tls.termination: passthrough" in fix
    assert "req.ssl_sni -i b2.kafka.lab.test" in fix and "ssl_preread" in fix
    assert "configuration.brokers[].host" in fix and "managed service" in fix
    assert "stop sending the server name" in fix
    # The router's certificate is not judged as the broker's: one diagnosis, not three.
    assert not {"TLS_HOSTNAME_MISMATCH", "TLS_UNTRUSTED_CERTIFICATE"} & set(run.codes())
    problem = next(p for p in run.report["problems"] if "TLS_ROUTER_DEFAULT_CERTIFICATE" in p["codes"])
    assert problem["codes"] == ["TLS_ROUTER_DEFAULT_CERTIFICATE", "CLIENT_BROKER_UNREACHABLE"]
    for node_id in (1, 3):
        assert tls_of(run, node_id)["verified"] is True


def test_a_router_that_terminates_tls_shows_its_default_certificate_for_every_name(sni: SniLab) -> None:
    sni.terminate()  # passthrough off: the router's own certificate for every name
    run = check(sni)
    assert run.code == 1, run.stdout
    defaults = run.findings("TLS_ROUTER_DEFAULT_CERTIFICATE")
    assert {f["address"] for f in defaults} == {sni.bootstrap, *(f"{broker_name(n)}:{ROUTER_PORT}"
                                                                for n in (1, 2, 3))}
    assert len({f["evidence"]["certificate_sha256"] for f in defaults}) == 1
    broker = run.one("TLS_ROUTER_DEFAULT_CERTIFICATE", 1)
    assert "terminates TLS itself" in broker["message"]
    assert FAKE_CN in broker["evidence"]["certificate"]["subject"]
    assert broker["evidence"]["router_default"] == "ingress-nginx's default (fake) certificate"
    assert "--enable-ssl-passthrough" in broker["fix"] and "req.ssl_sni" not in broker["fix"]
    # One cause, one problem: the router's certificate, shown to every name.
    grouped = [p for p in run.report["problems"] if "TLS_ROUTER_DEFAULT_CERTIFICATE" in p["codes"]]
    assert len(grouped) == 1, grouped
    assert "The same holds for broker 1" in grouped[0]["headline"]
    assert len(grouped[0]["findings"]) >= 4
    assert not {"TLS_HOSTNAME_MISMATCH", "TLS_UNTRUSTED_CERTIFICATE"} & set(run.codes())
    text = sni.host.text(sni.bootstrap, "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={sni.ca.pem}",
                         timeout="3")
    assert "TLS_ROUTER_DEFAULT_CERTIFICATE" in text.stdout
    assert text.stdout.count("The same holds for") == 1
    for node_id in (1, 2, 3):  # each broker's own findings, named under the one problem
        assert f"TLS_ROUTER_DEFAULT_CERTIFICATE (broker {node_id})" in text.stdout


def test_a_name_routed_to_the_wrong_broker(sni: SniLab) -> None:
    routes = sni.passthrough()
    routes[broker_name(2)] = sni.fronts[1]  # broker 2's name sent to broker 1
    sni.route(routes, default=sni.default_front)
    run = check(sni)
    assert run.code == 1, run.stdout
    finding = run.one("TLS_SNI_WRONG_BROKER", 2)
    evidence = finding["evidence"]
    assert evidence["other_broker_id"] == 1 and evidence["other_broker_host"] == broker_name(1)
    assert evidence["server_name"] == broker_name(2)
    # With no server name the router's default answers: the listener answers by name.
    assert evidence["without_server_name"]["depends_on_server_name"] is True
    assert DEFAULT_CN in evidence["without_server_name"]["certificate_subject"]
    assert "sends b2.kafka.lab.test to broker 1" in finding["message"]
    assert "TLS_HOSTNAME_MISMATCH" not in run.codes()
    assert "TLS_ROUTER_DEFAULT_CERTIFICATE" not in run.codes()
    # Without hostname verification the connection goes through, to broker 1, which says so:
    # still an error, and one problem with what the identity check found.
    lenient = check(sni, "-X", "ssl.endpoint.identification.algorithm=none")
    assert lenient.one("TLS_SNI_WRONG_BROKER", 2)["severity"] == "error"
    assert lenient.one("ADVERTISED_WRONG_BROKER", 2)["evidence"]
    problem = next(p for p in lenient.report["problems"] if "TLS_SNI_WRONG_BROKER" in p["codes"])
    assert problem["codes"][:2] == ["TLS_SNI_WRONG_BROKER", "ADVERTISED_WRONG_BROKER"]
    assert not [p for p in lenient.report["problems"] if p["codes"] == ["ADVERTISED_WRONG_BROKER"]]



def test_nginx_ssl_preread_passes_through_and_sends_unknown_names_to_its_default(sni: SniLab) -> None:
    need_commands("nginx")
    need(Path(NGINX_STREAM).exists(), "nginx stream module not installed (libnginx-mod-stream)")
    routes = sni.passthrough()
    del routes[broker_name(3)]
    sni.route_nginx(routes, default=sni.default_front)
    run = check(sni)
    assert run.code == 1, run.stdout
    finding = run.one("TLS_ROUTER_DEFAULT_CERTIFICATE", 3)
    assert DEFAULT_CN in finding["evidence"]["certificate"]["subject"]
    assert finding["evidence"]["server_name"] == broker_name(3)
    assert {c for c in run.codes() if c.startswith("TLS_")} == {"TLS_ROUTER_DEFAULT_CERTIFICATE"}
    for node_id in (1, 2):
        assert tls_of(run, node_id)["verified"] is True


def _tables(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[:lines.index("Findings")]


@pytest.mark.parametrize("columns", [160, 120, 100, 80, 60])
def test_the_tls_cell_says_whose_certificate_answered_at_every_width(sni: SniLab, columns: int) -> None:
    routes = sni.passthrough()
    del routes[broker_name(2)]  # broker 2's name: the router's default certificate
    routes[broker_name(3)] = sni.fronts[1]  # broker 3's name: broker 1's certificate
    sni.route(routes, default=sni.default_front)
    run = sni.host.text(sni.bootstrap, "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={sni.ca.pem}",
                        timeout="3", columns=columns)
    assert run.code == 1, run.stdout
    tables = _tables(run.stdout)
    assert not [line for line in tables if "…" in line], run.stdout  # nothing cut
    body = run.stdout.splitlines()[:-1]  # the verdict is one line whatever the width
    assert all(len(line) <= columns for line in body), [line for line in body if len(line) > columns]
    for node_id in (1, 2, 3):  # every advertised address whole on one line
        assert any(f"{broker_name(node_id)}:{ROUTER_PORT}" in line for line in tables), run.stdout
    words = " ".join(" ".join(tables).split())
    assert "tls_failed" not in words  # what happened, not a generic failure
    rows = {n: [line for line in tables if f" {broker_name(n)}:{ROUTER_PORT} " in line] for n in (2, 3)}
    if rows[2]:  # the table, as wide as it takes: the cell whole on the broker's row
        assert "✗ router default cert" in rows[2][0] and "✗ cert of broker 1" in rows[3][0], run.stdout
        assert columns >= 100
    else:  # one block per broker
        assert f"broker 2 {broker_name(2)}:{ROUTER_PORT} resolves to ✓ 127.0.0.1 · TCP ✓ · TLS ✗ router " \
               "default cert" in words, run.stdout
        assert "TLS ✗ cert of broker 1" in words.split(f"broker 3 {broker_name(3)}")[1], run.stdout


def test_the_tls_cell_in_html_and_markdown(sni: SniLab) -> None:
    from listencheck.render.html import render_html_document
    from listencheck.render.markdown import render_markdown_document

    routes = sni.passthrough()
    del routes[broker_name(2)]
    routes[broker_name(3)] = sni.fronts[1]
    sni.route(routes, default=sni.default_front)
    run = check(sni)
    assert run.one("TLS_ROUTER_DEFAULT_CERTIFICATE", 2) and run.one("TLS_SNI_WRONG_BROKER", 3)
    markdown = render_markdown_document(run.report)
    rows = {n: next(line for line in markdown.splitlines() if line.startswith(f"| {n} |")) for n in (2, 3)}
    assert "✗ router default cert" in rows[2] and "✗ cert of broker 1" in rows[3], markdown
    html = render_html_document(run.report)
    assert ">✗ router default cert</td>" in html and ">✗ cert of broker 1</td>" in html


def test_the_fix_follows_the_platform(sni: SniLab) -> None:
    sni.terminate()  # ingress-nginx's fake certificate for every name
    strimzi = check(sni, "--platform", "strimzi").one("TLS_ROUTER_DEFAULT_CERTIFICATE", 1)["fix"]
    assert strimzi.index("Strimzi: a listener of type ingress") < strimzi.index("--enable-ssl-passthrough")
    assert "tls.termination" not in strimzi  # the router is ingress-nginx, not OpenShift's
    assert "req.ssl_sni" not in strimzi and "managed service" not in strimzi
    managed = check(sni, "--platform", "managed").one("TLS_ROUTER_DEFAULT_CERTIFICATE", 1)["fix"]
    assert "managed service" in managed and "must be one the service gave" in managed
    assert "--enable-ssl-passthrough" not in managed and "Strimzi" not in managed
    own = check(sni, "--platform", "properties").one("TLS_ROUTER_DEFAULT_CERTIFICATE", 1)["fix"]
    assert "--enable-ssl-passthrough" in own and "Strimzi" not in own and "managed service" not in own
    auto = check(sni).one("TLS_ROUTER_DEFAULT_CERTIFICATE", 1)["fix"]  # unknown: every step
    assert "Strimzi" in auto and "managed service" in auto and "--enable-ssl-passthrough" in auto


def test_the_wrong_broker_fix_follows_the_platform(sni: SniLab) -> None:
    routes = sni.passthrough()
    del routes[broker_name(2)]  # unknown router: every router's steps, narrowed by the platform
    routes[broker_name(3)] = sni.fronts[1]
    sni.route(routes, default=sni.default_front)
    run = check(sni, "--platform", "strimzi")
    default, wrong = (run.one("TLS_ROUTER_DEFAULT_CERTIFICATE", 2)["fix"],
                      run.one("TLS_SNI_WRONG_BROKER", 3)["fix"])
    assert default.startswith("Make the router pass TLS") and "Strimzi: a listener" in default
    assert "--enable-ssl-passthrough" in default and "tls.termination: passthrough" in default
    assert "req.ssl_sni" not in default and "managed service" not in default
    assert "configuration.brokers[].host" in wrong and "broker: 3" in wrong and "req.ssl_sni" not in wrong
    run = check(sni, "--platform", "cp-kafka")
    default, wrong = (run.one("TLS_ROUTER_DEFAULT_CERTIFICATE", 2)["fix"],
                      run.one("TLS_SNI_WRONG_BROKER", 3)["fix"])
    assert "req.ssl_sni -i b2.kafka.lab.test" in default and "Strimzi" not in default
    assert "req.ssl_sni -i b3.kafka.lab.test" in wrong and "Strimzi" not in wrong
    wrong = check(sni, "--platform", "managed").one("TLS_SNI_WRONG_BROKER", 3)["fix"]
    assert "report it to the provider" in wrong and "HAProxy" not in wrong
