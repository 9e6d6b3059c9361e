"""docker/kubernetes/daemonset.yaml reproduced in the lab: the pod's own script on three nodes,
whose logs `compare` turns into "node-c resolves the broker to an old pod IP".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.lab import Host, Lab
from tests.lab.deployments import (
    BROKER_POD_IP,
    ODD_NODE,
    STALE_POD_IP,
    broker_name,
    build_k8s,
    read_daemonset,
)
from tests.support.cli import run_cli
from tests.support.entrypoint import install_shim, shim_env


def run_pod(node: Host, name: str, script: str, env: dict[str, str], bin_dir: Path,
            ready_file: Path) -> str:
    """The container's `sh -c` script, as the kubelet runs it; its log once the pod is Ready."""
    proc = subprocess.Popen([*node.prefix, "/bin/sh", "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=shim_env(bin_dir, **{**env, "NODE_NAME": name,
                                                     # /tmp is the pod's own emptyDir
                                                     "READY_FILE": str(ready_file)}))
    try:
        deadline = time.monotonic() + 60
        while not ready_file.exists():  # the readiness probe's `test -e "$READY_FILE"`
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the pod never became ready"
            time.sleep(0.1)
        assert proc.poll() is None, "a DaemonSet pod must keep running after its check"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # `kubectl delete`: the pod's sleep ends
        log, errors = proc.communicate(timeout=10)
    assert errors == "", errors
    return log


def test_daemonset_finds_the_node_whose_dns_differs(lab: Lab, tmp_path: Path) -> None:
    spec = read_daemonset()
    assert spec.node_name_from == "spec.nodeName"
    nodes = build_k8s(lab, spec)
    install_shim(tmp_path / "bin")
    paths = []
    for name, node in nodes.items():
        log = run_pod(node, name, spec.script, spec.env, tmp_path / "bin", tmp_path / f"{name}.ready")
        report = json.loads(log)  # the whole log is one JSON report, as `kubectl logs` returns it
        assert report["vantage"]["name"] == name
        path = tmp_path / f"listencheck-node-{name}.json"
        path.write_text(log)
        paths.append(path)

    run = run_cli(["compare", "--format", "json", *map(str, paths)])
    assert run.code == 1
    result = json.loads(run.stdout)
    advertised = f"{broker_name(spec.env['BOOTSTRAP'])}:9092"
    (row,) = result["rows"]
    assert row["address"] == advertised and row["status"] == "differs"
    assert {n: c["result"] for n, c in row["cells"].items()} == {
        "node-a": "ok", "node-b": "ok", ODD_NODE: "tcp refused"}
    (diagnosis,) = result["diagnoses"]
    assert diagnosis["fails_from"] == [ODD_NODE] and diagnosis["works_from"] == ["node-a", "node-b"]
    assert f"{ODD_NODE} gets {STALE_POD_IP}, while node-a, node-b get {BROKER_POD_IP}" in diagnosis["message"]
    assert diagnosis["fix"].startswith(f"Fix name resolution on {ODD_NODE}")
