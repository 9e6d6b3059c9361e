"""The HTML report: one self-contained file to attach to a ticket.

No external request of any kind: CSS and SVG are inline, the one small script
(copy buttons) is allowed by its hash in a Content-Security-Policy that forbids
everything else. Every text that came from the network goes through ``escape``.
The raw JSON report is embedded as a data block for tools.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from html import escape
from typing import Any

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
from listencheck.render.topology_svg import render_topology

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:18px 0 6px}
.verdict{padding:10px 14px;border-radius:6px;font-weight:600;margin:8px 0 4px}
.verdict.pass{background:#dafbe1;color:#116329}.verdict.fail{background:#ffebe9;color:#a40e26}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0}
dl.meta dt{color:#57606a}dl.meta dd{margin:0}
table{border-collapse:collapse;margin:6px 0 12px;width:100%}
th,td{border-bottom:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.addr,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
td.addr{white-space:nowrap}
.ok{color:#1a7f37}.failed{color:#cf222e}.partial{color:#b35900}.not_run,.skipped{color:#8c959f}
.finding{border:1px solid #d0d7de;border-left-width:5px;border-radius:6px;padding:8px 12px;margin:10px 0}
.finding.error{border-left-color:#cf222e}.finding.warning{border-left-color:#bf8700}
.finding.info{border-left-color:#0969da}
.finding .head{font-weight:600}.finding .code{font-family:ui-monospace,monospace;margin-right:8px}
.finding details p{margin:4px 0}
.finding .subject{color:#57606a;font-size:13px}
.sev{display:inline-block;min-width:64px;font-size:12px;text-transform:uppercase}
.sev.error{color:#cf222e}.sev.warning{color:#9a6700}.sev.info{color:#0969da}
pre{background:#f6f8fa;border-radius:6px;padding:8px 10px;white-space:pre-wrap;word-break:break-word;
margin:4px 0}
.fix{position:relative}.fix pre{padding-right:70px}
button.copy{position:absolute;top:4px;right:4px;font-size:12px;padding:2px 8px;cursor:pointer}
details{margin:6px 0}summary{cursor:pointer;color:#57606a}
.topology{max-width:100%;height:auto;border:1px solid #d0d7de;border-radius:6px;background:#fbfcfd}
.topology text{font:12px ui-monospace,monospace;fill:#1f2328}
.topology .edge-label{font-size:11px}
.topology rect{fill:#fff;stroke:#8c959f;stroke-width:1.5}
.topology .ok rect{stroke:#1a7f37}.topology .failed rect{stroke:#cf222e;fill:#fff5f5}
.topology .partial rect{stroke:#b35900;fill:#fff8f0}.topology .client rect{stroke:#0969da;fill:#f0f7ff}
.legend span{margin-right:14px}
footer{margin-top:32px;color:#57606a;font-size:12px}
tr.concern-3 td{background:#ffebe9}tr.concern-2 td{background:#fff8c5}tr.concern-1 td{background:#f6f8fa}
"""

# Copy buttons: the only script, allowed by its hash (no inline handlers, no eval).
_SCRIPT = """
document.querySelectorAll("button.copy").forEach(function (b) {
  b.addEventListener("click", function () {
    var text = b.parentElement.querySelector("pre").textContent;
    navigator.clipboard.writeText(text).then(function () { b.textContent = "copied"; });
  });
});
"""

_GLYPH: dict[CellStatus, str] = {"ok": "✓", "failed": "✗", "not_run": "–", "skipped": "·"}


