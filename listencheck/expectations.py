"""Smoke-test expectations (--expect-*) from their command-line text: strict, normalised.

Values often come from CI variables, so an unset variable ("") or one with
surrounding spaces must be told apart from a real value: empty is a usage
error, spaces are trimmed. Addresses may be given comma-separated, as
bootstrap lists are, and a fully qualified name's trailing dot is dropped
(brokers advertise ``kafka-0.example.com``, not ``kafka-0.example.com.``).
"""

from __future__ import annotations

from collections.abc import Iterable

from listencheck.address import Endpoint, parse_endpoint
from listencheck.errors import UsageError
from listencheck.models import Expectations


def expectations(brokers: str | None, cluster_id: str | None, advertised: Iterable[str]) -> Expectations:
    count, minimum = broker_count(brokers)
    return Expectations(count, expected_cluster_id(cluster_id), expected_addresses(advertised),
                        brokers_minimum=minimum)


def broker_count(text: str | None) -> tuple[int | None, bool]:
    """``N`` (exactly N brokers) or ``N+`` (at least N): the count and whether it is a minimum."""
    if text is None:
        return None, False
    value = text.strip()
    minimum = value.endswith("+")
    digits = value[:-1].strip() if minimum else value
    if not digits.isdigit() or int(digits) < 1:
        raise UsageError(f"--expect-brokers expects N or N+ (N at least 1), got {text!r}")
    return int(digits), minimum


def expected_cluster_id(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip()
    if not value:
        raise UsageError("--expect-cluster-id is empty (an unset CI variable?); give the id or leave "
                         "the option out")
    return value


def expected_addresses(values: Iterable[str]) -> tuple[str, ...]:
    """host:port strings as Endpoint prints them, in order, without repeats."""
    found: dict[str, None] = {}
    for value in values:
        parts = [p for p in value.split(",") if p.strip()]
        if not parts:
            raise UsageError(f"--expect-advertised has no address in {value!r} (an unset CI variable?)")
        for part in parts:
            endpoint = parse_endpoint(part)
            found[str(Endpoint(normal_host(endpoint.host), endpoint.port))] = None
    return tuple(found)


def normal_host(host: str) -> str:
    """A host name compared as DNS compares it: case-insensitive, trailing dot ignored."""
    return host.lower().removesuffix(".")
