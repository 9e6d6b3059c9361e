"""Rules about the real client library's run: what it failed at, decided from facts.

The same broken setup must always give the same code. librdkafka may fail the
metadata request itself (it moved on to an advertised broker it cannot reach)
or fetch metadata and then fail to talk to that broker: which one happens first
is a race. ``brokers_not_reached`` decides from what is known, not from that race.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from listencheck.analysis.context import BootstrapContext
from listencheck.codes import FindingCode
from listencheck.models import ClientDetail, Finding, Severity

# librdkafka errors of a failed metadata request that mean "could not talk to a broker"
# (not a setting it rejected, not an answer from the broker).
TRANSPORT_ERRORS = frozenset({"_TRANSPORT", "_TIMED_OUT", "_TIMED_OUT_QUEUE", "_RESOLVE",
                              "_ALL_BROKERS_DOWN"})


def brokers_not_reached(detail: ClientDetail, failing_here: Collection[int]) -> tuple[tuple[int, str], ...]:
    """The brokers the client library could not talk to, with its error; empty when its
    failure is not about reaching brokers (then the code is CLIENT_METADATA_FAILED).

    ``failing_here``: ids of the brokers whose advertised address listencheck's own probes
    found failing. When librdkafka's metadata request failed for lack of a connection and
    such brokers exist, those are the brokers it could not reach: the same code as when it
    got the metadata first and failed on them afterwards.
    """
    if detail.unreachable:
        return detail.unreachable
    if detail.error_code in TRANSPORT_ERRORS and failing_here:
        return tuple((node_id, detail.error_code) for node_id in sorted(set(failing_here)))
    return ()


def client_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    """What the client library failed at, from its own run only. Which of these stand, and what
    their fix cites, depends on what listencheck's probes found: ``analysis.suppress`` decides."""
    client = ctx.bootstrap.client
    if not client.failed or not ctx.bootstrap.answered:
        return  # with no bootstrap answering, the BOOTSTRAP_* findings say it all
    detail = client.detail
    if detail is not None:
        yield from _client_unreachable(ctx, detail, candidates(ctx, detail))
        if detail.unreachable:
            return
    message = (client.error.message if client.error else "failed").rstrip(".")
    yield ctx.finding(
        FindingCode.CLIENT_METADATA_FAILED, Severity.ERROR, ctx.whole(),
        f"The Kafka client library itself fails with these settings: {message}.", metadata_fix(False),
        {"library": detail.library if detail else None,
         "error": detail.error_code if detail else None,
         "message": client.error.message if client.error else None,
         "log": list(detail.log) if detail else []},
    )


def candidates(ctx: BootstrapContext, detail: ClientDetail) -> tuple[tuple[int, str], ...]:
    """The brokers the client library may not have reached: the ones it names, or, when its
    metadata request failed for lack of a connection, every advertised broker (the suppression
    pass keeps those that ``brokers_not_reached`` picks)."""
    if detail.unreachable:
        return detail.unreachable
    if detail.error_code in TRANSPORT_ERRORS:
        return tuple((node_id, detail.error_code) for node_id in
                     sorted({b.advertised.node_id for b in ctx.bootstrap.brokers}))
    return ()


def metadata_fix(explained: bool) -> str:
    """CLIENT_METADATA_FAILED's fix: ``explained`` when listencheck's probes found errors too."""
    return (
        "Fix the addresses named in the other errors; the client library follows them."
        if explained else
        "listencheck's own probes found every advertised address working, so the failure is in "
        "how the client library talks to these brokers (a proxy or broker that mishandles the "
        "request versions real clients send, or a client setting): read the log lines in the "
        "evidence and rerun your client with -X debug=broker,protocol."
    )


def broker_fix(found: list[str]) -> str:
    """CLIENT_BROKER_UNREACHABLE's fix, given the codes listencheck found for the broker."""
    return (
        f"Fix what {', '.join(found)} {'says' if len(found) == 1 else 'say'} for this "
        f"broker; the client library follows "
        f"the advertised address too."
        if found else
        "listencheck's own probes reached this broker, but the client library, with your "
        "settings, did not: compare the evidence's log lines with your client settings "
        "(security.protocol, ssl.*, sasl.*, broker.address.family) and rerun your client "
        "with -X debug=broker,security."
    )


def _client_unreachable(
    ctx: BootstrapContext, detail: ClientDetail, not_reached: tuple[tuple[int, str], ...],
) -> Iterator[Finding]:
    """The client library could not talk to these brokers: one finding each."""
    advertised = {b.advertised.node_id: b.advertised.address for b in ctx.bootstrap.brokers}
    got_metadata = detail.error_code is None
    for node_id, code in not_reached:
        address = advertised.get(node_id)
        yield ctx.finding(
            FindingCode.CLIENT_BROKER_UNREACHABLE, Severity.ERROR, ctx.broker(node_id, address),
            f"The Kafka client library could not talk to broker {node_id}"
            f"{f' at {address}' if address else ''} ({code})"
            f"{', after fetching the metadata' if got_metadata else ''}.", broker_fix([]),
            {"library": detail.library, "error": code, "also_found_by_listencheck": [],
             "log": list(detail.log)},
        )
