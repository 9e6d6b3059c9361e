"""How wide the text report may be: COLUMNS first (also when piped), then the terminal."""

from __future__ import annotations

from collections.abc import Mapping

PIPED_WIDTH = 120  # no terminal and no COLUMNS: wide enough for a log file, not endless
MIN_WIDTH = 20  # below this nothing reads well; a narrower COLUMNS is taken as this
MAX_WIDTH = 200  # wider terminals get lines no longer than this


def output_width(environ: Mapping[str, str], terminal_columns: int | None) -> int:
    """``terminal_columns``: the terminal's width when the output is a terminal, else None."""
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif terminal_columns:
        width = terminal_columns
    else:
        width = PIPED_WIDTH
    return max(MIN_WIDTH, min(width, MAX_WIDTH))
