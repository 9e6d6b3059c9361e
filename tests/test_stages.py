"""The stage registry and the finding model: one table of stages, findings that know their place."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from listencheck.catalogue import CATALOGUE
from listencheck.codes import FindingCode
from listencheck.deepmodels import DeepDetail, ResolversDetail
from listencheck.models import (
    AddressAttempt,
    BootstrapCheck,
    BrokerCheck,
    EndpointProbe,
    Finding,
    Severity,
    StageResult,
    Subject,
    SubjectKind,
    TcpDetail,
)
from listencheck.stages import (
    ATTEMPT_RESULTS,
    ATTEMPT_STAGES,
    REGISTRY,
    SPECS,
    Scope,
    Stage,
    broker_cases,
    detail_type,
    probe_stages,
)


def test_every_stage_has_one_registry_entry_in_client_order() -> None:
    assert [s.stage for s in REGISTRY] == list(Stage)
    assert set(SPECS) == set(Stage)
    assert ATTEMPT_STAGES == (Stage.TCP, Stage.TLS, Stage.KAFKA, Stage.SASL, Stage.METADATA)


def test_attempt_stages_are_exactly_the_attempt_result_fields() -> None:
    hints = typing.get_type_hints(AddressAttempt)
    fields = {f.name for f in dataclasses.fields(AddressAttempt)
              if typing.get_origin(hints[f.name]) is StageResult}
    assert fields == {s.value for s in ATTEMPT_RESULTS}


_OWNERS = {Scope.ATTEMPT: AddressAttempt, Scope.PROBE: EndpointProbe, Scope.BROKER: BrokerCheck,
           Scope.BOOTSTRAP: BootstrapCheck}


def _result_fields() -> dict[str, tuple[Scope, type]]:
    """Every StageResult field of the models, by name: the scope that owns it and its detail type."""
    found: dict[str, tuple[Scope, type]] = {}
    for scope, owner in _OWNERS.items():
        hints = typing.get_type_hints(owner)
        for f in dataclasses.fields(owner):
            if typing.get_origin(hints[f.name]) is StageResult:
                found[f.name] = (scope, typing.get_args(hints[f.name])[0])
    return found


def test_detail_types_come_from_the_typed_fields() -> None:
    fields = _result_fields()
    assert set(fields) <= {s.value for s in Stage}, "a StageResult field is named after its stage"
    for stage in Stage:
        if stage.value not in fields:
            assert detail_type(stage) is None, stage
            continue
        scope, detail = fields[stage.value]
        assert SPECS[stage].scope is scope, stage
        assert detail_type(stage) is detail, stage
        assert dataclasses.is_dataclass(detail) and detail.__dataclass_params__.frozen, detail  # type: ignore[attr-defined]
    assert {detail_type(s) for s in ATTEMPT_RESULTS} >= {TcpDetail, DeepDetail}
    assert detail_type(Stage.RESOLVERS) is ResolversDetail


@pytest.mark.parametrize(("protocol", "tls", "sasl"), [
    ("PLAINTEXT", False, False), ("SSL", True, False), ("SASL_PLAINTEXT", False, True),
    ("SASL_SSL", True, True),
])
def test_tls_and_sasl_stages_apply_only_to_their_protocols(protocol: str, tls: bool, sasl: bool) -> None:
    stages = probe_stages(protocol)
    assert (Stage.TLS in stages, Stage.SASL in stages) == (tls, sasl)
    assert stages[0] is Stage.RESOLVE and stages[-1] is Stage.METADATA
    cases = broker_cases(protocol)
    assert cases == (Stage.ADDRESS, *stages, Stage.IDENTITY, Stage.CLIENT)


def test_every_catalogue_entry_names_a_registered_stage() -> None:
    assert all(spec.stage in SPECS for spec in CATALOGUE.values())
    assert {spec.code for spec in CATALOGUE.values() if spec.stage is Stage.TLS} == {
        c for c in FindingCode if c.startswith("TLS_")}


def _finding(code: FindingCode, severity: Severity, subject: Subject) -> Finding:
    return Finding(code, severity, subject, CATALOGUE[code].stage, "message", "fix", {})


def test_a_finding_refuses_a_severity_its_catalogue_entry_does_not_allow() -> None:
    broker = Subject.broker("b:9092", 1, "kafka:9092")
    assert _finding(FindingCode.ADVERTISED_LOOPBACK, Severity.INFO, broker).broker_id == 1
    with pytest.raises(ValueError, match="BOOTSTRAP_NO_BROKERS cannot be warning"):
        _finding(FindingCode.BOOTSTRAP_NO_BROKERS, Severity.WARNING, Subject.server("b:9092", "b:9092"))


@pytest.mark.parametrize("subject", [
    lambda: Subject(SubjectKind.RUN, bootstrap="b:9092"),
    lambda: Subject(SubjectKind.BROKER, bootstrap="b:9092"),
    lambda: Subject(SubjectKind.SERVER, bootstrap="b:9092"),
    lambda: Subject(SubjectKind.BOOTSTRAP, broker_id=1),
])
def test_a_subject_must_name_what_its_kind_needs(subject: typing.Callable[[], Subject]) -> None:
    with pytest.raises(ValueError, match="not a valid"):
        subject()


def test_subject_fields_read_through_the_finding() -> None:
    finding = _finding(FindingCode.EXPECT_ADVERTISED_MISSING, Severity.ERROR, Subject.run("kafka:9092"))
    assert (finding.bootstrap, finding.broker_id, finding.address) == (None, None, "kafka:9092")
    assert finding.stage is Stage.EXPECTATIONS and finding.subject.kind is SubjectKind.RUN


def test_the_json_schema_lists_every_stage_and_subject_kind() -> None:
    import json
    from importlib import resources

    schema = json.loads(resources.files("listencheck.render").joinpath("report.schema.json").read_text())
    finding = schema["$defs"]["finding"]["properties"]
    assert finding["stage"]["enum"] == [s.value for s in Stage]
    assert finding["subject"]["enum"] == [k.value for k in SubjectKind]


def test_every_per_bootstrap_result_is_dispatched_by_the_registry() -> None:
    import importlib

    from listencheck.probes.extra import BootstrapStage

    fields = _result_fields()
    for spec in REGISTRY:
        if spec.scope is not Scope.BOOTSTRAP or spec.stage.value not in fields:
            continue
        assert spec.probe is not None, f"{spec.stage}: the pipeline would have to start it by hand"
        factory = getattr(importlib.import_module(spec.probe.module), spec.probe.factory)
        assert issubclass(factory, BootstrapStage), spec.stage
        for method in (spec.probe.method, "without_metadata", "so_far"):
            assert callable(getattr(factory, method)), (spec.stage, method)
