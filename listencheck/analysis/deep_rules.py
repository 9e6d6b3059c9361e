"""Rules over the deep probes (``check --deep``): findings only where the packets change the diagnosis.

"Timed out" becomes "dropped after hop 2 (10.0.2.2)", "unreachable" becomes
"rejected by a firewall at hop 2" or "no route at hop 1", a Metadata stall
becomes a path-MTU black hole with the size that passes, and a name gets
compared across every nameserver the client may ask. A RST from the host
itself (nothing listens) says nothing new and gives no finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.analysis.context import BootstrapContext, new_finding
from listencheck.codes import FindingCode
from listencheck.deepmodels import (
    Answer,
    IcmpKind,
    MtuDetail,
    PathDetail,
    ResolversDetail,
    Responder,
    icmp_name,
)
from listencheck.models import CheckResult, EndpointProbe, Finding, JsonValue, Reason, Severity, Subject
from listencheck.vocabulary import DnsStatus, ResolveSource

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO

CAPABILITY_FIX = (
    "Run listencheck as root, or with CAP_NET_RAW in its effective set: Docker `docker run --user 0 "
    "--cap-drop ALL --cap-add NET_RAW …` (Compose: `user: \"0\"`, `cap_add: [NET_RAW]`); Kubernetes "
    "`securityContext: {runAsUser: 0, runAsNonRoot: false, capabilities: {drop: [ALL], add: [NET_RAW]}}` "
    "on the container; a non-root user needs `setcap cap_net_raw+ep` on the Python interpreter (and no "
    "no-new-privileges). See docker/README.md."
)


def deep_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    """Path and DNS findings for every probe of this bootstrap (servers and advertised brokers)."""
    for probe in _probes(ctx):
        subject = ctx.probe_subject(probe)
        for attempt in probe.attempts:
            detail = attempt.deep.detail
            if detail is None:
                continue
            if detail.path is not None and not _rate_limited(attempt.tcp.reason, detail.path):
                yield from _path(ctx, detail.path, subject)
            if detail.mtu is not None and detail.mtu.black_hole:
                yield _black_hole(ctx, attempt.address, detail.mtu, subject)
        resolvers = probe.resolvers.detail
        if resolvers is not None and resolvers.disagree:
            yield _disagree(ctx, resolvers, subject)


def run_findings(result: CheckResult) -> Iterator[Finding]:
    """Once per run: nameservers that never answer, and raw sockets not allowed."""
    probes = [p for b in result.bootstraps for p in [*b.servers, *(x.probe for x in b.brokers)]]
    silent: dict[str, list[str]] = {}
    for probe in probes:
        detail = probe.resolvers.detail
        for answer in detail.answers if detail else ():
            if answer.status is DnsStatus.TIMEOUT and detail is not None and detail.name not in silent.get(
                    answer.nameserver, []):
                silent.setdefault(answer.nameserver, []).append(detail.name)
    for nameserver, names in silent.items():
        yield new_finding(
            FindingCode.DNS_RESOLVER_UNRESPONSIVE, WARN, Subject.run(nameserver),
            f"Nameserver {nameserver} did not answer for {', '.join(names[:5])}"
            f"{' and others' if len(names) > 5 else ''}: every lookup the client sends there waits "
            f"for the resolver timeout before the next nameserver is tried.",
            f"Remove {nameserver} from resolv.conf (or from the DHCP, VPN or container settings that "
            f"write it), or make it answer.",
            {"nameserver": nameserver, "names": list(names)},
        )
    details = [a.deep.detail for p in probes for a in p.attempts if a.deep.detail is not None]
    if any(not d.raw_sockets for d in details):
        yield new_finding(
            FindingCode.DEEP_NO_RAW_SOCKETS, NOTE, Subject.run(),
            "--deep could not open raw sockets (no root and no CAP_NET_RAW): the SYN probe, TCP "
            "traceroute and path-MTU probe did not run; DNS per resolver and the kernel's own errors "
            "are reported.", CAPABILITY_FIX, {"raw_sockets": False},
        )


def _probes(ctx: BootstrapContext) -> Iterator[EndpointProbe]:
    """Every probe of this bootstrap once (a bootstrap server may be an advertised broker too)."""
    seen = set()
    for probe in [*ctx.bootstrap.servers, *(b.probe for b in ctx.bootstrap.brokers if not b.address_problem)]:
        if probe.endpoint not in seen:
            seen.add(probe.endpoint)
            yield probe


def _rate_limited(tcp: Reason | None, path: PathDetail) -> bool:
    """The kernel got an ICMP error for the connection, the probes got nothing: routers rate-limit
    ICMP (a burst, then about one a second), and retrying clients use it up. Nothing to conclude."""
    return path.syn.answer is Answer.NOTHING and tcp is not Reason.TIMEOUT


def _hops(path: PathDetail) -> list[JsonValue]:
    return [h.address for h in path.hops]


def _at(hop: int | None, address: str | None) -> str:
    return f"hop {hop} ({address})" if hop else f"{address}"


def _path(ctx: BootstrapContext, path: PathDetail, subject: Subject) -> Iterator[Finding]:
    syn, target = path.syn, f"{path.address}:{path.port}" if ":" not in path.address else \
        f"[{path.address}]:{path.port}"
    evidence: dict[str, JsonValue] = {
        "address": path.address, "port": path.port, "answer": syn.answer.value,
        "responder": syn.responder.value, "source": syn.source, "ttl": syn.ttl, "hop": syn.hop,
        "icmp": syn.icmp_name, "hops": _hops(path),
    }
    if syn.answer is Answer.NOTHING:
        yield _dropped(ctx, path, target, evidence, subject)
    elif syn.answer is Answer.LOCAL_ERROR:
        if syn.error and "firewall" in (syn.error or ""):
            yield ctx.finding(
                FindingCode.PATH_FIREWALL_REJECTED, ERR, subject,
                f"This machine's own firewall refuses to send to {target} ({syn.error}).",
                f"Allow outgoing TCP to port {path.port} in this machine's firewall (iptables/nftables "
                f"OUTPUT, a container network policy).", evidence | {"error": syn.error})
        else:
            yield _no_route(ctx, path, target, f"this machine has no route to {path.address}",
                            evidence | {"error": syn.error}, subject)
    elif syn.answer is Answer.ICMP:
        yield from _icmp(ctx, path, target, evidence, subject)
    elif syn.answer is Answer.RST and syn.responder is Responder.PATH:
        router = path.hops[syn.hop - 1].address if syn.hop and syn.hop <= len(path.hops) else None
        yield ctx.finding(
            FindingCode.PATH_FIREWALL_REJECTED, ERR, subject,
            f"A device at {_at(syn.hop, router)} resets connections to {target} on the host's behalf: "
            f"the reset carries the host's address but crossed {max(0, (syn.hop or 1) - 1)} router(s), "
            f"while the host is {path.host_hop} hops away (a firewall rejecting with tcp-reset).",
            _path_fix(path.port, syn.hop, router), evidence | {"device": router})


def _icmp(ctx: BootstrapContext, path: PathDetail, target: str, evidence: dict[str, JsonValue],
          subject: Subject) -> Iterator[Finding]:
    syn = path.syn
    family = 6 if ":" in path.address else 4
    name, kind = icmp_name(family, syn.icmp_type or 0, syn.icmp_code or 0)
    if syn.responder is Responder.HOST:
        # A host does not call itself unreachable:
        if kind in (IcmpKind.ADMIN, IcmpKind.PORT, IcmpKind.ROUTING):
            yield ctx.finding(
                FindingCode.PATH_FIREWALL_REJECTED, ERR, subject,
                f"The host {path.address} itself rejects connections to port {path.port} with ICMP "
                f"{name}: a TCP stack answers a closed port with a reset, so this is a firewall rule "
                f"on that host (iptables/nftables REJECT, firewalld).",
                f"Open TCP port {path.port} in the firewall of {path.address} for this client (e.g. "
                f"`iptables -I INPUT -p tcp --dport {path.port} -j ACCEPT`, `firewall-cmd --add-port="
                f"{path.port}/tcp`), or fix its rule.", evidence)
        return
    if syn.responder is Responder.LOCAL:
        yield _no_route(ctx, path, target, f"nothing answers for {path.address} on this machine's "
                        f"network (ICMP {name} from this machine: no ARP/neighbour reply)",
                        evidence, subject)
        return
    if kind is IcmpKind.ROUTING:
        yield _no_route(ctx, path, target, f"{_at(syn.hop, syn.source)} answered ICMP {name}: it has "
                        f"no route to {path.address}", evidence, subject)
        return
    yield ctx.finding(
        FindingCode.PATH_FIREWALL_REJECTED, ERR, subject,
        f"A firewall at {_at(syn.hop, syn.source)} rejects connections to {target} (ICMP {name}) "
        f"before they reach the host.", _path_fix(path.port, syn.hop, syn.source),
        evidence | {"device": syn.source})


def _path_fix(port: int, hop: int | None, device: str | None) -> str:
    return (f"Allow TCP port {port} from this client on the device at {_at(hop, device)} (a router, "
            f"corporate firewall, cloud network ACL or security group), or advertise a listener that "
            f"path allows.")


def _dropped(ctx: BootstrapContext, path: PathDetail, target: str, evidence: dict[str, JsonValue],
             subject: Subject) -> Finding:
    last = path.last_hop
    after = (f"the last device that answered is hop {last.ttl} ({last.address}); nothing answered beyond it"
             if last else "not even the first router answered (the host is on this network, or ICMP is "
             "filtered from the first hop on)")
    place = f"at or after hop {last.ttl} ({last.address})" if last else "on the way"
    return ctx.finding(
        FindingCode.PATH_SILENTLY_DROPPED, ERR, subject,
        f"SYNs to {target} are dropped without any answer: {after}.",
        f"A firewall {place} drops TCP port {path.port} (iptables DROP, a cloud security group or "
        f"network ACL), or the host is down: allow the port for this client, or check that "
        f"{path.address} is up.",
        evidence | {"last_hop": last.address if last else None, "last_hop_ttl": last.ttl if last else None})


def _no_route(ctx: BootstrapContext, path: PathDetail, target: str, why: str, evidence: dict[str, JsonValue],
              subject: Subject) -> Finding:
    return ctx.finding(
        FindingCode.PATH_NO_ROUTE, ERR, subject, f"{target} cannot be reached: {why}.",
        f"{path.address} is not routed from this client: usually an address internal to the broker's "
        f"network (private, container or pod address). Advertise an address this client can reach, or "
        f"add the route, VPN or peering to {path.address}'s network.", evidence)


def _black_hole(ctx: BootstrapContext, address: str, mtu: MtuDetail, subject: Subject) -> Finding:
    assert mtu.largest_passing is not None and mtu.smallest_failing is not None
    where = subject.address or address
    size = mtu.largest_passing
    mss = size - (60 if ":" in address else 40)
    return ctx.finding(
        FindingCode.PATH_MTU_BLACK_HOLE, ERR, subject,
        f"Connections to {where} ({address}) complete the handshake and small requests, but the "
        f"Metadata answer (more than one packet) never arrives: packets of up to {size} bytes reach "
        f"{address} and back, {mtu.smallest_failing} bytes do not, and nothing reports the limit "
        f"(ICMP \"fragmentation needed\" is dropped on the way): a path-MTU black hole.",
        f"On the router, tunnel or VPN in between, clamp TCP MSS to the path MTU (`iptables -t mangle "
        f"-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`, or `--set-mss "
        f"{mss}`), set the tunnel or VPN interface MTU to {size}, or let ICMP \"fragmentation needed\" "
        f"(IPv6: \"packet too big\") through the firewalls. Stopgap on this client: `ip link set dev "
        f"IFACE mtu {size}`.",
        {"address": address, "route_mtu": mtu.route_mtu, "largest_passing": size,
         "smallest_failing": mtu.smallest_failing, "mss": mss,
         "sizes": [[s, ok] for s, ok in mtu.sizes]})


def _disagree(ctx: BootstrapContext, detail: ResolversDetail, subject: Subject) -> Finding:
    def said(status: str, addresses: tuple[str, ...]) -> str:
        return ", ".join(addresses) if addresses else status

    answers = "; ".join(f"{a.nameserver} → {said(a.status, a.addresses)}" for a in detail.answers
                        if a.status is not DnsStatus.TIMEOUT)
    used = ", ".join(detail.client_used) or "nothing"
    origin = "/etc/hosts" if detail.client_source is ResolveSource.HOSTS else "the resolver"
    return ctx.finding(
        FindingCode.DNS_RESOLVERS_DISAGREE, WARN, subject,
        f"The nameservers this client uses give different answers for {detail.name} ({answers}); the "
        f"client used {used} (from {origin}), "
        f"so which address it gets depends on which nameserver answers first.",
        "Serve the same records from every nameserver in resolv.conf (a split-horizon zone must be the "
        "same for every resolver one client can ask), or list only the resolvers meant for this network.",
        {"name": detail.name, "client_used": list(detail.client_used),
         "answers": {a.nameserver: {"status": a.status, "addresses": list(a.addresses)}
                     for a in detail.answers}})

