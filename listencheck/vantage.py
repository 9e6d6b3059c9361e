"""Where the check runs from: host name and local addresses (Linux /proc, no DNS)."""

from __future__ import annotations

import ipaddress
import itertools
import os
import socket
from pathlib import Path

from listencheck.models import Vantage

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def local_vantage(name: str | None = None) -> Vantage:
    hostname = socket.gethostname()
    proxies = tuple(v for v in PROXY_VARIABLES if os.environ.get(v))
    return Vantage(name or hostname, hostname, local_addresses(), proxies)


def local_addresses() -> tuple[str, ...]:
    """This host's own IPv4 and IPv6 addresses, loopback included, from /proc."""
    return tuple(dict.fromkeys(_ipv4_local() + _ipv6_local()))


def _ipv4_local() -> list[str]:
    # fib_trie lists every local address as "|-- ADDR" followed by "/32 host LOCAL".
    try:
        lines = Path("/proc/net/fib_trie").read_text().splitlines()
    except OSError:
        return []
    found = []
    for previous, line in itertools.pairwise(lines):
        if "/32 host LOCAL" in line:
            candidate = previous.strip().lstrip("|-+` ").strip()
            try:
                found.append(str(ipaddress.IPv4Address(candidate)))
            except ValueError:
                continue
    return sorted(set(found), key=lambda a: ipaddress.IPv4Address(a))


def _ipv6_local() -> list[str]:
    try:
        rows = Path("/proc/net/if_inet6").read_text().splitlines()
    except OSError:
        return []
    found = []
    for row in rows:
        raw = row.split()[0] if row.split() else ""
        if len(raw) == 32:
            found.append(str(ipaddress.IPv6Address(bytes.fromhex(raw))))
    return sorted(set(found))
