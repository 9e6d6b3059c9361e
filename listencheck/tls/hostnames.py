"""Does a certificate name a host? The rules of OpenSSL 3 as librdkafka applies them.

librdkafka (2.13+) strips one trailing dot, then hands the advertised host to
OpenSSL's SSL_set1_host(). OpenSSL 3 treats an IP literal as an IP check
(iPAddress SANs only); a name is checked against the dNSName SANs, falling back
to the subject CN only when the certificate has no dNSName SAN at all. A
wildcard covers exactly one whole leftmost label (``*.example.com`` covers
``a.example.com``, not ``b.a.example.com`` nor ``example.com``).
"""

from __future__ import annotations

import ipaddress

from listencheck.models import CertificateInfo, MatchNote, NameKind, NameMatch


def match_name(host: str, cert: CertificateInfo) -> NameMatch:
    trailing_dot = host.endswith(".") and len(host) > 1
    name = host.rstrip(".").lower() if trailing_dot else host.lower()
    ip = _ip(name)
    if ip is not None:
        return _match_ip(host, ip, cert)
    dns = [d.lower().rstrip(".") for d in cert.dns_names]
    candidates = [("DNS", d) for d in dns]
    if not dns and cert.common_name:  # OpenSSL's CN fallback: only without any dNSName SAN
        candidates = [("CN", cert.common_name.lower())]
    for kind, pattern in candidates:
        if _matches(pattern, name):
            return NameMatch(host, NameKind.DNS, True, f"{kind}:{pattern}",
                             MatchNote.TRAILING_DOT if trailing_dot else None)
    too_deep = any(_too_deep(p, name) for _, p in candidates)
    note = MatchNote.WILDCARD_DEPTH if too_deep else MatchNote.NOT_LISTED
    return NameMatch(host, NameKind.DNS, False, None, note)


def _match_ip(
    host: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, cert: CertificateInfo
) -> NameMatch:
    for entry in cert.ip_addresses:
        if _ip(entry) == ip:
            return NameMatch(host, NameKind.IP, True, f"IP:{entry}")
    spelled = any(d.lower() == str(ip) for d in cert.dns_names) or cert.common_name == str(ip)
    return NameMatch(host, NameKind.IP, False, None,
                     MatchNote.DNS_ONLY_IP if spelled else MatchNote.IP_NOT_IN_SANS)


def _matches(pattern: str, name: str) -> bool:
    if "*" not in pattern:
        return pattern == name
    first, _, rest = pattern.partition(".")
    if "*" in rest or rest.count(".") < 1 or first.startswith("xn--") or first.count("*") > 1:
        return False  # OpenSSL: one '*', leftmost label only, at least two labels after it
    label, _, suffix = name.partition(".")
    if suffix != rest or not label:
        return False
    prefix, _, postfix = first.partition("*")
    return len(label) >= len(prefix) + len(postfix) and label.startswith(prefix) and label.endswith(postfix)


def _too_deep(pattern: str, name: str) -> bool:
    """A wildcard whose suffix covers the name, but with more than one label in front."""
    if not pattern.startswith("*."):
        return False
    suffix = pattern[1:]
    return name.endswith(suffix) and "." in name[: -len(suffix)]


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