def _csp() -> str:
    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    return (f"default-src 'none'; style-src {sha(_STYLE)}; script-src {sha(_SCRIPT)}; img-src data:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def embedded_json(doc: Doc) -> str:
    """The report as a JSON data block that no content can close early (``</script>``)."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cell(cell: StageCell) -> str:
    reason = f" {cell.shown_reason}" if cell.shown_reason else ""
    title = f' title="{escape(cell.message)}"' if cell.message else ""
    glyph = "!" if cell.note and cell.status == "ok" else _GLYPH.get(cell.status, "?")
    return f'<td class="{escape(cell.status)}"{title}>{glyph}{escape(reason)}</td>'


def _broker_table(view: BootstrapView) -> str:
    if not view.brokers:
        return "<p>No advertised brokers were read through this bootstrap.</p>"
    stages = [c.label for c in view.brokers[0].cells]
    head = "".join(f"<th>{escape(s)}</th>" for s in stages)
    rows = []
    for b in view.brokers:
        resolved = ", ".join(b.resolved) or "—"
        rows.append(f"<tr><td>{b.node_id}</td><td class=\"addr\">{escape(b.address)}</td>"
                    f"<td class=\"addr\">{escape(resolved)}</td>{''.join(_cell(c) for c in b.cells)}</tr>")
    return (f"<table class=\"brokers\"><thead><tr><th>broker</th><th>advertised</th><th>resolves to</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _server_table(view: BootstrapView) -> str:
    if not view.servers:
        return ""
    stages = [c.label for c in view.servers[0].cells]
    head = "".join(f"<th>{escape(s)}</th>" for s in stages)
    rows = "".join(f"<tr><td class=\"addr\">{escape(s.endpoint)}</td>"
                   f"{''.join(_cell(c) for c in s.cells)}</tr>" for s in view.servers)
    return (f"<table class=\"servers\"><thead><tr><th>bootstrap server</th>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _bootstrap_section(view: BootstrapView) -> str:
    if view.answered:
        facts = (f"answered by <code>{escape(view.answered_by or '?')}</code> · cluster "
                 f"<code>{escape(view.cluster_id or 'unknown')}</code> · {len(view.brokers)} broker(s)")
    else:
        facts = "no bootstrap server answered"
    if view.balancer:
        facts += f"</p><p>{escape(view.balancer)}"
    client = view.client
    why = f" — {escape(client.message)}" if client.message and client.status != "ok" else ""
    client_line = (f"<p>Client library: <span class=\"{escape(client.status)}\">"
                   f"{_GLYPH.get(client.status, '?')} {escape(client.status)}</span>{why}</p>")
    return (f"<section class=\"bootstrap\"><h3>Bootstrap <code>{escape(view.argument)}</code></h3>"
            f"<p>{facts}</p>{_server_table(view)}{_broker_table(view)}{client_line}</section>")


TOPICS_SHOWN = 50  # rows of the health table; the JSON has them all


def _health_section(views: list[BootstrapView]) -> str:
    parts = []
    for view in views:
        topics = view.topics
        if topics is None:
            continue
        head = f"<h3>Topics through <code>{escape(view.argument)}</code></h3>"
        if topics.status != "ok":
            parts.append(f"{head}<p>Topic metadata was not read ({escape(topics.status)}).</p>")
            continue
        summary = (f"{topics.topic_count} topics, {topics.partition_count} partitions · "
                   f"{topics.leaderless} without a leader · {topics.under_replicated} under-replicated"
                   f"{' · list cut at the limit' if topics.truncated else ''}")
        note = f"<p>min.insync.replicas: {escape(topics.configs_note)}</p>" if topics.configs_note else ""
        rows = "".join(
            f'<tr class="concern-{r.concern}"><td class="addr">{escape(r.name)}</td>'
            + "".join(f"<td>{v}</td>" for v in (
                r.partitions, r.replication_factor,
                "—" if r.min_insync_replicas is None else r.min_insync_replicas,
                r.under_replicated, r.leaderless, "yes" if r.internal else ""))
            + "</tr>" for r in topics.rows[:TOPICS_SHOWN])
        more = (f"<p>and {len(topics.rows) - TOPICS_SHOWN} more topics (all in the embedded JSON).</p>"
                if len(topics.rows) > TOPICS_SHOWN else "")
        parts.append(f"{head}<p>{escape(summary)}</p>{note}<table class=\"topics\"><thead><tr><th>topic</th>"
                     "<th>partitions</th><th>replicas</th><th>min.insync</th><th>under-replicated</th>"
                     f"<th>no leader</th><th>internal</th></tr></thead><tbody>{rows}</tbody></table>{more}")
    return "<h2>Cluster health</h2>" + "".join(parts) if parts else ""


def _fix_block(fix: str) -> str:
    return f'<div class="fix"><pre>{escape(fix)}</pre><button class="copy" type="button">copy</button></div>'


def _evidence_table(evidence: Mapping[str, Any] | None) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in evidence_lines(evidence))
    return f'<table class="evidence">{rows}</table>' if rows else ""


def _problem(problem: ProblemView) -> str:
    severity = escape(problem.severity)
    codes = "".join(f'<span class="code">{escape(c)}</span>' for c in problem.codes)
    evidence = "".join(
        f"<details><summary>{escape(str(f.get('code')))}: evidence</summary>"
        f"<p>{escape(str(f.get('message', '')))}</p>{_evidence_table(f.get('evidence'))}</details>"
        for f in problem.findings)
    return (f'<article class="finding {severity}">'
            f'<div class="head"><span class="sev {severity}">{severity}</span>{codes}'
            f'<span class="subject">{escape(problem.subject)}</span></div>'
            f"<p>{escape(problem.headline)}</p>{evidence}{_fix_block(problem.fix)}"
            + "".join(_fix_block(diff) for diff in problem.diffs) + "</article>")


def _diffs_section(doc: Doc) -> str:
    """The fixes' diffs of the given configuration files, each once (shared by its brokers)."""
    diffs = config_diffs(doc)
    if not diffs:
        return ""
    items = "".join(
        f"<p>Broker{'s' if len(brokers) > 1 else ''} {escape(', '.join(str(b) for b in brokers))} · "
        f"<code>{escape(source)}</code></p>{_fix_block(diff)}" for brokers, source, diff in diffs)
    return f"<h2>Configuration changes as diffs</h2>{items}"


def _problems_section(doc: Doc) -> str:
    """One card per problem (a cause at a subject, with every code it carries)."""
    items = problems(doc)
    if not items:
        return "<h2>Problems</h2><p>No findings: every advertised listener works from here.</p>"
    return f"<h2>Problems ({len(items)})</h2>" + "".join(_problem(p) for p in items)


def _meta(doc: Doc) -> str:
    vantage = doc.get("vantage") or {}
    settings = doc.get("settings") or {}
    rows = [
        ("vantage point", f"{vantage.get('name', '?')} (host {vantage.get('hostname', '?')}, "
                          f"{', '.join(vantage.get('addresses') or ()) or 'no address'})"),
        ("started", str(doc.get("started_at", "?"))),
        ("duration", f"{doc.get('duration_ms', '?')} ms"),
        ("security.protocol", str(settings.get("security_protocol", "?"))),
        ("tool", f"listencheck {(doc.get('tool') or {}).get('version', '?')} · report schema "
                 f"{doc.get('schema_version', '?')}"),
    ]
    if doc.get("interrupted") or doc.get("deadline_hit"):
        rows.append(("incomplete", "interrupted" if doc.get("interrupted") else "the run's deadline was hit"))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return f"<dl class=\"meta\">{items}</dl>"


def render_html_document(doc: Doc) -> str:
    views = list(bootstrap_views(doc))
    passed = (doc.get("verdict") or {}).get("exit_code") == 0
    client_name = str((doc.get("vantage") or {}).get("name", "here"))
    legend = ('<p class="legend"><span class="ok">━ works</span><span class="failed">┅ fails before '
              'connecting</span><span class="partial">━ connects, then fails</span></p>')
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>listencheck: {escape(verdict_line(doc))}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>listencheck report</h1>"
        f'<div class="verdict {"pass" if passed else "fail"}">{"✓" if passed else "✗"} '
        f"{escape(verdict_line(doc))}</div>{_meta(doc)}"
        f"<h2>Topology</h2>{render_topology(client_name, views)}{legend}"
        f"{_problems_section(doc)}{_diffs_section(doc)}"
        f"<h2>Listeners</h2>{''.join(_bootstrap_section(v) for v in views)}"
        f"{_health_section(views)}"
        '<footer>Self-contained report: no external resources. The JSON report is embedded '
        '(script#listencheck-report, type application/json).</footer></main>'
        f'<script type="application/json" id="listencheck-report">{embedded_json(doc)}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
