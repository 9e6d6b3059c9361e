"""Raw sockets of one address family, shared by every deep probe of a run.

One TCP and one ICMP raw socket per family receive every answer; each probe
subscribes a matcher and sees only what concerns it. The kernel routes what
is sent (the socket's TTL / hop limit is set per packet), so a probe uses the
routes and interfaces of the network namespace it runs in.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import struct
from collections.abc import Callable

from listencheck.probes.deep.packets import Proto, Seen, dissect

# Linux socket options Python's socket module does not name.
IP_MTU = 14
IP_MTU_DISCOVER = 10
IP_PMTUDISC_PROBE = 3
IPV6_MTU = 24
IPV6_MTU_DISCOVER = 23
IPV6_PMTUDISC_PROBE = 3
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52


class RawUnavailable(Exception):
    """Raw sockets cannot be opened here (no root, no CAP_NET_RAW)."""


def raw_sockets_allowed() -> bool:
    """True when this process may open raw sockets (root or CAP_NET_RAW)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    except PermissionError:
        return False
    except OSError:
        return False
    return True


def family_of(address: str) -> int:
    return 6 if ":" in address else 4


def route_facts(address: str, port: int) -> tuple[str, int | None]:
    """The source address and route MTU the kernel would use to reach ``address``.

    Raises OSError (ENETUNREACH...) when there is no route from here.
    """
    af = socket.AF_INET6 if family_of(address) == 6 else socket.AF_INET
    with socket.socket(af, socket.SOCK_DGRAM) as probe:
        probe.connect((address, port or 9))
        source = str(probe.getsockname()[0])
        try:
            six = af == socket.AF_INET6
            mtu: int | None = probe.getsockopt(socket.IPPROTO_IPV6 if six else socket.IPPROTO_IP,
                                               IPV6_MTU if six else IP_MTU)
        except OSError:
            mtu = None
    return source, mtu


Matcher = Callable[[Seen], None]


class RawChannel:
    """A family's raw TCP and ICMP sockets and the probes listening on them."""

    def __init__(self, family: int) -> None:
        self.family = family
        af = socket.AF_INET6 if family == 6 else socket.AF_INET
        icmp = socket.IPPROTO_ICMPV6 if family == 6 else socket.IPPROTO_ICMP
        try:
            self.tcp = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_TCP)
        except PermissionError as exc:
            raise RawUnavailable(str(exc)) from exc
        try:
            self.icmp = socket.socket(af, socket.SOCK_RAW, icmp)
        except PermissionError as exc:
            self.tcp.close()
            raise RawUnavailable(str(exc)) from exc
        for sock in (self.tcp, self.icmp):
            sock.setblocking(False)
            if family == 6:
                sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
        # Don't-fragment echo requests of any size up to the interface MTU, whatever the
        # kernel's path-MTU cache says: the probe is about what really gets through.
        if family == 6:
            self.icmp.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE)
        else:
            self.icmp.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE)
        self._matchers: list[Matcher] = []
        self._ports: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        loop.add_reader(self.tcp.fileno(), self._drain, self.tcp, "tcp")
        loop.add_reader(self.icmp.fileno(), self._drain, self.icmp, "icmp")

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            for sock in (self.tcp, self.icmp):
                with contextlib.suppress(Exception):
                    self._loop.remove_reader(sock.fileno())
        self.tcp.close()
        self.icmp.close()

    def subscribe(self, matcher: Matcher, port: int | None = None) -> Callable[[], None]:
        """Hand every packet to ``matcher`` (TCP ones only when addressed to ``port``)."""
        self._matchers.append(matcher)
        if port is not None:
            self._ports.add(port)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._matchers.remove(matcher)
            if port is not None:
                self._ports.discard(port)

        return unsubscribe

    def send_tcp(self, destination: str, segment: bytes, ttl: int) -> None:
        if self.family == 6:
            self.tcp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
        else:
            self.tcp.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        self.tcp.sendto(segment, (destination, 0))

    def send_icmp(self, destination: str, message: bytes) -> None:
        self.icmp.sendto(message, (destination, 0))

    def _drain(self, sock: socket.socket, proto: Proto) -> None:
        for _ in range(256):  # bounded per wake-up; the reader fires again if more is queued
            try:
                data, ancillary, _, peer = sock.recvmsg(65535, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    return
                continue  # an error queued on the socket: not an answer
            if proto == "tcp" and not self._for_us(data):
                continue
            seen = dissect(self.family, proto, data, str(peer[0]), _hop_limit(ancillary))
            if seen is None:
                continue
            for matcher in list(self._matchers):
                matcher(seen)

    def _for_us(self, data: bytes) -> bool:
        """A cheap look at the destination port before dissecting any TCP segment."""
        offset = 0 if self.family == 6 else (data[0] & 0x0F) * 4 if data else 0
        if len(data) < offset + 4:
            return False
        return struct.unpack_from("!H", data, offset + 2)[0] in self._ports


def _hop_limit(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    for level, kind, value in ancillary:
        if level == socket.IPPROTO_IPV6 and kind == IPV6_HOPLIMIT and len(value) >= 4:
            return int(struct.unpack("i", value[:4])[0])
    return None
