"""Results of the deep probes (``check --deep``): raw packets and DNS asked per resolver.

Frozen data only; the probes live in ``listencheck.probes.deep``, the rules
that read these in ``listencheck.analysis.deep_rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from listencheck.vocabulary import AddressFamily, DnsStatus, ResolveSource


class IcmpKind(StrEnum):
    """What an ICMP error says about the path."""

    ADMIN = "admin"  # administratively prohibited: a firewall rejects
    ROUTING = "routing"  # no route, host or network unreachable
    PORT = "port"  # the host says nothing listens (port or protocol unreachable)
    MTU = "mtu"  # fragmentation needed, packet too big
    OTHER = "other"

# (family, type, code) -> plain words, and what kind of answer it is.
ICMP_NAMES: dict[tuple[int, int, int], tuple[str, IcmpKind]] = {
    (4, 3, 0): ("network unreachable", IcmpKind.ROUTING),
    (4, 3, 1): ("host unreachable", IcmpKind.ROUTING),
    (4, 3, 2): ("protocol unreachable", IcmpKind.PORT),
    (4, 3, 3): ("port unreachable", IcmpKind.PORT),
    (4, 3, 4): ("fragmentation needed", IcmpKind.MTU),
    (4, 3, 6): ("destination network unknown", IcmpKind.ROUTING),
    (4, 3, 7): ("destination host unknown", IcmpKind.ROUTING),
    (4, 3, 9): ("network administratively prohibited", IcmpKind.ADMIN),
    (4, 3, 10): ("host administratively prohibited", IcmpKind.ADMIN),
    (4, 3, 13): ("communication administratively prohibited", IcmpKind.ADMIN),
    (6, 1, 0): ("no route to destination", IcmpKind.ROUTING),
    (6, 1, 1): ("communication administratively prohibited", IcmpKind.ADMIN),
    (6, 1, 2): ("beyond scope of source address", IcmpKind.ROUTING),
    (6, 1, 3): ("address unreachable", IcmpKind.ROUTING),
    (6, 1, 4): ("port unreachable", IcmpKind.PORT),
    (6, 1, 5): ("source address failed ingress/egress policy", IcmpKind.ADMIN),
    (6, 1, 6): ("reject route to destination", IcmpKind.ADMIN),
    (6, 2, 0): ("packet too big", IcmpKind.MTU),
}


def icmp_name(family: int, icmp_type: int, code: int) -> tuple[str, IcmpKind]:
    """Plain words for an ICMP error, and its kind."""
    return ICMP_NAMES.get((family, icmp_type, code), (f"ICMP type {icmp_type} code {code}", IcmpKind.OTHER))


class Answer(StrEnum):
    """What a SYN to the advertised address brought back."""

    SYN_ACK = "syn_ack"  # something accepts connections
    RST = "rst"  # reset: nothing listens, or a firewall rejecting with tcp-reset
    ICMP = "icmp"  # an ICMP error (type and code in the detail)
    NOTHING = "nothing"  # silently dropped
    LOCAL_ERROR = "local_error"  # this machine refused to send (no route, local firewall)


class Responder(StrEnum):
    """Who sent the answer, judged from its source address and TTL."""

    HOST = "host"  # the advertised address itself
    PATH = "path"  # a device on the way (router, firewall), N hops from here
    LOCAL = "local"  # this machine's own kernel
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Hop:
    """One TTL of the TCP traceroute: who sent "time exceeded" (None: nobody answered)."""

    ttl: int
    address: str | None
    rtt_ms: float | None = None


@dataclass(frozen=True)
class SynAnswer:
    """The answer to a SYN, and who sent it."""

    answer: Answer
    responder: Responder = Responder.UNKNOWN
    source: str | None = None  # the answer's source address
    ttl: int | None = None  # as received (IPv4 TTL, IPv6 hop limit)
    hop: int | None = None  # the sender's distance from here, in hops (1 = first router)
    icmp_type: int | None = None
    icmp_code: int | None = None
    icmp_name: str | None = None  # e.g. "administratively prohibited"
    rtt_ms: float | None = None
    error: str | None = None  # LOCAL_ERROR: what the kernel said


@dataclass(frozen=True)
class PathDetail:
    """SYN probe and TCP traceroute (TTL-limited SYNs) to the advertised host:port."""

    address: str
    port: int
    syn: SynAnswer
    hops: tuple[Hop, ...] = ()  # TTL 1..last probed, "time exceeded" senders
    host_hop: int | None = None  # TTL at which the final answer first came back

    @property
    def last_hop(self) -> Hop | None:
        """The farthest router that answered "time exceeded"."""
        answered = [h for h in self.hops if h.address is not None]
        return answered[-1] if answered else None


@dataclass(frozen=True)
class MtuDetail:
    """Don't-fragment ICMP echo of decreasing sizes to the advertised address."""

    route_mtu: int | None  # the local route's MTU (where the first probe starts)
    largest_passing: int | None  # largest IP packet (bytes) answered
    smallest_failing: int | None  # smallest IP packet that got no answer
    too_big_reported: int | None = None  # an ICMP "fragmentation needed" named this MTU
    sizes: tuple[tuple[int, bool], ...] = ()  # (size, answered), in the order sent

    @property
    def black_hole(self) -> bool:
        """Small packets pass, large ones vanish, and nobody says why."""
        return (self.largest_passing is not None and self.smallest_failing is not None
                and self.smallest_failing > self.largest_passing and self.too_big_reported is None)


@dataclass(frozen=True)
class DeepDetail:
    """Everything the deep probes found about one resolved address."""

    raw_sockets: bool  # False: no CAP_NET_RAW, only unprivileged probes ran
    path: PathDetail | None = None  # run when TCP did not connect
    mtu: MtuDetail | None = None  # run when a connection stalled after the handshake
    notes: tuple[str, ...] = ()


class NameserverOrigin(StrEnum):
    """Where a nameserver the deep probes asked was configured."""

    RESOLV_CONF = "resolv.conf"
    DNS_SERVER = "--dns-server"


@dataclass(frozen=True)
class ResolverAnswer:
    """One nameserver, asked directly for one name."""

    nameserver: str
    status: DnsStatus
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    elapsed_ms: float | None = None
    configured_by: NameserverOrigin = NameserverOrigin.RESOLV_CONF
    message: str | None = None

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.a + self.aaaa


@dataclass(frozen=True)
class ResolversDetail:
    """A name asked of every nameserver the client would use, and what the client used."""

    name: str
    answers: tuple[ResolverAnswer, ...]
    client_used: tuple[str, ...]  # getaddrinfo's answer, in the order a client tries it
    client_source: ResolveSource  # where getaddrinfo's answer came from
    family_picks: tuple[tuple[AddressFamily, str | None], ...] = ()  # broker.address.family -> first address

    @property
    def disagree(self) -> bool:
        answered = {frozenset(a.addresses) for a in self.answers if a.status.answered}
        return len(answered) > 1
