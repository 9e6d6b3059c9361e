"""Name resolution as the client does it, and as DNS explains it.

The client library calls ``getaddrinfo`` (which honours /etc/hosts and
nsswitch), so that is the answer the check follows. DNS is asked separately
with dnspython to explain a failure (NXDOMAIN, no data, SERVFAIL, timeout,
CNAME chain) and to notice when /etc/hosts and DNS disagree.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from listencheck.address import ip_literal
from listencheck.deadline import elapsed_ms
from listencheck.models import CanonicalName, DnsAnswer, Reason, ResolveDetail, StageResult
from listencheck.probes.blocking import run_blocking
from listencheck.vocabulary import AddressFamily, DnsLookup, DnsStatus, ResolveSource

# Seconds DNS may still take, for the explanation, once getaddrinfo has resolved the name.
DNS_GRACE = 0.3
FAMILIES = {AddressFamily.ANY: socket.AF_UNSPEC, AddressFamily.V4: socket.AF_INET,
            AddressFamily.V6: socket.AF_INET6}

_GAI_REASONS = {
    socket.EAI_NONAME: Reason.NXDOMAIN,
    socket.EAI_AGAIN: Reason.SERVFAIL,
    socket.EAI_FAIL: Reason.SERVFAIL,
}
for _name in ("EAI_NODATA", "EAI_ADDRFAMILY"):
    if hasattr(socket, _name):
        _GAI_REASONS[getattr(socket, _name)] = Reason.NO_ADDRESS


class Resolver(Protocol):
    """Turns a host into the addresses a client would try."""

    name: str

    async def resolve(
        self, host: str, port: int, family: AddressFamily, timeout: float,
        lookup: DnsLookup | None = None, canonical: bool = False,
    ) -> StageResult[ResolveDetail]: ...


def is_localhost_name(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def literal_result(host: str, family: AddressFamily) -> StageResult[ResolveDetail] | None:
    """An IP literal needs no lookup: the answer is the address itself."""
    ip = ip_literal(host)
    if ip is None:
        return None
    detail = ResolveDetail((str(ip),), ResolveSource.LITERAL, family=family)
    if not family.allows(ip.version):
        return StageResult.failure(
            0.0, Reason.NO_ADDRESS, f"{host} is IPv{ip.version} but broker.address.family={family}",
            ResolveDetail((), ResolveSource.LITERAL, family=family, not_tried=(str(ip),)),
        )
    return StageResult.passed(0.0, detail)


class SystemResolver:
    """getaddrinfo for the answer; /etc/hosts and DNS for the explanation."""

    name = "system"

    def __init__(self, hosts_path: Path = Path("/etc/hosts")) -> None:
        self._hosts_path = hosts_path
        self._hosts: dict[str, tuple[str, ...]] | None = None

    async def resolve(
        self, host: str, port: int, family: AddressFamily, timeout: float,
        lookup: DnsLookup | None = None, canonical: bool = False,
    ) -> StageResult[ResolveDetail]:
        """The addresses this client tries for ``host``: getaddrinfo's answer for
        broker.address.family, narrowed by a Java client's rules when ``lookup`` is given;
        ``canonical``: a bootstrap host under resolve_canonical_bootstrap_servers_only."""
        start = time.monotonic()
        result = literal_result(host, family) or await self._lookup(host, port, family, timeout)
        result = java_rules(result, lookup)
        if not canonical or not result.ok or result.detail is None:
            return result
        names = await canonical_names(result.detail.addresses, port, start + timeout)
        detail = replace(result.detail, canonical=names, not_tried=(),
                         addresses=tuple(dict.fromkeys(a for c in names for a in c.addresses)))
        return StageResult.passed(elapsed_ms(start), detail)

    async def _lookup(self, host: str, port: int, family: AddressFamily,
                      timeout: float) -> StageResult[ResolveDetail]:
        start = time.monotonic()
        ask_dns = not is_localhost_name(host)
        gai_task = asyncio.ensure_future(_getaddrinfo(host, port, family, timeout))
        # With a family setting, every family too: what the setting leaves out.
        all_task = (asyncio.ensure_future(_getaddrinfo(host, port, AddressFamily.ANY, timeout))
                    if family is not AddressFamily.ANY else None)
        dns_task = asyncio.ensure_future(query_dns(host, timeout)) if ask_dns else None
        addresses, gai_error = await gai_task
        every = (await all_task)[0] if all_task is not None else addresses
        dns = await _explanation(dns_task, resolved=bool(addresses))
        hosts_file = self.hosts_entries(host, family)
        source = ResolveSource.HOSTS if hosts_file else ResolveSource.RESOLVER
        left_out = tuple(a for a in every if a not in addresses)
        detail = ResolveDetail(addresses, source, hosts_file, dns, family, left_out)
        if addresses:
            return StageResult.passed(elapsed_ms(start), detail)
        reason, message = gai_error or (Reason.NO_ADDRESS, "no address returned")
        if left_out:
            reason, message = Reason.NO_ADDRESS, (
                f"{host} has only {_family_name(left_out[0])} addresses and broker.address.family={family}")
        if reason is Reason.SERVFAIL and dns is not None and dns.status is DnsStatus.TIMEOUT:
            # glibc's EAI_AGAIN covers a nameserver that never answers: DNS tells which it was.
            reason, message = Reason.TIMEOUT, f"{message}: the nameservers did not answer"
        return StageResult.failure(elapsed_ms(start), reason, message, detail)

    def hosts_entries(self, host: str, family: AddressFamily) -> tuple[str, ...]:
        if self._hosts is None:
            self._hosts = read_hosts_file(self._hosts_path)
        found = self._hosts.get(host.lower().rstrip("."), ())
        return tuple(a for a in found if _family_matches(a, family))


class StaticResolver:
    """Answers from a fixed table and never sends a query: used by the demo."""

    name = "static"

    def __init__(self, table: Mapping[str, tuple[str, ...]], description: str) -> None:
        self._table = {k.lower(): v for k, v in table.items()}
        self.description = description

    async def resolve(
        self, host: str, port: int, family: AddressFamily, timeout: float,
        lookup: DnsLookup | None = None, canonical: bool = False,
    ) -> StageResult[ResolveDetail]:
        """The table's answer (a Java client's rules apply; reverse DNS is not simulated)."""
        return java_rules(self._answer(host, family), lookup)

    def _answer(self, host: str, family: AddressFamily) -> StageResult[ResolveDetail]:
        literal = literal_result(host, family)
        if literal is not None:
            return literal
        found = tuple(a for a in self._table.get(host.lower(), ()) if _family_matches(a, family))
        if found:
            return StageResult.passed(0.0, ResolveDetail(found, ResolveSource.STATIC_TABLE, family=family))
        return StageResult.failure(
            0.0, Reason.NXDOMAIN, f"{host}: {self.description}",
            ResolveDetail((), ResolveSource.STATIC_TABLE, family=family),
        )


def java_rules(result: StageResult[ResolveDetail], lookup: DnsLookup | None) -> StageResult[ResolveDetail]:
    """The addresses a Java client tries, when client.dns.lookup says the client is one.

    The JVM orders a name's addresses IPv4 first (java.net.preferIPv6Addresses=false, its
    default); the client keeps the first address's family only (ClientUtils.resolve:
    filterPreferredAddresses) and tries those in turn; ``default`` (before Kafka 3.0)
    tried the first address only.
    """
    detail = result.detail
    if lookup is None or detail is None:
        return result
    if not detail.addresses:
        return replace(result, detail=replace(detail, lookup=lookup))
    tried, left_out = java_addresses(detail.addresses, lookup)
    return replace(result, detail=replace(detail, addresses=tried, lookup=lookup,
                                          not_tried=tuple(dict.fromkeys(left_out + detail.not_tried))))


def java_addresses(addresses: tuple[str, ...], lookup: DnsLookup) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tried, left out) of ``addresses`` for a Java client with this client.dns.lookup."""
    ordered = sorted(addresses, key=lambda a: _version(a) != 4)  # stable: IPv4 first
    if not ordered:
        return (), ()
    if lookup is DnsLookup.DEFAULT:
        tried = ordered[:1]
    else:
        tried = [a for a in ordered if _version(a) == _version(ordered[0])]
    return tuple(tried), tuple(a for a in ordered if a not in tried)


