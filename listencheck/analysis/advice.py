"""Concrete fixes: which setting, which value, worked out from the evidence."""

from __future__ import annotations

from listencheck.address import DOCKER_HOST_ALIASES, AddressKind, Endpoint, classify_host
from listencheck.analysis.context import BootstrapContext, all_private
from listencheck.models import AdvertisedBroker, EndpointProbe, Reason


def _external_endpoint(ctx: BootstrapContext, broker: AdvertisedBroker) -> Endpoint:
    """The address to advertise for this client: the one it bootstrapped through, if usable."""
    source = ctx.source
    if source is not None and source.port != broker.port:
        return source
    # The client's port already belongs to the broker's listener: the new one needs its own,
    # and not one that another listener checked in this run already uses.
    taken = _ports_in_use(ctx)
    port = 29092 if broker.port == 9092 else broker.port + 1
    while port in taken:
        port += 1
    host = source.host if source is not None else "HOST_CLIENTS_CAN_RESOLVE"
    return Endpoint(host, port)


def _ports_in_use(ctx: BootstrapContext) -> set[int]:
    """Ports of every bootstrap server and advertised address seen in this run."""
    ports: set[int] = set()
    for b in ctx.result.bootstraps:
        ports.update(server.endpoint.port for server in b.servers)
        if b.metadata is not None:
            ports.update(x.port for x in b.metadata.detail.brokers)
    return ports


def _shared_host(ctx: BootstrapContext) -> str:
    """A host other machines can use for this broker: the bootstrap host unless it is loopback."""
    source = ctx.source
    if source is None or AddressKind.LOOPBACK in classify_host(source.host).kinds:
        return "BROKER_HOST_OR_IP"
    return source.host


def listener_per_audience(
    ctx: BootstrapContext, broker: AdvertisedBroker, internal_name: str = "INTERNAL",
    docker: bool = True, keep_for: str = "clients on the broker's own network",
) -> str:
    """The listener-per-audience recipe, filled in with this broker's addresses."""
    ext = _external_endpoint(ctx, broker)
    proto = ctx.security_protocol
    publish = (
        f"(Docker: KAFKA_LISTENERS, KAFKA_ADVERTISED_LISTENERS, KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, "
        f"KAFKA_INTER_BROKER_LISTENER_NAME.) Publish port {ext.port} to the broker's port {ext.port} "
        f"(-p {ext.port}:{ext.port}) and bootstrap this client from {ext}."
        if docker else
        f"Make port {ext.port} reach that listener and bootstrap this client from {ext}."
    )
    return (
        f"Keep {internal_name}://{broker.address} for {keep_for} and "
        f"add a listener for clients like this one, advertising an address they reach:\n"
        f"  listeners={internal_name}://0.0.0.0:{broker.port},EXTERNAL://0.0.0.0:{ext.port}\n"
        f"  advertised.listeners={internal_name}://{broker.address},EXTERNAL://{ext}\n"
        f"  listener.security.protocol.map={internal_name}:{proto},EXTERNAL:{proto}\n"
        f"  inter.broker.listener.name={internal_name}\n" + publish
    )


def docker_alias_fix(broker: AdvertisedBroker) -> str:
    host = broker.host
    return (
        f"{host} exists only inside containers: on Docker Desktop, and on Linux only in "
        f"containers started with extra_hosts: [\"{host}:host-gateway\"] "
        f"(docker run --add-host={host}:host-gateway). Add that mapping to this client's "
        f"container. A {host} listener serves containers that reach the broker through the "
        f"host's published port; a container on the broker's own Docker network should "
        f"bootstrap from the broker's internal listener instead, and clients on the host itself "
        f"need a listener advertised as localhost:PORT."
    )


def unresolvable_fix(ctx: BootstrapContext, broker: AdvertisedBroker, probe: EndpointProbe) -> str:
    kinds = probe.classification
    host = broker.host
    if kinds.has(AddressKind.DOCKER_HOST_ALIAS):
        return docker_alias_fix(broker)
    if kinds.has(AddressKind.KUBERNETES_SERVICE):
        return (
            f"{host} resolves only inside the Kubernetes cluster. Clients outside need a listener "
            f"that advertises an external address per broker (NodePort, LoadBalancer or a TLS "
            f"passthrough ingress; Strimzi: spec.kafka.listeners[].type=nodeport|loadbalancer). "
            f"With kubectl port-forward, forward every broker and advertise localhost:PORT on a "
            f"separate listener, or map {host} to 127.0.0.1 in this client's /etc/hosts. "
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
        f"name it can resolve: advertised.listeners=LISTENER://{_external_endpoint(ctx, broker)}."
    )


