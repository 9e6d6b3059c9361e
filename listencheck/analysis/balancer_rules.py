"""A load balancer as the bootstrap address: fine for bootstrapping, wrong as an advertised address.

The balancer stage opened a few connections to the bootstrap server and asked
each which broker it reached. Different brokers mean a load balancer (or
round-robin DNAT). Then three outcomes:
- brokers advertise the load balancer's own address: every request goes to a
  random broker (an error that gathers the duplicate and wrong-broker findings);
- brokers advertise a port each on the load balancer, and some ports lead to
  another broker (an error naming which port reaches which broker);
- otherwise each broker advertises an address of its own: information.
"""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.address import Endpoint
from listencheck.analysis.context import BootstrapContext
from listencheck.codes import FindingCode
from listencheck.models import BalancerDetail, BrokerCheck, Finding, JsonValue, Reason, Severity


def balancer_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    detail = ctx.bootstrap.balancer.detail
    if detail is None or not detail.balanced:
        return
    lb = _Balancer(detail, Endpoint(detail.host, detail.port))
    usable = [b for b in ctx.bootstrap.brokers if not b.address_problem]
    on_lb = [b for b in usable if lb.is_address_of(b)]
    crossed = [b for b in usable if lb.on_host(b) and not lb.is_address_of(b) and _reached(b) is not None]
    if on_lb:
        yield _advertised(ctx, lb, on_lb)
    if crossed:
        yield _crossed(ctx, lb, crossed, usable)
    if not on_lb and not crossed:
        yield _balanced(ctx, lb, usable)


class _Balancer:
    def __init__(self, detail: BalancerDetail, endpoint: Endpoint) -> None:
        self.detail = detail
        self.endpoint = endpoint

    def _ips(self, broker: BrokerCheck) -> set[str]:
        return {a.address for a in broker.probe.attempts}

    def is_address_of(self, broker: BrokerCheck) -> bool:
        """``broker`` advertises the load-balanced address itself (by name, or by IP and port)."""
        adv = broker.advertised
        same_name = adv.host.lower() == self.endpoint.host.lower() and adv.port == self.endpoint.port
        return same_name or (adv.port == self.endpoint.port and self.detail.ip in self._ips(broker)
                             and not _routed_by_name(broker))

    def on_host(self, broker: BrokerCheck) -> bool:
        """``broker`` advertises another port of the load balancer's host."""
        adv = broker.advertised
        return adv.port != self.endpoint.port and (
            adv.host.lower() == self.endpoint.host.lower() or self.detail.ip in self._ips(broker))

    def evidence(self) -> dict[str, JsonValue]:
        d = self.detail
        return {"address": d.address, "ip": d.ip, "responders": list(d.responders),
                "brokers_reached": list(d.broker_ids)}

    def described(self) -> str:
        """Which brokers the sampled connections reached (in order of id: the order they were
        reached in varies with whatever else connects at the same time)."""
        d = self.detail
        return f"{len(d.responders)} connections to it reached brokers {_and(sorted(d.broker_ids))}"


def _routed_by_name(broker: BrokerCheck) -> bool:
    """Another name at the balancer's IP and port, over TLS: an SNI router can lead it elsewhere.

    Kubernetes ingress and OpenShift route passthrough (Strimzi) put the bootstrap name and
    every broker name on one address and port and route by the server name (SNI): the
    bootstrap name is balanced over the brokers, each broker name leads to its broker. Such an
    address is the balancer's only when it reached another broker with a certificate that
    names it; a certificate that does not is the TLS rules' finding (listencheck.analysis.sni_rules).
    """
    chosen = broker.probe.chosen
    tls = chosen.tls.detail if chosen is not None else None
    if tls is None or tls.server_name is None:
        return False
    named = tls.name_match is not None and tls.name_match.matched
    return not (broker.identity.reason is Reason.WRONG_BROKER and named)


def _reached(broker: BrokerCheck) -> int | None:
    """The other broker of this cluster that ``broker``'s address reaches, confirmed by that broker."""
    identity = broker.identity
    d = identity.detail
    if identity.reason is not Reason.WRONG_BROKER or d is None or d.seen_node_id is None:
        return None
    if d.expected_cluster_id and d.seen_cluster_id and d.expected_cluster_id != d.seen_cluster_id:
        return None
    return d.seen_node_id if d.seen_node_id != d.expected_node_id else None


def _and(ids: list[int]) -> str:
    words = [str(i) for i in ids]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _ids(brokers: list[BrokerCheck]) -> str:
    ids = [b.advertised.node_id for b in brokers]
    return ("broker " if len(ids) == 1 else "brokers ") + _and(ids)


