"""The human report: a table per bootstrap, findings with their fixes, one verdict line.

Readable in colour, without colour (--no-color, pipes) and in pure ASCII when
the output encoding cannot show check marks.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from listencheck.brokerconfig.model import Platform
from listencheck.brokerconfig.readback import broker_configs, given_brokers
from listencheck.brokerconfig.table import listener_rows, rows_as_text
from listencheck.catalogue import spec
from listencheck.models import (
    BootstrapCheck,
    BrokerCheck,
    EndpointProbe,
    Problem,
    Reason,
    Report,
    Severity,
    StageResult,
    StageStatus,
)
from listencheck.protocol.messages import error_name
from listencheck.render.deep_text import deep_hint, deep_lines
from listencheck.render.evidence import evidence_lines
from listencheck.render.fixes_text import print_fixes
from listencheck.render.notes import BALANCER_NOTE_CODES, TLS_NOTE_CODES, balancer_note, tls_note
from listencheck.render.printable import printable_tree
from listencheck.stages import ATTEMPT_STAGES, SPECS, Stage, probe_stages
from listencheck.vocabulary import AddressFamily, ResolveSource


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
    _problems(console, report, marks, options.verbosity)
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
    family = r.settings.address_family
    rules = [f"broker.address.family={family}"] if family is not AddressFamily.ANY else []
    if r.settings.dns_lookup:
        rules.append(f"client.dns.lookup={r.settings.dns_lookup} (the Java client's rules)")
    if rules:
        console.print(Text(f"names resolved as with {', '.join(rules)}", style="dim"))
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
        _balancer_line(console, b, report, marks, verbosity)
        if not md.verified:
            console.print(Padding(Text(
                "read over an unverified TLS connection (its certificate failed verification; "
                "used only to learn and probe the advertised listeners)", style="yellow"), (0, 0, 0, 2)))
    elif any(a.tcp.ok for s in b.servers for a in s.attempts):
        console.print(Text("  connected, but no metadata came back (see the table and the findings)",
                           style="bold red"))
    else:
        console.print(Text("  no bootstrap server answered", style="bold red"))
    protocol = report.result.settings.security_protocol
    notes = _tls_notes(report, b)
    if verbosity >= 1 or md is None or not md.verified:
        _print_fitting(console, _servers_table(b.servers, marks, protocol, notes),
                       lambda: _servers_stacked(b.servers, marks, protocol, notes))
    if md is not None and b.brokers:
        _print_fitting(console, _brokers_table(b.brokers, marks, protocol, verbosity, notes),
                       lambda: _brokers_stacked(b.brokers, marks, protocol, verbosity, notes))
        _listener_tables(console, b, report, verbosity)
    _client_line(console, b.client, marks)
    if verbosity >= 1 or (b.topics.detail is not None and b.topics.detail.requested):
        _topics_line(console, b, marks)


def _balancer_line(console: Console, b: BootstrapCheck, report: Report, marks: _Marks,
                   verbosity: int) -> None:
    """Which broker each sampled bootstrap connection reached: shown when they differ (-v: always),
    with what is wrong with it when brokers advertise it or its ports lead to the wrong brokers."""
    d = b.balancer.detail
    if d is None or not (d.balanced or verbosity >= 1):
        return
    seen = ", ".join(map(str, sorted(d.broker_ids)))
    count = len(d.responders)
    what = f"a load balancer: {count} connections to {d.address} reached brokers {seen}" if d.balanced \
        else f"one broker behind it: {count} connections reached broker {seen or '?'}"
    wrong = [(f.severity, note) for f in report.findings
             if f.bootstrap == b.argument and f.code in BALANCER_NOTE_CODES
             and (note := balancer_note(f.code, f.evidence)) is not None]
    console.print(Padding(Text(what, style="dim"), (0, 0, 0, 2)))
    for severity, note in wrong:  # whole words: rich wraps between them, never inside an address
        console.print(Padding(Text(f"{marks.sev[severity]} {note}", style=_STYLE[severity]), (0, 0, 0, 2)))


_Notes = dict[tuple[int | None, str | None], tuple[Severity, str]]


def _tls_notes(report: Report, b: BootstrapCheck) -> _Notes:
    """What a TLS cell's answer really was, by (broker id, address): from the SNI findings."""
    notes: _Notes = {}
    for f in report.findings:
        if f.bootstrap == b.argument and f.code in TLS_NOTE_CODES:
            note = tls_note(f.code, f.evidence)
            if note is not None:
                notes.setdefault((f.broker_id, f.subject.address), (f.severity, note))
    return notes


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


