"""Check JUnit XML the way CI systems read it (Ant/Jenkins JUnit schema, GitLab's parser)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from functools import cache
from pathlib import Path

import xmlschema

SCHEMA = Path(__file__).with_name("junit.xsd")

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # the XSD's: no zone, no fraction
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
OUTCOMES = ("failure", "error", "skipped")


def parse_junit(text: str) -> ET.Element:
    """Parse and validate; return the <testsuites> root."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    schema().validate(text)  # raises XMLSchemaValidationError naming the element and rule
    root = ET.fromstring(text.encode("utf-8"))
    assert_valid(root)
    return root


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMA)


def assert_valid(root: ET.Element) -> None:
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    suite_times = Decimal(0)
    for index, suite in enumerate(root):
        assert suite.tag == "testsuite", suite.tag
        for attr in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp",
                     "hostname", "id", "package"):
            assert suite.get(attr) is not None, f"testsuite without {attr}"
        assert suite.get("id") == str(index)
        assert TIMESTAMP.match(suite.get("timestamp", "")), suite.get("timestamp")
        assert DECIMAL.match(suite.get("time", ""))
        children = list(suite)
        assert children and children[0].tag == "properties", "properties come first"
        for prop in children[0]:
            assert prop.tag == "property" and prop.get("name") and prop.get("value") is not None
        cases = children[1:]
        assert all(c.tag == "testcase" for c in cases), [c.tag for c in cases]
        counts = dict.fromkeys(totals, 0)
        case_times = Decimal(0)
        for case in cases:
            case_times += Decimal(case.get("time", ""))
            assert case.get("name") and case.get("classname")
            assert DECIMAL.match(case.get("time", "")), case.get("time")
            tags = [child.tag for child in case]
            outcomes = [t for t in tags if t in OUTCOMES]
            assert len(outcomes) <= 1, tags
            assert set(tags) <= {*OUTCOMES, "system-out", "system-err"}, tags
            if outcomes:
                assert tags[0] == outcomes[0], "the outcome precedes system-out"
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcomes[0]]] += 1
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("type") and failure.get("message") and (failure.text or "").strip()
            counts["tests"] += 1
        for key, value in counts.items():
            assert suite.get(key) == str(value), (suite.get("name"), key, suite.get(key), value)
            totals[key] += value
        assert Decimal(suite.get("time", "")) == case_times, (suite.get("name"), suite.get("time"))
        suite_times += Decimal(suite.get("time", ""))
    for key, value in totals.items():
        if key != "skipped":  # not an attribute of <testsuites> in Jenkins' schema
            assert root.get(key) == str(value), (key, root.get(key), value)
    assert root.get("skipped") is None
    assert Decimal(root.get("time", "")) == suite_times, (root.get("time"), suite_times)


def cases(root: ET.Element) -> list[ET.Element]:
    return [case for suite in root for case in suite.iter("testcase")]


def case(root: ET.Element, classname: str, name: str) -> ET.Element:
    found = [c for c in cases(root) if c.get("classname") == classname and c.get("name") == name]
    assert len(found) == 1, (classname, name, [(c.get("classname"), c.get("name")) for c in cases(root)])
    return found[0]
