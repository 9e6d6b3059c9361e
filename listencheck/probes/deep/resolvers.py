"""Ask every nameserver the client would use, one by one, for an advertised name.

getaddrinfo asks the first nameserver of resolv.conf that answers and says
nothing of the others; when they disagree (split horizon, a stale record, a
resolver that is down and costs every lookup a timeout) the client's answer
depends on which one answered. dnspython asks each directly.
"""

from __future__ import annotations

import asyncio
import time

from listencheck.deadline import elapsed_ms
from listencheck.deepmodels import NameserverOrigin, ResolverAnswer, ResolversDetail
from listencheck.models import ResolveDetail
from listencheck.vocabulary import AddressFamily, DnsStatus, ResolveSource

RESOLVER_WAIT_S = 2.0


def nameservers(extra: tuple[str, ...]) -> tuple[list[tuple[str, NameserverOrigin]], list[str], int]:
    """(nameserver, configured_by) pairs, the search list and ndots, from resolv.conf plus ``extra``."""
    import dns.resolver

    try:
        system = dns.resolver.Resolver()
        configured = [(str(ns), NameserverOrigin.RESOLV_CONF) for ns in system.nameservers]
        search, ndots = [str(d) for d in system.search], system.ndots or 1
    except dns.resolver.NoResolverConfiguration:
        configured, search, ndots = [], [], 1
    seen = {ns for ns, _ in configured}
    configured += [(ns, NameserverOrigin.DNS_SERVER) for ns in extra if ns not in seen]
    return configured, search, ndots


async def ask_resolvers(name: str, extra: tuple[str, ...], resolved: ResolveDetail | None,
                        budget: float) -> ResolversDetail:
    servers, search, ndots = nameservers(extra)
    wait = max(0.05, min(budget, RESOLVER_WAIT_S))
    answers = await asyncio.gather(*(_ask(name, ns, by, search, ndots, wait) for ns, by in servers))
    used = resolved.addresses if resolved else ()
    source = resolved.source if resolved else ResolveSource.RESOLVER
    return ResolversDetail(name, tuple(answers), used, source, family_picks(used))


def family_picks(addresses: tuple[str, ...]) -> tuple[tuple[AddressFamily, str | None], ...]:
    """The address a client tries first, per broker.address.family setting."""
    v4 = next((a for a in addresses if ":" not in a), None)
    v6 = next((a for a in addresses if ":" in a), None)
    return ((AddressFamily.ANY, addresses[0] if addresses else None), (AddressFamily.V4, v4),
            (AddressFamily.V6, v6))


async def _ask(name: str, nameserver: str, configured_by: NameserverOrigin, search: list[str], ndots: int,
               wait: float) -> ResolverAnswer:
    import dns.asyncresolver
    import dns.name

    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [nameserver]
    resolver.search = [dns.name.from_text(d) for d in search]
    resolver.ndots = ndots
    resolver.timeout = wait
    resolver.lifetime = wait
    start = time.monotonic()
    (a_status, a, a_msg), (aaaa_status, aaaa, aaaa_msg) = await asyncio.gather(
        _query(resolver, name, "A", wait), _query(resolver, name, "AAAA", wait))
    status = a_status if a or not aaaa else aaaa_status
    if not a and not aaaa:
        status = next((s for s in (DnsStatus.TIMEOUT, DnsStatus.REFUSED, DnsStatus.SERVFAIL, DnsStatus.ERROR,
                                   DnsStatus.NXDOMAIN) if s in (a_status, aaaa_status)), DnsStatus.NODATA)
    return ResolverAnswer(nameserver, status, a, aaaa, round(elapsed_ms(start), 2), configured_by,
                          a_msg or aaaa_msg)


async def _query(resolver: object, name: str, rdtype: str, wait: float
                 ) -> tuple[DnsStatus, tuple[str, ...], str | None]:
    import dns.exception
    import dns.resolver

    try:
        answer = await resolver.resolve(name, rdtype, search=True, lifetime=wait,  # type: ignore[attr-defined]
                                        raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return DnsStatus.NXDOMAIN, (), None
    except dns.resolver.NoNameservers as exc:
        text = str(exc)
        return (DnsStatus.REFUSED if "REFUSED" in text else DnsStatus.SERVFAIL), (), _line(text)
    except dns.exception.Timeout:
        return DnsStatus.TIMEOUT, (), f"no answer within {wait:.1f}s"
    except (dns.exception.DNSException, OSError, ValueError) as exc:
        return DnsStatus.ERROR, (), _line(str(exc) or type(exc).__name__)
    if answer.rrset is None:
        return DnsStatus.NODATA, (), None
    return DnsStatus.NOERROR, tuple(sorted(rr.to_text() for rr in answer.rrset)), None


def _line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:300] if lines else "error"
