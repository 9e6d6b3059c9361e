"""Public contracts: the JSON schema, the finding catalogue and its generated docs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from listencheck.catalogue import CATALOGUE
from listencheck.codes import FindingCode
from listencheck.docs import findings_markdown
from tests.support.brokers import BrokerFactory
from tests.support.cli import check_json
from tests.support.scripted import ScriptedKafka
from tests.support.servers import closed_port, http, tcp_server

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads(resources.files("listencheck.render").joinpath("report.schema.json").read_text())


def validate(report: dict[str, object]) -> None:
    jsonschema.validate(report, SCHEMA, format_checker=jsonschema.FormatChecker())


def test_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_reports_match_the_schema(tansu: BrokerFactory) -> None:
    healthy = tansu.start("127.0.0.1:{port}")
    broken = tansu.start(f"127.0.0.1:{closed_port()}")
    with tcp_server(http) as http_port:
        run = check_json(healthy.listen, broken.listen, f"127.0.0.1:{http_port}")
    validate(run.report)
    assert run.report["verdict"]["exit_code"] == run.code == 1
    codes = {f["code"] for f in run.report["findings"]}
    assert {"ADVERTISED_UNREACHABLE", "BOOTSTRAP_NOT_KAFKA"} <= codes


def test_no_bootstrap_report_matches_the_schema() -> None:
    run = check_json(f"127.0.0.1:{closed_port()}")
    validate(run.report)
    assert run.code == 3 and run.report["verdict"]["exit_code"] == 3


def test_hostile_metadata_report_matches_the_schema() -> None:
    with ScriptedKafka() as script:
        script.brokers = [(1, "127.0.0.1", script.port), (2, "", 70000), (3, "x" * 300, 1)]
        run = check_json(script.address)
    validate(run.report)


def test_every_finding_code_is_catalogued_and_documented() -> None:
    generated = findings_markdown()
    committed = (ROOT / "docs" / "findings.md").read_text()
    assert committed == generated, "docs/findings.md is stale: python -m listencheck.docs > docs/findings.md"
    for spec in CATALOGUE.values():
        assert f"## {spec.code}" in committed
        assert spec.meaning and spec.evidence and spec.fix


@pytest.mark.parametrize("code", [
    "BOOTSTRAP_UNRESOLVABLE", "BOOTSTRAP_UNREACHABLE", "BOOTSTRAP_NOT_KAFKA", "ADVERTISED_UNRESOLVABLE",
    "ADVERTISED_LOOPBACK", "ADVERTISED_WILDCARD", "ADVERTISED_UNREACHABLE", "ADVERTISED_NOT_KAFKA",
    "ADVERTISED_WRONG_BROKER", "ADVERTISED_DUPLICATE", "ADVERTISED_INTERNAL_NAME",
    "ADVERTISED_DOCKER_HOST_ALIAS", "ADVERTISED_TUNNEL", "ADVERTISED_PRIVATE_ADDRESS",
    "BOOTSTRAP_REDIRECT", "RESOLVER_DISAGREEMENT",
])
def test_issue_codes_exist_with_their_exact_names(code: str) -> None:
    assert code in CATALOGUE


def test_finding_codes_are_a_type_with_one_catalogue_entry_each() -> None:
    """Rules name codes as FindingCode members (mypy catches a typo), never as bare strings."""
    import re

    assert set(FindingCode) == set(CATALOGUE) and len(FindingCode) == len(CATALOGUE)
    assert all(spec.code is code for code, spec in CATALOGUE.items())
    sources = "".join(p.read_text() for p in (ROOT / "listencheck" / "analysis").glob("*.py"))
    prefixes = "BOOTSTRAP|ADVERTISED|RESOLVER|CLIENT|RUN|TLS|SASL|PROTOCOL|EXPECT"
    assert not re.findall(rf'"((?:{prefixes})_[A-Z_]*[A-Z])"', sources)
    assert len(set(re.findall(r"FindingCode\.([A-Z_]+)", sources))) >= 40


def test_readme_design_lists_only_paths_that_exist() -> None:
    """The Design section of the README names real modules and folders, and every subpackage."""
    import re

    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Design", 1)[1].split("```", 2)[1]
    listed, parent = [], ""
    for line in block.splitlines():
        match = re.match(r"^( *)([\w./-]+\.py|[\w-]+/)(?:\s|$)", line)
        if not match:
            continue
        name = match.group(2)
        path = name if not match.group(1) else parent + name
        if not match.group(1):
            parent = name
        listed.append(path)
    missing = [p for p in listed if not (ROOT / p).exists()]
    assert len(listed) > 15 and not missing, missing
    package = {p.name + "/" for p in (ROOT / "listencheck").iterdir() if (p / "__init__.py").exists()}
    unlisted = package - {p.removeprefix("listencheck/") for p in listed}
    assert not unlisted, f"README Design section omits {sorted(unlisted)}"
