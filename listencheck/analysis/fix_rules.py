"""Which configuration change fixes each broker's errors: pure, from the findings and the plan.

A broker whose advertised address is loopback, a wildcard or the wrong port on the right
host gets its advertised address changed (``readvertise``); a broker whose address is a
name or address this client cannot use gets a listener for this audience
(``add_listener``), at its own external address from the cluster's address plan.
Tunnels and the Docker host alias are fixed elsewhere (the tunnel's current address, the
client's host-gateway mapping), so they get no broker change here; except a Docker host alias
seen from the Docker host itself (reached through a published port on its loopback): there
the alias never resolves, and clients on the host need a listener advertised on localhost,
at a new port (the used one stays with the alias listener, for containers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from listencheck.address import AddressKind
from listencheck.analysis import advice
from listencheck.analysis.context import BootstrapContext
from listencheck.brokerconfig.model import ListenerConfig
from listencheck.codes import FindingCode
from listencheck.fixes.change import ListenerChange, add_listener, readvertise
from listencheck.fixes.cluster import BrokerFix
from listencheck.fixes.platforms import platforms_for, render
from listencheck.models import BrokerCheck, Finding, JsonValue, Severity

C = FindingCode
NAME_CODES = frozenset({C.ADVERTISED_UNRESOLVABLE, C.ADVERTISED_INTERNAL_NAME})
ADD_LISTENER_CODES = NAME_CODES | {C.ADVERTISED_PRIVATE_ADDRESS, C.ADVERTISED_UNREACHABLE}
READVERTISE_CODES = frozenset({C.ADVERTISED_LOOPBACK, C.ADVERTISED_WILDCARD})
# A load balancer's address advertised, or its ports per broker crossed: the brokers its evidence
# names (``broker_ids``) are re-advertised, each at an address of its own.
BALANCER_CODES = frozenset({C.ADVERTISED_LOAD_BALANCER, C.LOAD_BALANCER_PORTS_CROSSED})
_ELSEWHERE = (AddressKind.TUNNEL, AddressKind.DOCKER_HOST_ALIAS)


def broker_fixes(ctx: BootstrapContext, findings: tuple[Finding, ...], platform: str,
                 configs: Mapping[int, ListenerConfig] | None = None) -> Iterator[BrokerFix]:
    """One fix per broker with an error this bootstrap's findings attribute to it."""
    codes: dict[int, set[str]] = defaultdict(set)
    reached_at: dict[int, str] = {}  # broker -> the load balancer's crossed port that reaches it
    for f in findings:
        if f.bootstrap == ctx.argument and f.broker_id is not None and f.severity is Severity.ERROR:
            codes[f.broker_id].add(f.code)
        if f.bootstrap == ctx.argument and f.code in BALANCER_CODES:
            for node in _ints(f.evidence.get("broker_ids")):
                codes[node].add(f.code)
            reached_at.update(_crossed(f.evidence.get("ports")))
    for broker in ctx.bootstrap.brokers:
        node = broker.advertised.node_id
        mine = codes.get(node, set()) & (ADD_LISTENER_CODES | READVERTISE_CODES | BALANCER_CODES)
        on_docker_host = (broker.probe.classification.has(AddressKind.DOCKER_HOST_ALIAS)
                          and advice.host_alias_proposal(ctx, broker.advertised) is not None)
        if not mine or (any(broker.probe.classification.has(k) for k in _ELSEWHERE) and not on_docker_host):
            continue
        config = (configs or {}).get(node)
        change = _change(ctx, broker, mine, config, reached_at.get(node))
        renderings = tuple(render(change, p) for p in platforms_for(platform, config))
        yield BrokerFix(ctx.argument, node, tuple(sorted(mine)), change, renderings,
                        str(config.origin) if config is not None else None)


def _ints(value: JsonValue) -> list[int]:
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def _crossed(ports: JsonValue) -> dict[int, str]:
    """From LOAD_BALANCER_PORTS_CROSSED's evidence: each broker a crossed port reaches -> that port."""
    found: dict[int, str] = {}
    for row in ports if isinstance(ports, list) else []:
        if isinstance(row, dict):
            reaches, address = row.get("reaches"), row.get("address")
            if isinstance(reaches, int) and isinstance(address, str):
                found[reaches] = address
    return found


def _change(ctx: BootstrapContext, broker: BrokerCheck, codes: set[str],
            config: ListenerConfig | None, reached_at: str | None = None) -> ListenerChange:
    adv = broker.advertised
    protocol = ctx.security_protocol
    if codes <= BALANCER_CODES:
        if reached_at is not None:  # the load balancer's port that does lead to this broker
            return readvertise(adv.node_id, adv.address, reached_at, protocol, config)
        proposal = ctx.proposal(adv.node_id)
        return readvertise(adv.node_id, adv.address, proposal.address, protocol, config,
                           placeholder=proposal.placeholder)
    on_docker_host = advice.host_alias_proposal(ctx, adv)
    if on_docker_host is not None and broker.probe.classification.has(AddressKind.DOCKER_HOST_ALIAS):
        return add_listener(adv.node_id, adv.address, on_docker_host, protocol, config)
    path = ctx.path_to(adv.node_id)
    if path is not None and advice.wrong_port(ctx, adv):
        return readvertise(adv.node_id, adv.address, f"{adv.host}:{path.used.port}", protocol, config)
    if codes & READVERTISE_CODES and not codes & NAME_CODES:
        address = advice.reachable_host(ctx, adv)
        return readvertise(adv.node_id, adv.address, address, protocol, config,
                           placeholder=address.startswith("BROKER_"))
    return add_listener(adv.node_id, adv.address, ctx.proposal(adv.node_id), protocol, config)


__all__ = ["ADD_LISTENER_CODES", "BALANCER_CODES", "READVERTISE_CODES", "broker_fixes"]
