"""The deep probes themselves, with real packets on a routed lab path (client, r1, r2, server).

The probes run in this test process, on a thread that joined the client's
namespace: scapy was imported (or not) in the test's own namespace, so these
also show that the probes follow the namespace's routes, not scapy's table.
"""

from __future__ import annotations

import asyncio

import pytest

from listencheck.deepmodels import Answer, MtuDetail, PathDetail, Responder
from listencheck.probes.deep.mtu import path_mtu
from listencheck.probes.deep.path import trace
from listencheck.probes.deep.raw import RawChannel
from tests.lab import Lab
from tests.lab.netns import in_namespace
from tests.lab.paths import R1, R2, R2_6, SERVER, SERVER6, RoutedPath, routed_path

PORT = 9093


def _trace(path: RoutedPath, address: str = SERVER, port: int = PORT) -> PathDetail:
    async def run() -> PathDetail:
        channel = RawChannel(6 if ":" in address else 4)
        channel.start()
        try:
            return await trace(channel, address, port, 2.0)
        finally:
            channel.close()

    return in_namespace(path.client.ns, lambda: asyncio.run(run()))


def _mtu(path: RoutedPath) -> MtuDetail:
    async def run() -> MtuDetail:
        channel = RawChannel(4)
        channel.start()
        try:
            return await path_mtu(channel, SERVER, 3.0)
        finally:
            channel.close()

    return in_namespace(path.client.ns, lambda: asyncio.run(run()))


def _routers(detail: PathDetail) -> list[str | None]:
    return [h.address for h in detail.hops]


def test_open_port_answers_syn_ack_from_the_host_three_hops_away(lab: Lab) -> None:
    path = routed_path(lab)
    lab.spawn(path.server, ["socat", f"TCP4-LISTEN:{PORT},fork,reuseaddr", "SYSTEM:true"], "listener")
    path.server.wait_port(SERVER, PORT)
    detail = _trace(path)
    assert detail.syn.answer is Answer.SYN_ACK and detail.syn.responder is Responder.HOST
    assert detail.syn.source == SERVER and detail.syn.hop == 3 and detail.host_hop == 3
    assert _routers(detail) == [R1, R2]


def test_closed_port_is_reset_by_the_host(lab: Lab) -> None:
    path = routed_path(lab)
    detail = _trace(path)
    assert detail.syn.answer is Answer.RST and detail.syn.responder is Responder.HOST
    assert detail.syn.hop == 3 and _routers(detail) == [R1, R2]


@pytest.mark.parametrize("where", ["server", "r2"])
def test_dropped_silently_names_the_last_hop_that_answered(lab: Lab, where: str) -> None:
    path = routed_path(lab)
    path.firewall(getattr(path, where), "DROP", PORT)
    detail = _trace(path)
    assert detail.syn.answer is Answer.NOTHING
    assert detail.last_hop is not None and detail.last_hop.address == R2 and detail.last_hop.ttl == 2
    assert detail.host_hop is None


@pytest.mark.parametrize("reject_with, code, name", [
    ("icmp-port-unreachable", 3, "port unreachable"),
    ("icmp-admin-prohibited", 13, "communication administratively prohibited"),
    ("icmp-host-unreachable", 1, "host unreachable"),
])
def test_icmp_reject_on_the_host(lab: Lab, reject_with: str, code: int, name: str) -> None:
    path = routed_path(lab)
    path.firewall(path.server, "REJECT", PORT, reject_with)
    detail = _trace(path)
    syn = detail.syn
    assert (syn.answer, syn.icmp_type, syn.icmp_code, syn.icmp_name) == (Answer.ICMP, 3, code, name)
    assert syn.responder is Responder.HOST and syn.source == SERVER and syn.hop == 3


@pytest.mark.parametrize("reject_with, code", [
    ("icmp-port-unreachable", 3), ("icmp-admin-prohibited", 13), ("icmp-host-unreachable", 1)])
def test_icmp_reject_on_a_router_two_hops_away_names_it(lab: Lab, reject_with: str, code: int) -> None:
    path = routed_path(lab)
    path.firewall(path.r2, "REJECT", PORT, reject_with)
    syn = _trace(path).syn
    assert (syn.answer, syn.icmp_code) == (Answer.ICMP, code)
    assert syn.responder is Responder.PATH and syn.source == R2 and syn.hop == 2


def test_tcp_reset_on_the_host_comes_from_the_host(lab: Lab) -> None:
    path = routed_path(lab)
    path.firewall(path.server, "REJECT", PORT, "tcp-reset")
    syn = _trace(path).syn
    assert syn.answer is Answer.RST and syn.responder is Responder.HOST and syn.hop == 3


def test_tcp_reset_forged_by_a_router_is_told_apart_by_its_ttl(lab: Lab) -> None:
    path = routed_path(lab)
    path.firewall(path.r2, "REJECT", PORT, "tcp-reset")
    detail = _trace(path)
    syn = detail.syn
    assert syn.answer is Answer.RST and syn.source == SERVER  # the RST carries the host's address...
    assert syn.responder is Responder.PATH and syn.hop == 2  # ...but crossed only one router
    assert detail.hops[syn.hop - 1].address == R2


def test_missing_route_on_the_first_router(lab: Lab) -> None:
    path = routed_path(lab)
    path.break_route()
    syn = _trace(path).syn
    assert (syn.answer, syn.icmp_name) == (Answer.ICMP, "network unreachable")
    assert syn.responder is Responder.PATH and syn.source == R1 and syn.hop == 1


def test_no_route_on_this_machine(lab: Lab) -> None:
    path = routed_path(lab)
    from tests.lab.netns import sh

    sh("ip", "-n", path.client.ns, "route", "del", "default")
    syn = _trace(path).syn
    assert syn.answer is Answer.LOCAL_ERROR and syn.responder is Responder.LOCAL
    assert syn.error == "no route to the network from this machine"


def test_ipv6_admin_prohibited_on_a_router(lab: Lab) -> None:
    path = routed_path(lab)
    path.firewall(path.r2, "REJECT", PORT, "icmp-admin-prohibited")
    detail = _trace(path, SERVER6)
    syn = detail.syn
    assert (syn.answer, syn.icmp_type, syn.icmp_code) == (Answer.ICMP, 1, 1)
    assert syn.responder is Responder.PATH and syn.source == R2_6 and syn.hop == 2


def test_mtu_black_hole_reports_the_size_that_passes(lab: Lab) -> None:
    path = routed_path(lab)
    path.mtu_black_hole(1200)
    detail = _mtu(path)
    assert detail.route_mtu == 1500
    assert detail.black_hole
    assert detail.largest_passing is not None and detail.smallest_failing is not None
    assert 1100 < detail.largest_passing <= 1200 < detail.smallest_failing <= 1280


def test_healthy_path_has_no_mtu_limit(lab: Lab) -> None:
    path = routed_path(lab)
    detail = _mtu(path)
    assert detail.largest_passing == 1500 and detail.smallest_failing is None and not detail.black_hole
