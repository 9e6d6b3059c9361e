"""Concrete fixes: which setting, which value, worked out from the evidence."""

from __future__ import annotations

from listencheck.address import DOCKER_HOST_ALIASES, AddressKind, classify_host
from listencheck.analysis.context import BootstrapContext, all_private
from listencheck.fixes.addresses import Origin, Proposal
from listencheck.fixes.paths import NODE_PORT_RANGE, PathKind
from listencheck.models import AdvertisedBroker, EndpointProbe, KafkaAnswer, Reason
from listencheck.vocabulary import DnsStatus


def listener_per_audience(
    ctx: BootstrapContext, broker: AdvertisedBroker, internal_name: str = "INTERNAL",
    docker: bool = True, keep_for: str = "clients on the broker's own network",
) -> str:
    """The listener-per-audience recipe for this broker, as an addition to its listeners.

    Every existing listener stays (on KRaft nodes the CONTROLLER listener and its
    protocol map entry too); the new one binds a port no listener uses and advertises
    this broker's own external address, never another broker's.
    """
    proposal = ctx.proposal(broker.node_id)
    port, proto = proposal.listener_port, ctx.security_protocol
    return (
        f"Keep {internal_name}://{broker.address} for {keep_for} and "
        f"add a listener to broker {broker.node_id} for clients like this one, advertising an "
        f"address they reach (keep every listener it has, CONTROLLER included on KRaft nodes):\n"
        f"  listeners=<current>,EXTERNAL://0.0.0.0:{port}\n"
        f"  advertised.listeners=<current>,EXTERNAL://{proposal.address}\n"
        f"  listener.security.protocol.map=<current>,EXTERNAL:{proto}\n"
        f"  inter.broker.listener.name stays {internal_name}\n"
        f"<current> is the setting's present value; {internal_name} and EXTERNAL are placeholder "
        f"names (use the name of the listener that advertises {broker.address}, and any name no "
        f"listener has). " + reach(ctx, broker, docker)
    )


def reach(ctx: BootstrapContext, broker: AdvertisedBroker, docker: bool = True) -> str:
    """How clients get to the new listener's port, for this broker's proposed address."""
    proposal = ctx.proposal(broker.node_id)
    port, node = proposal.listener_port, broker.node_id
    path = proposal.path
    if path is not None:
        return (
            f"This client reached broker {node} at {path.used} through {path.kind.described}: "
            f"advertise {path.used} for broker {node} only, and point that path at the new "
            f"listener's port {port} ({forward_hint(path.kind, path.used.port, port, node)})."
            + _other_brokers(ctx, node)
        )
    if proposal.published_port is not None:
        how = (f"Publish port {port} to broker {node}'s port {port} (-p {port}:{port})" if docker
               else f"Make port {port} on {proposal.host} reach that listener of broker {node}")
        return f"{how} and bootstrap this client from {proposal.address}." + _other_brokers(ctx, node)
    return (
        f"{proposal.address} is a placeholder: this run does not show where outside clients can "
        f"reach broker {node}. Give it its own host, or its own port on a shared host or load "
        f"balancer, never an address another broker uses."
    )


def forward_hint(kind: PathKind, used_port: int, port: int, node: int) -> str:
    if kind is PathKind.NODE_PORT:
        return f"broker {node}'s NodePort Service: nodePort {used_port}, targetPort {port}"
    if kind is PathKind.LOCAL_FORWARD:
        return (f"docker -p {used_port}:{port}, or kubectl port-forward <broker {node}'s pod> "
                f"{used_port}:{port}")
    return f"the NAT rule, proxy or load balancer port for broker {node}: {used_port} -> {port}"


def _other_brokers(ctx: BootstrapContext, node: int) -> str:
    if len(_brokers(ctx)) <= 1:
        return ""
    return " Every other broker needs an address of its own; no two brokers may advertise the same one."


def _brokers(ctx: BootstrapContext) -> tuple[AdvertisedBroker, ...]:
    md = ctx.bootstrap.metadata
    return md.detail.brokers if md is not None else ()


