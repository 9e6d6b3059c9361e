"""Rules about each advertised broker: what fails from here, and why its address is risky.

Two kinds of finding per broker:
- the symptom (unresolvable, unreachable, not Kafka, wrong broker), always an
  error, with the fix tailored to the kind of address;
- the address kind (loopback, internal name, Docker alias, tunnel, private
  address), whose severity follows the evidence: an error when the address
  fails from here, informational when it works from here but will fail for
  clients elsewhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from listencheck.address import AddressKind, is_container_id, may_be_machine_name
from listencheck.analysis import advice
from listencheck.analysis.context import (
    BootstrapContext,
    all_private,
    attempts_evidence,
    failed_stage,
    kafka_answer,
    resolve_evidence,
    unfinished,
)
from listencheck.analysis.java_client import java
from listencheck.analysis.machine_name import machine_name
from listencheck.analysis.security_rules import reported_here
from listencheck.codes import FindingCode
from listencheck.models import BrokerCheck, EndpointProbe, Finding, JsonValue, Reason, Severity
from listencheck.stages import Stage
from listencheck.vocabulary import DnsStatus, ResolveSource

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO


def broker_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    yield from _duplicates(ctx)
    for broker in ctx.bootstrap.brokers:
        if broker.address_problem:
            yield _invalid(ctx, broker)
            continue
        yield from _symptoms(ctx, broker)
        if not unfinished(broker.probe):  # a probe cut short cannot say how the address fares
            yield from _address_kinds(ctx, broker)


# A short name without a signal of its origin (see analysis/machine_name.py): said, not guessed.
SHORT_NAME_CAUSES = ("a Docker Compose service or container name, or the broker machine's own host name "
                     "(advertised host left empty); no reverse DNS of the bootstrap address or broker "
                     "configuration here tells which")


def _base(broker: BrokerCheck) -> dict[str, JsonValue]:
    return {"advertised": broker.advertised.address, "broker_id": broker.advertised.node_id}


def _path(ctx: BootstrapContext, broker: BrokerCheck) -> tuple[str, dict[str, JsonValue]]:
    """The forwarded path the bootstrap took to this broker, for the message and the evidence."""
    node = broker.advertised.node_id
    proposal = ctx.proposal(node)
    evidence: dict[str, JsonValue] = {"proposed_address": {
        "address": proposal.address, "origin": proposal.origin.value,
        "listener_port": proposal.listener_port, "placeholder": proposal.placeholder}}
    path = ctx.path_to(node)
    if path is None:
        return "", evidence
    evidence["bootstrap_path"] = path.evidence()
    return (f" This client reached broker {node} at {path.used} instead, through "
            f"{path.kind.described}."), evidence


def _invalid(ctx: BootstrapContext, broker: BrokerCheck) -> Finding:
    adv = broker.advertised
    return ctx.finding(
        FindingCode.ADVERTISED_INVALID_ADDRESS, ERR, ctx.broker(adv.node_id, adv.address),
        f"Broker {adv.node_id} advertises {adv.host!r} port {adv.port}, which no client can use "
        f"({broker.address_problem}).",
        f"Set advertised.listeners on broker {adv.node_id} to LISTENER://HOST:PORT with a host "
        f"name or IP clients resolve and a port between 1 and 65535.",
        {"host": adv.host, "port": adv.port, "problem": broker.address_problem},
    )


def _symptoms(ctx: BootstrapContext, broker: BrokerCheck) -> Iterator[Finding]:
    adv, probe = broker.advertised, broker.probe
    where = adv.address
    stage = failed_stage(probe)
    path_text, path_evidence = _path(ctx, broker)
    if stage is Stage.RESOLVE:
        yield ctx.finding(
            FindingCode.ADVERTISED_UNRESOLVABLE, ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises {where}, but {adv.host} does not resolve from here "
            f"({_resolve_reason(probe)})." + path_text,
            advice.unresolvable_fix(ctx, adv, probe),
            _base(broker) | resolve_evidence(probe) | path_evidence,
        )
        return
    if probe.attempts and all(a.tcp.failed for a in probe.attempts):
        reason = probe.attempts[0].tcp.reason
        stale = advice.stale_hosts_line(probe)
        hosts = f"; {adv.host} comes from /etc/hosts, {stale}" if stale else ""
        yield ctx.finding(
            FindingCode.ADVERTISED_UNREACHABLE, ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises {where}, which does not accept connections from "
            f"here ({_reasons(broker)}{hosts})." + path_text,
            advice.unreachable_fix(ctx, adv, probe, reason),
            _base(broker) | {"reason": reason.value if reason else None,
                             "attempts": attempts_evidence(probe)} | path_evidence | _resolved_from(probe),
        )
        return
    if probe.works and not all(a.works for a in probe.attempts):
        failing = [a for a in probe.attempts if not a.works]
        families = sorted({a.family for a in failing})
        yield ctx.finding(
            FindingCode.ADVERTISED_PARTIALLY_REACHABLE, WARN, ctx.broker(adv.node_id, where),
            f"{adv.host} resolves to {len(probe.attempts)} addresses and "
            f"{', '.join(a.address for a in failing)} ({'/'.join(families)}) fail from here.",
            f"Make broker {adv.node_id} listen on every address family {adv.host} resolves to, "
            f"remove the stale DNS record, or set broker.address.family="
            f"{'v4' if 'ipv6' in families else 'v6'} in the client."
            + java(f"broker.address.family={'v4' if 'ipv6' in families else 'v6'}"),
            _base(broker) | {"failing_families": families,
                             "attempts": attempts_evidence(probe)},
        )
    chosen = probe.chosen
    if reported_here(probe):
        return  # TLS, SASL and protocol mismatches: reported by security_rules
    if stage is Stage.KAFKA and chosen is not None and chosen.kafka.detail is not None:
        detail = chosen.kafka.detail
        answer = kafka_answer(chosen)
        evidence = _base(broker) | {"answer": answer, "attempts": attempts_evidence(probe)}
        if detail.preview:
            evidence["first_bytes"] = detail.preview
        yield ctx.finding(
            FindingCode.ADVERTISED_NOT_KAFKA, ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises {where}, but what answers there is not Kafka "
            f"({answer}).",
            advice.not_kafka_fix(adv, answer),
            evidence,
        )
        return
    if stage is Stage.METADATA and chosen is not None:
        result = chosen.result(stage)
        yield ctx.finding(
            FindingCode.ADVERTISED_METADATA_FAILED, ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} at {where} speaks Kafka but its {stage} stage failed.",
            "Check that broker's logs and the client's security settings for this listener.",
            _base(broker) | {"stage": stage, "message": result.error.message if result.error else ""},
        )
        return
    yield from _identity(ctx, broker)


def _resolved_from(probe: EndpointProbe) -> dict[str, JsonValue]:
    """Where the name's addresses came from, when /etc/hosts gave them (DNS may disagree)."""
    detail = probe.resolve.detail
    if detail is None or detail.source is not ResolveSource.HOSTS:
        return {}
    evidence = resolve_evidence(probe)
    return {key: evidence[key] for key in ("source", "hosts_file", "dns") if key in evidence}


