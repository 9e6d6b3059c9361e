"""`-v` evidence: readable key: value lines, no Python reprs, log lines once with a count."""

from __future__ import annotations

import re

import pytest

from listencheck.render.evidence import deduplicated, evidence_lines
from tests.support.brokers import BrokerFactory
from tests.support.cli import run_cli
from tests.support.servers import closed_port

LOG = [
    "FAIL [rdkafka#producer-1] [thrd:localhost:9093/111]: localhost:9093/111: Connect to "
    f"ipv{'6#[::1]' if i % 2 == 0 else '4#127.0.0.1'}:9093 failed: Connection refused "
    f"(after {i}ms in state CONNECT{', 3 identical error(s) suppressed' if i > 5 else ''})"
    for i in range(20)
]

EVIDENCE = {
    "advertised": "kafka:9092", "broker_id": 111, "works_from_here": False, "reason": None,
    "hosts_file": ["172.28.0.99"],
    "dns": {"status": "NXDOMAIN", "a": [], "aaaa": [], "cname_chain": [], "nameservers": ["127.0.0.1"]},
    "attempts": [{"address": "172.28.0.99", "family": "ipv4", "result": "timeout", "elapsed_ms": 1002.08}],
    "log": LOG,
}

REPR = re.compile(r"[\[{]'|'[\]}]|': |\bTrue\b|\bFalse\b|\bNone\b")


def test_evidence_reads_as_key_value_lines() -> None:
    lines = evidence_lines(EVIDENCE)
    text = "\n".join(lines)
    assert not REPR.search(text), text
    assert "advertised: kafka:9092" in lines
    assert "works_from_here: no" in lines and "reason: none" in lines
    assert "hosts_file: 172.28.0.99" in lines
    assert lines[lines.index("dns:") + 1:lines.index("dns:") + 3] == ["  status: NXDOMAIN", "  a: none"]
    assert "  - address: 172.28.0.99 · family: ipv4 · result: timeout · elapsed_ms: 1002" in lines


def test_repeated_log_lines_are_shown_once_with_a_count() -> None:
    lines = evidence_lines({"log": LOG})
    assert lines[0] == "log:"
    assert len(lines) == 3
    assert lines[1].startswith("  FAIL") and "ipv6#[::1]:9093" in lines[1] and lines[1].endswith("(×10)")
    assert "ipv4#127.0.0.1:9093" in lines[2] and lines[2].endswith("(×10)")


def test_distinct_lines_are_kept_in_order() -> None:
    assert deduplicated(["b", "a", "b", "c"]) == ["b (×2)", "a", "c"]
    assert deduplicated([]) == []


@pytest.mark.tansu
def test_verbose_report_has_no_python_reprs(tansu: BrokerFactory) -> None:
    broker = tansu.start(f"127.0.0.1:{closed_port()}")  # advertises a port nobody listens on
    run = run_cli(["check", "--no-color", "-v", "--timeout", "1", broker.listen])
    assert run.code == 1
    evidence = [line for line in run.stdout.splitlines() if line.startswith("     ")]
    assert any(line.strip().startswith("log:") for line in evidence), run.stdout
    assert not REPR.search("\n".join(evidence)), run.stdout
    logs = [line for line in evidence if "rdkafka" in line]
    assert len(logs) == len(set(logs))  # each log line once
