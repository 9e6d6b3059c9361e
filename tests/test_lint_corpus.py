"""The configuration corpus: every file gives exactly the codes its first lines expect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from listencheck.brokerconfig.load import read_config_file
from listencheck.catalogue import CATALOGUE
from listencheck.lint import has_errors, lint_file

CORPUS = Path(__file__).parent / "brokerconfigs"
FILES = sorted(p for p in CORPUS.iterdir() if p.is_file())


def expected_codes(path: Path) -> set[str]:
    m = re.search(r"^# expect: (.*)$", path.read_text(), re.MULTILINE)
    assert m, f"{path.name} has no '# expect:' line"
    return set() if m[1].strip() == "none" else set(m[1].split())


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_gives_its_expected_codes(path: Path) -> None:
    findings = lint_file(read_config_file(path, environ={}))
    assert {f.code for f in findings} == expected_codes(path), [f"{f.code}: {f.message}" for f in findings]
    for f in findings:
        assert f.code in CATALOGUE and f.severity in CATALOGUE[f.code].severities
        assert f.source.path and f.source.line, f"{f.code} has no file:line ({f.source})"
        assert "corpus-secret" not in f.message + f.fix + repr(f.evidence)


def test_healthy_configurations_give_no_error() -> None:
    healthy = [p for p in FILES if "healthy" in p.name]
    assert len(healthy) >= 6
    for path in healthy:
        assert not has_errors(lint_file(read_config_file(path, environ={}))), path.name


def test_every_config_code_in_the_catalogue_is_exercised_by_the_corpus() -> None:
    seen = set().union(*(expected_codes(p) for p in FILES))
    catalogued = {c for c in CATALOGUE if c.startswith("CONFIG_")}
    # CONFIG_NOT_READABLE is about brokers reached, not files (tests/test_broker_config_readback.py)
    assert catalogued - seen == {"CONFIG_NOT_READABLE"}
