"""The pass after the rules: which findings stand, given the others. Rules never read findings.

Every rule is a pure function of the CheckResult and may say more than will
stand; this pass is the one place where one finding makes another redundant or
changes what it cites:

- a KRaft controller listener (LISTENER_IS_CONTROLLER) supersedes the generic
  metadata failure of the same address;
- the client library's findings follow what listencheck's own probes found
  for the same bootstrap: when its metadata request failed for lack of a
  connection, the brokers it could not reach are the ones the probes found
  failing (``client_rules.brokers_not_reached``), and its fix cites their codes;
  on a broker that answers on only some of its addresses, its failure is the
  stall ADVERTISED_PARTIALLY_REACHABLE predicts, and goes into that warning.

Findings keep their order; the pass only drops or rewrites them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from listencheck.analysis import client_rules
from listencheck.codes import FindingCode
from listencheck.models import BootstrapCheck, CheckResult, Finding, Severity
from listencheck.stages import REGISTRY, Scope, Stage

Pass = Callable[[CheckResult, list[Finding]], list[Finding]]

# Generic failures a more specific finding about the same address makes redundant.
SUPERSEDED_BY: dict[FindingCode, frozenset[FindingCode]] = {
    FindingCode.LISTENER_IS_CONTROLLER: frozenset({FindingCode.BOOTSTRAP_METADATA_FAILED,
                                                   FindingCode.ADVERTISED_METADATA_FAILED}),
}

# The stages at which listencheck's own probes judge an address or a bootstrap: what the client
# library's findings cite. Not the stages that only explain a failure (the deep probes), follow
# from the others (topics, the client library itself), or judge the configuration, the
# expectations or the run: a new stage counts unless the registry says it is one of those.
OWN_PROBE_STAGES = frozenset(
    s.stage for s in REGISTRY
    if not (s.explains or s.late or s.scope is Scope.RUN or s.stage in (Stage.CONFIG, Stage.EXPECTATIONS)))


def settle(result: CheckResult, findings: list[Finding]) -> list[Finding]:
    """The rules' findings, less the redundant ones, with their cross-references filled in."""
    for step in PASSES:
        findings = step(result, findings)
    return findings


def superseded(result: CheckResult, findings: list[Finding]) -> list[Finding]:
    """Drop a generic failure of an address that a more specific finding already names."""
    named = {(f.bootstrap, f.address, code) for f in findings for code in SUPERSEDED_BY.get(f.code, ())}
    return [f for f in findings if (f.bootstrap, f.address, f.code) not in named]


def client_library(result: CheckResult, findings: list[Finding]) -> list[Finding]:
    """Keep the client library's findings that its failure and the probes' findings support."""
    for bootstrap in result.bootstraps:
        findings = _client_of(bootstrap, findings)
    return findings


def _client_of(bootstrap: BootstrapCheck, findings: list[Finding]) -> list[Finding]:
    detail = bootstrap.client.detail
    argument = bootstrap.argument
    own = [f for f in findings if f.bootstrap == argument and f.severity is Severity.ERROR
           and f.stage in OWN_PROBE_STAGES]
    found: dict[int, list[str]] = {}
    for f in own:
        if f.broker_id is not None:
            found.setdefault(f.broker_id, []).append(str(f.code))
    not_reached = {n for n, _ in client_rules.brokers_not_reached(detail, found)} if detail else set()
    stalled = _stalled_on_some_addresses(argument, findings, found)
    kept: list[Finding] = []
    for f in findings:
        if f.bootstrap != argument:
            kept.append(f)
        elif f.code is FindingCode.ADVERTISED_PARTIALLY_REACHABLE and f.broker_id in stalled:
            library = stalled[f.broker_id].evidence
            kept.append(dataclasses.replace(
                f, message=f"{f.message} The client library did not get through to it within this run "
                           f"either ({library.get('error')}).",
                evidence={**f.evidence, "client_library": {"error": library.get("error"),
                                                           "log": library.get("log", [])}}))
        elif f.code is FindingCode.CLIENT_BROKER_UNREACHABLE and f.broker_id in stalled:
            continue  # the stall the warning above predicts, now with the library's evidence
        elif f.code is FindingCode.CLIENT_BROKER_UNREACHABLE:
            if f.broker_id in not_reached:
                codes = sorted(set(found.get(f.broker_id, [])))
                kept.append(dataclasses.replace(f, fix=client_rules.broker_fix(codes),
                                                evidence={**f.evidence, "also_found_by_listencheck": codes}))
        elif f.code is FindingCode.CLIENT_METADATA_FAILED:
            if not not_reached:
                kept.append(dataclasses.replace(f, fix=client_rules.metadata_fix(bool(own))))
        else:
            kept.append(f)
    return kept


def _stalled_on_some_addresses(argument: str, findings: list[Finding],
                               found: dict[int, list[str]]) -> dict[int | None, Finding]:
    """The client library's failures on brokers that answer on only some of their addresses
    (ADVERTISED_PARTIALLY_REACHABLE, and no error of listencheck's own): librdkafka may spend
    its first tries, and this run's budget, on the failing ones (it re-resolves the name after
    each failure and starts over). That is the stall the warning predicts, not another error."""
    partly = {f.broker_id for f in findings
              if f.bootstrap == argument and f.code is FindingCode.ADVERTISED_PARTIALLY_REACHABLE}
    return {f.broker_id: f for f in findings
            if f.bootstrap == argument and f.code is FindingCode.CLIENT_BROKER_UNREACHABLE
            and f.broker_id is not None and f.broker_id in partly and not found.get(f.broker_id)}


PASSES: tuple[Pass, ...] = (superseded, client_library)