async def canonical_names(
    addresses: tuple[str, ...], port: int, deadline: float
) -> tuple[CanonicalName, ...]:
    """Each bootstrap address as InetAddress.getCanonicalHostName() names it: the reverse DNS
    name when it resolves back to the address (the JVM's anti-spoofing check), else the
    address itself (ClientUtils.parseAndValidateAddresses)."""
    return tuple(await asyncio.gather(*(_canonical(a, port, deadline) for a in addresses)))


async def _canonical(address: str, port: int, deadline: float) -> CanonicalName:
    ptr = await reverse_name(address, port, deadline - time.monotonic())
    if ptr is None or ip_literal(ptr) is not None:
        return CanonicalName(address, None, False, address, (address,))
    forward, _ = await _getaddrinfo(ptr, port, AddressFamily.ANY, max(deadline - time.monotonic(), 0.05))
    if address not in forward:
        return CanonicalName(address, ptr, False, address, (address,), forward)
    tried, _ = java_addresses(forward, DnsLookup.USE_ALL_DNS_IPS)
    return CanonicalName(address, ptr, True, ptr, tried, forward)


async def reverse_name(address: str, port: int, timeout: float) -> str | None:
    """The name getnameinfo gives an address (/etc/hosts, then PTR), or None."""
    def lookup() -> str:
        sockaddr: tuple[str, int] | tuple[str, int, int, int] = (
            (address, port, 0, 0) if _version(address) == 6 else (address, port))
        return socket.getnameinfo(sockaddr, socket.NI_NAMEREQD)[0]

    try:
        name = await run_blocking(lookup, max(timeout, 0.05), name="listencheck-getnameinfo")
    except (TimeoutError, OSError, UnicodeError, ValueError):
        return None
    return name.rstrip(".") or None


