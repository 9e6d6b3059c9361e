"""JUnit XML, for CI systems: one test case per bootstrap × server or broker × stage.

Layout (the Ant/Jenkins JUnit dialect GitLab, Jenkins and the GitHub test-report
actions read): one <testsuite> per bootstrap argument and one for the run as a
whole. The classname is ``SUITE / SUBJECT`` (``bootstrap ARG / broker ID
HOST:PORT``, ``/ server HOST:PORT``, ``/ client library``, ``/ expectations``), the
name the stage (``address``, ``resolve``, ``tcp``, ``kafka``, ``metadata``,
``identity``...).

A finding's case follows from its subject and stage (a broker's CLIENT_* finding is the
broker's ``client library`` case).

A case fails when a finding at or above --fail-on belongs to it, so the failures
agree with the exit status; its <failure> carries the code (type), message and
fix of every such finding. Findings below the threshold go to the case's
<system-out>. A stage that did not run, with nothing to say, is <skipped>. A run
that did not complete (cancelled by SIGINT or SIGTERM, a usage error, a bug) has
a ``run / completed`` case with an <error> saying so, so a CI shows the cause.

Times follow the JUnit convention: a case's time is its stage's, a suite's the sum
of its cases and <testsuites>'s the sum of the suites. Stages run concurrently, so
these sums can exceed the run's wall-clock time, which every suite carries as the
``run-duration-ms`` property (and the JSON report as ``duration_ms``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from listencheck.codes import FindingCode
from listencheck.models import (
    BootstrapCheck,
    BrokerCheck,
    Finding,
    Reason,
    Report,
    StageResult,
    StageStatus,
    SubjectKind,
)
from listencheck.stages import SPECS, Stage, broker_cases, probe_stages

RUN_SUITE = "listencheck run"
CLIENT_CASE = "client library"
# Each expectation given is a case of its own, named for what it expects.
_EXPECTATION_CASE = {FindingCode.EXPECT_BROKER_COUNT: "broker count",
                     FindingCode.EXPECT_CLUSTER_ID: "cluster id"}
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class _Case:
    classname: str
    name: str
    stage: StageResult[object] | None = None
    findings: list[Finding] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (type, message): the run itself did not complete


@dataclass
class _Suite:
    name: str
    cases: list[_Case] = field(default_factory=list)

    def case(self, subject: str, name: str, stage: StageResult[object] | None = None) -> _Case:
        # Several CI UIs show the classname without the suite: it names the suite too.
        classname = f"{self.name} / {subject}"
        for case in self.cases:
            if (case.classname, case.name) == (classname, name):
                return case
        case = _Case(classname, name, stage)
        self.cases.append(case)
        return case


def render_junit(report: Report) -> str:
    suites = _suites(report)
    for finding in report.findings:
        _case_of(finding, suites).findings.append(finding)
    root = _xml(report, list(suites.values()))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- cases ---------------------------------------------------------------------


def _server(address: str | None) -> str:
    return f"server {address}"


def _broker(node_id: int | None, address: str | None) -> str:
    return f"broker {node_id} {address}"


def _suites(report: Report) -> dict[str, _Suite]:
    protocol = report.result.settings.security_protocol
    expect = report.result.settings.expect
    suites: dict[str, _Suite] = {}
    for b in report.result.bootstraps:
        suite = suites.setdefault(b.argument, _Suite(f"bootstrap {b.argument}"))
        for probe in b.servers:
            for stage in probe_stages(protocol):
                suite.case(_server(str(probe.endpoint)), stage, probe.stage(stage))
        for broker in b.brokers:
            subject = _broker(broker.advertised.node_id, broker.advertised.address)
            for stage in broker_cases(protocol):
                if stage is not Stage.CLIENT or b.client.status is not StageStatus.SKIPPED:
                    suite.case(subject, _case_name(stage), _broker_result(b, broker, stage))
        if len(b.servers) > 1:
            suite.case("servers", "one cluster")
        suite.case(CLIENT_CASE, "metadata", b.client)
        judged: StageResult[object] | None = None if b.answered else StageResult.not_run(
            Reason.UPSTREAM_FAILED, "no bootstrap server answered")
        if expect.brokers is not None:
            suite.case("expectations", "broker count", judged)
        if expect.cluster_id is not None:
            suite.case("expectations", "cluster id", judged)
    run = suites.setdefault(RUN_SUITE, _Suite(RUN_SUITE))
    completion = _completion_error(report)
    if completion is not None:
        run.case("run", "completed").error = completion
    if report.result.failure is None:
        run.case("run", "deadline")
    if len(report.result.bootstraps) > 1:
        run.case("listeners", "one cluster")
    for address in expect.advertised:
        run.case("expectations", f"advertised {address}")
    return suites


def _completion_error(report: Report) -> tuple[str, str] | None:
    """Why the run did not complete (a usage error, a cancel, a bug), as an <error>; else None."""
    result = report.result
    if result.failure is not None:
        return result.failure.kind, report.verdict.summary
    if result.interrupted:
        return (result.stopped_by or "interrupted"), report.verdict.summary
    return None


def _case_name(stage: Stage) -> str:
    return CLIENT_CASE if stage is Stage.CLIENT else stage.value


def _broker_result(b: BootstrapCheck, broker: BrokerCheck, stage: Stage) -> StageResult[object] | None:
    if stage is Stage.ADDRESS:
        return None
    if stage is Stage.IDENTITY:
        return broker.identity
    return b.client if stage is Stage.CLIENT else broker.probe.stage(stage)


def _case_of(finding: Finding, suites: dict[str, _Suite]) -> _Case:
    """A finding's case, from its subject and stage."""
    subject, stage = finding.subject, finding.stage
    if subject.kind is SubjectKind.RUN or subject.bootstrap not in suites:
        run = suites[RUN_SUITE]
        if stage is Stage.CLUSTER:
            return run.case("listeners", "one cluster")
        if stage is Stage.EXPECTATIONS:
            return run.case("expectations", f"advertised {subject.address}")
        return run.case("run", "deadline" if stage is Stage.RUN else "other findings")
    suite = suites[subject.bootstrap]
    if subject.kind is SubjectKind.BROKER:
        return suite.case(_broker(subject.broker_id, subject.address), _case_name(stage))
    if subject.kind is SubjectKind.SERVER:
        return suite.case(_server(subject.address), stage.value)
    if stage is Stage.CLUSTER:
        return suite.case("servers", "one cluster")
    if stage is Stage.EXPECTATIONS:
        return suite.case("expectations", _EXPECTATION_CASE.get(finding.code, finding.code.lower()))
    if stage is Stage.CLIENT:
        return suite.case(CLIENT_CASE, "metadata")
    return suite.case(SPECS[stage].label, "findings")


