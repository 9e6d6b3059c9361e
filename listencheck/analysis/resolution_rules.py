"""Rules about name resolution itself: /etc/hosts, nsswitch and DNS telling different stories, and
the client's own resolution settings (broker.address.family, a Java client's client.dns.lookup)."""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.address import ip_literal
from listencheck.analysis.context import BootstrapContext, failed_stage, unfinished
from listencheck.analysis.rule import Rules
from listencheck.codes import FindingCode
from listencheck.models import CanonicalName, EndpointProbe, Finding, JsonValue, Severity
from listencheck.vocabulary import AddressFamily, DnsLookup, IpFamily, ResolveSource

JAVA_ONLY = ("Java clients (kafka-clients and what is built on it: Spring, Kafka Streams, Connect); "
             "librdkafka-based clients (confluent-kafka, kcat, node-rdkafka) have no client.dns.lookup")
LIBRDKAFKA_ONLY = ("librdkafka-based clients (confluent-kafka, kcat, node-rdkafka); Java clients have "
                   "no broker.address.family")


def resolution_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    probes = list(ctx.bootstrap.servers) + [b.probe for b in ctx.bootstrap.brokers]
    seen: set[str] = set()
    for probe in probes:
        host = probe.endpoint.host
        if host in seen:
            continue
        seen.add(host)
        finding = _disagreement(ctx, probe)
        if finding:
            yield finding
        finding = _family_excluded(ctx, probe)
        if finding:
            yield finding
    for server in ctx.bootstrap.servers:
        finding = _canonical(ctx, server)
        if finding:
            yield finding


def _disagreement(ctx: BootstrapContext, probe: EndpointProbe) -> Finding | None:
    detail = probe.resolve.detail
    if detail is None or detail.dns is None or detail.source is ResolveSource.LITERAL:
        return None
    dns = {a for a in detail.dns.addresses if detail.family.allows(IpFamily.of(a).version)}
    gai = set(detail.addresses) | set(detail.not_tried)
    if not dns or gai == dns:
        return None
    host = probe.endpoint.host
    used = ", ".join(detail.addresses) or "nothing"
    origin = "/etc/hosts" if detail.hosts_file else "getaddrinfo (nsswitch)"
    return ctx.finding(
        FindingCode.RESOLVER_DISAGREEMENT, Severity.WARNING, ctx.probe_subject(probe),
        f"{host}: {origin} gives {used}, DNS gives {', '.join(sorted(dns))}. The client uses "
        f"{used}.",
        f"Remove or correct the {host} line in /etc/hosts, or fix the DNS record, so both "
         f"give the broker's real address." if detail.hosts_file else
         f"Check /etc/nsswitch.conf and the local resolver cache for {host}; make them agree "
         f"with DNS.",
        {"host": host, "getaddrinfo": sorted(gai), "hosts_file": list(detail.hosts_file),
         "dns_a": list(detail.dns.a), "dns_aaaa": list(detail.dns.aaaa),
         "cname_chain": list(detail.dns.cname_chain), "nameservers": list(detail.dns.nameservers)},
    )


def _family_excluded(ctx: BootstrapContext, probe: EndpointProbe) -> Finding | None:
    detail = probe.resolve.detail
    if detail is None or not detail.not_tried or detail.canonical or unfinished(probe):
        return None
    if detail.addresses and (probe.works or not probe.attempts):
        return None
    host, tried, left = probe.endpoint.host, detail.addresses, detail.not_tried
    java = detail.lookup is not None
    rule = (f"a Java client (client.dns.lookup={detail.lookup}) keeps only the family of the first "
            f"address, IPv4 first by the JVM's default" if java else
            f"broker.address.family={detail.family}")
    left_text = ", ".join(left)
    if not tried:
        message = (f"{host} has only {_families(left)} addresses ({left_text}) and "
                   f"broker.address.family={detail.family}: this client has nothing to try.")
        severity = Severity.ERROR
    else:
        message = (f"{host}: this client tries only {', '.join(tried)} ({rule}) and it fails from "
                   f"here; it never tries {left_text} (not probed).")
        severity = Severity.WARNING
    fix = ("Java: start the JVM with -Djava.net.preferIPv6Addresses=true to try IPv6 first, or make "
           f"the broker reachable over {_families(tried)}." if java else
           f"Set broker.address.family=any (or the family {host} resolves to), or give {host} "
           f"{'an IPv4' if detail.family is AddressFamily.V4 else 'an IPv6'} address the broker listens on.")
    evidence: dict[str, JsonValue] = {
        "host": host, "tried": list(tried), "not_tried": list(left),
        "rule": f"client.dns.lookup={detail.lookup}" if java else f"broker.address.family={detail.family}",
        "applies_to": JAVA_ONLY if java else LIBRDKAFKA_ONLY,
    }
    return ctx.finding(FindingCode.ADDRESS_FAMILY_EXCLUDED, severity, ctx.probe_subject(probe),
                       message, fix, evidence)


