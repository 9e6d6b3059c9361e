"""The text report never cuts the address that is wrong, at any width (issue 18).

Narrow terminals get a stacked layout instead of a squeezed table; COLUMNS is
honoured, also when the output is piped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from listencheck.address import parse_bootstrap
from listencheck.analysis import build_report
from listencheck.models import Report
from listencheck.pipeline import BootstrapSpec, CheckOptions, run_check
from listencheck.probes.resolve import StaticResolver
from listencheck.render.text import TextOptions, render_text
from listencheck.render.width import PIPED_WIDTH, output_width
from tests.lab import Lab
from tests.support.cli import run_cli
from tests.support.scripted import ScriptedKafka

LONG = "kafka-0.kafka-headless.kafka.svc.cluster.local"
ADDRESSES = (f"{LONG}:9092", "localhost:29092")


@pytest.fixture(scope="module")
def report() -> Iterator[Report]:
    """Two brokers, one with a long Kubernetes name; names from a table, no DNS query."""
    with ScriptedKafka(brokers=[(1, LONG, 9092), (2, "localhost", 29092)]) as script:
        resolver = StaticResolver({LONG: ("127.0.0.1",), "localhost": ("127.0.0.1",)}, "not in the table")
        options = CheckOptions((BootstrapSpec(script.address, parse_bootstrap(script.address)),),
                               timeout=0.5, resolver=resolver, client_check=False)
        yield build_report(run_check(options))


@pytest.mark.parametrize("width", [160, 120, 100, 80, 70, 60])
@pytest.mark.parametrize("verbosity", [0, 1])
def test_every_advertised_address_is_shown_whole_on_one_line(report: Report, width: int,
                                                             verbosity: int) -> None:
    text = render_text(report, TextOptions(width=width, verbosity=verbosity))
    lines = text.splitlines()
    tables = lines[:lines.index("Findings")]
    assert not [line for line in tables if "…" in line], text  # nothing cut
    body = lines[:-1]  # the verdict is one line whatever the width, for `tail -1`
    assert all(len(line) <= width for line in body), [line for line in body if len(line) > width]
    assert lines[-1].startswith("✗ FAIL: broker 1 advertises")
    for address in ADDRESSES:
        assert any(address in line for line in tables), (address, text)


def test_wide_terminals_get_the_table_narrow_ones_the_stacked_layout(report: Report) -> None:
    wide = render_text(report, TextOptions(width=120))
    assert "advertised" in wide and f"broker 1 {LONG}:9092" not in wide
    narrow = render_text(report, TextOptions(width=60))
    assert f"broker 1 {LONG}:9092" in narrow.splitlines()
    assert "  resolves to ✓ 127.0.0.1 · TCP ✗ refused · Kafka – ·" in narrow.splitlines()


@pytest.mark.parametrize("environ, terminal, expected", [
    ({}, None, PIPED_WIDTH),  # piped, no COLUMNS
    ({"COLUMNS": "60"}, None, 60),  # piped, COLUMNS honoured
    ({"COLUMNS": "60"}, 132, 60),
    ({}, 132, 132),
    ({}, 50, 50),  # a narrow terminal is not widened
    ({"COLUMNS": "junk"}, None, PIPED_WIDTH),
    ({"COLUMNS": "5000"}, None, 200),
])
def test_output_width(environ: dict[str, str], terminal: int | None, expected: int) -> None:
    assert output_width(environ, terminal) == expected


@pytest.mark.parametrize("columns", [None, "60", "80"])
def test_piped_output_honours_columns_with_a_long_advertised_host(lab: Lab, columns: str | None) -> None:
    host = lab.host("client", hosts={LONG: ["127.0.0.1"]})  # no DNS query: /etc/hosts has the name
    host.broker("127.0.0.1", 9092, f"{LONG}:9092")
    prefix = [*host.prefix, "env", "-u", "COLUMNS", *([f"COLUMNS={columns}"] if columns else [])]
    run = run_cli(["check", "--no-color", "--timeout", "1", "127.0.0.1:9092"], prefix)
    width = int(columns) if columns else PIPED_WIDTH
    lines = run.stdout.splitlines()
    assert run.code == 0, run.stdout
    assert max(len(line) for line in lines[:-1]) <= width  # the verdict is one line
    assert any(len(line) > 80 for line in lines[:-1]) == (width > 80)  # wide when told so
    assert any(f"{LONG}:9092" in line for line in lines)
    assert not [line for line in lines[:lines.index("Findings")] if "…" in line]