TABLES_SHOWN = 3  # brokers whose listener tables the default output shows (-v: all)


def _listener_tables(console: Console, b: BootstrapCheck, report: Report, verbosity: int) -> None:
    """Each broker's listener configuration (read back or given), the listener used marked *."""
    known = [k for k in broker_configs(b, given_brokers(report.result)) if k.config is not None]
    if not known or (verbosity < 1 and len(b.brokers) > TABLES_SHOWN):
        if known:
            console.print(Text(f"  listener tables of {len(known)} brokers: -v", style="dim"))
        return
    for k in known:
        assert k.config is not None
        config = k.config
        mode = "redpanda" if config.platform is Platform.REDPANDA else config.mode.value.replace("_", " ")
        console.print(Text(f"  listener configuration of broker {k.node_id} ({config.origin}) · {mode}",
                           style="dim"))
        for line in rows_as_text(listener_rows(config, k.landed_port, k.landed_host), "  "):
            console.print(Text(line))


def _print_fitting(console: Console, table: Table, stacked: Callable[[], list[Group]]) -> None:
    """The table when it fits the width without cutting a cell, else one block per row."""
    if table.row_count > DIRECT_ROWS and (lines := _direct(table, console.width)) is not None:
        console.print(lines)
        return
    if _narrowest(table) <= console.width:
        console.print(table)
        return
    for block in stacked():
        console.print()
        console.print(block)


# rich lays a table out at ~0.5 ms a row (measure, wrap, pad every cell): a 1,000-broker table
# took most of a second. Past this many rows, a table whose every cell fits on one line is
# written directly, exactly as rich would write it (tests/test_text_large_tables.py compares them).
DIRECT_ROWS = 100


def _direct(table: Table, width: int) -> Text | None:
    """``table`` (box SIMPLE_HEAD, pad_edge off) as rich prints it, if nothing needs wrapping."""
    columns = [[c if isinstance(c, Text) else Text(str(c)) for c in column.cells] for column in table.columns]
    if any("\n" in cell.plain for cells in columns for cell in cells):
        return None
    widths = [max([len(str(column.header)), column.min_width or 0, *(c.cell_len for c in cells)])
              for column, cells in zip(table.columns, columns, strict=True)]
    if sum(widths) + 3 * (len(widths) - 1) + 2 > width:
        return None
    last = len(widths) - 1
    out = Text("\n ")
    for i, (column, size) in enumerate(zip(table.columns, widths, strict=True)):
        out.append(" " if i else "", style="bold")  # the cell's own padding is part of the header
        out.append(str(column.header).ljust(size), style="bold")
        if i < last:
            out.append(" ", style="bold")
            out.append(" ")
    out.append(" \n " + "─" * (sum(widths) + 3 * last) + " \n")
    for row in range(table.row_count):
        out.append(" ")
        for i, size in enumerate(widths):
            cell = columns[i][row].copy()
            cell.pad_right(size - cell.cell_len)  # in the cell's own style, as rich pads it
            out.append("   " if i else "")
            out.append(cell)
        out.append(" \n")
    return out


def _narrowest(table: Table) -> int:
    """The width under which rich would cut cells: no_wrap columns at their widest cell,
    the others at their longest word; three spaces between columns (each cell's padding and
    the box's divider) and one at each edge, as ``_direct`` writes them."""
    widths = []
    for column in table.columns:
        cells = [Text(str(column.header)), *(c if isinstance(c, Text) else Text(str(c))
                                           for c in column.cells)]
        if column.no_wrap:
            width = max(cell.cell_len for cell in cells)
        else:
            width = max((len(word) for cell in cells for word in cell.plain.split()), default=1)
        widths.append(max(width, column.min_width or 0))
    return sum(widths) + 3 * (len(widths) - 1) + 2


def _stacked(title: str, cells: list[tuple[str, Text | str]]) -> Group:
    """One row as a block: its address on a line of its own, then its cells, labelled."""
    text = Text()
    for i, (label, value) in enumerate(cells):
        text.append(f"{' · ' if i else ''}{label} ")
        text.append(value)
    return Group(Text(title, style="bold"), Padding(text, (0, 0, 0, 2)))


def _servers_table(servers: tuple[EndpointProbe, ...], marks: _Marks, protocol: str, notes: _Notes) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    rows = [_server_cells(probe, marks, protocol, notes) for probe in servers]
    for column in ["bootstrap server", *rows[0]]:
        # host:port is never cut or broken: the table gives way to the stacked layout instead;
        # nor is what a TLS answer was (a router's default certificate, another broker's).
        table.add_column(column, no_wrap=column in ("bootstrap server", SPECS[Stage.TLS].header))
    for probe, cells in zip(servers, rows, strict=True):
        table.add_row(str(probe.endpoint), *cells.values())
    return table


