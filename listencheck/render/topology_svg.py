"""The topology picture: this client -> bootstrap servers -> each advertised broker.

An inline SVG built by hand (no library, no script): three columns, one edge per
path a client takes, coloured by how far along that path things worked and
labelled with the failure. Every text is XML-escaped here.
"""

from __future__ import annotations

from html import escape

from listencheck.render.report_view import BootstrapView, BrokerRow, ServerRow
from listencheck.stages import Stage

MAX_BROKERS_DRAWN = 60  # a taller picture stops being a picture; the table lists them all

COLOURS = {"ok": "#1a7f37", "partial": "#b35900", "failed": "#cf222e", "none": "#8c959f"}
ROW = 34
TOP = 40
X_CLIENT, X_SERVER, X_BROKER = 20, 300, 640
BOX_W, BOX_H = 210, 24
WIDTH = X_BROKER + 300


def _box(x: int, y: int, text: str, css: str, width: int = BOX_W) -> str:
    label = text if len(text) <= 34 else text[:33] + "…"
    return (f'<g class="node {css}"><title>{escape(text)}</title>'
            f'<rect x="{x}" y="{y - BOX_H // 2}" width="{width}" height="{BOX_H}" rx="5"/>'
            f'<text x="{x + 8}" y="{y + 5}">{escape(label)}</text></g>')


def _edge(x1: int, y1: int, x2: int, y2: int, state: str, label: str | None) -> str:
    colour = COLOURS[state]
    dash = ' stroke-dasharray="6 4"' if state == "failed" else ""
    path = (f'<path d="M{x1},{y1} C{(x1 + x2) // 2},{y1} {(x1 + x2) // 2},{y2} {x2},{y2}" '
            f'stroke="{colour}" stroke-width="2" fill="none"{dash}/>')
    if not label:
        return path
    lx, ly = (x1 + x2) // 2, (y1 + y2) // 2 - 4
    return (path + f'<text class="edge-label" x="{lx}" y="{ly}" text-anchor="middle" '
            f'fill="{colour}">{escape(label)}</text>')


def _server_state(server: ServerRow) -> str:
    if server.works:
        return "ok"
    connected = any(c.stage is Stage.TCP and c.status == "ok" for c in server.cells)
    return "partial" if connected else "failed"


def _failure_label(row: BrokerRow | ServerRow) -> str | None:
    failed = next((c for c in row.cells if c.status == "failed"), None)
    return None if failed is None else f"{failed.label}: {failed.reason or 'failed'}"


def render_topology(client_name: str, bootstraps: list[BootstrapView]) -> str:
    """The SVG element (a string) for the report's bootstraps."""
    # Layout first: one block of rows per bootstrap, its servers centred beside its brokers.
    placed: list[tuple[BootstrapView, list[tuple[ServerRow, int]], list[tuple[BrokerRow, int]]]] = []
    y, drawn, hidden = TOP, 0, 0
    for view in bootstraps:
        keep = max(min(len(view.brokers), MAX_BROKERS_DRAWN - drawn), 0)
        hidden += len(view.brokers) - keep
        brokers = [(b, y + j * ROW) for j, b in enumerate(view.brokers[:keep])]
        rows = max(len(view.servers), keep, 1)
        offset = (rows - len(view.servers)) * ROW // 2
        servers = [(s, y + offset + i * ROW) for i, s in enumerate(view.servers)]
        placed.append((view, servers, brokers))
        drawn += keep
        y += rows * ROW + ROW // 2
    server_ys = [sy for _, servers, _ in placed for _, sy in servers]
    client_y = (server_ys[0] + server_ys[-1]) // 2 if server_ys else TOP

    parts: list[str] = []
    for _view, servers, brokers in placed:
        for i, (server, sy) in enumerate(servers):
            state = _server_state(server)
            parts.append(_edge(X_CLIENT + BOX_W, client_y, X_SERVER, sy, state, _failure_label(server)))
            for broker, by in brokers:
                if server.works:  # label each broker's edge once, from the first server
                    parts.append(_edge(X_SERVER + BOX_W, sy, X_BROKER, by, broker.health,
                                       _failure_label(broker) if i == 0 else None))
                else:
                    parts.append(_edge(X_SERVER + BOX_W, sy, X_BROKER, by, "none", None))
            parts.append(_box(X_SERVER, sy, f"bootstrap {server.endpoint}", state))
        parts.extend(_box(X_BROKER, by, f"{b.node_id}  {b.address}", b.health, 280) for b, by in brokers)
    parts.append(_box(X_CLIENT, client_y, f"this client: {client_name}", "client"))
    if hidden:
        parts.append(f'<text class="more" x="{X_BROKER}" y="{y}">and {hidden} more brokers '
                     f'(all listed in the tables below)</text>')
        y += ROW
    height = y + 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="topology" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">'
            f'<title>Topology: this client, its bootstrap servers and the advertised brokers</title>'
            f'{"".join(parts)}</svg>')
