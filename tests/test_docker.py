"""docker/ without a Docker engine or a cluster: parse everything, enforce the rules, run the entrypoint.

What cannot be checked here (an image build, containers, a real cluster) is
reproduced in the namespace lab instead: test_lab_compose.py and
test_lab_daemonset.py.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from listencheck import __version__
from tests.lab.deployments import interpolate
from tests.support.cli import parse_command
from tests.support.entrypoint import console_script_target, install_shim, shim_env

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
IMAGE_PLATFORM = {"python_version": "3.11", "python_full_version": "3.11.11", "sys_platform": "linux",
                  "platform_system": "Linux", "os_name": "posix", "implementation_name": "cpython",
                  "platform_machine": "x86_64", "platform_python_implementation": "CPython",
                  "extra": ""}


# --- Dockerfile ----------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    value: str


def parse_dockerfile(text: str) -> list[list[Instruction]]:
    """Stages of instructions (line continuations joined, comments dropped); stage 0 holds global ARGs."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    assert not current, "the Dockerfile ends inside a line continuation"
    stages: list[list[Instruction]] = [[]]
    for line in logical:
        keyword, _, value = line.partition(" ")
        instruction = Instruction(keyword.upper(), value.strip())
        if instruction.keyword == "FROM":
            stages.append([])
        stages[-1].append(instruction)
    return stages


DOCKERFILE = parse_dockerfile((DOCKER / "Dockerfile").read_text())
ARGS = {i.value.split("=", 1)[0]: i.value.split("=", 1)[1] for i in DOCKERFILE[0] if i.keyword == "ARG"}
FINAL = DOCKERFILE[-1]


def _one(stage: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in stage if i.keyword == keyword]
    assert len(found) == 1, (keyword, found)
    return found[0]


def test_only_syntax_we_understand() -> None:
    known = {"ARG", "FROM", "WORKDIR", "COPY", "RUN", "LABEL", "ENV", "USER", "ENTRYPOINT", "CMD"}
    used = {i.keyword for stage in DOCKERFILE for i in stage}
    assert used <= known, used - known
    assert not any(i.keyword == "ADD" for stage in DOCKERFILE for i in stage)


def test_base_images_are_pinned_slim_python() -> None:
    froms = [stage[0].value.split()[0] for stage in DOCKERFILE[1:]]
    assert len(froms) == 2, "a build stage and a runtime stage"
    for image in froms:
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], image)
        name, _, tag = resolved.partition(":")
        assert name == "python" and tag, resolved
        assert tag != "latest" and "-slim" in tag, tag
        assert re.match(r"^\d+\.\d+\.\d+-slim-\w+$", tag), f"pin the patch version and the distro: {tag}"
        version = tuple(int(x) for x in tag.split("-")[0].split(".")[:2])
        assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(".".join(map(str, version)))


def test_runs_as_an_unprivileged_user() -> None:
    user = _one(FINAL, "USER").value
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) >= 1000 and gid.isdigit() and int(gid) != 0, user
    keywords = [i.keyword for i in FINAL]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN"), \
        "nothing runs as root after USER"
    run = " ".join(i.value for i in FINAL if i.keyword == "RUN")
    assert f"--uid {uid}" in run and f"--gid {gid}" in run  # the user exists in the image


def test_entrypoint_is_the_console_script_in_exec_form() -> None:
    entrypoint = json.loads(_one(FINAL, "ENTRYPOINT").value)  # exec form: a JSON array
    assert entrypoint == ["listencheck"]
    assert "listencheck" in PYPROJECT["project"]["scripts"]
    cmd = json.loads(_one(FINAL, "CMD").value)
    assert isinstance(cmd, list) and all(isinstance(x, str) for x in cmd)


def test_dependencies_come_only_from_pinned_wheels() -> None:
    build = " ".join(i.value for i in DOCKERFILE[1] if i.keyword == "RUN")
    assert "--only-binary=:all:" in build and "--no-deps" in build and "-r requirements.txt" in build
    assert "--require-hashes" in build
    final = " ".join(i.value for i in FINAL if i.keyword == "RUN")
    assert "--no-index" in final and "--no-deps" in final and "--no-cache-dir" in final
    assert "pip uninstall --yes pip setuptools wheel" in final
    for stage in DOCKERFILE[1:]:
        for i in stage:
            assert not re.search(r"apt-get|apk add|gcc|build-essential|make ", i.value), i.value
            assert not re.search(r"curl|wget", i.value), i.value
    for key in " ".join(i.value for i in FINAL if i.keyword == "ENV").split():
        assert not re.search(r"PASSWORD|SECRET|TOKEN", key, re.I)


