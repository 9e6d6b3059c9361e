"""Read check reports (JSON, schema 1.x) into the small view a comparison needs.

Anything unexpected in a file is a ReportError naming the file and the JSON
path, never a traceback: these files come from other machines, other
listencheck versions, or a shell redirection that captured something else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from listencheck.errors import UsageError
from listencheck.stages import ATTEMPT_STAGES, Stage

SUPPORTED_MAJOR = 1
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
T = TypeVar("T")
# Where an address fails: a stage, or "not_run" (the report was cut short before any stage failed).
FailedAt = Stage | Literal["not_run"]


class ReportError(UsageError):
    """A report file that cannot be compared; the message names the file."""


@dataclass(frozen=True)
class Observation:
    """One advertised address, as one vantage point saw it."""

    node_id: int
    address: str
    host: str
    port: int
    bootstrap: str  # the argument it was advertised through
    source: str | None  # the bootstrap server that answered (host:port)
    ok: bool
    stage: FailedAt | None  # the first stage that failed, or None
    reason: str | None  # why (nxdomain, refused, http, wrong_cluster, ...)
    resolved: tuple[str, ...]
    kinds: tuple[str, ...]  # address classification
    codes: tuple[str, ...]  # error and warning findings about this broker

    @property
    def result(self) -> str:
        return "ok" if self.ok else f"{self.stage} {self.reason}"


@dataclass(frozen=True)
class Bootstrap:
    argument: str
    answered: bool
    cluster_id: str | None
    source: str | None


@dataclass(frozen=True)
class VantageReport:
    name: str
    file: str
    hostname: str
    exit_code: int
    bootstraps: tuple[Bootstrap, ...]
    observations: tuple[Observation, ...]
    tool_version: str


def load_reports(paths: Sequence[Path]) -> list[VantageReport]:
    reports = [load_report(path) for path in paths]
    seen: dict[str, int] = {}
    unique = []
    for report in reports:  # two reports from one host (default name) stay apart
        count = seen.get(report.name, 0)
        seen[report.name] = count + 1
        name = report.name if count == 0 else f"{report.name} ({Path(report.file).name})"
        unique.append(VantageReport(name, report.file, report.hostname, report.exit_code,
                                    report.bootstraps, report.observations, report.tool_version))
    return unique


def load_report(path: Path) -> VantageReport:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        hint = " (empty file)" if not text.strip() else ""
        raise ReportError(f"{path}: not JSON{hint}: {exc}") from None
    return _parse(_Doc(str(path), data))


class _Doc:
    """Typed access into a JSON document; wrong shapes become ReportError with the path."""

    def __init__(self, file: str, data: Any) -> None:
        self.file = file
        self.data = data

    def get(self, path: str, kind: type[T] | tuple[type, ...], node: Any = None, where: str = "") -> T:
        value = self.data if node is None else node
        trail = where
        for key in path.split("."):
            trail = f"{trail}.{key}" if trail else key
            if not isinstance(value, dict) or key not in value:
                raise ReportError(f"{self.file}: not a listencheck report: {trail} is missing")
            value = value[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise ReportError(f"{self.file}: not a listencheck report: {trail} has the wrong type")
        return value  # type: ignore[return-value]


def _parse(doc: _Doc) -> VantageReport:
    if not isinstance(doc.data, dict):
        raise ReportError(f"{doc.file}: not a listencheck report (a JSON {type(doc.data).__name__})")
    if doc.data.get("kind") == "listencheck-compare":
        raise ReportError(f"{doc.file}: a compare result, not a check report (give the reports of "
                          "`listencheck check --format json`)")
    version = doc.get("schema_version", str)
    match = _VERSION.match(version)
    if not match or int(match.group(1)) != SUPPORTED_MAJOR:
        raise ReportError(f"{doc.file}: report schema_version {version!r} is not supported (this "
                          f"listencheck reads {SUPPORTED_MAJOR}.x)")
    if doc.get("tool.name", str) != "listencheck":
        raise ReportError(f"{doc.file}: not a listencheck report")
    codes = _codes_by_broker(doc)
    bootstraps, observations = [], []
    for i, b in enumerate(doc.get("bootstraps", list)):
        where = f"bootstraps[{i}]"
        argument = doc.get("argument", str, b, where)
        md = b.get("metadata") if isinstance(b, dict) else None
        cluster_id = md.get("cluster_id") if isinstance(md, dict) else None
        source = md.get("source") if isinstance(md, dict) else None
        bootstraps.append(Bootstrap(argument, doc.get("answered", bool, b, where),
                                    cluster_id if isinstance(cluster_id, str) else None,
                                    source if isinstance(source, str) else None))
        for j, broker in enumerate(doc.get("brokers", list, b, where)):
            observations.append(_observation(doc, broker, f"{where}.brokers[{j}]", argument,
                                             bootstraps[-1].source, codes))
    return VantageReport(
        name=doc.get("vantage.name", str), file=doc.file, hostname=doc.get("vantage.hostname", str),
        exit_code=doc.get("verdict.exit_code", int), bootstraps=tuple(bootstraps),
        observations=tuple(observations), tool_version=doc.get("tool.version", str),
    )


def _codes_by_broker(doc: _Doc) -> dict[tuple[str, int], list[str]]:
    found: dict[tuple[str, int], list[str]] = {}
    for i, f in enumerate(doc.get("findings", list)):
        where = f"findings[{i}]"
        severity = doc.get("severity", str, f, where)
        broker_id, bootstrap = f.get("broker_id"), f.get("bootstrap")
        if severity in ("error", "warning") and isinstance(broker_id, int) and isinstance(bootstrap, str):
            found.setdefault((bootstrap, broker_id), []).append(doc.get("code", str, f, where))
    return found


def _observation(doc: _Doc, broker: Any, where: str, bootstrap: str, source: str | None,
                 codes: dict[tuple[str, int], list[str]]) -> Observation:
    node_id = doc.get("node_id", int, broker, where)
    probe = doc.get("probe", dict, broker, where)
    resolve = doc.get("resolve", dict, probe, f"{where}.probe")
    detail = resolve.get("detail")
    resolved = tuple(a for a in (detail or {}).get("addresses", []) if isinstance(a, str))
    stage, reason = _failure(doc, broker, probe, resolve, where)
    kinds = probe.get("classification", {}).get("kinds", [])
    return Observation(
        node_id=node_id, address=doc.get("address", str, broker, where).lower(),
        host=doc.get("host", str, broker, where), port=doc.get("port", int, broker, where),
        bootstrap=bootstrap, source=source, ok=stage is None, stage=stage, reason=reason,
        resolved=resolved, kinds=tuple(k for k in kinds if isinstance(k, str)),
        codes=tuple(codes.get((bootstrap, node_id), [])),
    )


def _failure(doc: _Doc, broker: dict[str, Any], probe: dict[str, Any], resolve: dict[str, Any],
             where: str) -> tuple[FailedAt | None, str | None]:
    """The first stage that failed as a client would use the address, and why."""
    if broker.get("address_problem"):
        return Stage.ADDRESS, "invalid_address"
    if doc.get("status", str, resolve, f"{where}.probe.resolve") != "ok":
        return Stage.RESOLVE, _reason(resolve)
    attempts = doc.get("attempts", list, probe, f"{where}.probe")
    if not attempts:
        return Stage.RESOLVE, "no_address"
    chosen = next((a for a in attempts if isinstance(a, dict) and a.get("works")), attempts[0])
    if not chosen.get("works"):
        for stage in ATTEMPT_STAGES:
            result = chosen.get(stage) or {}
            if result.get("status") == "failed":
                answer = (result.get("detail") or {}).get("answer") if stage is Stage.KAFKA else None
                return stage, answer if isinstance(answer, str) and answer != "kafka" else _reason(result)
        first: dict[str, Any] = next(
            (chosen[s] for s in ATTEMPT_STAGES if (chosen.get(s) or {}).get("status") == "not_run"), {})
        return "not_run", _reason(first)
    identity = doc.get("identity", dict, broker, where)
    if identity.get("status") == "failed":
        return Stage.IDENTITY, _reason(identity)
    return None, None


def _reason(stage: dict[str, Any]) -> str:
    error = stage.get("error")
    reason = error.get("reason") if isinstance(error, dict) else None
    return reason if isinstance(reason, str) else str(stage.get("status", "failed"))
