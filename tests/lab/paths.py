"""A routed path for the deep probes: client, two routers, server, each on its own network.

    client 10.71.1.10 --net a-- r1 (.1.1 / .2.1) --net b-- r2 (.2.2 / .3.1) --net c-- server 10.71.3.10
    fd71:1::10                  fd71:1::1 fd71:2::1        fd71:2::2 fd71:3::1          fd71:3::10

From the client, r1 is hop 1, r2 hop 2 and the server hop 3. Every address
exists only inside the lab's namespaces; nothing routes out of them.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from functools import partial

from tests.lab import Host, Lab
from tests.lab.netns import in_namespace, sh

SERVER = "10.71.3.10"
SERVER6 = "fd71:3::10"
R1, R2 = "10.71.1.1", "10.71.2.2"  # the addresses each router answers the client from
R2_6 = "fd71:2::2"


@dataclass
class RoutedPath:
    lab: Lab
    client: Host
    r1: Host
    r2: Host
    server: Host
    r2_link_b: str  # r2's interface on net b (towards the client)

    def wait_until_routed(self, timeout: float = 5) -> None:
        """Until the server refuses a connection from the client in both families (neighbours known)."""
        def refused(address: str) -> bool:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                try:
                    socket.create_connection((address, 9), timeout=0.2).close()
                except ConnectionRefusedError:
                    return True
                except OSError:
                    time.sleep(0.05)
            return False

        for address in (SERVER, SERVER6):
            if not in_namespace(self.client.ns, partial(refused, address)):
                raise RuntimeError(f"the lab path to {address} does not work")

    def firewall(self, where: Host, action: str, port: int, reject_with: str | None = None) -> None:
        """iptables (and ip6tables) on ``where``: INPUT on the server, FORWARD on a router."""
        chain = "INPUT" if where is self.server else "FORWARD"
        rule = ["-p", "tcp", "--dport", str(port), "-j", action]
        if reject_with:
            rule += ["--reject-with", reject_with]
        sh(*where.prefix, "iptables", "-A", chain, *rule)
        six = {"icmp-port-unreachable": "icmp6-port-unreachable",
               "icmp-admin-prohibited": "icmp6-adm-prohibited",
               "icmp-host-unreachable": "icmp6-addr-unreachable", "tcp-reset": "tcp-reset"}
        rule6 = [*rule[:-2], "--reject-with", six[reject_with]] if reject_with else rule
        sh(*where.prefix, "ip6tables", "-A", chain, *rule6)

    def break_route(self) -> None:
        """r1 forgets the way to the server's network: it answers "network unreachable".

        (At most 1 a second after a burst of 5, net.ipv4.route.error_cost, a global setting:
        fine for the probe alone, not next to a client library that keeps reconnecting.)
        """
        sh("ip", "-n", self.r1.ns, "route", "del", "10.71.3.0/24")

    def client_routes_only_to_the_server(self) -> None:
        """The client loses its default route and keeps one to the server's network."""
        sh("ip", "-n", self.client.ns, "route", "del", "default")
        sh("ip", "-n", self.client.ns, "route", "add", "10.71.3.0/24", "via", R1)

    def mtu_black_hole(self, mtu: int = 1200) -> None:
        """r2's link towards the client gets a small MTU, and r2 sends no "fragmentation needed".

        The TCP handshake and small answers pass; full-size segments from the server
        vanish at r2 and the server never learns why: a path-MTU black hole.
        """
        sh("ip", "-n", self.r2.ns, "link", "set", self.r2_link_b, "mtu", str(mtu))
        sh(*self.r2.prefix, "iptables", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "fragmentation-needed",
           "-j", "DROP")


def routed_path(lab: Lab) -> RoutedPath:
    a, b, c = lab.network("a"), lab.network("b"), lab.network("c")
    client, r1, r2, server = lab.host("client"), lab.host("r1"), lab.host("r2"), lab.host("server")
    for host in (client, r1, r2, server):  # no duplicate address detection: links usable at once
        sh(*host.prefix, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
           "net.ipv6.conf.default.accept_dad=0")
    a.attach(client, "10.71.1.10", "fd71:1::10")
    a.attach(r1, R1, "fd71:1::1")
    b.attach(r1, "10.71.2.1", "fd71:2::1")
    r2_link_b = b.attach(r2, R2, R2_6)
    c.attach(r2, "10.71.3.1", "fd71:3::1")
    c.attach(server, SERVER, SERVER6)
    for router in (r1, r2):
        router.forward_ip()
        sh(*router.prefix, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
    for sender in (r1, r2, server):
        # No ICMP rate limit (Linux: a burst of 6, then 1 a second per destination): the TCP
        # stage's and the client library's reconnects to a rejected port would otherwise use up
        # what the probes need. ("No route" errors have a limit of their own, 1 a second after
        # a burst of 5, that is not per namespace: see break_route.)
        sh(*sender.prefix, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0")
    client.route_default("10.71.1.1")
    sh("ip", "-n", client.ns, "-6", "route", "add", "default", "via", "fd71:1::1")
    sh("ip", "-n", r1.ns, "route", "add", "10.71.3.0/24", "via", R2)
    sh("ip", "-n", r1.ns, "-6", "route", "add", "fd71:3::/64", "via", R2_6)
    sh("ip", "-n", r2.ns, "route", "add", "10.71.1.0/24", "via", "10.71.2.1")
    sh("ip", "-n", r2.ns, "-6", "route", "add", "fd71:1::/64", "via", "fd71:2::1")
    server.route_default("10.71.3.1")
    sh("ip", "-n", server.ns, "-6", "route", "add", "default", "via", "fd71:3::1")
    built = RoutedPath(lab, client, r1, r2, server, r2_link_b)
    built.wait_until_routed()
    return built