def _resolve_reason(probe: EndpointProbe) -> str:
    r = probe.resolve
    dns = r.detail.dns if r.detail else None
    reason = r.error.reason.value if r.error else "failed"
    if dns and dns.status is DnsStatus.NOERROR and dns.addresses:
        # Seen with very large answers (100+ records): DNS delivers them, glibc's getaddrinfo
        # (what clients use) gives up on them.
        return (f"{reason}, although DNS answers {len(dns.addresses)} address(es): the system "
                f"resolver that clients use rejects that answer")
    if dns and "CNAME chain is too long" in (dns.message or ""):
        return f"{reason}; DNS says {dns.status}: a CNAME chain that loops or never ends"
    return f"{reason}; DNS says {dns.status}" if dns and dns.status is not DnsStatus.NOERROR else reason


def _reasons(broker: BrokerCheck) -> str:
    parts = []
    for attempt in broker.probe.attempts:
        reason = attempt.tcp.reason.value if attempt.tcp.reason else "failed"
        parts.append(f"{attempt.address}: {reason}")
    return ", ".join(parts)


def _identity(ctx: BootstrapContext, broker: BrokerCheck) -> Iterator[Finding]:
    result, adv = broker.identity, broker.advertised
    detail = result.detail
    if not result.failed or detail is None:
        return
    evidence = _base(broker) | {
        "expected_cluster_id": detail.expected_cluster_id,
        "seen_cluster_id": detail.seen_cluster_id,
        "expected_broker_id": detail.expected_node_id,
        "seen_broker_id": detail.seen_node_id,
        "broker_id_confirmed_by_broker": detail.seen_node_id is not None,
        "advertised_there": detail.advertised_there,
    }
    message = result.error.message if result.error else "identity mismatch"
    if result.reason is Reason.LISTENER_MISMATCH:
        yield ctx.finding(
            FindingCode.ADVERTISED_LISTENER_MISMATCH, WARN, ctx.broker(adv.node_id, adv.address),
            f"{adv.address} reaches broker {adv.node_id}, but a listener that advertises it as "
            f"{detail.advertised_there}.",
            f"Send port {adv.port} to the listener that advertises {adv.address} (for Docker: "
            f"-p {adv.port}:{adv.port} to that listener's container port), or advertise "
            f"{detail.advertised_there} consistently.",
            evidence,
        )
        return
    yield ctx.finding(
        FindingCode.ADVERTISED_WRONG_BROKER, ERR, ctx.broker(adv.node_id, adv.address),
        f"Broker {adv.node_id} advertises {adv.address}, but that address {message}.",
        f"Make {adv.address} lead to broker {adv.node_id} of cluster "
        f"{detail.expected_cluster_id or '?'}: fix the port forward / DNS record, or give each "
        f"broker its own advertised host:port.",
        evidence,
    )


