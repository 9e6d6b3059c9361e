"""Client-side fixes as diffs: a client container of a --broker-config Compose file without the
extra_hosts entry for host.docker.internal gets a unified diff of its service, in the file's own
style, in every report format (the lab applies it with patch(1): tests/test_lab_fixes.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from listencheck.fixes.diff import extra_hosts_diff, extra_hosts_patched
from tests.support.cli import run_cli
from tests.support.prereq import need_commands
from tests.support.scripted import ScriptedKafka
from tests.test_contract import validate

ENTRY = "host.docker.internal:host-gateway"
BROKER = """\
  kafka:
    image: apache/kafka:3.9.0
    ports:
      - "29092:29092"
    environment:
      KAFKA_NODE_ID: 1
      KAFKA_PROCESS_ROLES: broker,controller
      KAFKA_CONTROLLER_QUORUM_VOTERS: 1@kafka:9094
      KAFKA_CONTROLLER_LISTENER_NAMES: CONTROLLER
      KAFKA_LISTENERS: PLAINTEXT://:9092,DOCKER://:29092,CONTROLLER://:9094
      KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092,DOCKER://host.docker.internal:29092
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: PLAINTEXT:PLAINTEXT,DOCKER:PLAINTEXT,CONTROLLER:PLAINTEXT
"""


def compose(app: str) -> str:
    return "services:\n" + BROKER + "  app:\n    # the application\n" + app


@pytest.mark.parametrize(("app", "added"), [
    ("    image: example/app\n", '    extra_hosts:\n      - "host.docker.internal:host-gateway"\n'),
    ('    extra_hosts: ["db:10.0.0.1"]\n    image: example/app\n',
     '    extra_hosts: ["db:10.0.0.1", "host.docker.internal:host-gateway"]\n'),
    ("    extra_hosts:\n    - 'db:10.0.0.1'\n    image: example/app\n",
     "    - 'host.docker.internal:host-gateway'\n"),
    ("    extra_hosts:\n      db: 10.0.0.1\n    image: example/app\n",
     "      host.docker.internal: host-gateway\n"),
], ids=["none", "flow", "block", "mapping"])
def test_the_entry_is_added_in_the_files_own_style(app: str, added: str) -> None:
    text = compose(app)
    line = text.splitlines().index("  app:") + 2  # the loader's line: the service's first key
    new = extra_hosts_patched(text, "app", line, ENTRY)
    assert new is not None and added in new
    assert new.replace(added, "") in (text, text.replace(app.splitlines(keepends=True)[0], ""))
    assert extra_hosts_patched(text, "nothere", line, ENTRY) is None


def test_the_diff_applies_with_patch(tmp_path: Path) -> None:
    need_commands("patch")
    path = tmp_path / "compose.yaml"
    text = compose("    image: example/app\n")
    path.write_text(text)
    diff = extra_hosts_diff("compose.yaml", text, "app", text.splitlines().index("  app:") + 1, ENTRY)
    assert diff is not None
    proc = subprocess.run(["patch", "-p1", "-d", str(tmp_path)], input=diff, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '      - "host.docker.internal:host-gateway"' in path.read_text()


def test_check_gives_the_client_diff_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(compose("    image: example/app\n"))
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port)]
        runs = {fmt: run_cli(["check", "--format", fmt, "--timeout", "2", "--no-color", "--broker-config",
                              str(path), script.address]) for fmt in ("json", "text", "markdown", "html")}
    report = runs["json"].report
    validate(report)
    (finding,) = [f for f in report["findings"] if f["code"] == "CONFIG_HOST_ALIAS_NO_EXTRA_HOSTS"]
    assert '+    extra_hosts:\n+      - "host.docker.internal:host-gateway"\n' in finding["diff"]
    assert all("diff" not in f for f in report["findings"] if f is not finding)
    assert f"diff of {path}" in runs["text"].stdout
    assert '+      - "host.docker.internal:host-gateway"' in runs["text"].stdout
    assert '```diff\n' in runs["markdown"].stdout and '+      - "host.docker.internal:host-gateway"' in (
        runs["markdown"].stdout)
    assert "+      - &quot;host.docker.internal:host-gateway&quot;" in runs["html"].stdout


def test_markdown_and_html_show_each_configuration_diff_once() -> None:
    """Broker fixes' diffs too: a Strimzi resource's one change shared by brokers 0-2 is shown once."""
    from listencheck.render.html import render_html_document
    from listencheck.render.markdown import render_markdown_document

    shared = "--- a/kafka.yaml\n+++ b/kafka.yaml\n@@ -1 +1,2 @@\n listeners:\n+  - name: external2\n"
    doc = {"verdict": {"exit_code": 1}, "findings": [], "problems": [],
           "fixes": [{"broker_id": n, "config_source": "kafka.yaml:1 (Kafka/prod)", "diff": shared}
                     for n in (0, 1, 2)] + [{"broker_id": 3, "config_source": None, "diff": None}]}
    markdown = render_markdown_document(doc)
    assert markdown.count("+  - name: external2") == 1 and "Brokers 0, 1, 2" in markdown
    assert "```diff\n" in markdown
    html = render_html_document(doc)
    shown = html[:html.index('<script type="application/json"')]  # not the embedded JSON report
    assert shown.count("+  - name: external2") == 1 and "Brokers 0, 1, 2" in shown
