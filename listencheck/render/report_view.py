"""A reading of the JSON report for document renderers (HTML, Markdown).

Document formats render the versioned JSON contract, not the Python models: a
report file written yesterday renders the same way as a live run, and these
renderers cannot come to depend on probe internals. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from listencheck.render.notes import BALANCER_NOTE_CODES, TLS_NOTE_CODES, balancer_note, tls_note
from listencheck.stages import ATTEMPT_STAGES, REGISTRY, Stage, probe_stages

Doc = Mapping[str, Any]

# The per-address stages in the order a client goes through them (keys of an attempt
# in the JSON report); stages absent from a report are left out of the view.
ADDRESS_STAGES = ATTEMPT_STAGES
STAGE_LABELS = {s.stage: s.label for s in REGISTRY}
# A stage result's status in the report (the schema's enum).
CellStatus = Literal["ok", "failed", "not_run", "skipped"]
_STATUSES: tuple[CellStatus, ...] = get_args(CellStatus)


@dataclass(frozen=True)
class StageCell:
    """One stage of one address: ok, failed, not run or skipped, and why."""

    stage: Stage
    status: CellStatus
    reason: str | None
    message: str | None
    note: str | None = None  # what happened, from a finding (a router's default certificate...)

    @property
    def shown_reason(self) -> str | None:
        """The words after the glyph: the finding's note, else a failure's reason."""
        return self.note or (self.reason if self.status == "failed" else None)

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)


@dataclass(frozen=True)
class BrokerRow:
    """An advertised broker as seen from the vantage point."""

    node_id: int
    address: str
    works: bool
    resolved: tuple[str, ...]
    cells: tuple[StageCell, ...]

    @property
    def furthest_ok(self) -> Stage | None:
        """The last stage that worked, in client order (None: not even resolution)."""
        ok = [c.stage for c in self.cells if c.status == "ok"]
        return ok[-1] if ok else None

    @property
    def failure(self) -> StageCell | None:
        return next((c for c in self.cells if c.status == "failed"), None)

    @property
    def health(self) -> str:
        """ok | partial (connected, then failed) | failed (never connected)."""
        if self.works and self.failure is None:
            return "ok"
        connected = any(c.stage is Stage.TCP and c.status == "ok" for c in self.cells)
        return "partial" if connected else "failed"


@dataclass(frozen=True)
class ServerRow:
    """One server of a bootstrap list."""

    endpoint: str
    works: bool
    cells: tuple[StageCell, ...]


@dataclass(frozen=True)
class TopicRow:
    """One topic of the topic metadata, with what the health rules look at."""

    name: str
    partitions: int
    replication_factor: int
    min_insync_replicas: int | None
    under_replicated: int
    leaderless: int
    internal: bool

    @property
    def concern(self) -> int:
        """How much attention the topic needs: 0 healthy .. 3 partitions without a leader."""
        if self.leaderless:
            return 3
        if self.under_replicated:
            return 2
        return 1 if self.replication_factor < 2 or self.partitions > 200 else 0


@dataclass(frozen=True)
class TopicsView:
    """The topic metadata read through one bootstrap (None fields: not read)."""

    status: CellStatus
    topic_count: int
    partition_count: int
    truncated: bool
    configs_note: str | None
    rows: tuple[TopicRow, ...]  # the topics most in need of attention first

    @property
    def under_replicated(self) -> int:
        return sum(r.under_replicated for r in self.rows)

    @property
    def leaderless(self) -> int:
        return sum(r.leaderless for r in self.rows)


@dataclass(frozen=True)
class BootstrapView:
    argument: str
    answered: bool
    cluster_id: str | None
    answered_by: str | None
    servers: tuple[ServerRow, ...]
    brokers: tuple[BrokerRow, ...]
    client: StageCell
    topics: TopicsView | None = None
    balancer: str | None = None  # a load balancer seen at the bootstrap, and what is wrong with it


def _noted(cells: tuple[StageCell, ...], note: str | None) -> tuple[StageCell, ...]:
    """The TLS cell with the note of a finding about this address."""
    if note is None:
        return cells
    return tuple(StageCell(c.stage, c.status, c.reason, c.message, note) if c.stage is Stage.TLS else c
                 for c in cells)


def _tls_notes(doc: Doc, argument: str) -> dict[tuple[int | None, str | None], str]:
    notes: dict[tuple[int | None, str | None], str] = {}
    for f in findings(doc):
        if f.get("bootstrap") == argument and f.get("code") in TLS_NOTE_CODES:
            note = tls_note(str(f["code"]), f.get("evidence") or {})
            if note is not None:
                notes.setdefault((f.get("broker_id"), f.get("address")), note)
    return notes


def _balancer_line(doc: Doc, b: Mapping[str, Any]) -> str | None:
    """`a load balancer: 4 connections to lb:9092 reached brokers 1, 2, 3`, then what is wrong."""
    detail = (b.get("balancer") or {}).get("detail") or {}
    if not detail.get("balanced"):
        return None
    reached = ", ".join(str(i) for i in sorted(detail.get("brokers_reached") or ()))
    line = (f"a load balancer: {len(detail.get('responders') or ())} connections to "
            f"{detail.get('address')} reached brokers {reached}")
    for f in findings(doc):
        if f.get("bootstrap") == b.get("argument") and f.get("code") in BALANCER_NOTE_CODES:
            note = balancer_note(str(f["code"]), f.get("evidence") or {})
            line += f" · ✗ {note}" if note else ""
    return line


def _topics_view(stage: Mapping[str, Any] | None) -> TopicsView | None:
    if not stage or stage.get("status") == "skipped":
        return None
    detail = stage.get("detail") or {}
    rows = [
        TopicRow(str(t.get("name", "")), int(t.get("partitions") or 0), int(t.get("replication_factor") or 0),
                 t.get("min_insync_replicas"), int(t.get("under_replicated") or 0),
                 int((t.get("leaders") or {}).get("-1", 0)), bool(t.get("internal")))
        for t in detail.get("topics") or ()
    ]
    rows.sort(key=lambda r: (-r.concern, r.name))
    return TopicsView(_status(stage.get("status")), int(detail.get("topic_count") or 0),
                      int(detail.get("partition_count") or 0), bool(detail.get("truncated")),
                      detail.get("configs_note"), tuple(rows))


def _status(value: object) -> CellStatus:
    """A status as the schema allows it; anything else (a damaged file) reads as not run."""
    return next((s for s in _STATUSES if s == value), "not_run")


def _cell(stage: Stage, result: Mapping[str, Any] | None) -> StageCell:
    if not result:
        return StageCell(stage, "not_run", None, None)
    error = result.get("error") or {}
    return StageCell(stage, _status(result.get("status", "not_run")), error.get("reason"),
                     error.get("message"))


def _chosen_attempt(probe: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The attempt that tells the story, as the report's own model chooses it: the first
    that works, else the one that got furthest."""
    attempts: Sequence[Mapping[str, Any]] = probe.get("attempts") or ()
    working = next((a for a in attempts if a.get("works")), None)
    if working is not None or not attempts:
        return working
    return max(attempts, key=lambda a: sum((a.get(s) or {}).get("status") == "ok" for s in ADDRESS_STAGES))


