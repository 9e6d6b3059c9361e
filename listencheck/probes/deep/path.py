"""SYN probe and TCP traceroute to one advertised address:port, in one round.

SYNs with TTL 1..MAX_HOPS and one with a full TTL leave at once, all from one
source port (one flow, so load balancers keep them on one path); the sequence
number says which TTL each answer belongs to. Routers answer "time exceeded";
whatever stops the SYN answers SYN-ACK, RST or an ICMP error, or nothing.

Who answered: an ICMP error names its sender. A RST always carries the
host's address, so its TTL tells where it really came from: a reply that
crossed fewer routers than the path to the host has was forged by a device
on the way (a firewall rejecting with tcp-reset).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import secrets
import socket
import time

from listencheck.deepmodels import Answer, Hop, PathDetail, Responder, SynAnswer, icmp_name
from listencheck.probes.deep.packets import (
    ICMP4_TIME_EXCEEDED,
    ICMP6_TIME_EXCEEDED,
    TCP_ACK,
    TCP_RST,
    TCP_SYN,
    Seen,
    tcp_syn,
)
from listencheck.probes.deep.raw import RawChannel, family_of, route_facts

MAX_HOPS = 16  # TTL-limited SYNs per traceroute (lab paths are 1-3 hops, the internet's ~15-25)
FULL_TTL = 64
TRACE_WAIT_S = 2.0  # longest wait for answers after the SYNs left (less when everything answered)
# Unanswered TTLs are sent once more halfway through the wait: routers rate-limit ICMP (Linux: a
# burst of 6, then 1 a second per destination), and a client that keeps reconnecting uses that up.


async def trace(channel: RawChannel, address: str, port: int, budget: float) -> PathDetail:
    """Send the SYNs, collect answers until all came back or the budget is spent."""
    family = family_of(address)
    try:
        source, _ = route_facts(address, port)
    except OSError as exc:
        return PathDetail(address, port, _local_error(exc))
    af = socket.AF_INET6 if family == 6 else socket.AF_INET
    with socket.socket(af, socket.SOCK_STREAM) as reservation:  # keeps our source port ours
        reservation.bind((source, 0))
        sport = int(reservation.getsockname()[1])
        return await _Trace(channel, address, port, source, sport).run(min(budget, TRACE_WAIT_S))


class _Trace:
    def __init__(self, channel: RawChannel, address: str, port: int, source: str, sport: int) -> None:
        self.channel, self.address, self.port = channel, address, port
        self.source, self.sport = source, sport
        self.family = channel.family
        self.base = secrets.randbits(31)
        self.sent: dict[int, float] = {}  # ttl -> when
        self.hops: dict[int, tuple[str, float]] = {}  # ttl -> (router, rtt)
        self.finals: dict[int, Seen] = {}  # ttl -> the answer that ended that SYN's journey
        self.done = asyncio.Event()

    async def run(self, wait: float) -> PathDetail:
        unsubscribe = self.channel.subscribe(self._match, self.sport)
        try:
            error = self._send([*range(1, MAX_HOPS + 1), FULL_TTL])
            if error is not None and not self.sent:
                return PathDetail(self.address, self.port, error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), wait / 2)
            if not self.done.is_set():  # a lost packet, or a router out of ICMP tokens: ask once more
                self._send(self._unanswered())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.done.wait(), wait / 2)
        finally:
            unsubscribe()
        return self._result()

    def _unanswered(self) -> list[int]:
        reach = min(self.finals) if self.finals else MAX_HOPS + 1
        missing = [t for t in range(1, reach) if t not in self.hops]
        return missing + ([] if FULL_TTL in self.finals else [FULL_TTL])

    def _send(self, ttls: list[int]) -> SynAnswer | None:
        for ttl in ttls:
            segment = tcp_syn(self.family, self.source, self.address, self.sport, self.port, self.base + ttl)
            try:
                self.channel.send_tcp(self.address, segment, ttl)
            except OSError as exc:
                return _local_error(exc)
            self.sent[ttl] = time.monotonic()
        return None

    def _ttl_of(self, number: int) -> int | None:
        ttl = (number - self.base) & 0xFFFFFFFF
        return ttl if ttl in self.sent else None

    def _match(self, seen: Seen) -> None:
        if seen.proto == "tcp":
            if seen.source != self.address or seen.sport != self.port or seen.dport != self.sport:
                return
            if not seen.flags & (TCP_RST | TCP_ACK):
                return
            ttl = self._ttl_of(seen.ack - 1)
            if ttl is not None:
                self.finals.setdefault(ttl, seen)
        elif (seen.quoted_destination == self.address and seen.quoted_proto == 6
              and seen.quoted_sport == self.sport and seen.quoted_dport == self.port
              and seen.quoted_seq is not None):
            ttl = self._ttl_of(seen.quoted_seq)
            if ttl is None:
                return
            if seen.icmp_type in (ICMP4_TIME_EXCEEDED if self.family == 4 else ICMP6_TIME_EXCEEDED,):
                self.hops.setdefault(ttl, (seen.source, (seen.at - self.sent[ttl]) * 1000))
            else:
                self.finals.setdefault(ttl, seen)
        else:
            return
        if self._complete():
            self.done.set()

    def _complete(self) -> bool:
        """Every TTL short of the host answered "time exceeded", and the full-TTL SYN was answered."""
        if FULL_TTL not in self.finals or not self.finals:
            return False
        reach = min(self.finals)
        return all(t in self.hops for t in range(1, reach))

    def _result(self) -> PathDetail:
        reach = min(self.finals) if self.finals else None
        last = max([*self.hops, 0]) if reach is None else reach - 1
        hops = tuple(Hop(t, *self.hops.get(t, (None, None))) for t in range(1, min(last, MAX_HOPS) + 1))
        if reach is None:
            return PathDetail(self.address, self.port, SynAnswer(Answer.NOTHING), hops)
        final = self.finals.get(FULL_TTL) or self.finals[reach]
        sent = self.sent[FULL_TTL if FULL_TTL in self.finals else reach]
        return PathDetail(self.address, self.port, self._judge(final, reach, hops, sent), hops, reach)

    def _judge(self, seen: Seen, reach: int, hops: tuple[Hop, ...], sent: float) -> SynAnswer:
        rtt = round((seen.at - sent) * 1000, 2)
        distance = _hops_travelled(seen.ttl)  # routers the answer crossed on its way back
        if seen.proto == "tcp":
            kind = Answer.SYN_ACK if seen.flags & TCP_SYN else Answer.RST
            if distance + 1 < reach:  # crossed fewer routers than the path to the host has
                return SynAnswer(kind, Responder.PATH, seen.source, seen.ttl, distance + 1, rtt_ms=rtt)
            return SynAnswer(kind, Responder.HOST, seen.source, seen.ttl, reach, rtt_ms=rtt)
        name, _ = icmp_name(self.family, seen.icmp_type, seen.icmp_code)
        if seen.source == self.address:
            responder, hop = Responder.HOST, reach
        elif seen.source == self.source:
            responder, hop = Responder.LOCAL, 0
        else:
            named = [h.ttl for h in hops if h.address == seen.source]
            responder, hop = Responder.PATH, named[0] if named else distance + 1
        return SynAnswer(Answer.ICMP, responder, seen.source, seen.ttl, hop, seen.icmp_type, seen.icmp_code,
                         name, rtt)


def _hops_travelled(ttl: int) -> int:
    """Routers crossed by a packet that arrived with ``ttl`` (initial TTL 64, 128 or 255)."""
    initial = next(i for i in (64, 128, 255) if ttl <= i)
    return initial - ttl


def _local_error(exc: OSError) -> SynAnswer:
    words = {errno.ENETUNREACH: "no route to the network from this machine",
             errno.EHOSTUNREACH: "no route to the host from this machine",
             errno.EPERM: "this machine's own firewall refused to send it",
             errno.EACCES: "this machine's own firewall refused to send it"}
    message = words.get(exc.errno or 0, f"sending failed: {exc.strerror or exc}")
    return SynAnswer(Answer.LOCAL_ERROR, Responder.LOCAL, error=message)
