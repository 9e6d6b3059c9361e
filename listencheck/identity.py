"""Is the broker reached at an advertised address the one that advertised it?"""

from __future__ import annotations

from listencheck.models import (
    AdvertisedBroker,
    EndpointProbe,
    IdentityDetail,
    MetadataDetail,
    Reason,
    StageResult,
)


def judge_identity(
    advertised: AdvertisedBroker, expected: MetadataDetail, probe: EndpointProbe
) -> StageResult[IdentityDetail]:
    """Compare the metadata seen through ``advertised``'s address with the bootstrap's."""
    attempt = probe.chosen
    seen = probe.metadata
    if attempt is None or seen is None:
        return StageResult.not_run(Reason.UPSTREAM_FAILED, "no metadata was fetched through this address")
    elapsed = attempt.metadata.elapsed_ms or 0.0
    there = next((b for b in seen.brokers if b.node_id == advertised.node_id), None)
    detail = IdentityDetail(
        expected_cluster_id=expected.cluster_id,
        seen_cluster_id=seen.cluster_id,
        expected_node_id=advertised.node_id,
        seen_node_id=seen.responder_id,
        node_id_verified=seen.responder_id == advertised.node_id,
        advertised_there=there.address if there else None,
    )
    if expected.cluster_id and seen.cluster_id and expected.cluster_id != seen.cluster_id:
        return StageResult.failure(
            elapsed, Reason.WRONG_CLUSTER,
            f"reached cluster {seen.cluster_id!r}, but broker {advertised.node_id} belongs to "
            f"cluster {expected.cluster_id!r}", detail,
        )
    if seen.responder_id is not None and seen.responder_id != advertised.node_id:
        return StageResult.failure(
            elapsed, Reason.WRONG_BROKER,
            f"reached broker {seen.responder_id}, not broker {advertised.node_id}", detail,
        )
    if there is None:
        return StageResult.failure(
            elapsed, Reason.WRONG_BROKER,
            f"the broker reached there does not list broker {advertised.node_id} in its metadata",
            detail,
        )
    if there.endpoint != advertised.endpoint:
        return StageResult.failure(
            elapsed, Reason.LISTENER_MISMATCH,
            f"the listener reached there advertises broker {advertised.node_id} as {there.address}, "
            f"not {advertised.address}", detail,
        )
    return StageResult.passed(elapsed, detail)
