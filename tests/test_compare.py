"""`listencheck compare`: real reports in, matrix and diagnosis out; bad files are one-line errors.

Reports here are taken on loopback (same machine, so every vantage sees the
same); the lab tests (test_lab_compose.py, test_lab_daemonset.py) compare
vantage points that really differ.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.brokers import BrokerFactory
from tests.support.cli import Run, check_json, run_cli
from tests.support.servers import closed_port

COMPARE_SCHEMA = json.loads(
    resources.files("listencheck.compare").joinpath("compare.schema.json").read_text())


def validate_compare(result: dict[str, Any]) -> None:
    jsonschema.validate(result, COMPARE_SCHEMA)


def _write(tmp_path: Path, name: str, run: Run) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(run.stdout)
    return path


@pytest.fixture
def two_vantages(tansu: BrokerFactory, tmp_path: Path) -> tuple[Path, Path, str, str]:
    healthy = tansu.start("127.0.0.1:{port}", cluster_id="one")
    stale = tansu.start(f"127.0.0.1:{closed_port()}", cluster_id="one")
    paths = tuple(_write(tmp_path, name, check_json("--vantage", name, healthy.listen, stale.listen))
                  for name in ("laptop", "ci"))
    return paths[0], paths[1], healthy.listen, stale.advertised


def test_schema_is_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(COMPARE_SCHEMA)


def test_same_view_from_two_places(two_vantages: tuple[Path, Path, str, str]) -> None:
    laptop, ci, healthy, stale = two_vantages
    run = run_cli(["compare", "--format", "json", str(laptop), str(ci)])
    assert run.code == 1  # one address fails (from everywhere)
    result = json.loads(run.stdout)
    validate_compare(result)
    assert [v["name"] for v in result["vantages"]] == ["laptop", "ci"]
    rows = {r["address"]: r for r in result["rows"]}
    assert rows[healthy]["status"] == "works_everywhere"
    assert rows[stale]["status"] == "fails_everywhere"
    assert {c["result"] for c in rows[stale]["cells"].values()} == {"tcp refused"}
    assert set(rows[stale]["cells"]["ci"]["codes"]) >= {"ADVERTISED_UNREACHABLE"}
    (diagnosis,) = result["diagnoses"]
    assert diagnosis["kind"] == "fails_everywhere" and diagnosis["address"] == stale
    assert diagnosis["fails_from"] == ["laptop", "ci"]
    assert "not one client's network" in diagnosis["fix"]


def test_text_matrix(two_vantages: tuple[Path, Path, str, str]) -> None:
    laptop, ci, _, stale = two_vantages
    run = run_cli(["compare", str(laptop), str(ci)])
    assert run.code == 1 and run.stderr == ""
    lines = run.stdout.splitlines()
    assert lines[0] == "listencheck compare · 2 vantage points · cluster one"
    header = next(line for line in lines if line.lstrip().startswith("broker"))
    assert header.split() == ["broker", "advertised", "laptop", "ci"]
    stale_row = next(line for line in lines if stale in line and "tcp refused" in line)
    assert stale_row.count("✗ tcp refused") == 2
    assert "fails from every vantage point" in run.stdout
    assert lines[-1].startswith("✗ 1 of 2 advertised address(es) fail")


def test_all_good_exits_0(tansu: BrokerFactory, tmp_path: Path) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    paths = [str(_write(tmp_path, n, check_json("--vantage", n, broker.listen))) for n in ("a", "b")]
    run = run_cli(["compare", *paths])
    assert run.code == 0, run.stdout
    assert "every advertised address works from every vantage point" in run.stdout.splitlines()[-1]
    result = json.loads(run_cli(["compare", "--format", "json", *paths]).stdout)
    validate_compare(result)
    assert result["diagnoses"] == [] and result["exit_code"] == 0


def test_a_vantage_without_bootstrap_and_duplicate_names(tansu: BrokerFactory, tmp_path: Path) -> None:
    broker = tansu.start("127.0.0.1:{port}")
    good = _write(tmp_path, "good", check_json("--vantage", "same", broker.listen))
    dead = _write(tmp_path, "dead", check_json("--vantage", "same", f"127.0.0.1:{closed_port()}"))
    result = json.loads(run_cli(["compare", "--format", "json", str(good), str(dead)]).stdout)
    validate_compare(result)
    assert [v["name"] for v in result["vantages"]] == ["same", "same (dead.json)"]
    (silent,) = [d for d in result["diagnoses"] if d["kind"] == "no_bootstrap"]
    assert silent["fails_from"] == ["same (dead.json)"]
    assert result["exit_code"] == 1


def test_reports_of_different_clusters_are_flagged(tansu: BrokerFactory, tmp_path: Path) -> None:
    a = tansu.start("127.0.0.1:{port}", cluster_id="prod")
    b = tansu.start("127.0.0.1:{port}", cluster_id="staging")
    paths = [str(_write(tmp_path, n, check_json("--vantage", n, x.listen))) for n, x in (("p", a), ("s", b))]
    run = run_cli(["compare", "--format", "json", *paths])
    assert run.code == 1, run.stdout  # every address works, but they are two clusters
    result = json.loads(run.stdout)
    validate_compare(result)
    assert result["exit_code"] == 1
    (differ,) = [d for d in result["diagnoses"] if d["kind"] == "clusters_differ"]
    assert "prod from p" in differ["message"] and "staging from s" in differ["message"]
    text = run_cli(["compare", *paths])
    assert text.code == 1
    assert "2 different clusters" in text.stdout.splitlines()[-1]


def _report_text(tansu: BrokerFactory) -> str:
    broker = tansu.start("127.0.0.1:{port}")
    return check_json(broker.listen).stdout


@pytest.mark.parametrize("content, fragment", [
    ("", "not JSON (empty file)"),
    ("{not json", "not JSON"),
    ("[1, 2]", "not a listencheck report (a JSON list)"),
    ('{"schema_version": "2.0", "tool": {"name": "listencheck"}}', "schema_version '2.0' is not supported"),
    ('{"schema_version": "1.1", "tool": {"name": "other"}}', "not a listencheck report"),
    ('{"schema_version": "1.1", "tool": {"name": "listencheck", "version": "0"}, "bootstraps": 3,'
     ' "findings": []}', "bootstraps has the wrong type"),
    ('{"kind": "listencheck-compare", "schema_version": "1.0"}', "a compare result, not a check report"),
])
def test_bad_input_is_one_line_and_exit_2(tansu: BrokerFactory, tmp_path: Path, content: str,
                                         fragment: str) -> None:
    good = tmp_path / "good.json"
    good.write_text(_report_text(tansu))
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    run = run_cli(["compare", str(good), str(bad)])
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and fragment in run.stderr, run.stderr
    assert str(bad) in run.stderr


def test_truncated_report_names_the_missing_path(tansu: BrokerFactory, tmp_path: Path) -> None:
    report = json.loads(_report_text(tansu))
    del report["bootstraps"][0]["brokers"][0]["probe"]["resolve"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report))
    run = run_cli(["compare", str(bad), str(bad)])
    assert run.code == 2
    assert "bootstraps[0].brokers[0].probe.resolve is missing" in run.stderr


@pytest.mark.parametrize("make, fragment", [
    ("missing", "cannot read: No such file or directory"),
    ("directory", "cannot read: Is a directory"),
    ("binary", "cannot read: 'utf-8' codec can't decode"),
])
def test_unreadable_files(tmp_path: Path, make: str, fragment: str) -> None:
    path = tmp_path / "report.json"
    if make == "directory":
        path.mkdir()
    elif make == "binary":
        path.write_bytes(b"\xff\xfe\x00junk")
    run = run_cli(["compare", str(path), str(path)])
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.startswith(f"listencheck: error: {path}: {fragment}"), run.stderr
    assert run.stderr.count("\n") == 1


def test_one_report_is_not_a_comparison(tansu: BrokerFactory, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(_report_text(tansu))
    run = run_cli(["compare", str(good)])
    assert run.code == 2 and "at least two reports" in run.stderr