def _families(addresses: tuple[str, ...]) -> str:
    return "/".join(sorted({"IPv6" if IpFamily.of(a) is IpFamily.IPV6 else "IPv4" for a in addresses}))


def _canonical(ctx: BootstrapContext, probe: EndpointProbe) -> Finding | None:
    detail = probe.resolve.detail
    if detail is None or not detail.canonical or unfinished(probe):
        return None
    host = probe.endpoint.host.lower().rstrip(".")
    if all(c.name.lower().rstrip(".") == host for c in detail.canonical):
        return None
    works = probe.works
    kerberos = _kerberos(probe) and any(ip_literal(c.name) is not None for c in detail.canonical)
    stage = failed_stage(probe)
    names = ", ".join(dict.fromkeys(c.name for c in detail.canonical))
    outcome = ("it works from here" if works and not kerberos else
               "Kerberos would ask for a service principal named after an IP address" if works else
               f"it fails from here at the {stage.value if stage else 'probe'} stage")
    message = (f"client.dns.lookup={DnsLookup.RESOLVE_CANONICAL}: a Java client connects to bootstrap "
               f"{probe.endpoint} as {names} ({'; '.join(_why(c) for c in detail.canonical)}). TLS host "
               f"name verification and Kerberos (kafka/NAME) use that name; {outcome}.")
    first = detail.canonical[0]
    fix = (f"Give {first.address} a PTR record naming {probe.endpoint.host} (or another name that "
           f"resolves back to it and that the broker certificate and Kerberos principal carry); or, "
           f"unless Kerberos needs canonical names, remove client.dns.lookup={DnsLookup.RESOLVE_CANONICAL} "
           f"(use_all_dns_ips is the default).")
    evidence: dict[str, JsonValue] = {
        "host": probe.endpoint.host, "works_from_here": works,
        "failed_stage": stage.value if stage else None,
        "canonical": [{"address": c.address, "ptr": c.ptr, "confirmed": c.confirmed, "name": c.name,
                       "addresses": list(c.addresses), "ptr_addresses": list(c.ptr_addresses)}
                      for c in detail.canonical],
        "applies_to": JAVA_ONLY,
    }
    tls = probe.chosen.tls.detail if probe.chosen is not None else None
    if tls is not None and tls.certificate is not None:
        evidence["tls_server_name"] = tls.server_name
        evidence["certificate_dns_names"] = list(tls.certificate.dns_names)
        evidence["certificate_ip_addresses"] = list(tls.certificate.ip_addresses)
        evidence["tls_verify_error"] = tls.verify_error
    severity = Severity.INFO if works and not kerberos else Severity.ERROR
    return ctx.finding(FindingCode.BOOTSTRAP_CANONICAL_NAME, severity, ctx.server(str(probe.endpoint)),
                       message, fix, evidence)


def _why(c: CanonicalName) -> str:
    if c.ptr is None:
        return f"{c.address} has no reverse DNS name, so the address itself"
    if not c.confirmed:
        back = ", ".join(c.ptr_addresses) or "nothing"
        return (f"{c.address} reverses to {c.ptr}, which resolves here to {back}, not back to "
                f"{c.address}, so the address itself")
    return f"{c.address} reverses to {c.ptr}"


def _kerberos(probe: EndpointProbe) -> bool:
    """The client authenticates with GSSAPI (as the SASL stage recorded it)."""
    return any(a.sasl.detail is not None and a.sasl.detail.mechanism.upper() == "GSSAPI"
               for a in probe.attempts)


RULES = Rules(bootstrap=(resolution_findings,))