def _address_kinds(ctx: BootstrapContext, broker: BrokerCheck) -> Iterator[Finding]:
    adv, probe = broker.advertised, broker.probe
    kinds = probe.classification
    works = probe.works and not broker.identity.failed
    where = adv.address
    outcome = "works from here" if works else "fails from here"
    base = _base(broker) | {"works_from_here": works, "bootstrap_address": ctx.source_address}

    if kinds.has(AddressKind.LOOPBACK):
        wrong_port = ctx.same_host and advice.wrong_port(ctx, adv)
        local = ctx.same_host and (works or wrong_port)
        yield ctx.finding(
            FindingCode.ADVERTISED_LOOPBACK, NOTE if local else ERR, ctx.broker(adv.node_id, where),
            (f"Broker {adv.node_id} advertises {where}: the host is right for clients on the "
             f"broker's host (like this one), the port is not (see ADVERTISED_UNREACHABLE); "
             f"wrong for every other client."
             if wrong_port else
             f"Broker {adv.node_id} advertises {where}: fine for clients on the broker's host "
             f"(like this one), wrong for every other client."
             if local else
             f"Broker {adv.node_id} advertises {where}, a loopback address, to a client that "
             f"reached the bootstrap at {ctx.source_address}: it {outcome} "
             f"({_loopback_outcome(broker)})."),
            advice.loopback_fix(ctx, adv),
            base | {"reached_from_here": _loopback_outcome(broker)},
        )
    if kinds.has(AddressKind.WILDCARD):
        local = ctx.same_host and works
        yield ctx.finding(
            FindingCode.ADVERTISED_WILDCARD, WARN if local else ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises the wildcard address {where}"
            + (": it only works because this client runs on the broker's host." if local else
               f"; it {outcome}."),
            advice.wildcard_fix(ctx, adv),
            base,
        )
    if kinds.has(AddressKind.INTERNAL_NAME) and is_container_id(adv.host):
        yield ctx.finding(
            FindingCode.ADVERTISED_CONTAINER_ID, NOTE if works else ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises {adv.host}, a Docker container id: the host name Kafka "
            f"uses inside a container when advertised.listeners leaves the host empty (or is unset)"
            + ("; it works from here, but only where that container's name resolves." if works else
               "; only the container itself can resolve it, and it fails from here."),
            f"Set the host in advertised.listeners explicitly for broker {adv.node_id}, e.g. "
            f"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://BROKER_{adv.node_id}_HOST:{adv.port} with the name "
            f"clients use (the Compose service name for clients on the same Docker network, "
            f"localhost or the Docker host's name with the published port for others). "
            f"BROKER_{adv.node_id}_HOST is a placeholder.",
            base | {"classification": kinds.sorted_kinds(), "container_id": adv.host},
        )
    elif kinds.has(AddressKind.INTERNAL_NAME) and (machine := machine_name(ctx, broker)) is not None:
        full = machine.full_name
        yield ctx.finding(
            FindingCode.ADVERTISED_MACHINE_NAME, NOTE if works else ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises {adv.host}, the broker machine's own host name "
            f"({machine.reasons(ctx)}): Kafka advertises it when the advertised host is empty"
            + ("; it works from here, but only where that name resolves." if works else
               "; only the broker's machine resolves it, and it fails from here."),
            f"Set the host in advertised.listeners explicitly for broker {adv.node_id}: "
            f"advertised.listeners={machine.listener or 'LISTENER'}://{full or f'BROKER_{adv.node_id}_HOST'}"
            f":{adv.port}" + (f" ({full} is the name reverse DNS gives the bootstrap address)" if full else
                              f" (BROKER_{adv.node_id}_HOST: a name or address clients resolve and reach)")
            + ", or give the machine its full name in /etc/hosts (hostname -f) so the default is a "
              "name DNS knows.",
            base | {"classification": kinds.sorted_kinds(), **machine.evidence()},
        )
    elif kinds.has(AddressKind.INTERNAL_NAME):
        k8s = kinds.has(AddressKind.KUBERNETES_SERVICE)
        label = "Kubernetes service name" if k8s else "network-internal name"
        yield ctx.finding(
            FindingCode.ADVERTISED_INTERNAL_NAME, NOTE if works else ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises the {label} {adv.host}"
            + ("; it works from here, but clients outside that network will fail." if works else
               "; it fails from here."),
            advice.listener_per_audience(ctx, adv, "PLAINTEXT", docker=not k8s) if works else
            advice.unresolvable_fix(ctx, adv, probe),
            base | {"classification": kinds.sorted_kinds()} | (
                {"could_be": SHORT_NAME_CAUSES} if may_be_machine_name(adv.host) else {}),
        )
    if kinds.has(AddressKind.DOCKER_HOST_ALIAS):
        yield ctx.finding(
            FindingCode.ADVERTISED_DOCKER_HOST_ALIAS, NOTE if works else ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises the Docker host alias {adv.host}; it {outcome}"
            + ("." if works else " (this client has no host-gateway mapping for it)."),
            advice.docker_alias_fix(adv, ctx),
            base,
        )
    if kinds.has(AddressKind.TUNNEL):
        yield ctx.finding(
            FindingCode.ADVERTISED_TUNNEL, NOTE if works else ERR, ctx.broker(adv.node_id, where),
            f"Broker {adv.node_id} advertises the tunnel address {where} "
            f"({kinds.tunnel_service}); it {outcome}"
            + (", until the tunnel restarts with a new address." if works else
               ": the tunnel is down or now runs on another host:port."),
            advice.tunnel_fix(adv),
            base | {"tunnel_service": kinds.tunnel_service},
        )
    resolved = probe.resolve.detail.addresses if probe.resolve.detail else ()
    private = kinds.has(AddressKind.PRIVATE) or (
        not kinds.has(AddressKind.LOOPBACK) and all_private(resolved)
    )
    if private and ctx.public_bootstrap:
        yield ctx.finding(
            FindingCode.ADVERTISED_PRIVATE_ADDRESS, NOTE if works else ERR, ctx.broker(adv.node_id, where),
            f"The bootstrap answered on public address {ctx.source_address}, but broker "
            f"{adv.node_id} advertises {where} ({', '.join(resolved)}), a private address; "
            f"it {outcome}.",
            "Advertise the public name or address on the listener outside clients use. "
            + advice.listener_per_audience(ctx, adv, docker=False),
            base | {"resolved": list(resolved)},
        )


