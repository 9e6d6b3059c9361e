"""Rules about name resolution itself: /etc/hosts, nsswitch and DNS telling different stories."""

from __future__ import annotations

from collections.abc import Iterator

from listencheck.analysis.context import BootstrapContext
from listencheck.codes import FindingCode
from listencheck.models import EndpointProbe, Finding, Severity
from listencheck.vocabulary import IpFamily, ResolveSource


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


def _disagreement(ctx: BootstrapContext, probe: EndpointProbe) -> Finding | None:
    detail = probe.resolve.detail
    if detail is None or detail.dns is None or detail.source is ResolveSource.LITERAL:
        return None
    dns = {a for a in detail.dns.addresses if detail.family.allows(IpFamily.of(a).version)}
    gai = set(detail.addresses)
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
