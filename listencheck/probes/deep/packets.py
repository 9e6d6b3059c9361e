"""Build and dissect packets with scapy (imported here, only when a raw probe runs).

Only scapy's packet classes are used, never its routing table, interface list
or sniffer: ``conf.route`` is read once per process, at import, from whatever
network namespace the importing thread was in, while the deep probes must use
the routes of the namespace they run in. So routes are not loaded at all
(``route_autoload``) and the kernel routes every packet (raw sockets, opened
by the probing thread): a probe run inside a network namespace sees that
namespace's interfaces and routes, whoever imported scapy first.
"""

from __future__ import annotations

import logging
import struct
import time
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Literal

ICMP4_TIME_EXCEEDED, ICMP4_UNREACHABLE, ICMP4_ECHO_REPLY = 11, 3, 0
ICMP6_UNREACHABLE, ICMP6_TOO_BIG, ICMP6_TIME_EXCEEDED, ICMP6_ECHO_REPLY = 1, 2, 3, 129
TCP_SYN, TCP_RST, TCP_ACK = 0x02, 0x04, 0x10

@cache
def scapy_layers() -> tuple[ModuleType, ModuleType]:
    """scapy's inet and inet6 layers, imported without loading scapy's routing tables."""
    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.config import conf

    conf.route_autoload = False
    conf.route6_autoload = False
    conf.ipv6_enabled = True
    from scapy.layers import inet, inet6

    return inet, inet6


def tcp_syn(family: int, source: str, destination: str, sport: int, dport: int, seq: int) -> bytes:
    """A TCP SYN segment (no IP header: the kernel adds it) with its checksum."""
    inet, inet6 = scapy_layers()
    tcp = inet.TCP(sport=sport, dport=dport, flags="S", seq=seq & 0xFFFFFFFF, window=64240,
                   options=[("MSS", 1460)])
    if family == 4:
        return bytes(inet.IP(src=source, dst=destination) / tcp)[20:]
    return bytes(inet6.IPv6(src=source, dst=destination) / tcp)[40:]


def echo_request(family: int, ident: int, seq: int, payload_size: int) -> bytes:
    """An ICMP (v4) or ICMPv6 echo request; the kernel fills the ICMPv6 checksum."""
    payload = bytes(i & 0xFF for i in range(payload_size))
    if family == 6:
        return struct.pack("!BBHHH", 128, 0, 0, ident, seq) + payload
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    checksum = _internet_checksum(header + payload)
    return struct.pack("!BBHHH", 8, 0, checksum, ident, seq) + payload


def _internet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(~total & 0xFFFF)


Proto = Literal["tcp", "icmp"]  # which raw socket a packet came in on


@dataclass(frozen=True)
class Seen:
    """One received packet, reduced to what the probes match on."""

    at: float
    source: str
    ttl: int
    proto: Proto
    sport: int = 0
    dport: int = 0
    flags: int = 0
    seq: int = 0
    ack: int = 0
    icmp_type: int = -1
    icmp_code: int = -1
    mtu: int | None = None  # "fragmentation needed" / "packet too big"
    echo_id: int | None = None
    echo_seq: int | None = None
    quoted_destination: str | None = None  # ICMP errors: the packet that caused them
    quoted_proto: int | None = None
    quoted_sport: int | None = None
    quoted_dport: int | None = None
    quoted_seq: int | None = None
    quoted_echo_id: int | None = None


def dissect(family: int, proto: Proto, data: bytes, source: str, ttl: int | None) -> Seen | None:
    """A received packet as ``Seen`` (IPv4 raw sockets deliver the IP header, IPv6 ones do not)."""
    try:
        return _dissect4(data, proto) if family == 4 else _dissect6(data, proto, source, ttl or 0)
    except Exception:  # anything malformed the network sends is simply not ours
        return None


def _dissect4(data: bytes, proto: Proto) -> Seen | None:
    inet, _ = scapy_layers()
    ip = inet.IP(data)
    now = time.monotonic()
    if proto == "tcp" and ip.proto == 6:
        return _tcp(now, ip.src, ip.ttl, ip.payload)
    if proto != "icmp" or ip.proto != 1:
        return None
    icmp = ip.payload
    base = Seen(now, ip.src, ip.ttl, "icmp", icmp_type=icmp.type, icmp_code=icmp.code)
    if icmp.type == ICMP4_ECHO_REPLY:
        return _replace(base, echo_id=icmp.id, echo_seq=icmp.seq)
    if icmp.type not in (ICMP4_UNREACHABLE, ICMP4_TIME_EXCEEDED):
        return None
    mtu = icmp.nexthopmtu if icmp.type == ICMP4_UNREACHABLE and icmp.code == 4 else None
    return _quoted(_replace(base, mtu=mtu), icmp.payload, icmp.payload.payload)


def _dissect6(data: bytes, proto: Proto, source: str, hop_limit: int) -> Seen | None:
    inet, inet6 = scapy_layers()
    now = time.monotonic()
    if proto == "tcp":
        return _tcp(now, source, hop_limit, inet.TCP(data))
    kind = data[0]
    base = Seen(now, source, hop_limit, "icmp", icmp_type=kind, icmp_code=data[1])
    if kind == ICMP6_ECHO_REPLY:
        reply = inet6.ICMPv6EchoReply(data)
        return _replace(base, echo_id=reply.id, echo_seq=reply.seq)
    classes: dict[int, Any] = {ICMP6_UNREACHABLE: inet6.ICMPv6DestUnreach,
                               ICMP6_TOO_BIG: inet6.ICMPv6PacketTooBig,
                               ICMP6_TIME_EXCEEDED: inet6.ICMPv6TimeExceeded}
    if kind not in classes:
        return None
    error = classes[kind](data)
    mtu = error.mtu if kind == ICMP6_TOO_BIG else None
    return _quoted(_replace(base, mtu=mtu), error.payload, error.payload.payload)


def _tcp(now: float, source: str, ttl: int, tcp: Any) -> Seen:
    return Seen(now, source, ttl, "tcp", sport=tcp.sport, dport=tcp.dport, flags=int(tcp.flags),
                seq=tcp.seq, ack=tcp.ack)


def _quoted(base: Seen, ip: Any, inner: Any) -> Seen:
    """Fill in the quoted packet of an ICMP error (IPerror / IPerror6 and what follows)."""
    proto = getattr(ip, "proto", None)
    if proto is None:
        proto = getattr(ip, "nh", None)
    fields: dict[str, Any] = {"quoted_destination": getattr(ip, "dst", None), "quoted_proto": proto}
    if proto == 6 and hasattr(inner, "sport"):
        fields |= {"quoted_sport": inner.sport, "quoted_dport": inner.dport, "quoted_seq": inner.seq}
    elif proto in (1, 58) and hasattr(inner, "id"):
        fields |= {"quoted_echo_id": inner.id}
    return _replace(base, **fields)


def _replace(seen: Seen, **changes: Any) -> Seen:
    from dataclasses import replace

    return replace(seen, **changes)