def _version(address: str) -> int:
    ip = ip_literal(address.split("%")[0])
    return ip.version if ip is not None else 4


def _family_name(address: str) -> str:
    return f"IPv{_version(address)}"


async def _getaddrinfo(
    host: str, port: int, family: AddressFamily, timeout: float
) -> tuple[tuple[str, ...], tuple[Reason, str] | None]:
    def lookup() -> list[tuple[object, ...]]:
        return socket.getaddrinfo(host, port, FAMILIES[family], socket.SOCK_STREAM)  # type: ignore[return-value]

    try:
        infos = await run_blocking(lookup, timeout, name="listencheck-getaddrinfo")
    except TimeoutError:
        return (), (Reason.TIMEOUT, f"getaddrinfo({host}) gave no answer within {timeout:.1f}s")
    except socket.gaierror as exc:
        reason = _GAI_REASONS.get(exc.errno or 0, Reason.RESOLVE_FAILED)
        return (), (reason, f"getaddrinfo({host}): {exc.strerror}")
    except (OSError, UnicodeError, ValueError) as exc:
        return (), (Reason.RESOLVE_FAILED, f"getaddrinfo({host}): {exc}")
    ordered = dict.fromkeys(str(info[4][0]) for info in infos)  # type: ignore[index]
    return tuple(ordered), None


async def _explanation(dns_task: asyncio.Future[DnsAnswer] | None, resolved: bool) -> DnsAnswer | None:
    """DNS's own answer, for the explanation.

    A failed resolution waits for it (it says why: NXDOMAIN, SERVFAIL, a timeout). A
    name that resolved gets DNS_GRACE more: a healthy nameserver has answered by then,
    which is enough to compare DNS with /etc/hosts and getaddrinfo; a dead one must not
    hold up a verdict that does not depend on it.
    """
    if dns_task is None:
        return None
    if not resolved:
        return await dns_task
    done, _ = await asyncio.wait({dns_task}, timeout=DNS_GRACE)
    if done:
        return dns_task.result()
    dns_task.cancel()
    return DnsAnswer(DnsStatus.TIMEOUT, message=f"DNS did not answer within {DNS_GRACE:g}s of the name "
                                        "resolving; not awaited, since the client does not use it")


