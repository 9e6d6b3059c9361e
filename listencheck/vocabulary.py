"""Words the result models share, as enums: what DNS said, where an answer came from, families.

Each value is part of the JSON contract (the report writes the value as it
is); a misspelt member is a mypy error where a bare string would pass. The
models (``models``, ``deepmodels``) import these; nothing here imports them.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Literal

# Where a client's trusted CA certificates come from: the client property that names them, or
# the system's store.
TrustStore = Literal["system", "ssl.ca.location", "ssl.ca.pem"]


class DnsStatus(StrEnum):
    """What a DNS query came back with (dnspython's view, or a failure to get an answer)."""

    NOERROR = "NOERROR"
    NXDOMAIN = "NXDOMAIN"
    NODATA = "NODATA"  # the name exists, without a record of the type asked
    SERVFAIL = "SERVFAIL"
    REFUSED = "REFUSED"
    TIMEOUT = "TIMEOUT"
    NO_NAMESERVERS = "NO_NAMESERVERS"
    ERROR = "ERROR"

    @property
    def answered(self) -> bool:
        """A nameserver's answer about the name, not a failure to get one."""
        return self in (DnsStatus.NOERROR, DnsStatus.NODATA, DnsStatus.NXDOMAIN)


class ResolveSource(StrEnum):
    """Where the addresses a client uses came from."""

    LITERAL = "literal"  # the host is an IP address
    HOSTS = "hosts"  # /etc/hosts names it
    RESOLVER = "resolver"  # DNS (or another nsswitch source)
    STATIC_TABLE = "static_table"  # the demo's fixed table


class AddressFamily(StrEnum):
    """The client's broker.address.family setting."""

    ANY = "any"
    V4 = "v4"
    V6 = "v6"

    @classmethod
    def setting(cls, value: str) -> AddressFamily:
        """The setting as a client reads it: an unknown value means any."""
        try:
            return cls(value.lower())
        except ValueError:
            return cls.ANY

    def allows(self, version: int) -> bool:
        """An IP version (4, 6) this setting lets the client use."""
        return self is AddressFamily.ANY or version == (4 if self is AddressFamily.V4 else 6)


class IpFamily(StrEnum):
    """The family of one resolved address."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"

    @classmethod
    def of(cls, address: str) -> IpFamily:
        """The family of an IP address (a zone index, ``%eth0``, is ignored)."""
        return cls.IPV6 if ipaddress.ip_address(address.split("%")[0]).version == 6 else cls.IPV4

    @property
    def version(self) -> int:
        return 6 if self is IpFamily.IPV6 else 4

    @property
    def setting(self) -> AddressFamily:
        """The broker.address.family value that keeps a client to this family."""
        return AddressFamily.V4 if self is IpFamily.IPV4 else AddressFamily.V6


class DnsLookup(StrEnum):
    """The Java client's client.dns.lookup (librdkafka has no such setting). Part of the JSON contract."""

    USE_ALL_DNS_IPS = "use_all_dns_ips"  # the default since Kafka 2.6 (KIP-602)
    RESOLVE_CANONICAL = "resolve_canonical_bootstrap_servers_only"
    DEFAULT = "default"  # before Kafka 3.0: the first address only