def _advertised(ctx: BootstrapContext, lb: _Balancer, brokers: list[BrokerCheck]) -> Finding:
    addresses = sorted({b.advertised.address for b in brokers})
    every = len(brokers) == len(ctx.bootstrap.brokers) and len(brokers) > 1
    who = f"every broker ({_and([b.advertised.node_id for b in brokers])}) advertises" if every else \
        _ids(brokers) + (" advertises" if len(brokers) == 1 else " advertise")
    as_ = addresses[0] if len(addresses) == 1 else " / ".join(addresses)
    first = brokers[0].advertised.node_id
    proposal = ctx.proposal(first)
    placeholder = f" {proposal.host} is a placeholder." if proposal.placeholder else ""
    return ctx.finding(
        FindingCode.ADVERTISED_LOAD_BALANCER, Severity.ERROR, ctx.server(lb.detail.address),
        f"{lb.detail.address} is a load balancer ({lb.described()}), and {who} it ({as_}) as "
        f"{'its own address' if len(brokers) == 1 or every else 'their own address'}: a request for a "
        f"partition goes to whichever broker the load balancer picks, not to the partition's leader, so "
        f"clients get NOT_LEADER_OR_FOLLOWER and refresh their metadata endlessly.",
        f"Give each broker an advertised address of its own that leads to it only (its own host name, "
        f"or one port per broker on the load balancer, each forwarded to that broker alone), e.g. "
        f"advertised.listeners=...://{proposal.address} on broker {first}; keep {lb.detail.address} "
        f"for bootstrap.servers only.{placeholder}",
        lb.evidence() | {"broker_ids": [b.advertised.node_id for b in brokers],
                         "advertised": {str(b.advertised.node_id): b.advertised.address for b in brokers}},
    )


def _crossed(ctx: BootstrapContext, lb: _Balancer, brokers: list[BrokerCheck],
             usable: list[BrokerCheck]) -> Finding:
    reaches = {b.advertised.node_id: _reached(b) for b in brokers}
    pairs = "; ".join(f"{b.advertised.address} (advertised by broker {b.advertised.node_id}) reaches "
                      f"broker {reaches[b.advertised.node_id]}" for b in brokers)
    # Where each broker is really reached: the port whose address leads to it.
    leads_to = {seen: b for b in brokers if (seen := reaches[b.advertised.node_id]) is not None}
    swaps = [f"broker {node} {leads_to[node].advertised.address}" for node in sorted(leads_to)
             if any(b.advertised.node_id == node for b in usable)]
    forward = ", ".join(f"port {b.advertised.port} to broker {b.advertised.node_id}" for b in brokers)
    alternative = (f"; or advertise what the load balancer does: {', '.join(swaps)}" if swaps else "")
    return ctx.finding(
        FindingCode.LOAD_BALANCER_PORTS_CROSSED, Severity.ERROR, ctx.server(lb.detail.address),
        f"{lb.detail.address} is a load balancer ({lb.described()}) with a port per broker on "
        f"{lb.endpoint.host}, but its ports lead to the wrong brokers: {pairs}. Clients send those "
        f"brokers' partitions to another broker (NOT_LEADER_OR_FOLLOWER, endless metadata refreshes).",
        f"Fix the load balancer's port-to-broker mapping: forward {forward}{alternative}.",
        lb.evidence() | {"broker_ids": [b.advertised.node_id for b in brokers],
                         "ports": [{"address": b.advertised.address, "advertised_by": b.advertised.node_id,
                                    "reaches": reaches[b.advertised.node_id]} for b in brokers]},
    )


def _balanced(ctx: BootstrapContext, lb: _Balancer, usable: list[BrokerCheck]) -> Finding:
    working = [b for b in usable if b.probe.works and not b.identity.failed]
    state = (f"all {len(usable)} work from here" if len(working) == len(usable) else
             f"{len(working)} of {len(usable)} work from here (the others are reported on their own)")
    return ctx.finding(
        FindingCode.BOOTSTRAP_LOAD_BALANCED, Severity.INFO, ctx.server(lb.detail.address),
        f"{lb.detail.address} is a load balancer ({lb.described()}); it serves the bootstrap only: "
        f"every broker advertises an address of its own, and {state}.",
        "Nothing to fix: clients bootstrap through the load balancer, then connect to each broker's "
        "own advertised address.",
        lb.evidence() | {"advertised_working": len(working), "advertised": len(usable)},
    )


__all__ = ["balancer_findings"]
