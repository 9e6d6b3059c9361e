"""A finding's evidence as readable lines (``-v``): key: value, nested data indented,
repeated log lines shown once with a count. No Python reprs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from listencheck.models import JsonValue

INDENT = "  "
# librdkafka repeats a failure with a new timing and a suppression count; the rest is the same.
_VARYING = re.compile(r"\s*\(after \d+ms in state [A-Z_]+(?:, \d+ identical error\(s\) suppressed)?\)")


def evidence_lines(evidence: Mapping[str, JsonValue]) -> list[str]:
    lines: list[str] = []
    for key, value in evidence.items():
        lines.extend(_entry(key, value, ""))
    return lines


def _entry(key: str, value: JsonValue, indent: str) -> list[str]:
    if isinstance(value, Mapping):
        if not value:
            return [f"{indent}{key}: none"]
        nested = indent + INDENT
        return [f"{indent}{key}:"] + [line for k, v in value.items() for line in _entry(k, v, nested)]
    if isinstance(value, Sequence) and not isinstance(value, str):
        return _list(key, value, indent)
    return [f"{indent}{key}: {scalar(value, key)}"]


def _list(key: str, items: Sequence[JsonValue], indent: str) -> list[str]:
    if not items:
        return [f"{indent}{key}: none"]
    if all(isinstance(item, Mapping) for item in items):
        return [f"{indent}{key}:"] + [
            f"{indent}{INDENT}- " + " · ".join(f"{k}: {scalar(v, k)}" for k, v in item.items())  # type: ignore[union-attr]
            for item in items
        ]
    texts = [scalar(item, key) for item in items]
    if key != "log" and sum(len(t) for t in texts) <= 100:
        return [f"{indent}{key}: {', '.join(texts)}"]
    return [f"{indent}{key}:"] + [f"{indent}{INDENT}{line}" for line in deduplicated(texts)]


def deduplicated(lines: Sequence[str]) -> list[str]:
    """Each line once, in order of first appearance, with ``(×N)`` when it repeats
    (lines that differ only in librdkafka's timing and suppression count are repeats)."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for line in lines:
        key = _VARYING.sub("", line)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, line)
    return [first[k] + (f" (×{n})" if n > 1 else "") for k, n in counts.items()]


def scalar(value: JsonValue, key: str = "") -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if key.endswith("_ms") else f"{value:g}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(scalar(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {scalar(v, k)}" for k, v in value.items()) or "none"
    return str(value)