def test_copied_paths_exist_in_the_build_context() -> None:
    for i in DOCKERFILE[1]:
        if i.keyword == "COPY":
            *sources, _ = i.value.split()
            for source in sources:
                assert (ROOT / source).exists(), source


REQUIREMENTS_TEXT = (DOCKER / "requirements.txt").read_text()
# One entry per requirement, its continued --hash lines joined: "name==version --hash=... ...".
ENTRIES = [e for e in re.sub(r"\\\n\s*", " ", REQUIREMENTS_TEXT).splitlines()
           if e.strip() and not e.startswith("#")]
REQUIREMENTS = {canonicalize_name(e.split()[0].split("==")[0]): e.split()[0].split("==")[1]
                for e in ENTRIES}


def test_requirements_are_exact_pins_with_hashes() -> None:
    assert ENTRIES
    for entry in ENTRIES:
        pin, *hashes = entry.split()
        assert re.match(r"^[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*$", pin), pin
        assert hashes and all(re.match(r"^--hash=sha256:[0-9a-f]{64}$", h) for h in hashes), entry


def test_pins_are_what_the_tests_run_with() -> None:
    # The file says so: .ci/run installs these pins before the test extra, docker/lock.py
    # writes them from the environment. A drift is a failure, not a note.
    installed = {name: metadata.version(name) for name in REQUIREMENTS}
    assert installed == REQUIREMENTS, "docker/requirements.txt is stale: python3 docker/lock.py"
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert ci_run.index("--require-hashes -r docker/requirements.txt") < ci_run.index("-e '.[test]'")


def test_build_context_is_only_what_the_image_needs() -> None:
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*"  # an allow-list: .git, tests, examples... never reach the daemon
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = {source for stage in DOCKERFILE[1:] for i in stage if i.keyword == "COPY"
              for source in i.value.split()[:-1] if not source.startswith("--")}
    assert copied == allowed, (copied, allowed)


def test_syntax_frontend_is_pinned() -> None:
    first = (DOCKER / "Dockerfile").read_text().splitlines()[0]
    assert re.match(r"^# syntax=docker/dockerfile:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$", first), first


def test_every_runtime_dependency_is_pinned_within_pyproject() -> None:
    for spec in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(spec)
        pinned = REQUIREMENTS.get(canonicalize_name(requirement.name))
        assert pinned, f"{requirement.name} is not pinned in docker/requirements.txt"
        assert requirement.specifier.contains(pinned), (requirement, pinned)


def test_pins_are_a_closed_set() -> None:
    """Installed with --no-deps, so every requirement of every pin must itself be pinned."""
    for name, version in REQUIREMENTS.items():
        dist = metadata.distribution(name)
        for spec in dist.requires or []:
            requirement = Requirement(spec)
            if requirement.marker and not requirement.marker.evaluate(IMAGE_PLATFORM):
                continue
            pinned = REQUIREMENTS.get(canonicalize_name(requirement.name))
            assert pinned, f"{name} needs {requirement.name}, which is not pinned"
            if dist.version == version:  # the installed metadata describes the pinned release
                assert requirement.specifier.contains(pinned), (name, requirement, pinned)