def _loopback_outcome(broker: BrokerCheck) -> str:
    probe = broker.probe
    if probe.works:
        identity = broker.identity
        if identity.failed and identity.error:
            return f"a different Kafka: {identity.error.message}"
        return "a Kafka broker of the same cluster on this host"
    stage = failed_stage(probe)
    chosen = probe.chosen
    if stage is Stage.KAFKA and chosen and chosen.kafka.detail:
        return f"a non-Kafka service on this host ({chosen.kafka.detail.answer})"
    if chosen and chosen.tcp.reason:
        return f"connection {chosen.tcp.reason.value}"
    return f"failed at {stage}" if stage else "not probed"


def _duplicates(ctx: BootstrapContext) -> Iterator[Finding]:
    by_address: dict[str, list[int]] = defaultdict(list)
    for broker in ctx.bootstrap.brokers:
        by_address[broker.advertised.address.lower()].append(broker.advertised.node_id)
    for address, ids in by_address.items():
        if len(ids) > 1:
            yield ctx.finding(
                FindingCode.ADVERTISED_DUPLICATE, ERR, ctx.broker(ids[0], address),
                f"Brokers {', '.join(map(str, ids))} all advertise {address}: clients can reach "
                f"only one of them there.",
                f"Give each broker its own host:port in advertised.listeners (e.g. one published "
                f"port per broker: broker {ids[0]} on {address}, broker {ids[1]} on another port).",
                {"address": address, "broker_ids": ids},
            )


__all__ = ["broker_findings"]