# --- XML -----------------------------------------------------------------------


def _xml(report: Report, suites: list[_Suite]) -> ET.Element:
    result = report.result
    fail_on = result.settings.fail_on
    timestamp = result.started_at.split(".")[0].rstrip("Z")  # the XSD wants no zone (this is UTC)
    root = ET.Element("testsuites", name="listencheck")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_ms = 0
    for index, suite in enumerate(suites):
        element = ET.SubElement(root, "testsuite", name=_clean(suite.name), id=str(index),
                                package="listencheck", timestamp=timestamp,
                                hostname=_clean(result.vantage.hostname or "localhost"))
        properties = ET.SubElement(element, "properties")
        for key, value in (("vantage", result.vantage.name), ("listencheck", report.tool_version),
                           ("security.protocol", result.settings.security_protocol),
                           ("fail-on", fail_on.value), ("run-duration-ms", f"{result.duration_ms:g}")):
            ET.SubElement(properties, "property", name=key, value=_clean(value))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite_ms = 0
        for case in suite.cases:
            case_ms = round(case.stage.elapsed_ms or 0.0) if case.stage is not None else 0
            suite_ms += case_ms
            counts["tests"] += 1
            node = ET.SubElement(element, "testcase", classname=_clean(case.classname),
                                 name=_clean(case.name), time=_seconds(case_ms))
            failing = [f for f in case.findings if f.severity.at_least(fail_on)]
            other = [f for f in case.findings if not f.severity.at_least(fail_on)]
            if case.error is not None:
                counts["errors"] += 1
                error_type, message = case.error
                ET.SubElement(node, "error", type=error_type, message=_clean(message)).text = _clean(
                    f"exit status {report.verdict.exit_code}: {message}")
            elif failing:
                counts["failures"] += 1
                first = failing[0]
                failure = ET.SubElement(node, "failure", type=first.code,
                                        message=_clean(f"{first.code}: {first.message}"))
                failure.text = _clean("\n\n".join(_finding_text(f) for f in failing))
            elif case.stage is not None and case.stage.status in (StageStatus.NOT_RUN, StageStatus.SKIPPED):
                counts["skipped"] += 1
                error = case.stage.error
                ET.SubElement(node, "skipped", message=_clean(
                    f"{case.stage.status.value}: {error.reason.value} ({error.message})" if error
                    else case.stage.status.value))
            if other:
                out = ET.SubElement(node, "system-out")
                out.text = _clean("\n\n".join(_finding_text(f) for f in other))
        element.set("tests", str(counts["tests"]))
        element.set("failures", str(counts["failures"]))
        element.set("errors", str(counts["errors"]))
        element.set("skipped", str(counts["skipped"]))
        element.set("time", _seconds(suite_ms))
        total_ms += suite_ms
        for key in totals:
            totals[key] += counts[key]
    for key in ("tests", "failures", "errors"):  # Jenkins' schema has no <testsuites skipped>
        root.set(key, str(totals[key]))
    root.set("time", _seconds(total_ms))
    return root


def _seconds(ms: int) -> str:
    """Whole milliseconds as seconds: sums of the printed values add up exactly."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def _finding_text(finding: Finding) -> str:
    return (f"{finding.severity.value} {finding.code}: {finding.message}\n"
            f"fix: {finding.fix}\nmore: listencheck explain {finding.code}")


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters, whatever the escaping."""
    return _INVALID_XML.sub("\ufffd", text)