def client_stages(doc: Doc) -> tuple[Stage, ...]:
    """The per-address stages on this client's path: TLS and SASL only where its
    security.protocol uses them, so every row of a table has the same columns."""
    protocol = str((doc.get("settings") or {}).get("security_protocol", "PLAINTEXT")).upper()
    return tuple(s for s in probe_stages(protocol) if s in ATTEMPT_STAGES)


def _probe_cells(probe: Mapping[str, Any], stages: tuple[Stage, ...]) -> tuple[StageCell, ...]:
    attempt = _chosen_attempt(probe)
    return (_cell(Stage.RESOLVE, probe.get("resolve")),
            *(_cell(stage, attempt.get(stage) if attempt else None) for stage in stages))


def _resolved(probe: Mapping[str, Any]) -> tuple[str, ...]:
    detail = (probe.get("resolve") or {}).get("detail") or {}
    return tuple(str(a) for a in detail.get("addresses") or ())


def bootstrap_views(doc: Doc) -> Iterator[BootstrapView]:
    stages = client_stages(doc)
    for b in doc.get("bootstraps") or ():
        metadata = b.get("metadata") or {}
        notes = _tls_notes(doc, str(b["argument"]))
        brokers = []
        for x in b.get("brokers") or ():
            probe = x.get("probe") or {}
            note = notes.get((int(x["node_id"]), str(x["address"])))
            cells = (*_noted(_probe_cells(probe, stages), note), _cell(Stage.IDENTITY, x.get("identity")))
            brokers.append(BrokerRow(int(x["node_id"]), str(x["address"]), bool(probe.get("works")),
                                     _resolved(probe), cells))
        servers = tuple(ServerRow(str(s["endpoint"]), bool(s.get("works")),
                                  _noted(_probe_cells(s, stages), notes.get((None, str(s["endpoint"])))))
                        for s in b.get("servers") or ())
        yield BootstrapView(
            argument=str(b["argument"]), answered=bool(b.get("answered")),
            cluster_id=metadata.get("cluster_id"), answered_by=metadata.get("source"),
            servers=servers, brokers=tuple(brokers), client=_cell(Stage.CLIENT, b.get("client")),
            topics=_topics_view(b.get("topics")), balancer=_balancer_line(doc, b),
        )


