"""The JSON report: a versioned contract, described by report.schema.json.

The mapping from models to JSON is spelled out here rather than derived, so
that renaming a Python field can never silently change the contract.
Additive changes bump the minor schema version; anything else the major.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from listencheck.brokerconfig.model import ListenerConfig, SourceKind
from listencheck.brokerconfig.readback import BrokerListenerConfig, broker_configs, given_brokers
from listencheck.fixes.change import ChangeKind
from listencheck.fixes.cluster import BrokerFix
from listencheck.models import (
    AddressAttempt,
    BalancerDetail,
    BootstrapCheck,
    BrokerCheck,
    EndpointProbe,
    Finding,
    JsonValue,
    MetadataDetail,
    Problem,
    Report,
    StageResult,
    TopicsDetail,
)
from listencheck.protocol.messages import error_name
from listencheck.stages import ATTEMPT_RESULTS, Stage

STAGE_NAMES = frozenset(s.value for s in Stage)

SCHEMA_VERSION = "1.22"


def render_json(report: Report) -> str:
    return pretty_json(report_to_json(report)) + "\n"


_STAGE_KEYS = frozenset({"status", "ok", "elapsed_ms", "detail", "error"})
_compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_string = json.encoder.encode_basestring  # what _compact does for a key (keys are text)


def pretty_json(value: JsonValue, indent: str = "") -> str:
    """Indented JSON in which every stage result and every flat object is one line.

    A stage result per line keeps a 300-broker report readable and greppable, a
    third of the size of fully indented JSON, and fast: everything on one line
    is written by the C encoder, which ``json.dumps(indent=...)`` never uses.
    """
    if isinstance(value, dict):
        if not value:
            return "{}"
        if value.keys() == _STAGE_KEYS or _flat(value.values()):
            return _compact(value)
        inner = indent + "  "
        items = (f"{inner}{_string(str(k))}: "
                 f"{pretty_json(v, inner) if isinstance(v, (dict, list, tuple)) else _compact(v)}"
                 for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if _flat(value):
            return _compact(value)
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + pretty_json(v, inner) for v in value) + "\n" + indent + "]"
    return _compact(value)


def _flat(values: Iterable[JsonValue]) -> bool:
    """Only scalars, or lists of scalars (such as ["ip_literal", "loopback"])."""
    return all(
        not isinstance(v, (dict, list, tuple))
        or (isinstance(v, (list, tuple)) and not any(isinstance(x, (dict, list, tuple)) for x in v))
        for v in values
    )


def report_to_json(report: Report) -> dict[str, JsonValue]:
    result = report.result
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "listencheck", "version": report.tool_version},
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "duration_ms": result.duration_ms,
        "vantage": _plain(result.vantage),
        "settings": _plain(result.settings),
        "interrupted": result.interrupted,
        "stopped_by": result.stopped_by,
        "failure": _plain(result.failure),
        "deadline_hit": result.deadline_hit,
        "wait": _plain(report.wait),
        "bootstraps": [_bootstrap(b, given_brokers(result)) for b in result.bootstraps],
        "findings": [finding_to_json(f) for f in report.findings],
        "problems": [problem_to_json(p) for p in report.problems],
        "fixes": [fix_to_json(f) for f in report.fixes],
        "verdict": _plain(report.verdict),
    }


def fix_to_json(fix: BrokerFix) -> dict[str, JsonValue]:
    change = fix.change
    publish = change.publish
    return {
        "bootstrap": fix.bootstrap,
        "broker_id": fix.broker_id,
        "codes": list(fix.codes),
        "problems": list(fix.problems),
        "kind": change.kind.value,
        "listener": change.listener,
        "bind": change.bind if change.kind is ChangeKind.ADD_LISTENER else None,
        "advertised": change.advertised,
        "replaces": change.keeps_address,
        "protocol": change.protocol,
        "publish": ({"host_port": publish.host_port, "container_port": publish.container_port}
                    if publish is not None else None),
        "placeholder_names": change.placeholder_names,
        "placeholder_address": change.placeholder_address,
        "config_source": fix.config_source,
        "settings": dict(change.new_values()),
        "serves": [{"listener": name, "clients": who} for name, who in change.serves()],
        "renderings": [{"platform": r.platform.value, "format": r.format, "text": r.text}
                       for r in fix.renderings],
        "diff": fix.diff,
    }


def finding_to_json(finding: Finding) -> dict[str, JsonValue]:
    return {
        "code": finding.code.value,
        "severity": finding.severity.value,
        "stage": finding.stage.value,
        "subject": finding.subject.kind.value,
        "bootstrap": finding.bootstrap,
        "broker_id": finding.broker_id,
        "address": finding.address,
        "message": finding.message,
        "evidence": finding.evidence,
        "fix": finding.fix,
        "doc": f"docs/findings.md#{finding.code.lower()}",
        "explain": f"listencheck explain {finding.code}",
        **({"diff": finding.diff} if finding.diff is not None else {}),
    }


def problem_to_json(problem: Problem) -> dict[str, JsonValue]:
    return {
        "id": problem.id,
        "severity": problem.severity.value,
        "stage": problem.stage.value,
        "subject": problem.subject.kind.value,
        "bootstrap": problem.subject.bootstrap,
        "broker_id": problem.subject.broker_id,
        "address": problem.subject.address,
        "codes": [c.value for c in problem.codes],
        "headline": problem.headline,
        "fix": problem.fix,
        "findings": list(problem.findings),
    }


def _bootstrap(b: BootstrapCheck, given: tuple[ListenerConfig, ...]) -> dict[str, JsonValue]:
    md = b.metadata
    metadata: JsonValue = None
    if md is not None:
        metadata = {
            "source": md.source,
            "source_address": md.source_address,
            "verified": md.verified,
            **_metadata(md.detail),
            "brokers": [
                {"node_id": x.node_id, "host": x.host, "port": x.port, "rack": x.rack,
                 "address": x.address}
                for x in md.detail.brokers
            ],
        }
    return {
        "argument": b.argument,
        "answered": b.answered,
        **_in_field_order(b, {
            "servers": [_probe(p) for p in b.servers],
            "metadata": metadata,
            "brokers": [_broker(x, c) for x, c in zip(b.brokers, broker_configs(b, given), strict=True)],
        }),
    }


def _broker(b: BrokerCheck, known: BrokerListenerConfig) -> dict[str, JsonValue]:
    adv = b.advertised
    return {
        "node_id": adv.node_id,
        "host": adv.host,
        "port": adv.port,
        "rack": adv.rack,
        "address": adv.address,
        "address_problem": b.address_problem,
        **_in_field_order(b, {"probe": _probe(b.probe)}),
        "listener_config": _listener_config(known),
    }


def _listener_config(known: BrokerListenerConfig) -> dict[str, JsonValue]:
    config = known.config
    kind = None if config is None else config.origin.kind
    source = SourceKind.FILE if kind in (SourceKind.FILE, SourceKind.DEFAULT) else kind
    return {
        "readback": known.status.value if known.status else None,
        "error": known.error,
        "source": source,
        "config": _config_json(config, known) if config else None,
    }


def _config_json(config: ListenerConfig, known: BrokerListenerConfig) -> JsonValue:
    # Imported here: the lint renderer and its rules cost start-up, and most runs read no config.
    from listencheck.render.lint_report import broker_to_json

    return broker_to_json(config, known.landed_port, known.landed_host)


def _probe(p: EndpointProbe) -> dict[str, JsonValue]:
    return {
        "endpoint": str(p.endpoint),
        "host": p.endpoint.host,
        "port": p.endpoint.port,
        "classification": {
            "kinds": p.classification.sorted_kinds(),
            "tunnel_service": p.classification.tunnel_service,
        },
        "works": p.works,
        **_in_field_order(p, {"attempts": [_attempt(a) for a in p.attempts]}),
    }


Holder = BootstrapCheck | BrokerCheck | EndpointProbe  # the models that hold stage results besides attempts


def _in_field_order(model: Holder, values: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """``values`` and every stage result ``model`` holds (a field named after its stage), in the
    model's field order: a new stage's field is written with no change here."""
    out: dict[str, JsonValue] = {}
    for name in field_names(type(model)):
        if name in values:
            out[name] = values[name]
        elif name in STAGE_NAMES:
            custom = _STAGE_JSON.get(Stage(name))
            out[name] = custom(model) if custom else stage_to_json(getattr(model, name))
    return out


def _attempt(a: AddressAttempt) -> dict[str, JsonValue]:
    row: dict[str, JsonValue] = {"address": a.address, "family": a.family, "works": a.works}
    return row | {stage.value: stage_to_json(a.result(stage)) for stage in ATTEMPT_RESULTS}


def _metadata(d: MetadataDetail) -> dict[str, JsonValue]:
    # The broker list is printed once, under the bootstrap; per address only its size.
    return {
        "api_version": d.api_version,
        "cluster_id": d.cluster_id,
        "controller_id": d.controller_id,
        "responder_id": d.responder_id,
        "responder_id_source": d.responder_id_source,
        "broker_count": len(d.brokers),
        "config_readback": (
            {"status": d.config_readback.status.value, "error": d.config_readback.error}
            if d.config_readback else None
        ),
    }


def _topics(d: TopicsDetail, failing: frozenset[int] = frozenset()) -> dict[str, JsonValue]:
    # Per topic its partitions by leader and by error: bounded by the broker count, whatever
    # the partition count (the model keeps every partition; see TopicsDetail).
    return {
        "api_version": d.api_version,
        "requested": list(d.requested),
        "topic_count": d.topic_count,
        "partition_count": d.partition_count,
        "truncated": d.truncated,
        "broker_ids": sorted(d.broker_ids),
        "configs_note": d.configs_note,
        "topics": [
            {"name": t.name, "error": error_name(t.error_code), "internal": t.is_internal,
             "partitions": t.partition_count, "leaders_unusable": d.leaderless(t, failing),
             "replication_factor": t.replication_factor,
             "under_replicated": sum(len(p.isr) < len(p.replicas) for p in t.partitions),
             "min_insync_replicas": d.min_insync_replicas.get(t.name),
             "leaders": {str(k): v for k, v in sorted(Counter(p.leader_id for p in t.partitions).items())},
             "partition_errors": dict(sorted(Counter(
                 error_name(p.error_code) for p in t.partitions if p.error_code).items()))}
            for t in d.topics
        ],
    }


def _balancer(d: BalancerDetail) -> dict[str, JsonValue]:
    return {"address": d.address, "host": d.host, "port": d.port, "ip": d.ip,
            "responders": list(d.responders), "brokers_reached": list(d.broker_ids),
            "balanced": d.balanced}


def _topics_stage(b: BootstrapCheck) -> JsonValue:
    stage = stage_to_json(b.topics)
    if b.topics.detail is not None:
        stage["detail"] = _topics(b.topics.detail, b.failing_broker_ids)
    return stage


def stage_to_json(stage: StageResult[object]) -> dict[str, JsonValue]:
    detail: JsonValue
    if isinstance(stage.detail, MetadataDetail):
        detail = _metadata(stage.detail)
    elif isinstance(stage.detail, TopicsDetail):
        detail = _topics(stage.detail)
    elif isinstance(stage.detail, BalancerDetail):
        detail = _balancer(stage.detail)
    else:
        detail = _plain(stage.detail) if stage.detail is not None else None
    return {
        "status": stage.status.value,
        "ok": stage.ok,
        "elapsed_ms": stage.elapsed_ms,
        "detail": detail,
        "error": (
            {"reason": stage.error.reason.value, "message": stage.error.message}
            if stage.error else None
        ),
    }


def _plain(value: object) -> JsonValue:
    """Dataclasses, enums, tuples and dicts to JSON values, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value  # type: ignore[no-any-return]
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# Stages whose result needs more than stage_to_json, given the model holding it.
_STAGE_JSON: dict[Stage, Callable[[Any], JsonValue]] = {Stage.TOPICS: _topics_stage}


_FIELDS: dict[type, tuple[str, ...]] = {}


def field_names(owner: type[Holder]) -> tuple[str, ...]:
    names = _FIELDS.get(owner)
    if names is None:
        names = _FIELDS[owner] = tuple(f.name for f in dataclasses.fields(owner))
    return names