def _server_cells(probe: EndpointProbe, marks: _Marks, protocol: str, notes: _Notes) -> dict[str, Text | str]:
    note = notes.get((None, str(probe.endpoint)))
    return {SPECS[s].header: _probe_cell(probe, s, marks, note) for s in probe_stages(protocol)}


def _servers_stacked(servers: tuple[EndpointProbe, ...], marks: _Marks, protocol: str,
                     notes: _Notes) -> list[Group]:
    return [_stacked(f"bootstrap server {probe.endpoint}",
                     list(_server_cells(probe, marks, protocol, notes).items())) for probe in servers]


def _brokers_table(brokers: tuple[BrokerCheck, ...], marks: _Marks, protocol: str, verbosity: int,
                   notes: _Notes) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    rows = [_broker_cells(broker, marks, protocol, verbosity, notes) for broker in brokers]
    for column in ["broker", "advertised", *rows[0]]:
        # host:port is never cut or broken (the stacked layout takes over when it cannot fit), nor
        # is what a TLS answer was; the other columns wrap. Verbose timings of five stages wrap too.
        no_wrap = column in ("broker", "advertised", SPECS[Stage.TLS].header) or \
            (column == "time" and verbosity < 1)
        table.add_column(column, no_wrap=no_wrap,
                         min_width=min(len(column), 12) if column == "identity" else None)
    for broker, cells in zip(brokers, rows, strict=True):
        table.add_row(str(broker.advertised.node_id), broker.advertised.address, *cells.values())
    return table


def _broker_cells(broker: BrokerCheck, marks: _Marks, protocol: str, verbosity: int,
                  notes: _Notes) -> dict[str, Text | str]:
    """Every column after the broker id and its advertised address: what a client needs of a
    broker (every probe stage but metadata, the bootstrap's), identity, time."""
    probe = broker.probe
    stages = [s for s in probe_stages(protocol) if s is not Stage.METADATA]
    note = notes.get((broker.advertised.node_id, broker.advertised.address))
    cells: dict[str, Text | str] = {SPECS[s].header: _probe_cell(probe, s, marks, note) for s in stages}
    cells[SPECS[Stage.IDENTITY].header] = _identity_cell(broker, marks)
    cells["time"] = _time_cell(probe, verbosity)
    return cells


def _brokers_stacked(brokers: tuple[BrokerCheck, ...], marks: _Marks, protocol: str,
                     verbosity: int, notes: _Notes) -> list[Group]:
    return [_stacked(f"broker {b.advertised.node_id} {b.advertised.address}",
                     list(_broker_cells(b, marks, protocol, verbosity, notes).items())) for b in brokers]


def _probe_cell(probe: EndpointProbe, stage: Stage, marks: _Marks,
                note: tuple[Severity, str] | None = None) -> Text:
    if stage is Stage.TLS and note is not None:  # what the certificate was, not a generic failure
        severity, words = note
        failed = probe.stage(stage).status is StageStatus.FAILED
        mark = marks.fail if failed else marks.sev[severity]
        return Text(f"{mark} {words}", style="bold red" if failed else _STYLE[severity])
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
        if r.detail.not_tried:
            shown += f" ({len(r.detail.not_tried)} not tried)"
        if any(c.name != probe.endpoint.host for c in r.detail.canonical):
            shown += " as " + ", ".join(dict.fromkeys(c.name for c in r.detail.canonical))
        literal = r.detail.source is ResolveSource.LITERAL
        return Text(shown if literal else f"{marks.ok} {shown}", style="green")
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
    return Text(marks.skip if stage.reason is Reason.UPSTREAM_FAILED else f"{marks.skip} {reason}",
                style="dim")


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
        line = Text(f"{marks.ok} {library}: metadata fetched in {client.elapsed_ms:.0f} ms", style="green")
    else:
        message = client.error.message if client.error else "failed"
        line = Text(f"{marks.fail} {library}: {message}", style="red")
    console.print(Padding(line, (0, 0, 0, 2)))


GROUP_AFTER = 3  # more problems than this with the same codes and severity are folded in the text view


