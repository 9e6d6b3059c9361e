"""`listencheck lint` output: text (one line per finding, compiler style) and JSON (lint.schema.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from listencheck.brokerconfig.model import ConfigFile, ListenerConfig, Platform
from listencheck.brokerconfig.table import listener_rows, rows_as_text
from listencheck.lint.rules import ConfigFinding
from listencheck.models import JsonValue, Severity
from listencheck.render.printable import printable

LINT_SCHEMA_VERSION = "1.1"


@dataclass(frozen=True)
class LintResult:
    """What `listencheck lint` found in the files it read."""

    files: tuple[ConfigFile, ...]
    findings: tuple[ConfigFinding, ...]

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity is Severity.ERROR for f in self.findings) else 0

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)


def render_lint_text(result: LintResult, verbose: bool = False) -> str:
    lines: list[str] = []
    for config in result.files:
        lines.append(f"{config.path}: {config.kind.value}, {_plural(len(config.brokers), 'broker')}")
        for broker in config.brokers:
            lines.append(f"  {_describe(broker)}")
            lines += rows_as_text(listener_rows(broker), "    ")
    if lines:
        lines.append("")
    for f in result.findings:
        lines.append(f"{f.location}: {f.severity.value} {f.code} [{f.broker}] {f.message}")
        lines.append(f"    fix: {f.fix}")
        if f.diff:
            lines.append("    diff:")
            lines += ["      " + line for line in f.diff.rstrip("\n").splitlines()]
        if verbose and f.evidence:
            lines.append(f"    evidence: {json.dumps(f.evidence, ensure_ascii=False)}")
    errors, warnings, infos = (result.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
    verdict = "FAIL" if result.exit_code else "OK"
    counts = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}, {_plural(infos, 'note')}"
    lines.append(f"{verdict}: {counts} in {_plural(len(result.files), 'file')}")
    return "\n".join(printable(line) for line in lines) + "\n"


def render_lint_json(result: LintResult) -> str:
    return json.dumps(lint_to_json(result), indent=2, ensure_ascii=False) + "\n"


def lint_to_json(result: LintResult) -> dict[str, JsonValue]:
    return {
        "schema_version": LINT_SCHEMA_VERSION,
        "files": [
            {"path": c.path, "kind": c.kind.value, "brokers": [broker_to_json(b) for b in c.brokers]}
            for c in result.files
        ],
        "findings": [finding_to_json(f) for f in result.findings],
        "verdict": {"exit_code": result.exit_code, "errors": result.count(Severity.ERROR),
                    "warnings": result.count(Severity.WARNING), "infos": result.count(Severity.INFO)},
    }


def broker_to_json(b: ListenerConfig, landed_port: int | None = None,
                   landed_host: str | None = None) -> dict[str, JsonValue]:
    return {
        "name": b.name,
        "platform": b.platform.value if b.platform else None,
        "image": b.image,
        "mode": b.mode.value,
        "node_id": b.node_id,
        "origin": str(b.origin),
        "inter_broker_listener_name": b.inter_broker_listener_name,
        "controller_listener_names": list(b.controller_listener_names),
        "protocol_map_explicit": b.protocol_map_explicit,
        "listeners": [r.as_json() for r in listener_rows(b, landed_port, landed_host)],
    }


def finding_to_json(f: ConfigFinding) -> dict[str, JsonValue]:
    return {
        "code": f.code, "severity": f.severity.value, "broker": f.broker, "location": f.location,
        "file": f.source.path, "line": f.source.line, "key": f.source.key,
        "message": f.message, "fix": f.fix, "evidence": f.evidence,
        **({"diff": f.diff} if f.diff is not None else {}),
    }


def _describe(b: ListenerConfig) -> str:
    parts = [b.platform.value if b.platform else "unknown platform"]
    if b.platform is not Platform.REDPANDA:  # no ZooKeeper, no KRaft roles: its own Raft
        parts.append(b.mode.value.replace("_", " "))
    if b.image:
        parts.insert(0, b.image)
    if b.node_id is not None:
        parts.append(f"node {b.node_id}")
    return f"{b.name} ({', '.join(parts)})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
