"""examples/: the captured reports are current, valid and documented; the CI examples are well-formed.

The drift test reruns every scenario (examples/regenerate.py: the demo and the
lab reproductions of docker/) and fails with a diff when a committed file
would change.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.brokers import tansu_available
from tests.support.ci import CI, ROOT, gate_commands, github_workflow, gitlab_job
from tests.support.cli import parse_command
from tests.support.junit import parse_junit
from tests.support.prereq import need, need_commands, need_root
from tests.test_compare import validate_compare
from tests.test_contract import validate

EXAMPLES = ROOT / "examples"


def _regenerate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate", EXAMPLES / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGENERATE = _regenerate_module()
CAPTURED = REGENERATE.generated_files(EXAMPLES)


def test_examples_are_current(tmp_path: Path) -> None:
    need_root()
    need_commands("ip", "dnsmasq", "socat", "iptables", "haproxy")
    need(tansu_available(), "Tansu broker not installed (pip install 'listencheck[lab]')")
    REGENERATE.regenerate(tmp_path)
    diff = REGENERATE.drift(CAPTURED, REGENERATE.generated_files(tmp_path))
    assert not diff, f"examples/ drifted; run `python3 examples/regenerate.py` and review:\n{diff}"


def test_captured_files_are_valid() -> None:
    assert len(CAPTURED) >= 15
    for name, text in CAPTURED.items():
        if name.endswith("compare.json"):
            validate_compare(json.loads(text))
        elif name.endswith(".json"):
            validate(json.loads(text))
        elif name.endswith(".junit.xml"):
            parse_junit(text)
        elif name.endswith(".html"):
            assert text.startswith("<!DOCTYPE html>") and 'id="listencheck-report"' in text, name
        else:
            assert name.endswith((".txt", ".md")) and text.strip(), name


def test_captures_are_normalised() -> None:
    for name, text in CAPTURED.items():
        assert not re.search(r"20\d\d-\d\d-\d\dT(?!00:00:00)", text), name  # a real timestamp
        assert "fe80:" not in text, name
        if name.endswith(".json") and not name.endswith("compare.json"):
            report = json.loads(text)
            assert report["duration_ms"] == 0
            assert report["vantage"]["hostname"] == report["vantage"]["name"] or name.startswith("demo/")


def test_the_stories_the_readmes_tell() -> None:
    compare = json.loads(CAPTURED["compose/compare.json"])
    assert [r["status"] for r in compare["rows"]] == ["differs", "works_everywhere", "works_everywhere"]
    broken = CAPTURED["compose-broken/sidecar.txt"]
    for code in ("ADVERTISED_LOOPBACK", "ADVERTISED_UNRESOLVABLE", "ADVERTISED_DOCKER_HOST_ALIAS"):
        assert code in broken
    k8s = json.loads(CAPTURED["kubernetes/compare.json"])
    assert k8s["diagnoses"][0]["fails_from"] == ["node-c"]
    demo = CAPTURED["demo/report.txt"]
    assert demo.startswith("Started 5 Tansu brokers") and "FAIL" in demo.splitlines()[-1]


def test_every_capture_is_described_in_the_examples_readme() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    for name in CAPTURED:
        assert f"`{name}`" in readme or f"({name})" in readme, name
    assert "python3 examples/regenerate.py" in readme


# --- CI examples ---------------------------------------------------------------------


def test_github_workflow_structure() -> None:
    workflow = github_workflow()
    assert set(workflow) == {"name", "on", "permissions", "jobs"}
    assert workflow["permissions"]["contents"] == "read"
    (job,) = workflow["jobs"].values()
    assert job["runs-on"].startswith("ubuntu-") and job["runs-on"] != "ubuntu-latest"
    assert 0 < job["timeout-minutes"] <= 30
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step
        if "uses" in step:
            _, _, ref = step["uses"].partition("@")
            assert re.match(r"^(v\d+(\.\d+)*|[0-9a-f]{40})$", ref), step["uses"]
    last = job["steps"][-1]
    assert last["if"] == "always()" and "down --volumes" in last["run"]
    published = [s for s in job["steps"] if s.get("uses", "").startswith("mikepenz/action-junit-report")]
    (_, _, _, output) = gate_commands()["github"]
    assert published and published[0]["with"]["report_paths"] == output
    # checks: write is not granted on pull requests from forks: the check run is skipped there.
    condition = published[0]["if"]
    assert condition.startswith("always() && (") and "head.repo.full_name == github.repository" in condition
    uploaded = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploaded and uploaded[0]["if"] == "always()"


def test_gitlab_job_structure() -> None:
    job = gitlab_job()["kafka-listeners"]
    for image in [job["image"], *(s["name"] for s in job["services"])]:
        name, _, tag = image.partition(":")
        assert name == "docker" and re.match(r"^\d+\.\d+\.\d+-(cli|dind)$", tag), image
    assert job["variables"]["DOCKER_HOST"] == "tcp://docker:2376"
    (_, _, _, output) = gate_commands()["gitlab"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == output
    assert any("down --volumes" in line for line in job["after_script"])


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_ci_gates_on_a_valid_check_of_the_compose_listeners(ci: str) -> None:
    import yaml

    options, service, args, output = gate_commands()[ci]
    assert options == ["--rm", "-T"]  # -T: no TTY, so stdout is the report and nothing else
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    assert service in compose["services"]
    params = parse_command(args)
    assert params["fmt"] == "junit" and params["wait"] >= 60 and output == "listencheck-junit.xml"
    # One run: the explanation goes to the log from the same check, never from a second run.
    assert params["extra_outputs"] == ("text=/dev/stderr",)
    text = (CI / {"github": "github-actions.yml", "gitlab": "gitlab-ci.yml"}[ci]).read_text()
    assert len(re.findall(r"listencheck\s+check ", text)) == 1
    listeners = compose["services"]["kafka"]["environment"]["KAFKA_LISTENERS"]
    ports = {int(x.rsplit(":", 1)[1]) for x in listeners.split(",")}
    for bootstrap in params["bootstrap"]:
        host, port = bootstrap.rsplit(":", 1)
        assert host == compose["services"]["kafka"]["hostname"] and int(port) in ports
    assert "kafka:29093" not in params["bootstrap"]  # no tunnel in CI


def test_ci_files_reference_existing_compose_file() -> None:
    for name in ("github-actions.yml", "gitlab-ci.yml"):
        text = (CI / name).read_text()
        for path in re.findall(r"docker compose -f (\S+)", text):
            assert (ROOT / path).is_file(), (name, path)


def _documented_commands(text: str) -> list[list[str]]:
    """Every `listencheck ...` line in the fenced code blocks of a Markdown file."""
    commands, in_code = [], False
    lines = iter(text.replace("\\\n", " ").splitlines())
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
            continue
        words = shlex.split(line.split("#")[0].split(">")[0]) if in_code else []
        if "listencheck" in words:
            words = words[words.index("listencheck") + 1:]
            if words and words[0] in ("check", "compare", "explain", "demo"):
                commands.append(words)
    return commands


@pytest.mark.parametrize("doc", ["README.md", "docker/README.md"])
def test_documented_commands_parse(doc: str) -> None:
    commands = _documented_commands((ROOT / doc).read_text())
    assert commands
    for args in commands:
        if args[0] == "compare":
            assert all(a.endswith(".json") for a in args[1:]), args
        else:
            parse_command(args)


def test_the_broken_report_quoted_in_docker_readme_is_the_captured_one() -> None:
    text = (ROOT / "docker" / "README.md").read_text()
    after = text.split("(../examples/compose-broken/sidecar.txt)", 1)[1]
    block = after.split("```", 2)[1]
    quoted = [line for line in block.splitlines()[1:] if line.strip() and line.strip() != "..."]
    captured = CAPTURED["compose-broken/sidecar.txt"].splitlines()
    assert len(quoted) >= 6
    for line in quoted:
        assert line in captured, line
