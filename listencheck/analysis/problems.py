"""The grouping pass: findings in, problems out. Runs after every rule; rules never merge.

A problem is what a person fixes once. A finding whose catalogue entry
``gathers`` codes (a load balancer advertised by brokers) takes the findings of
those codes at its own subject and at the brokers its evidence names: one cause
seen at several places (a gathered symptom brings what joins it along). At one
subject (a broker, a bootstrap server), the first error of a probe stage is the symptom; an error that says
what kind of address was advertised (catalogue ``classifies``) explains that
same symptom, and the client library failing on that broker
(CLIENT_BROKER_UNREACHABLE naming listencheck's own codes) follows from it.
Those become one problem with the symptom's message and fix. Across subjects,
findings whose catalogue entry names a shared cause (``same_cause``: one
router's default certificate shown for every broker) are one problem too, about
the first subject and naming the others. Every other finding is a problem of its
own. Pure: no I/O.
"""

from __future__ import annotations

from listencheck.catalogue import spec
from listencheck.codes import FindingCode
from listencheck.models import Finding, Problem, Severity, Subject
from listencheck.stages import PROBE_STAGES, Stage

_SYMPTOM_STAGES = frozenset({*PROBE_STAGES, Stage.IDENTITY})


def group(findings: tuple[Finding, ...]) -> tuple[Problem, ...]:
    """One problem per cause, in the order of each problem's first finding."""
    by_subject: dict[Subject, list[int]] = {}
    for index, finding in enumerate(findings):
        by_subject.setdefault(finding.subject, []).append(index)
    members: dict[int, list[int]] = {}  # primary index -> its findings
    owner: dict[int, int] = {}  # a gathered finding -> the finding that gathered it
    for index, finding in enumerate(findings):
        gathered = [i for i in _gathered(findings, finding) if i not in owner and i != index]
        if gathered and index not in owner:
            members[index] = [index, *gathered]
            owner.update(dict.fromkeys(gathered, index))
    taken: set[int] = set(owner)
    for indexes in by_subject.values():
        symptom = next((i for i in indexes if _is_symptom(findings[i])), None)
        if symptom is None:
            continue
        joined = [i for i in indexes if i != symptom and i not in taken and _joins(findings[i])]
        if joined:
            members.setdefault(owner.get(symptom, symptom), [symptom]).extend(joined)
            taken.update(joined)
    also = _same_cause(findings, members, taken)
    problems: list[Problem] = []
    for index, finding in enumerate(findings):
        if index in taken:
            continue
        group_of = members.get(index, [index])
        number = len(problems) + 1
        if len(group_of) == 1:
            problems.append(Problem.single(number, index, finding))
            continue
        codes = tuple(dict.fromkeys(findings[i].code for i in group_of))
        headline = finding.message
        if index in also:
            headline += f" The same holds for {', '.join(also[index])}."
        problems.append(Problem(
            f"P{number}", finding.severity, finding.subject, finding.stage,
            codes, headline, finding.fix, tuple(group_of)))
    return tuple(problems)


def _gathered(findings: tuple[Finding, ...], finding: Finding) -> list[int]:
    """The findings ``finding`` gathers: its entry's ``gathers`` codes at its own subject, or at
    the brokers its evidence names (``broker_ids``)."""
    codes = spec(finding.code).gathers
    if not codes:
        return []
    named = finding.evidence.get("broker_ids")
    ids = named if isinstance(named, list) else []
    return [i for i, f in enumerate(findings) if f.code in codes and (
        f.subject == finding.subject or (f.bootstrap == finding.bootstrap and f.broker_id in ids))]


def _same_cause(findings: tuple[Finding, ...], members: dict[int, list[int]],
                taken: set[int]) -> dict[int, list[str]]:
    """Fold problems with one shared cause into the first; returns the other subjects' names."""
    first: dict[tuple[FindingCode, str], int] = {}
    also: dict[int, list[str]] = {}
    for index, finding in enumerate(findings):
        key = spec(finding.code).same_cause
        value = finding.evidence.get(key) if key else None
        if index in taken or not isinstance(value, str):
            continue
        head = first.setdefault((finding.code, value), index)
        if head == index:
            continue
        members.setdefault(head, [head]).extend(members.pop(index, [index]))
        taken.add(index)
        also.setdefault(head, []).append(_named(finding.subject))
    return also


def _named(subject: Subject) -> str:
    if subject.broker_id is not None:
        return f"broker {subject.broker_id}" + (f" ({subject.address})" if subject.address else "")
    return subject.address or subject.bootstrap or "the run"


def _is_symptom(finding: Finding) -> bool:
    return finding.severity is Severity.ERROR and finding.stage in _SYMPTOM_STAGES


def _joins(finding: Finding) -> bool:
    """An error that explains the subject's symptom, or follows from it."""
    if finding.severity is not Severity.ERROR:
        return False
    if spec(finding.code).classifies:
        return True
    return finding.code is FindingCode.CLIENT_BROKER_UNREACHABLE and bool(
        finding.evidence.get("also_found_by_listencheck"))