def findings(doc: Doc) -> list[Mapping[str, Any]]:
    return list(doc.get("findings") or ())


@dataclass(frozen=True)
class ProblemView:
    """One cause at one subject: a headline, the codes it carries, one fix, and its findings."""

    severity: str
    headline: str
    codes: tuple[str, ...]
    subject: str
    fix: str
    findings: tuple[Mapping[str, Any], ...]

    @property
    def diffs(self) -> tuple[str, ...]:
        """The client-side fixes of its findings as unified diffs (schema 1.22+)."""
        return tuple(d for f in self.findings if isinstance(d := f.get("diff"), str) and d)


def config_diffs(doc: Doc) -> list[tuple[tuple[int, ...], str, str]]:
    """The fixes' diffs of the given configuration files (schema 1.13+): (brokers, file, diff), one
    entry per distinct diff (a Strimzi resource's one change is shared by several brokers)."""
    seen: dict[str, tuple[list[int], str]] = {}
    for fix in doc.get("fixes") or ():
        diff = fix.get("diff")
        if not isinstance(diff, str) or not diff:
            continue
        brokers, _ = seen.setdefault(diff, ([], str(fix.get("config_source") or "")))
        if isinstance(fix.get("broker_id"), int):
            brokers.append(fix["broker_id"])
    return [(tuple(brokers), source, diff) for diff, (brokers, source) in seen.items()]


def problems(doc: Doc) -> list[ProblemView]:
    """The report's problems (schema 1.10+); an older report's findings, one problem each."""
    items = findings(doc)
    grouped = doc.get("problems")
    if grouped is None:
        return [ProblemView(str(f.get("severity", "info")), str(f.get("message", "")), (str(f.get("code")),),
                            subject(f), str(f.get("fix", "")), (f,)) for f in items]
    return [ProblemView(str(p.get("severity", "info")), str(p.get("headline", "")),
                        tuple(str(c) for c in p.get("codes") or ()), subject(p), str(p.get("fix", "")),
                        tuple(items[i] for i in p.get("findings") or () if 0 <= i < len(items)))
            for p in grouped]


def subject(finding: Mapping[str, Any]) -> str:
    """Who a finding is about, in words: broker 2 · kafka-2:9092 · via bootstrap."""
    parts = []
    if finding.get("broker_id") is not None:
        parts.append(f"broker {finding['broker_id']}")
    if finding.get("address"):
        parts.append(str(finding["address"]))
    if finding.get("bootstrap"):
        parts.append(f"via {finding['bootstrap']}")
    return " · ".join(parts) or "run"


def evidence_lines(evidence: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Evidence as (key, value) pairs of plain text: lists joined, nested objects flattened."""
    out: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, (list, tuple)):
            if all(not isinstance(v, (Mapping, list, tuple)) for v in value):
                out.append((prefix, ", ".join(str(v) for v in value) or "—"))
            else:
                for i, v in enumerate(value):
                    walk(f"{prefix}[{i}]", v)
        else:
            out.append((prefix, "—" if value is None else str(value)))

    walk("", evidence or {})
    return out


def verdict_line(doc: Doc) -> str:
    verdict = doc.get("verdict") or {}
    passed = verdict.get("exit_code") == 0
    return f"{'PASS' if passed else 'FAIL'}: {verdict.get('summary', '')}"
