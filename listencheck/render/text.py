"""The human report: a table per bootstrap, findings with their fixes, one verdict line.

Readable in colour, without colour (--no-color, pipes) and in pure ASCII when
the output encoding cannot show check marks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from listencheck.models import (
    BootstrapCheck,
    BrokerCheck,
    EndpointProbe,
    Finding,
    Report,
    Severity,
    StageResult,
    StageStatus,
)
from listencheck.protocol.messages import error_name
from listencheck.render.deep_text import deep_hint, deep_lines
from listencheck.render.fixes_text import print_fixes
from listencheck.render.printable import printable_tree
from listencheck.stages import ATTEMPT_STAGES, SPECS, Stage, probe_stages


@dataclass(frozen=True)
class TextOptions:
    """How the text report is laid out."""

    color: bool = False
    verbosity: int = 0  # -1 quiet (findings only), 0 normal, 1 every stage and timing
    width: int = 110
    ascii_only: bool = False


@dataclass(frozen=True)
class _Marks:
    """The status marks, in Unicode or ASCII."""

    ok: str
    fail: str
    skip: str
    sev: dict[Severity, str]


_UNICODE = _Marks("✓", "✗", "–", {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"})
_ASCII = _Marks("ok", "X", "-", {Severity.ERROR: "X", Severity.WARNING: "!", Severity.INFO: "i"})
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(report: Report, options: TextOptions = TextOptions()) -> str:
    report = printable_tree(report)  # nothing from the network reaches the terminal raw
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=options.width, force_terminal=options.color,
        color_system="standard" if options.color else None, no_color=not options.color,
        highlight=False, emoji=False, soft_wrap=False,
    )
    marks = _ASCII if options.ascii_only else _UNICODE
    if options.verbosity >= 0:
        _header(console, report)
        for bootstrap in report.result.bootstraps:
            _bootstrap(console, bootstrap, marks, report, options.verbosity)
    if options.verbosity >= 1:
        _deep(console, report)
    _findings(console, report.findings, marks, options.verbosity)
    if options.verbosity >= 0:
        print_fixes(console, report.fixes, options.verbosity)
    hint = deep_hint(report.result)
    if hint and options.verbosity >= 0:
        console.print()
        console.print(Text(hint, style="dim"))
    _verdict(console, report, marks)
    text = "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))
    return _to_ascii(text) if options.ascii_only else text


_ASCII_FALLBACK = str.maketrans({"·": "-", "→": "->", "–": "-", "…": "...", "─": "-", "✓": "ok", "✗": "X"})


def _to_ascii(text: str) -> str:
    """For terminals that cannot show the marks; anything else left becomes '?'."""
    return text.translate(_ASCII_FALLBACK).encode("ascii", "replace").decode("ascii")


def _header(console: Console, report: Report) -> None:
    r = report.result
    addresses = ", ".join(a for a in r.vantage.addresses if not a.startswith(("127.", "::1", "fe80")))
    console.print(
        Text.assemble(
            ("listencheck ", "bold"), report.tool_version,
            f" · from {r.vantage.name}" + (f" ({addresses})" if addresses else ""),
            f" · {r.started_at} · {r.duration_ms:.0f} ms",
            f" · security.protocol={r.settings.security_protocol}",
        )
    )
    if r.settings.resolver != "system":
        console.print(Text(f"names resolved by: {r.settings.resolver} (not the system resolver)",
                           style="dim"))


def _bootstrap(console: Console, b: BootstrapCheck, marks: _Marks, report: Report, verbosity: int) -> None:
    console.print()
    console.print(Text.assemble(("Bootstrap ", "bold"), (b.argument, "bold")))
    md = b.metadata
    if md is not None:
        d = md.detail
        who = f"broker {d.responder_id}" if d.responder_id is not None else "answered"
        console.print(Padding(Text(
            f"{who} at {md.source} ({md.source_address}) · cluster {d.cluster_id or '?'} · "
            f"controller {d.controller_id} · {len(d.brokers)} broker(s) · Metadata v{d.api_version}",
            style="dim"), (0, 0, 0, 2)))
    else:
        console.print(Text("  no bootstrap server answered", style="bold red"))
    protocol = report.result.settings.security_protocol
    if verbosity >= 1 or md is None:
        console.print(_servers_table(b.servers, marks, protocol))
    if md is not None and b.brokers:
        console.print(_brokers_table(b.brokers, marks, protocol, verbosity))
    _client_line(console, b.client, marks)
    if verbosity >= 1 or (b.topics.detail is not None and b.topics.detail.requested):
        _topics_line(console, b, marks)


def _topics_line(console: Console, b: BootstrapCheck, marks: _Marks) -> None:
    topics = b.topics
    d = topics.detail
    if topics.status is StageStatus.SKIPPED:
        return
    if d is None:
        message = topics.error.message if topics.error else topics.status.value
        console.print(Text(f"  topic metadata: {marks.skip} {message}", style="dim"))
        return
    kept = f", the first {len(d.topics)} analysed" if d.truncated else ""
    console.print(Text(
        f"  topic metadata: {d.topic_count} topic(s), {d.partition_count} partition(s){kept} · "
        f"Metadata v{d.api_version} · {topics.elapsed_ms or 0:.0f} ms", style="dim"))
    if not d.requested:
        return
    failing = b.failing_broker_ids
    for topic in d.topics:
        if topic.error_code:
            console.print(Text(f"  {marks.fail} topic {topic.name}: {error_name(topic.error_code)}"))
            continue
        bad = d.leaderless(topic, failing)
        mark = marks.fail if bad else marks.ok
        console.print(Text(
            f"  {mark} topic {topic.name}: leaders of {topic.partition_count - bad}/{topic.partition_count} "
            f"partition(s) reachable from here"))


def _servers_table(servers: tuple[EndpointProbe, ...], marks: _Marks, protocol: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    stages = probe_stages(protocol)
    table.add_column("bootstrap server")
    for stage in stages:
        table.add_column(SPECS[stage].header)
    for probe in servers:
        table.add_row(str(probe.endpoint), *(_probe_cell(probe, stage, marks) for stage in stages))
    return table


def _brokers_table(brokers: tuple[BrokerCheck, ...], marks: _Marks, protocol: str, verbosity: int) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    # What a client needs of a broker: every probe stage but metadata (the bootstrap's), then identity.
    stages = [s for s in probe_stages(protocol) if s is not Stage.METADATA]
    columns = ["broker", "advertised", *(SPECS[s].header for s in [*stages, Stage.IDENTITY]), "time"]
    for column in columns:
        # Verbose timings of five stages are long: let them wrap, not squeeze the addresses.
        table.add_column(column, no_wrap=column == "broker" or (column == "time" and verbosity < 1),
                         min_width=min(len(column), 12) if column in ("advertised", "identity") else None)
    for broker in brokers:
        probe = broker.probe
        row: list[str | Text] = [str(broker.advertised.node_id), broker.advertised.address]
        row += [_probe_cell(probe, stage, marks) for stage in stages]
        row += [_identity_cell(broker, marks), _time_cell(probe, verbosity)]
        table.add_row(*row)
    return table


def _probe_cell(probe: EndpointProbe, stage: Stage, marks: _Marks) -> Text:
    if stage is Stage.RESOLVE:
        return _resolved(probe, marks)
    if stage is Stage.KAFKA:
        return _kafka_cell(probe, marks)
    return _cell(probe.stage(stage), marks)


def _resolved(probe: EndpointProbe, marks: _Marks) -> Text:
    r = probe.resolve
    if r.ok and r.detail is not None:
        addrs = r.detail.addresses
        shown = ", ".join(addrs[:2]) + (f" +{len(addrs) - 2}" if len(addrs) > 2 else "")
        return Text(shown if r.detail.source == "literal" else f"{marks.ok} {shown}", style="green")
    return _cell(r, marks)


def _cell(stage: StageResult[object], marks: _Marks) -> Text:
    if stage.status is StageStatus.OK:
        return Text(marks.ok, style="green")
    if stage.status is StageStatus.FAILED:
        reason = stage.error.reason.value if stage.error else "failed"
        return Text(f"{marks.fail} {reason}", style="bold red")
    if stage.status is StageStatus.SKIPPED:
        return Text(marks.skip, style="dim")
    reason = stage.error.reason.value if stage.error else ""
    return Text(marks.skip if reason == "upstream_failed" else f"{marks.skip} {reason}", style="dim")


def _kafka_cell(probe: EndpointProbe, marks: _Marks) -> Text:
    stage = probe.stage(Stage.KAFKA)
    detail = getattr(stage, "detail", None)
    if stage.failed and detail is not None:
        return Text(f"{marks.fail} {detail.answer}", style="bold red")
    return _cell(stage, marks)


def _identity_cell(broker: BrokerCheck, marks: _Marks) -> Text:
    identity = broker.identity
    if identity.ok and identity.detail is not None:
        verified = identity.detail.node_id_verified
        return Text(f"{marks.ok} {'confirmed' if verified else 'same cluster'}", style="green")
    return _cell(identity, marks)


def _time_cell(probe: EndpointProbe, verbosity: int) -> str:
    chosen = probe.chosen
    stages = [(Stage.RESOLVE, probe.resolve)] + (
        [(s, chosen.result(s)) for s in ATTEMPT_STAGES] if chosen else [])
    total = sum(r.elapsed_ms or 0.0 for _, r in stages)
    if verbosity < 1 or chosen is None:
        return f"{total:.0f} ms"
    parts = [f"{SPECS[s].short or s.value} {r.elapsed_ms:.1f}" for s, r in stages if r.elapsed_ms is not None]
    return " · ".join(parts) + " ms"


def _client_line(console: Console, client: StageResult[object], marks: _Marks) -> None:
    if client.status is StageStatus.SKIPPED:
        return
    detail = client.detail
    library = getattr(detail, "library", "client library")
    if client.ok:
        console.print(Text(f"  {marks.ok} {library}: metadata fetched in {client.elapsed_ms:.0f} ms",
                           style="green"))
    else:
        message = client.error.message if client.error else "failed"
        console.print(Text(f"  {marks.fail} {library}: {message}", style="red"))


GROUP_AFTER = 3  # more findings than this with one code and severity are folded in the text view


def _findings(console: Console, findings: tuple[Finding, ...], marks: _Marks, verbosity: int) -> None:
    if not findings:
        return
    console.print()
    console.print(Text("Findings", style="bold"))
    previous_fix = None
    for group in _groups(findings, fold=verbosity < 1):
        finding = group[0]
        _finding_head(console, finding, marks)
        console.print(Padding(Text(finding.message), (0, 0, 0, 3)))
        fix = "as above" if finding.fix == previous_fix else finding.fix
        previous_fix = finding.fix
        console.print(Padding(Text.assemble(("fix: ", "bold"), fix), (0, 0, 0, 3)))
        if len(group) > 1:
            others = ", ".join(
                f"broker {f.broker_id} ({f.address})" if f.broker_id is not None else str(f.address)
                for f in group[1:6]
            )
            more = f" and {len(group) - 6} more" if len(group) > 6 else ""
            console.print(Padding(Text(f"… the same for {len(group) - 1} more: {others}{more} "
                                       "(-v or --format json lists each)", style="dim"), (0, 0, 0, 3)))
        if verbosity >= 1 and finding.evidence:
            for key, value in finding.evidence.items():
                console.print(Padding(Text(f"{key}: {value}", style="dim"), (0, 0, 0, 5)))


def _groups(findings: tuple[Finding, ...], fold: bool) -> list[list[Finding]]:
    """Findings in order; with ``fold``, a code repeated across many brokers becomes one group."""
    if not fold:
        return [[f] for f in findings]
    def key(f: Finding) -> tuple[str, Severity, str | None]:
        return (f.code, f.severity, f.bootstrap)

    counts: dict[tuple[str, Severity, str | None], int] = {}
    for f in findings:
        counts[key(f)] = counts.get(key(f), 0) + 1
    groups: dict[tuple[str, Severity, str | None], list[Finding]] = {}
    ordered: list[list[Finding]] = []
    for f in findings:
        if counts[key(f)] > GROUP_AFTER:
            if key(f) not in groups:
                groups[key(f)] = []
                ordered.append(groups[key(f)])
            groups[key(f)].append(f)
        else:
            ordered.append([f])
    return ordered


def _finding_head(console: Console, finding: Finding, marks: _Marks) -> None:
    style = _STYLE[finding.severity]
    where = " · ".join(
        x for x in (
            f"broker {finding.broker_id}" if finding.broker_id is not None else "",
            finding.address or "",
            f"via {finding.bootstrap}" if finding.bootstrap else "",
        ) if x
    )
    console.print(Text.assemble(
        (f" {marks.sev[finding.severity]} {finding.severity.value.upper():7} ", style),
        (finding.code, "bold"), f"  {where}",
    ))


def _deep(console: Console, report: Report) -> None:
    lines = deep_lines(report.result)
    if lines:
        console.print()
        console.print(Text("Deep probes", style="bold"))
        for line in lines:
            console.print(Padding(Text(line, style="dim"), (0, 0, 0, 2)))


def _verdict(console: Console, report: Report, marks: _Marks) -> None:
    v = report.verdict
    console.print()
    if v.exit_code == 0:
        console.print(Text(f"{marks.ok} PASS: {v.summary}", style="bold green"))
    elif report.result.interrupted:
        console.print(Text(f"{marks.sev[Severity.WARNING]} INTERRUPTED: {v.summary}", style="bold yellow"))
    else:
        console.print(Text(f"{marks.fail} FAIL: {v.summary}", style="bold red"))
