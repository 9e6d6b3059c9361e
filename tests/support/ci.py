"""Read the CI examples: the listencheck command each one gates on."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "examples" / "ci"


def github_workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CI / "github-actions.yml").read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def gitlab_job() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    return data


def compose_run(line: str, compose: str) -> tuple[list[str], str, list[str], str | None]:
    """`$COMPOSE run [opts] SERVICE ARGS... [> FILE]` → (run options, service, args, output file)."""
    words = shlex.split(line.replace("$COMPOSE", compose))
    run = words.index("run")
    options = []
    rest = words[run + 1:]
    while rest[0].startswith("-"):
        options.append(rest.pop(0))
    service, *args = rest
    output = None
    if ">" in args:
        at = args.index(">")
        args, output = args[:at], args[at + 1]
    return options, service, args, output


def gate_commands() -> dict[str, tuple[list[str], str, list[str], str | None]]:
    """The step of each CI example that writes the JUnit report (and whose status gates)."""
    workflow = github_workflow()
    job = workflow["jobs"]["listeners"]
    compose = job["env"]["COMPOSE"]
    github = next(s["run"] for s in job["steps"] if "--format junit" in s.get("run", ""))
    gitlab = gitlab_job()["kafka-listeners"]
    line = next(x for x in gitlab["script"] if "--format junit" in x)
    return {"github": compose_run(github, compose),
            "gitlab": compose_run(line, gitlab["variables"]["COMPOSE"])}
