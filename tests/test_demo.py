"""`listencheck demo`: a real report on embedded brokers, and nothing left running."""

from __future__ import annotations

import json
import subprocess

from tests.support.brokers import tansu_available
from tests.support.cli import run_cli
from tests.support.prereq import need


def tansu_processes() -> set[str]:
    out = subprocess.run(["pgrep", "-f", "listencheck-demo"], capture_output=True, text=True).stdout
    return set(out.split())


def test_demo_shows_the_classic_mistakes_and_cleans_up() -> None:
    need(tansu_available(), "Tansu broker not installed (pip install 'listencheck[lab]')")
    before = tansu_processes()
    run = run_cli(["demo", "--no-color"])
    assert run.code == 0, run.stderr
    for code in ("ADVERTISED_UNRESOLVABLE", "ADVERTISED_INTERNAL_NAME", "ADVERTISED_DOCKER_HOST_ALIAS",
                 "ADVERTISED_TUNNEL", "ADVERTISED_UNREACHABLE"):
        assert code in run.stdout, code
    assert "stands for" in run.stdout or "standing for" in run.stdout
    assert "FAIL" in run.stdout.splitlines()[-1]
    assert tansu_processes() == before


def test_demo_json_report() -> None:
    need(tansu_available(), "Tansu broker not installed (pip install 'listencheck[lab]')")
    run = run_cli(["demo", "--format", "json"])
    report = json.loads(run.stdout)
    assert report["settings"]["resolver"] == "static"
    healthy = report["bootstraps"][0]
    assert healthy["brokers"][0]["probe"]["works"] is True
    by_code = {(f["code"], f["address"]) for f in report["findings"] if f["severity"] == "error"}
    assert ("ADVERTISED_UNRESOLVABLE", "kafka:9092") in by_code
    # Four broken listeners, four problems to fix, although seven error findings name them;
    # the wrong port on the right (loopback) host is one error, its loopback note is not.
    errors = [p for p in report["problems"] if p["severity"] == "error"]
    assert len(errors) == report["verdict"]["problems"] == 4
    assert sum(f["severity"] == "error" for f in report["findings"]) == report["verdict"]["errors"] == 7
    assert ["ADVERTISED_UNRESOLVABLE", "ADVERTISED_INTERNAL_NAME"] in [p["codes"] for p in errors]
    assert all(report["findings"][i]["code"] == code for p in report["problems"]
               for i, code in zip(p["findings"], p["codes"], strict=True))
    (local,) = [p["address"] for p in errors if p["address"].startswith("localhost:")]
    wrong_port = [f for f in report["findings"] if f["address"] == local]
    assert {(f["code"], f["severity"]) for f in wrong_port} == {
        ("ADVERTISED_UNREACHABLE", "error"), ("ADVERTISED_LOOPBACK", "info")}
    assert report["verdict"]["summary"].startswith("broker 111 advertises kafka:9092, but kafka does not "
                                                   "resolve from here, and 3 more problems (7 errors")