def _problems(console: Console, report: Report, marks: _Marks, verbosity: int) -> None:
    """One headline, the codes it carries and one fix per problem (evidence with -v)."""
    findings = report.findings
    problems = report.problems or tuple(Problem.single(i + 1, i, f) for i, f in enumerate(findings))
    if not problems:
        return
    console.print()
    console.print(Text("Findings", style="bold"))
    previous_fix = None
    for group in _groups(problems, fold=verbosity < 1):
        problem = group[0]
        _problem_head(console, problem, marks)
        console.print(Padding(Text(problem.headline), (0, 0, 0, 3)))
        for index in problem.findings[1:]:
            also = findings[index]
            at = (f" (broker {also.broker_id})" if also.broker_id is not None
                  and also.broker_id != problem.subject.broker_id else "")
            console.print(Padding(Text(f"{also.code}{at}: {spec(also.code).title}", style="dim"),
                                  (0, 0, 0, 3)))
        fix = "as above" if problem.fix == previous_fix else problem.fix
        previous_fix = problem.fix
        console.print(Padding(Text.assemble(("fix: ", "bold"), fix), (0, 0, 0, 3)))
        for index in problem.findings:
            diff = findings[index].diff
            if diff:
                path = findings[index].evidence.get("file")
                console.print(Padding(Text(f"diff of {path}", style="bold"), (0, 0, 0, 3)))
                console.print(Padding(Text(diff.rstrip("\n")), (0, 0, 0, 3)))
        if len(group) > 1:
            others = ", ".join(
                f"broker {p.subject.broker_id} ({p.subject.address})" if p.subject.broker_id is not None
                else str(p.subject.address)
                for p in group[1:6]
            )
            more = f" and {len(group) - 6} more" if len(group) > 6 else ""
            console.print(Padding(Text(f"… the same for {len(group) - 1} more: {others}{more} "
                                       "(-v or --format json lists each)", style="dim"), (0, 0, 0, 3)))
        if verbosity >= 1:
            for index in problem.findings:
                evidence = findings[index].evidence
                if len(problem.findings) > 1 and evidence:
                    console.print(Padding(Text(f"{findings[index].code}:", style="dim"), (0, 0, 0, 5)))
                for line in evidence_lines(evidence):
                    body = line.lstrip(" ")  # nested lines keep their indent when they wrap
                    console.print(Padding(Text(body, style="dim"), (0, 0, 0, 5 + len(line) - len(body))))


def _groups(problems: tuple[Problem, ...], fold: bool) -> list[list[Problem]]:
    """Problems in order; with ``fold``, the same problem repeated across many brokers becomes one group."""
    if not fold:
        return [[p] for p in problems]

    def key(p: Problem) -> tuple[tuple[str, ...], Severity, str | None]:
        return (p.codes, p.severity, p.subject.bootstrap)

    counts: dict[tuple[tuple[str, ...], Severity, str | None], int] = {}
    for p in problems:
        counts[key(p)] = counts.get(key(p), 0) + 1
    groups: dict[tuple[tuple[str, ...], Severity, str | None], list[Problem]] = {}
    ordered: list[list[Problem]] = []
    for p in problems:
        if counts[key(p)] > GROUP_AFTER:
            if key(p) not in groups:
                groups[key(p)] = []
                ordered.append(groups[key(p)])
            groups[key(p)].append(p)
        else:
            ordered.append([p])
    return ordered


def _problem_head(console: Console, problem: Problem, marks: _Marks) -> None:
    style = _STYLE[problem.severity]
    subject = problem.subject
    where = " · ".join(
        x for x in (
            f"broker {subject.broker_id}" if subject.broker_id is not None else "",
            subject.address or "",
            f"via {subject.bootstrap}" if subject.bootstrap else "",
        ) if x
    )
    console.print(Text.assemble(
        (f" {marks.sev[problem.severity]} {problem.severity.value.upper():7} ", style),
        (" + ".join(problem.codes), "bold"), f"  {where}",
    ))


def _deep(console: Console, report: Report) -> None:
    lines = deep_lines(report.result)
    if lines:
        console.print()
        console.print(Text("Deep probes", style="bold"))
        for line in lines:
            console.print(Padding(Text(line, style="dim"), (0, 0, 0, 2)))


def _verdict(console: Console, report: Report, marks: _Marks) -> None:
    """One line, never wrapped (the terminal may fold it): `tail -1` is the verdict."""
    v = report.verdict
    console.print()
    if v.exit_code == 0:
        line = Text(f"{marks.ok} PASS: {v.summary}", style="bold green")
    elif report.result.interrupted:
        line = Text(f"{marks.sev[Severity.WARNING]} INTERRUPTED: {v.summary}", style="bold yellow")
    else:
        line = Text(f"{marks.fail} FAIL: {v.summary}", style="bold red")
    console.print(line, soft_wrap=True)
