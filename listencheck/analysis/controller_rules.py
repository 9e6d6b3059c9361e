"""KRaft controller listeners, recognised from the ApiVersions answer.

Every request definition in apache/kafka (clients/src/main/resources/common/message/
*Request.json) names the listeners that serve it: ``"listeners": ["controller"]``
only for the quorum and registration APIs below, ``["zkBroker", "broker"]`` for
Produce and Metadata. A listener that offers a controller-only API and neither
Produce nor Metadata is a controller listener: clients cannot use it.
"""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.analysis.context import BootstrapContext
from listencheck.codes import FindingCode
from listencheck.models import EndpointProbe, Finding, JsonValue, Severity

# Vote, BeginQuorumEpoch, EndQuorumEpoch, FetchSnapshot, BrokerRegistration, BrokerHeartbeat,
# ControllerRegistration, AssignReplicasToDirs, UpdateRaftVoter: "listeners": ["controller"].
CONTROLLER_ONLY_APIS = frozenset({52, 53, 54, 59, 62, 63, 70, 73, 82})
CLIENT_APIS = frozenset({0, 3})  # Produce, Metadata: "listeners": ["zkBroker", "broker"]


def controller_apis(probe: EndpointProbe) -> tuple[int, ...] | None:
    """The controller-only APIs this endpoint offers, when it is a controller listener."""
    for attempt in probe.attempts:
        detail = attempt.kafka.detail
        if detail is None or not detail.api_versions:
            continue
        keys = {int(k) for k in detail.api_versions if k.lstrip("-").isdigit()}
        if keys & CONTROLLER_ONLY_APIS and not keys & CLIENT_APIS:
            return tuple(sorted(keys & CONTROLLER_ONLY_APIS))
    return None


def controller_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    b = ctx.bootstrap
    working = [str(s.endpoint) for s in b.servers if s.works] + [
        x.advertised.address for x in b.brokers if x.probe.works]
    for server in b.servers:
        apis = controller_apis(server)
        if apis is not None:
            yield _finding(ctx, str(server.endpoint), apis, None, working, bootstrap=True)
    for broker in b.brokers:
        apis = controller_apis(broker.probe)
        if apis is not None:
            yield _finding(ctx, broker.advertised.address, apis, broker.advertised.node_id, working,
                           bootstrap=False)


def _finding(ctx: BootstrapContext, address: str, apis: tuple[int, ...], broker_id: int | None,
             working: list[str], bootstrap: bool) -> Finding:
    use = f" (this run reached a client listener at {working[0]})" if working else ""
    if bootstrap:
        message = (f"{address} is a KRaft controller listener: it answers ApiVersions with the "
                   f"controller's API set (no Produce, no Metadata), so clients cannot bootstrap there.")
        fix = (f"Bootstrap to a broker listener (the port in the broker's `listeners` that is not in "
               f"`controller.listener.names`), not to the controller port{use}.")
    else:
        message = (f"Broker {broker_id} advertises {address}, a KRaft controller listener (the controller's "
                   f"API set: no Produce, no Metadata): clients sent there cannot produce or consume.")
        fix = ("Remove the controller listener from `advertised.listeners` (Kafka's own configuration check "
               "rejects it there on a node with the broker role) and advertise the broker listener instead"
               f"{use}; the controller listener belongs only in `listeners` and `controller.listener.names`.")
    evidence: dict[str, JsonValue] = {
        "address": address, "controller_only_apis": list(apis),
        "client_listeners_working": working[:10],
    }
    subject = ctx.server(address) if broker_id is None else ctx.broker(broker_id, address)
    return ctx.finding(FindingCode.LISTENER_IS_CONTROLLER, Severity.ERROR, subject, message, fix, evidence)

