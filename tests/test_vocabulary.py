"""The typed vocabulary and the JSON contract: every enum a report writes is the schema's enum."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any, get_args

import pytest

from listencheck.compare.reports import FailedAt
from listencheck.deepmodels import NameserverOrigin
from listencheck.models import (
    KafkaAnswer,
    MatchNote,
    MechanismsSource,
    NameKind,
    ResponderIdSource,
    SaslOutcome,
    TlsFailure,
    WaitEnd,
)
from listencheck.stages import Stage
from listencheck.status import RunFailureKind
from listencheck.vocabulary import AddressFamily, DnsStatus, IpFamily, ResolveSource, TrustStore

SCHEMA = json.loads((Path(__file__).parent.parent / "listencheck/render/report.schema.json").read_text())


def _at(path: str) -> Any:
    node: Any = SCHEMA
    for key in path.split("/"):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


# schema location -> the type whose values the report writes there (null: an optional field)
CONTRACT: list[tuple[str, type[Enum] | object]] = [
    ("$defs/kafka_detail/properties/answer", KafkaAnswer),
    ("$defs/resolve_detail/properties/source", ResolveSource),
    ("$defs/resolvers_detail/properties/client_source", ResolveSource),
    ("$defs/resolve_detail/properties/family", AddressFamily),
    ("$defs/attempt/properties/family", IpFamily),
    ("$defs/name_match/properties/kind", NameKind),
    ("$defs/name_match/properties/note", MatchNote),
    ("$defs/sasl_detail/properties/mechanisms_source", MechanismsSource),
    ("$defs/sasl_detail/properties/outcome", SaslOutcome),
    ("$defs/tls_detail/properties/failure", TlsFailure),
    ("$defs/tls_detail/properties/trust_store", TrustStore),
    ("$defs/metadata_summary/properties/responder_id_source", ResponderIdSource),
    ("$defs/resolver_answer/properties/configured_by", NameserverOrigin),
    ("properties/failure/properties/kind", RunFailureKind),
    ("properties/wait/properties/outcome", WaitEnd),
    ("$defs/finding/properties/stage", Stage),
]


def _values(kind: type[Enum] | object) -> set[object]:
    if isinstance(kind, type) and issubclass(kind, Enum):
        return {m.value for m in kind}
    return set(get_args(kind))


@pytest.mark.parametrize(("path", "kind"), CONTRACT, ids=[p for p, _ in CONTRACT])
def test_schema_enum_is_the_python_vocabulary(path: str, kind: type[Enum] | object) -> None:
    node = _at(path)
    allowed = set(node["enum"]) - {None}
    assert allowed == _values(kind), path


@pytest.mark.parametrize("where", ["dns_answer", "resolver_answer"])
def test_dns_statuses_are_one_vocabulary(where: str) -> None:
    """Each place writes some of the DnsStatus words (getaddrinfo's DNS explanation never says
    REFUSED, a nameserver asked directly never NO_NAMESERVERS)."""
    allowed = set(_at(f"$defs/{where}/properties/status")["enum"])
    assert allowed <= _values(DnsStatus) and len(allowed) == len(DnsStatus) - 1


def test_compare_failure_stage_is_a_stage_or_not_run() -> None:
    stage, not_run = get_args(FailedAt)
    assert stage is Stage and get_args(not_run) == ("not_run",)


def test_enums_write_their_value_into_json() -> None:
    assert json.dumps({"a": KafkaAnswer.TLS, "b": DnsStatus.NXDOMAIN}) == '{"a": "tls", "b": "NXDOMAIN"}'
    assert f"{IpFamily.IPV6}" == "ipv6" and IpFamily.of("fe80::1%eth0") is IpFamily.IPV6
    assert AddressFamily.setting("V4") is AddressFamily.V4
    assert AddressFamily.setting("both") is AddressFamily.ANY