def unreachable_fix(
    ctx: BootstrapContext, broker: AdvertisedBroker, probe: EndpointProbe, reason: Reason | None
) -> str:
    kinds = probe.classification
    resolved = probe.resolve.detail
    if kinds.has(AddressKind.TUNNEL):
        return tunnel_fix(broker)
    if kinds.has(AddressKind.LOOPBACK) and not ctx.same_host:
        return loopback_fix(ctx, broker)
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
    elsewhere = _reached_elsewhere(ctx, probe)
    if elsewhere is not None and reason in (Reason.TIMEOUT, Reason.UNREACHABLE):
        return (
            f"{broker.host} is on a network this client is not on (a container or pod IP, for "
            f"example), while it reached the broker through {elsewhere}: advertise that address "
            f"on a listener of its own. "
            + listener_per_audience(ctx, broker, docker=ctx.source is not None and ctx.source.host
                                    in DOCKER_HOST_ALIASES)
        )
    if reason is Reason.TIMEOUT:
        return (
            f"Packets to {broker.address} are dropped on the way: open port {broker.port} in the "
            f"firewall / security group between this client and the broker, or advertise an "
            f"address on a network this client can route to."
        )
    if reason is Reason.UNREACHABLE:
        return (
            f"There is no route from here to {broker.host}: advertise an address on a network "
            f"this client reaches, e.g. advertised.listeners=LISTENER://{_external_endpoint(ctx, broker)}."
        )
    return (
        f"Nothing accepts connections on {broker.address} as seen from here. The advertised port "
        f"must be the port clients connect to: with Docker publish it on the host "
        f"(-p {broker.port}:{broker.port}, host side = advertised port), with a Kubernetes "
        f"NodePort advertise the node port, behind NAT advertise the forwarded port. Otherwise "
        f"advertise the address this client bootstraps through: {_external_endpoint(ctx, broker)}."
    )


def stale_hosts_line(probe: EndpointProbe) -> str | None:
    """How DNS disagrees with the /etc/hosts line this client follows, when it does."""
    resolved = probe.resolve.detail
    if resolved is None or not resolved.hosts_file or resolved.dns is None:
        return None
    dns = resolved.dns
    if set(dns.addresses) - set(resolved.addresses):
        return f"DNS says {', '.join(dns.addresses)}"
    if dns.status in ("NXDOMAIN", "NODATA"):
        return "DNS does not know this name"
    return None


def _reached_elsewhere(ctx: BootstrapContext, probe: EndpointProbe) -> Endpoint | None:
    """The bootstrap address, when this client reached the broker there although the advertised
    (private) address is not on any network it can reach."""
    resolved = probe.resolve.detail
    source = ctx.source
    if source is None or resolved is None or not all_private(resolved.addresses):
        return None
    if ctx.source_address in resolved.addresses or source.host == probe.endpoint.host:
        return None
    return source


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
        f"to themselves. Advertise a host other clients reach, e.g. "
        f"advertised.listeners={ctx.security_protocol}://{_shared_host(ctx)}:{broker.port}; keep "
        f"localhost only on a separate listener for clients on the broker's own host."
    )


def wildcard_fix(ctx: BootstrapContext, broker: AdvertisedBroker) -> str:
    return (
        f"0.0.0.0 / :: belong in listeners= (the bind address), never in advertised.listeners=. "
        f"Set listeners={ctx.security_protocol}://0.0.0.0:{broker.port} and "
        f"advertised.listeners={ctx.security_protocol}://{_shared_host(ctx)}:{broker.port}."
    )


def not_kafka_fix(broker: AdvertisedBroker, answer: str) -> str:
    if answer == "tls":
        return (
            f"{broker.address} speaks TLS: set security.protocol=SSL (or SASL_SSL) in the client, "
            f"or advertise the broker's plaintext listener."
        )
    return (
        f"Another service answers on {broker.address}: advertise the port of the broker's "
        f"listener (check listeners= and advertised.listeners= use the same port, and the port "
        f"mapping points at the broker)."
    )