def reachable_host(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    """host:port other clients reach this broker's listener at: proven, or a per-broker placeholder."""
    path = ctx.path_to(broker.node_id)
    if path is not None and not _local(path.used.host):
        return str(path.used)
    return f"BROKER_{broker.node_id}_HOST:{broker.port}"


def _local(host: str) -> bool:
    return AddressKind.LOOPBACK in classify_host(host).kinds


def host_alias_proposal(ctx: BootstrapContext, broker: AdvertisedBroker) -> Proposal | None:
    """For a client on the Docker host itself (it reached this broker through a port published on
    its loopback), the address a new listener advertises: a free port on that loopback host. The
    port it used stays with the alias listener: containers reach that listener through it too."""
    path = ctx.path_to(broker.node_id)
    if path is None or path.kind is not PathKind.LOCAL_FORWARD:
        return None
    port = ctx.proposal(broker.node_id).listener_port
    return Proposal(broker.node_id, path.used.host, str(port), Origin.NEW_PORT, port)


def docker_alias_fix(broker: AdvertisedBroker, ctx: BootstrapContext | None = None) -> str:
    host = broker.host
    on_host = host_alias_proposal(ctx, broker) if ctx is not None else None
    if on_host is not None and ctx is not None:
        path = ctx.path_to(broker.node_id)
        assert path is not None
        port = on_host.listener_port
        return (
            f"This client is on the Docker host (it reached broker {broker.node_id} at {path.used}, a "
            f"port published on this host), where {host} does not exist: it exists only inside "
            f"containers (Docker Desktop, or extra_hosts: [\"{host}:host-gateway\"] on Linux; Docker "
            f"Desktop for Windows also writes it into the Windows hosts file, so there it resolves on "
            f"the host too). Keep the {host} listener for containers, which reach it through "
            f"published port {path.used.port}, and add a listener to broker {broker.node_id} for "
            f"clients on this host, advertised as {on_host.address} (keep every listener it has, "
            f"CONTROLLER included on KRaft nodes):\n"
            f"  listeners=<current>,EXTERNAL://0.0.0.0:{port}\n"
            f"  advertised.listeners=<current>,EXTERNAL://{on_host.address}\n"
            f"  listener.security.protocol.map=<current>,EXTERNAL:{ctx.security_protocol}\n"
            f"Publish port {port} (-p {port}:{port}) and bootstrap clients on this host from "
            f"{on_host.address}."
            + _other_brokers(ctx, broker.node_id)
        )
    return (
        f"{host} exists only inside containers: on Docker Desktop, and on Linux only in "
        f"containers started with extra_hosts: [\"{host}:host-gateway\"] "
        f"(docker run --add-host={host}:host-gateway). Add that mapping to this client's "
        f"container. A {host} listener serves containers that reach the broker through the "
        f"host's published port; a container on the broker's own Docker network should "
        f"bootstrap from the broker's internal listener instead, and clients on the host itself "
        f"need a listener advertised as localhost:PORT (except on Docker Desktop for Windows, "
        f"which also writes {host} into the Windows hosts file, so there the alias resolves on "
        f"the host too, to the host's own address)."
    )


def unresolvable_fix(ctx: BootstrapContext, broker: AdvertisedBroker, probe: EndpointProbe) -> str:
    kinds = probe.classification
    host = broker.host
    if kinds.has(AddressKind.DOCKER_HOST_ALIAS):
        return docker_alias_fix(broker, ctx)
    if kinds.has(AddressKind.KUBERNETES_SERVICE):
        return (
            f"{host} resolves only inside the Kubernetes cluster. Clients outside need a listener "
            f"that advertises an external address per broker (NodePort, LoadBalancer or a TLS "
            f"passthrough ingress; Strimzi: spec.kafka.listeners[].type=nodeport|loadbalancer). "
            + port_forward_fix(ctx, broker)
            + listener_per_audience(ctx, broker, docker=False)
        )
    if kinds.has(AddressKind.INTERNAL_NAME):
        return (
            f"{host} is a name that only resolves inside its own network (a Docker Compose "
            f"service name, for example). " + listener_per_audience(ctx, broker, "PLAINTEXT")
        )
    if kinds.has(AddressKind.TUNNEL):
        return tunnel_fix(broker)
    return (
        f"Make {host} resolvable for this client (a DNS record, or /etc/hosts), or advertise a "
        f"name it can resolve for broker {broker.node_id}: "
        f"advertised.listeners=LISTENER://{reachable_host(ctx, broker)}."
        + _placeholder_note(ctx, broker)
    )


def port_forward_fix(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    """kubectl port-forward: one loopback address per broker, since brokers share a port."""
    path = ctx.plan.path
    if path is None or path.kind is not PathKind.LOCAL_FORWARD:
        return ""
    brokers = _brokers(ctx)
    if len(brokers) <= 1:
        return (
            f"With kubectl port-forward (as this client's {path.used} looks like), mapping "
            f"{broker.host} to 127.0.0.1 in /etc/hosts works while there is one broker. "
        )
    loopback = _own_loopback(ctx, broker)
    return (
        f"With kubectl port-forward (as this client's {path.used} looks like), brokers usually "
        f"advertise the same port, so mapping every name to 127.0.0.1 sends every broker's "
        f"traffic to one of them: give each broker a loopback address of its own; for broker "
        f"{broker.node_id}: kubectl port-forward --address {loopback} <broker {broker.node_id}'s "
        f"pod> {broker.port}:{broker.port}, and in /etc/hosts: {loopback} {broker.host}. Or set "
        f"per-broker advertisedHost/advertisedPort overrides (Strimzi). "
    )


def _own_loopback(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    """A loopback address for this broker's forward: one per broker (127.0.0.2, .3, ...), never
    one this run saw answer as another broker on that port."""
    forbidden = {e.host for e in ctx.plan.forbidden_for(broker.node_id) if e.port == broker.port}
    ids = sorted(b.node_id for b in _brokers(ctx))
    n = 2 + ids.index(broker.node_id)
    while f"127.0.0.{n}" in forbidden:
        n += len(ids)
    return f"127.0.0.{n}"


def unreachable_fix(
    ctx: BootstrapContext, broker: AdvertisedBroker, probe: EndpointProbe, reason: Reason | None
) -> str:
    kinds = probe.classification
    resolved = probe.resolve.detail
    if kinds.has(AddressKind.TUNNEL):
        return tunnel_fix(broker)
    if kinds.has(AddressKind.LOOPBACK) and not ctx.same_host:
        return loopback_fix(ctx, broker)
    if wrong_port(ctx, broker) and reason is not Reason.TIMEOUT:
        return wrong_port_fix(ctx, broker)
    stale = stale_hosts_line(probe)
    if stale is not None:
        return (
            f"Remove or correct the `{broker.host}` line in /etc/hosts ({stale}): it sends this "
            f"client to {', '.join(resolved.hosts_file if resolved else ())}, where no broker "
            f"answers (or the container's extra_hosts / hostAliases that wrote it)."
        )
    if resolved is not None and ctx.public_bootstrap and all_private(resolved.addresses):
        return (
            f"{broker.host} resolves to a private address ({', '.join(resolved.addresses)}) that "
            f"this outside client cannot route to, although the bootstrap answered on public "
            f"{ctx.source_address}. Either serve outside clients a DNS view where {broker.host} "
            f"is the public address (split-horizon DNS), or: "
            + listener_per_audience(ctx, broker, docker=False)
        )
    path = ctx.path_to(broker.node_id)
    if reason is Reason.TIMEOUT:
        if path is not None and path.kind is not PathKind.OTHER_PORT:
            return _forwarded_fix(ctx, broker)
        return (
            f"Packets to {broker.address} are dropped on the way: open port {broker.port} in the "
            f"firewall / security group between this client and the broker, or advertise an "
            f"address on a network this client can route to for broker {broker.node_id}"
            + (f" (this client reaches broker {broker.node_id} at {path.used})." if path else ".")
        )
    if path is not None:
        return _forwarded_fix(ctx, broker)
    if reason is Reason.UNREACHABLE:
        return (
            f"There is no route from here to {broker.host}: advertise an address on a network "
            f"this client reaches for broker {broker.node_id}, e.g. "
            f"advertised.listeners=LISTENER://{reachable_host(ctx, broker)}."
            + _placeholder_note(ctx, broker)
        )
    return (
        f"Nothing accepts connections on {broker.address} as seen from here. The advertised port "
        f"must be the port clients connect to: with Docker publish it on the host "
        f"(-p {broker.port}:{broker.port}, host side = advertised port), with a Kubernetes "
        f"NodePort advertise the node port, behind NAT advertise the forwarded port. "
        + reach(ctx, broker)
    )


def _forwarded_fix(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    """The bootstrap reached this broker through a forwarder: advertise what the client used."""
    path = ctx.path_to(broker.node_id)
    assert path is not None
    return (
        f"{broker.address} is the broker's own address, which this client cannot reach; it "
        f"reached broker {broker.node_id} at {path.used} instead, through {path.kind.described}. "
        f"Advertise {path.used} on a listener for outside clients. "
        + listener_per_audience(ctx, broker, docker=path.kind is PathKind.LOCAL_FORWARD)
    )


def wrong_port(ctx: BootstrapContext, broker: AdvertisedBroker) -> bool:
    """Right host, wrong port: the bootstrap reached this very broker on the host it advertises,
    at another port."""
    path = ctx.path_to(broker.node_id)
    return path is not None and path.kind is PathKind.OTHER_PORT


def wrong_port_fix(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    path = ctx.path_to(broker.node_id)
    assert path is not None
    used = path.used
    if used.port in NODE_PORT_RANGE:
        mapping = (f"a Kubernetes NodePort ({used.port}) sends it to the container port "
                   f"{broker.port}: the koperator/Strimzi NodePort trap")
        other = ("each broker advertises its own node port on a listener for outside clients "
                 "(Strimzi: spec.kafka.listeners[].type=nodeport with "
                 "configuration.brokers[].advertisedPort)")
    else:
        mapping = (f"a port mapping (docker -p {used.port}:{broker.port}, a port-forward) sends it "
                   f"to the listener")
        other = f"publish the advertised port: -p {broker.port}:{broker.port}"
    return (
        f"The host is right, the port is wrong: broker {broker.node_id} answers here on {used} "
        f"(where this client bootstrapped), while it advertises port {broker.port}, where nothing "
        f"answers; {mapping}. Either advertise the port clients use, "
        f"advertised.listeners=LISTENER://{broker.host}:{used.port} (listeners= keeps binding "
        f"{broker.port}), or {other}."
    )


def stale_hosts_line(probe: EndpointProbe) -> str | None:
    """How DNS disagrees with the /etc/hosts line this client follows, when it does."""
    resolved = probe.resolve.detail
    if resolved is None or not resolved.hosts_file or resolved.dns is None:
        return None
    dns = resolved.dns
    if set(dns.addresses) - set(resolved.addresses):
        return f"DNS says {', '.join(dns.addresses)}"
    if dns.status in (DnsStatus.NXDOMAIN, DnsStatus.NODATA):
        return "DNS does not know this name"
    return None


def tunnel_fix(broker: AdvertisedBroker) -> str:
    return (
        f"{broker.address} is a tunnel address; tunnels get a new host and port when they restart. "
        f"Look up the tunnel's current address (ngrok: http://127.0.0.1:4040/api/tunnels), set "
        f"advertised.listeners=NGROK://<current host>:<current port> on the listener the tunnel "
        f"forwards to, and restart the broker; or reserve a fixed TCP address with the tunnel "
        f"service."
    )


def loopback_fix(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    source = ctx.source
    if source is not None and source.host in DOCKER_HOST_ALIASES:
        # The clients on the broker's host that use localhost today cannot resolve the
        # alias: replacing localhost would break them. A second listener serves both.
        return (
            f"{broker.host} means 'this machine' to every client: this container connects to "
            f"itself. "
            + listener_per_audience(ctx, broker, "PLAINTEXT", keep_for="clients on the Docker host")
        )
    return (
        f"{broker.host} means 'this machine' to every client, so clients on other hosts connect "
        f"to themselves. Advertise a host other clients reach for broker {broker.node_id}, e.g. "
        f"advertised.listeners={ctx.security_protocol}://{reachable_host(ctx, broker)}; keep "
        f"localhost only on a separate listener for clients on the broker's own host."
        + _placeholder_note(ctx, broker)
    )


def _placeholder_note(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    if not reachable_host(ctx, broker).startswith("BROKER_"):
        return ""
    return (f" BROKER_{broker.node_id}_HOST is a placeholder: this run does not show an address of "
            f"broker {broker.node_id} that other clients reach; use its own, never another broker's.")


def wildcard_fix(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    return (
        f"0.0.0.0 / :: belong in listeners= (the bind address), never in advertised.listeners= "
        f"(Apache Kafka refuses to start with it there: \"advertised.listeners cannot use the "
        f"nonroutable meta-address 0.0.0.0\"; a broker that advertises it is another server or "
        f"an old version). Set listeners={ctx.security_protocol}://0.0.0.0:{broker.port} and "
        f"advertised.listeners={ctx.security_protocol}://{reachable_host(ctx, broker)}. The "
        f"Kafka trap is an empty advertised host (PLAINTEXT://:{broker.port}, or no "
        f"advertised.listeners with an empty host in listeners=): the broker then advertises its "
        f"canonical host name, in Docker the container id. Always name the host."
        + _placeholder_note(ctx, broker)
    )


def not_kafka_fix(broker: AdvertisedBroker, answer: KafkaAnswer) -> str:
    if answer is KafkaAnswer.TLS:
        return (
            f"{broker.address} speaks TLS: set security.protocol=SSL (or SASL_SSL) in the client, "
            f"or advertise the broker's plaintext listener."
        )
    return (
        f"Another service answers on {broker.address}: advertise the port of the broker's "
        f"listener (check listeners= and advertised.listeners= use the same port, and the port "
        f"mapping points at the broker)."
    )