def test_the_entrypoint_runs_here(tmp_path: Path) -> None:
    """ENTRYPOINT + CMD, and a real check, through the console script's own function."""
    # listencheck.__main__:main: Ctrl-C while the command line module loads is an interruption too.
    assert console_script_target() == ("listencheck.__main__", "main")
    shim = install_shim(tmp_path / "bin")
    cmd = json.loads(_one(FINAL, "CMD").value)
    env = shim_env(tmp_path / "bin")
    shown = subprocess.run(["listencheck", *cmd], capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0 and "Usage: listencheck" in shown.stdout, shown.stderr
    version = subprocess.run([str(shim), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.stdout.strip() == f"listencheck, version {__version__}"


# --- compose ---------------------------------------------------------------------


def _compose(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DOCKER / name).read_text())
    return data


def _listeners(text: str) -> dict[str, str]:
    return dict(item.split("://", 1) for item in text.split(","))  # type: ignore[misc]


def _image_is_pinned(image: str) -> None:
    name, _, tag = image.rpartition(":")
    assert name and tag and tag != "latest" and re.match(r"^\d+\.\d+\.\d+", tag), image


@pytest.mark.parametrize("name", ["compose.yaml", "compose.broken.yaml"])
def test_compose_file_structure(name: str) -> None:
    data = _compose(name)
    assert set(data) == {"name", "services"}
    kafka, sidecar = data["services"]["kafka"], data["services"]["listencheck"]
    for service in (kafka, sidecar):
        _image_is_pinned(service["image"])
    assert sidecar["image"] == f"listencheck:{__version__}"
    build = sidecar["build"]
    assert (DOCKER / build["context"] / build["dockerfile"]).resolve() == (DOCKER / "Dockerfile").resolve()
    env = interpolate(kafka["environment"], {})
    listeners = _listeners(env["KAFKA_LISTENERS"])
    advertised = _listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    protocols = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert set(listeners) == set(protocols) == set(advertised) | {controller}
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    # The cheat-sheet's three listeners, each bound on all interfaces.
    assert {k: v for k, v in listeners.items() if k != controller} == {
        "PLAINTEXT": "0.0.0.0:9092", "PLAINTEXT_DOCKER": "0.0.0.0:29092", "PLAINTEXT_NGROK": "0.0.0.0:29093"}
    assert advertised["PLAINTEXT_DOCKER"] == "host.docker.internal:29092"
    assert advertised["PLAINTEXT_NGROK"] == "4.tcp.ngrok.io:18028"  # ${NGROK_ADDRESS} default
    # Published ports keep the port number, so the advertised port is the one clients reach.
    published = [str(p).split(":") for p in kafka["ports"]]
    assert all(host == container for host, container in published)
    assert {int(c) for _, c in published} == {29092, 29093}
    # The sidecar: a real `check` of every listener, hardened.
    params = parse_command(interpolate(sidecar["command"], {}))
    assert params["bootstrap"] == ("kafka:9092", "kafka:29092", "kafka:29093")
    assert params["expect_cluster_id"] == env["CLUSTER_ID"] and params["wait"] == 60
    assert sidecar["depends_on"] == ["kafka"]
    assert sidecar["cap_drop"] == ["ALL"] and sidecar["read_only"] is True
    assert "cap_add" not in sidecar and "privileged" not in sidecar


def test_working_compose_wiring() -> None:
    env = interpolate(_compose("compose.yaml")["services"]["kafka"]["environment"], {})
    assert _listeners(env["KAFKA_ADVERTISED_LISTENERS"])["PLAINTEXT"] == "kafka:9092"
    hosts = _compose("compose.yaml")["services"]["listencheck"]["extra_hosts"]
    assert hosts == ["host.docker.internal:host-gateway"]


def test_broken_variant_differs_only_by_its_two_mistakes() -> None:
    good, broken = _compose("compose.yaml"), _compose("compose.broken.yaml")
    assert broken["name"] == good["name"] + "-broken"
    good_env = good["services"]["kafka"]["environment"]
    broken_env = broken["services"]["kafka"]["environment"]
    assert broken_env["KAFKA_ADVERTISED_LISTENERS"] == good_env["KAFKA_ADVERTISED_LISTENERS"].replace(
        "PLAINTEXT://kafka:9092", "PLAINTEXT://localhost:9092")
    assert "extra_hosts" not in broken["services"]["listencheck"]
    for data in (good, broken):
        data.pop("name")
        data["services"]["kafka"]["environment"].pop("KAFKA_ADVERTISED_LISTENERS")
        data["services"]["listencheck"].pop("extra_hosts", None)
    assert good == broken


# --- Kubernetes -------------------------------------------------------------------


MANIFESTS = {path.name: yaml.safe_load(path.read_text()) for path in (DOCKER / "kubernetes").glob("*.yaml")}
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _pod(doc: dict[str, Any]) -> dict[str, Any]:
    pod: dict[str, Any] = doc["spec"]["template"]["spec"]
    return pod


def test_manifests_present() -> None:
    assert {(m["apiVersion"], m["kind"]) for m in MANIFESTS.values()} == {("batch/v1", "Job"),
                                                                         ("apps/v1", "DaemonSet")}


@pytest.mark.parametrize("name", ["job.yaml", "daemonset.yaml"])
def test_pod_security_and_image(name: str) -> None:
    doc = MANIFESTS[name]
    name = doc["metadata"].get("name") or doc["metadata"]["generateName"].rstrip("-")
    assert DNS_1123.match(name) and doc["metadata"]["namespace"]
    labels = doc["spec"]["template"]["metadata"]["labels"]
    if "selector" in doc["spec"]:
        assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items()
    pod = _pod(doc)
    assert pod["automountServiceAccountToken"] is False
    uid, gid = (int(x) for x in _one(FINAL, "USER").value.split(":"))
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": uid, "runAsGroup": gid,
                                      "seccompProfile": {"type": "RuntimeDefault"}}
    (container,) = pod["containers"]
    _image_is_pinned(container["image"])
    assert container["image"].endswith(f"/listencheck:{__version__}")
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False and security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert "memory" in container["resources"]["limits"]
    assert not pod.get("hostNetwork") and not security.get("privileged")


def test_job_is_a_single_verdict() -> None:
    doc = MANIFESTS["job.yaml"]
    assert doc["spec"]["backoffLimit"] == 0 and doc["spec"]["activeDeadlineSeconds"] > 0
    pod = _pod(doc)
    assert pod["restartPolicy"] == "Never"
    (container,) = pod["containers"]
    assert "command" not in container  # the image's ENTRYPOINT
    params = parse_command(container["args"])
    assert params["wait"] > 0
    assert doc["spec"]["activeDeadlineSeconds"] > params["wait"] + 4 * params["timeout"] + 2


def test_job_can_be_run_again() -> None:
    # A fixed name with ttlSecondsAfterFinished made a second `kubectl apply` "unchanged" or
    # "field is immutable": every run creates a Job of its own.
    metadata = MANIFESTS["job.yaml"]["metadata"]
    assert "name" not in metadata and metadata["generateName"] == "listencheck-"
    script = (DOCKER / "kubernetes" / "run-job.sh").read_text()
    assert "kubectl" in script and " create -f " in script and " apply " not in script


KUBECTL_STUB = """#!/usr/bin/env bash
# kubectl as seen by run-job.sh: one Job that ends as $STUB_OUTCOME (complete or failed).
echo "$*" >> "$STUB_LOG"
for arg in "$@"; do
  case "$arg" in
    create) echo job.batch/listencheck-x7k2p; exit 0 ;;
    logs) echo "listencheck report of the pod"; exit 0 ;;
    --for=condition=$STUB_OUTCOME) sleep 0.3; exit 0 ;;
    --for=condition=*) exec sleep 600 ;;  # the condition that never comes
  esac
done
exit 3
"""


@pytest.mark.parametrize("outcome, code", [("complete", 0), ("failed", 1)])
def test_run_job_returns_on_failure_too(outcome: str, code: int, tmp_path: Path) -> None:
    # Without a cluster, kubectl is a stub that plays one Job; what is tested is the script's
    # own logic: it returns as soon as either condition holds, with the verdict as exit status.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "kubectl"
    stub.write_text(KUBECTL_STUB)
    stub.chmod(0o755)
    log = tmp_path / "kubectl.log"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "STUB_OUTCOME": outcome, "STUB_LOG": str(log)}
    run = subprocess.run(["bash", str(DOCKER / "kubernetes" / "run-job.sh")], capture_output=True,
                         text=True, env=env, timeout=60)  # the other condition would wait 600 s
    assert run.returncode == code, run.stderr
    assert "listencheck report of the pod" in run.stdout
    calls = log.read_text().splitlines()
    assert calls[0].startswith("-n kafka create -f ") and calls[0].endswith("job.yaml -o name")
    assert any("logs job.batch/listencheck-x7k2p" in c for c in calls)


