"""Short words for a table cell or a status line, taken from a finding: what happened, not just "failed".

A router's default certificate or another broker's certificate fails the TLS
stage with a generic reason; the finding knows which. The balancer line says
whether the load balancer is only the bootstrap or also the advertised address.
Pure and shared by every renderer: findings come in as (code, evidence), from
the models (text) or from the JSON report (HTML, Markdown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Findings that say what a TLS cell's failure (or a verification-off success) really was.
TLS_NOTE_CODES = ("TLS_SNI_WRONG_BROKER", "TLS_ROUTER_DEFAULT_CERTIFICATE")
BALANCER_NOTE_CODES = ("ADVERTISED_LOAD_BALANCER", "LOAD_BALANCER_PORTS_CROSSED")


def tls_note(code: str, evidence: Mapping[str, Any]) -> str | None:
    """`router default cert`, `cert of broker 2`; None for any other code."""
    if code == "TLS_ROUTER_DEFAULT_CERTIFICATE":
        return "router default cert"
    if code == "TLS_SNI_WRONG_BROKER":
        other = evidence.get("other_broker_id")
        return f"cert of broker {other}" if isinstance(other, int) else "cert of another broker"
    return None


def _and(items: Sequence[object]) -> str:
    words = [str(i) for i in items]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def balancer_note(code: str, evidence: Mapping[str, Any]) -> str | None:
    """What is wrong with a load-balanced bootstrap, with every wrong address written out whole."""
    if code == "ADVERTISED_LOAD_BALANCER":
        ids = [i for i in evidence.get("broker_ids") or () if isinstance(i, int)]
        it = evidence.get("address") or "it"
        if len(ids) == 1:
            return f"broker {ids[0]} advertises {it} as its own address"
        return f"brokers {_and(ids)} advertise {it} as their own address"
    if code == "LOAD_BALANCER_PORTS_CROSSED":
        ports = [p for p in evidence.get("ports") or () if isinstance(p, Mapping)]
        crossed = "; ".join(f"{p.get('address')} (broker {p.get('advertised_by')}'s) reaches broker "
                            f"{p.get('reaches') if p.get('reaches') is not None else '?'}" for p in ports)
        return f"ports lead to the wrong brokers: {crossed}"
    return None
