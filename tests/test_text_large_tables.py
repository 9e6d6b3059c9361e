"""Large tables are written directly (render/text.py ``_direct``), exactly as rich writes them."""

from __future__ import annotations

import pytest
from rich.text import Text

from listencheck.analysis import build_report
from listencheck.models import Report
from listencheck.pipeline import BootstrapSpec, CheckOptions, run_check
from listencheck.render import text
from listencheck.render.text import TextOptions, render_text
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port, http, tcp_server


@pytest.fixture(scope="module")
def large_report() -> Report:
    """120 advertised brokers: one working (the scripted broker itself), refused ones, HTTP ones."""
    with tcp_server(http) as web, ScriptedKafka() as script:
        refused = closed_port()
        script.brokers = [(1, "127.0.0.1", script.port)] + [
            (n, "127.0.0.1", refused if n % 3 else web) for n in range(2, 121)]
        options = CheckOptions((BootstrapSpec.parse(script.address),), timeout=2, client_check=False)
        return build_report(run_check(options))


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("verbosity", [0, 1], ids=["normal", "verbose"])
def test_a_large_table_reads_exactly_as_rich_lays_it_out(
        large_report: Report, color: bool, verbosity: int, monkeypatch: pytest.MonkeyPatch) -> None:
    options = TextOptions(color=color, verbosity=verbosity, width=160)
    direct = render_text(large_report, options)
    monkeypatch.setattr(text, "DIRECT_ROWS", 10**9)  # every table through rich.Table
    assert direct == render_text(large_report, options)
    assert "✗ refused" in direct and "✗ http" in direct


def test_a_table_that_needs_wrapping_is_left_to_rich(large_report: Report) -> None:
    bootstrap = large_report.result.bootstraps[0]
    table = text._brokers_table(bootstrap.brokers, text._UNICODE, "PLAINTEXT", 0, {})
    assert text._direct(table, 160) is not None
    assert text._direct(table, 40) is None  # too narrow: rich wraps, or the stacked layout takes over
    table.add_row("121", Text("two\nlines"), *[""] * (len(table.columns) - 2))
    assert text._direct(table, 160) is None
