"""A comparison in, text (a matrix and the diagnosis) or JSON (compare.schema.json) out."""

from __future__ import annotations

import io
import json

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from listencheck import __version__
from listencheck.compare.matrix import Comparison, Row, RowStatus
from listencheck.compare.reports import Observation
from listencheck.models import JsonValue
from listencheck.render.printable import printable_tree

SCHEMA_VERSION = "1.0"
KIND = "listencheck-compare"

_MARKS: dict[bool, dict[str, str]] = {
    False: {RowStatus.WORKS: "✓", RowStatus.DIFFERS: "≠", RowStatus.FAILS: "✗", "ok": "✓", "fail": "✗",
            "none": "·"},
    True: {RowStatus.WORKS: "ok", RowStatus.DIFFERS: "!=", RowStatus.FAILS: "X", "ok": "ok", "fail": "X",
           "none": "-"},
}
_ROW_STYLE = {RowStatus.WORKS: "green", RowStatus.DIFFERS: "bold yellow", RowStatus.FAILS: "bold red"}
_DIAGNOSIS_MARK = {"works_only_from": RowStatus.DIFFERS, "resolves_differently": RowStatus.DIFFERS}


def render_compare_text(comparison: Comparison, color: bool = False, width: int = 120,
                        ascii_only: bool = False) -> str:
    # Host names, vantage names and messages come from report files: nothing reaches the terminal raw.
    comparison = printable_tree(comparison)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color,
                      color_system="standard" if color else None, no_color=not color,
                      highlight=False, emoji=False, soft_wrap=False)
    marks = _MARKS[ascii_only]
    clusters = ", ".join(comparison.cluster_ids) or "?"
    console.print(Text.assemble(("listencheck compare", "bold"),
                                f" · {len(comparison.vantages)} vantage points · cluster {clusters}"))
    console.print()
    console.print(Text("Vantage points", style="bold"))
    for v in comparison.vantages:
        args = ", ".join(b.argument + ("" if b.answered else " (no answer)") for b in v.bootstraps)
        console.print(Text(f"  {v.name}: {v.file} · exit {v.exit_code} · bootstrapped {args}"))
    console.print(_matrix(comparison, marks))
    if comparison.diagnoses:
        console.print(Text("Diagnosis", style="bold"))
        grid = Table.grid(padding=(0, 1), pad_edge=True)
        grid.add_column(no_wrap=True)
        grid.add_column()
        for d in comparison.diagnoses:
            status = _DIAGNOSIS_MARK.get(d.kind, RowStatus.FAILS)
            grid.add_row(Text(marks[status], style=_ROW_STYLE[status]),
                         Text.assemble(d.message, "\n", ("fix: ", "bold"), d.fix))
        console.print(grid)
        console.print()
    console.print(_verdict(comparison, marks))
    text = "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))
    if ascii_only:
        text = text.replace("·", "-").encode("ascii", "replace").decode("ascii")
    return text


def _matrix(comparison: Comparison, marks: dict[str, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("broker", no_wrap=True)
    table.add_column("advertised")
    table.add_column("", no_wrap=True)
    for v in comparison.vantages:
        table.add_column(v.name)
    for row in comparison.rows:
        cells = [_cell(row.cells[v.name], marks) for v in comparison.vantages]
        table.add_row(str(row.node_id), row.address, Text(marks[row.status], style=_ROW_STYLE[row.status]),
                      *cells)
    return table


def _cell(cell: Observation | None, marks: dict[str, str]) -> Text:
    if cell is None:
        return Text(marks["none"], style="dim")
    if cell.ok:
        return Text(marks["ok"], style="green")
    return Text(f"{marks['fail']} {cell.result}", style="bold red")


def _verdict(comparison: Comparison, marks: dict[str, str]) -> Text:
    rows = comparison.rows
    bad = [r for r in rows if r.status is not RowStatus.WORKS]
    if comparison.exit_code == 0:
        return Text(f"{marks['ok']} every advertised address works from every vantage point that was told "
                    f"it ({len(rows)} address(es), {len(comparison.vantages)} vantage points)",
                    style="bold green")
    if not bad and len(comparison.cluster_ids) > 1:
        return Text(f"{marks['fail']} the reports are from {len(comparison.cluster_ids)} different clusters, "
                    "so they cannot be compared", style="bold red")
    differ = sum(1 for r in bad if r.status is RowStatus.DIFFERS)
    return Text(f"{marks['fail']} {len(bad)} of {len(rows)} advertised address(es) fail from at least one "
                f"vantage point ({differ} work from some and fail from others)", style="bold red")


def render_compare_json(comparison: Comparison) -> str:
    return json.dumps(compare_to_json(comparison), indent=2, ensure_ascii=False) + "\n"


def compare_to_json(comparison: Comparison) -> dict[str, JsonValue]:
    return {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "listencheck", "version": __version__},
        "cluster_ids": list(comparison.cluster_ids),
        "vantages": [
            {"name": v.name, "file": v.file, "hostname": v.hostname, "exit_code": v.exit_code,
             "tool_version": v.tool_version,
             "bootstraps": [{"argument": b.argument, "answered": b.answered, "cluster_id": b.cluster_id,
                             "source": b.source} for b in v.bootstraps]}
            for v in comparison.vantages
        ],
        "rows": [_row(r) for r in comparison.rows],
        "diagnoses": [
            {"kind": d.kind, "message": d.message, "fix": d.fix, "address": d.address, "node_id": d.node_id,
             "works_from": list(d.works_from), "fails_from": list(d.fails_from)}
            for d in comparison.diagnoses
        ],
        "exit_code": comparison.exit_code,
    }


def _row(row: Row) -> dict[str, JsonValue]:
    cells: dict[str, JsonValue] = {}
    for name, cell in row.cells.items():
        cells[name] = None if cell is None else {
            "ok": cell.ok, "result": cell.result, "stage": cell.stage, "reason": cell.reason,
            "bootstrap": cell.bootstrap, "resolved": list(cell.resolved), "kinds": list(cell.kinds),
            "codes": list(cell.codes),
        }
    return {"node_id": row.node_id, "address": row.address, "status": row.status.value, "cells": cells}
