"""The Markdown report, for issue trackers and chat (GitHub and GitLab flavours).

Network text can hold anything, so nothing from the report reaches the page as
markup: addresses and codes go into code spans sized to their content, prose is
escaped (Markdown punctuation backslashed, HTML as entities), fixes go into
fenced blocks longer than any backtick run inside them.
"""

from __future__ import annotations

import re

from listencheck.render.report_view import (
    BootstrapView,
    CellStatus,
    Doc,
    ProblemView,
    StageCell,
    bootstrap_views,
    config_diffs,
    evidence_lines,
    problems,
    verdict_line,
)

# Mid-line, only these change meaning (every line starts with the renderer's own prefix, so
# line-start markers such as "#", "-" or "1." cannot come from the network).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_GLYPH: dict[CellStatus, str] = {"ok": "✓", "failed": "✗", "not_run": "–", "skipped": "·"}


def text(value: object) -> str:
    """Prose that renders as itself: no emphasis, links, HTML or table breaks."""
    s = _CONTROL.sub(" ", str(value))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def code(value: object) -> str:
    """An inline code span that no backtick in the value can close (nor a pipe break a table)."""
    s = _CONTROL.sub(" ", str(value)).replace("|", "¦")
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def block(value: str, info: str = "") -> str:
    """A fenced code block that no content can close early."""
    s = _CONTROL.sub(lambda m: m.group(0) if m.group(0) == "\n" else " ", value)
    longest = max((len(run) for run in re.findall(r"`{3,}", s)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{s}\n{fence}"


def _cell(cell: StageCell) -> str:
    reason = f" {cell.shown_reason}" if cell.shown_reason else ""
    glyph = "!" if cell.note and cell.status == "ok" else _GLYPH.get(cell.status, "?")
    return glyph + text(reason)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return "\n".join(lines)


def _bootstrap(view: BootstrapView) -> str:
    out = [f"### Bootstrap {code(view.argument)}", ""]
    if view.answered:
        out.append(f"Answered by {code(view.answered_by or '?')}, cluster "
                   f"{code(view.cluster_id or 'unknown')}, {len(view.brokers)} broker(s).")
    else:
        out.append("No bootstrap server answered.")
    out.append("")
    if view.balancer:
        out += [text(view.balancer), ""]
    if view.brokers:
        stages = [c.label for c in view.brokers[0].cells]
        rows = [[str(b.node_id), code(b.address), code(", ".join(b.resolved) or "—"),
                 *(_cell(c) for c in b.cells)] for b in view.brokers]
        out += [_table(["broker", "advertised", "resolves to", *stages], rows), ""]
    client = view.client
    if client.status != "skipped":
        out += [f"Client library: {_cell(client)}" + (f" — {text(client.message)}" if client.message
                                                       and client.status != "ok" else ""), ""]
    return "\n".join(out)


TOPICS_SHOWN = 20  # rows of the health table in a ticket; the JSON report has them all


def _health(view: BootstrapView) -> str:
    topics = view.topics
    if topics is None or topics.status != "ok":
        return ""
    cut = " (list cut at the limit)" if topics.truncated else ""
    out = [f"#### Topics through {code(view.argument)}", "",
           f"{topics.topic_count} topics, {topics.partition_count} partitions, {topics.leaderless} without a "
           f"leader, {topics.under_replicated} under-replicated{cut}.", ""]
    flagged = [r for r in topics.rows if r.concern][:TOPICS_SHOWN]
    if flagged:
        out += [_table(["topic", "partitions", "replicas", "min.insync", "under-replicated", "no leader"],
                       [[code(r.name), str(r.partitions), str(r.replication_factor),
                         "—" if r.min_insync_replicas is None else str(r.min_insync_replicas),
                         str(r.under_replicated), str(r.leaderless)] for r in flagged]), ""]
    return "\n".join(out)


def _problem(problem: ProblemView) -> str:
    codes = " ".join(code(c) for c in problem.codes)
    lines = [f"- **{text(problem.severity.upper())}** {codes} — {text(problem.subject)}",
             f"  {text(problem.headline)}"]
    for f in problem.findings:
        evidence = evidence_lines(f.get("evidence"))
        if evidence:
            lines.append(f"  <details><summary>{text(f.get('code'))}: evidence</summary>\n")
            lines.extend(f"  - {text(k)}: {code(v)}" for k, v in evidence)
            lines.append("\n  </details>")
    if problem.fix:
        lines.append("")
        lines.extend("  " + line for line in block(problem.fix).splitlines())
    for diff in problem.diffs:
        lines.append("")
        lines.extend("  " + line for line in block(diff.rstrip("\n"), "diff").splitlines())
    return "\n".join(lines)


def render_markdown_document(doc: Doc) -> str:
    passed = (doc.get("verdict") or {}).get("exit_code") == 0
    vantage = doc.get("vantage") or {}
    settings = doc.get("settings") or {}
    out = [
        f"## listencheck: {'✅' if passed else '❌'} {text(verdict_line(doc))}",
        "",
        f"From {code(vantage.get('name', '?'))} (host {code(vantage.get('hostname', '?'))}) at "
        f"{text(doc.get('started_at', '?'))}, "
        f"security.protocol {code(settings.get('security_protocol', '?'))}, "
        f"listencheck {text((doc.get('tool') or {}).get('version', '?'))}.",
        "",
    ]
    if doc.get("interrupted") or doc.get("deadline_hit"):
        why = "interrupted." if doc.get("interrupted") else "the run's deadline was hit."
        out += [f"**Incomplete:** {why}", ""]
    views = list(bootstrap_views(doc))
    out += [_bootstrap(v) for v in views]
    out += [h for h in (_health(v) for v in views) if h]
    items = problems(doc)
    out += [f"### Problems ({len(items)})", ""]
    out += [_problem(p) for p in items] or ["No findings: every advertised listener works from here."]
    diffs = config_diffs(doc)
    if diffs:
        out += ["", "### Configuration changes as diffs", ""]
        for brokers, source, diff in diffs:
            who = ", ".join(str(b) for b in brokers)
            out += [f"Broker{'s' if len(brokers) > 1 else ''} {text(who)} · {code(source)}", "",
                    block(diff.rstrip("\n"), "diff"), ""]
    return "\n".join(out).rstrip() + "\n"
