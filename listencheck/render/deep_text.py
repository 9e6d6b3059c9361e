"""The deep probes in the text report: one line per address (-v), and the hint to use --deep."""

from __future__ import annotations

from listencheck.deepmodels import Answer, DeepDetail, PathDetail, ResolversDetail
from listencheck.models import CheckResult, EndpointProbe, Reason

_HINTED = (Reason.TIMEOUT, Reason.RESET, Reason.REFUSED, Reason.UNREACHABLE)
HINT = "hint: --deep shows who drops, rejects or resets these connections (needs root or CAP_NET_RAW)"


def deep_hint(result: CheckResult) -> str | None:
    """One line when a connection timed out, was refused or reset and --deep was not given
    (not for a loopback address, nor for a name another of whose addresses works)."""
    if result.settings.deep:
        return None
    for probe in _probes(result):
        if probe.works:
            continue
        for attempt in probe.attempts:
            if attempt.address.startswith("127.") or attempt.address == "::1":
                continue
            stalled = attempt.kafka.ok and attempt.metadata.reason is Reason.TIMEOUT
            if attempt.tcp.reason in _HINTED or stalled:
                return HINT
    return None


def deep_lines(result: CheckResult) -> list[str]:
    """What --deep found, address by address (the verbose view)."""
    lines: list[str] = []
    for probe in _probes(result):
        if probe.resolvers.detail is not None:
            lines.append(f"dns {probe.endpoint.host}: {_resolvers(probe.resolvers.detail)}")
        for attempt in probe.attempts:
            detail = attempt.deep.detail
            if detail is not None:
                lines += [f"{probe.endpoint} ({attempt.address}): {text}" for text in _deep(detail)]
    return lines


def _probes(result: CheckResult) -> list[EndpointProbe]:
    seen: dict[object, EndpointProbe] = {}
    for b in result.bootstraps:
        for probe in [*b.servers, *(x.probe for x in b.brokers)]:
            seen.setdefault(probe.endpoint, probe)
    return list(seen.values())


def _deep(detail: DeepDetail) -> list[str]:
    out = list(detail.notes)
    if detail.path is not None:
        out.append(_path(detail.path))
    if detail.mtu is not None:
        m = detail.mtu
        out.append(f"path MTU: {m.largest_passing or 'nothing'} bytes pass, "
                   f"{m.smallest_failing or 'every size tried passes'}"
                   f"{' bytes do not' if m.smallest_failing else ''} (route MTU {m.route_mtu})")
    return out


def _path(path: PathDetail) -> str:
    syn = path.syn
    route = " · ".join(f"{h.ttl} {h.address or '*'}" for h in path.hops) or "no router answered"
    if syn.answer is Answer.NOTHING:
        what = "SYN: no answer"
    elif syn.answer is Answer.LOCAL_ERROR:
        what = f"SYN not sent: {syn.error}"
    else:
        named = syn.answer.value.replace("_", "-").upper()
        kind = f"ICMP {syn.icmp_name}" if syn.answer is Answer.ICMP else named
        what = f"SYN: {kind} from {syn.source} ({syn.responder.value}, hop {syn.hop}, ttl {syn.ttl})"
    return f"{what} · traceroute: {route}"


def _resolvers(detail: ResolversDetail) -> str:
    asked = " · ".join(f"{a.nameserver} {', '.join(a.addresses) or a.status}" for a in detail.answers)
    return f"{asked or 'no nameserver'} · client used {', '.join(detail.client_used) or 'nothing'}"