def test_daemonset_runs_everywhere_and_reports_json() -> None:
    doc = MANIFESTS["daemonset.yaml"]
    pod = _pod(doc)
    assert {"operator": "Exists"} in pod["tolerations"]
    (container,) = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    script = container["args"][0]
    lines = [line for line in script.splitlines() if line.strip()]
    assert lines[-1] == "exec sleep infinity"
    check_line = next(line for line in lines if line.startswith("listencheck "))
    values = {name: e.get("value", f"<{name}>") for name, e in env.items()}
    args = [re.sub(r"\$(\w+)", lambda m: values[m.group(1)], a) for a in shlex.split(check_line)][1:]
    params = parse_command(args)
    assert params["fmt"] == "json" and params["vantage"] == "<NODE_NAME>"
    assert params["bootstrap"] == (values["BOOTSTRAP"],)
    # Ready only once the report is printed; /tmp is the only writable path.
    assert 'touch "$READY_FILE"' in script and values["READY_FILE"].startswith("/tmp/")
    probe = container["readinessProbe"]["exec"]["command"]
    assert probe[-1] == 'test -e "$READY_FILE"'
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_daemonset_runs_start_clean_and_compare() -> None:
    # Re-applying an unchanged DaemonSet keeps the old pods and their old logs: the script deletes
    # (and waits for the pods) before it applies; Ready means finished, compare gives the verdict.
    script = (DOCKER / "kubernetes" / "run-daemonset.sh").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip().startswith("kubectl")]
    assert "delete" in commands[0] and "--cascade=foreground" in commands[0] and "--wait=true" in commands[0]
    assert " apply -f " in commands[1]
    assert script.rstrip().splitlines()[-1].startswith("listencheck compare ")
    assert subprocess.run(["bash", "-n", str(DOCKER / "kubernetes" / "run-daemonset.sh")]).returncode == 0


def test_docker_readme_documents_the_capabilities() -> None:
    text = (DOCKER / "README.md").read_text()
    assert "NET_RAW" in text and "cap_drop" in text and "--cap-add" in text