async def query_dns(host: str, timeout: float) -> DnsAnswer:
    """Ask the system's DNS servers for A and AAAA, as dnspython sees them."""
    try:
        import dns.asyncresolver
        import dns.exception
        import dns.resolver
    except ImportError as exc:  # pragma: no cover - dnspython is a dependency
        return DnsAnswer(DnsStatus.ERROR, message=f"dnspython unavailable: {exc}")
    try:
        resolver = dns.asyncresolver.Resolver()
    except dns.resolver.NoResolverConfiguration as exc:
        return DnsAnswer(DnsStatus.NO_NAMESERVERS, message=str(exc))
    nameservers = tuple(str(ns) for ns in resolver.nameservers)

    async def one(rdtype: str) -> tuple[DnsStatus, tuple[str, ...], tuple[str, ...], str | None]:
        try:
            answer = await resolver.resolve(
                host, rdtype, search=True, lifetime=max(timeout, 0.05), raise_on_no_answer=False
            )
        except dns.resolver.NXDOMAIN as exc:
            return DnsStatus.NXDOMAIN, (), (), _first_line(exc)
        except dns.resolver.NoNameservers as exc:
            return _no_nameservers_status(exc), (), (), _first_line(exc)
        except dns.exception.Timeout as exc:
            return DnsStatus.TIMEOUT, (), (), _first_line(exc)
        except dns.resolver.NoResolverConfiguration as exc:
            return DnsStatus.NO_NAMESERVERS, (), (), _first_line(exc)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            return DnsStatus.ERROR, (), (), _first_line(exc)
        if answer.rrset is None:
            return DnsStatus.NODATA, (), _cnames(answer), None
        return DnsStatus.NOERROR, tuple(rr.to_text() for rr in answer.rrset), _cnames(answer), None

    a, aaaa = await asyncio.gather(one("A"), one("AAAA"))
    status = _combine(a[0], aaaa[0], bool(a[1] or aaaa[1]))
    cnames = a[2] or aaaa[2]
    message = a[3] or aaaa[3]
    return DnsAnswer(status, a[1], aaaa[1], cnames, nameservers, message)


def _no_nameservers_status(exc: BaseException) -> DnsStatus:
    """dnspython gives up on every nameserver: SERVFAIL only when one said so; all timeouts
    are a TIMEOUT (a dead or filtered nameserver), other failures (refused, unreachable) ERROR."""
    import dns.exception

    errors = getattr(exc, "kwargs", {}).get("errors") or []
    outcomes = [e[3] for e in errors if isinstance(e, tuple) and len(e) > 3]
    if not outcomes or any(isinstance(o, str) for o in outcomes):  # a response code, e.g. SERVFAIL
        return DnsStatus.SERVFAIL
    if all(isinstance(o, dns.exception.Timeout) for o in outcomes):
        return DnsStatus.TIMEOUT
    return DnsStatus.ERROR


def _cnames(answer: object) -> tuple[str, ...]:
    chaining = getattr(answer, "chaining_result", None)
    if chaining is None or not chaining.cnames:
        return ()
    chain = [str(rrset.name).rstrip(".") for rrset in chaining.cnames]
    return tuple([*chain, str(chaining.canonical_name).rstrip(".")])


def _combine(a: DnsStatus, aaaa: DnsStatus, has_data: bool) -> DnsStatus:
    if has_data:
        return DnsStatus.NOERROR
    for status in (DnsStatus.NXDOMAIN, DnsStatus.SERVFAIL, DnsStatus.TIMEOUT, DnsStatus.NO_NAMESERVERS,
                   DnsStatus.ERROR):
        if status in (a, aaaa):
            return status
    return DnsStatus.NODATA


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _family_matches(address: str, family: AddressFamily) -> bool:
    if family is AddressFamily.ANY:
        return True
    ip = ip_literal(address)
    return ip is not None and family.allows(ip.version)


def read_hosts_file(path: Path) -> dict[str, tuple[str, ...]]:
    """name -> addresses, in file order. An unreadable file is an empty table."""
    table: dict[str, list[str]] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or ip_literal(fields[0].split("%")[0]) is None:
            continue
        for name in fields[1:]:
            entries = table.setdefault(name.lower().rstrip("."), [])
            if fields[0] not in entries:
                entries.append(fields[0])
    return {name: tuple(addrs) for name, addrs in table.items()}
