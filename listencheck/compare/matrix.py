"""The comparison itself: advertised broker × vantage point → result, and what the differences mean.

Pure: reports in, a Comparison out. A row is one advertised address of one
broker; a cell is what one vantage point saw there, or nothing when that
vantage was never told the address (it checked other listeners).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from listencheck.address import Endpoint, parse_endpoint
from listencheck.compare.reports import FailedAt, Observation, VantageReport
from listencheck.errors import UsageError
from listencheck.stages import Stage

FIRST_SPARE_PORT = 29092


class RowStatus(StrEnum):
    WORKS = "works_everywhere"
    DIFFERS = "differs"
    FAILS = "fails_everywhere"


@dataclass(frozen=True)
class Row:
    node_id: int
    address: str
    cells: dict[str, Observation | None]  # vantage name → what it saw

    @property
    def seen(self) -> dict[str, Observation]:
        return {name: cell for name, cell in self.cells.items() if cell is not None}

    @property
    def status(self) -> RowStatus:
        results = [cell.ok for cell in self.seen.values()]
        if all(results):
            return RowStatus.WORKS
        return RowStatus.FAILS if not any(results) else RowStatus.DIFFERS


@dataclass(frozen=True)
class Diagnosis:
    kind: str  # works_only_from | fails_everywhere | resolves_differently | no_bootstrap | clusters_differ
    message: str
    fix: str
    address: str | None = None
    node_id: int | None = None
    works_from: tuple[str, ...] = ()
    fails_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    vantages: tuple[VantageReport, ...]
    rows: tuple[Row, ...]
    diagnoses: tuple[Diagnosis, ...]
    cluster_ids: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        """0 when the reports are of one cluster, every vantage bootstrapped and every address
        it was told works there."""
        broken = any(r.status is not RowStatus.WORKS for r in self.rows)
        silent = any(not any(b.answered for b in v.bootstraps) for v in self.vantages)
        return 1 if broken or silent or len(self.cluster_ids) > 1 else 0


def compare(vantages: Sequence[VantageReport]) -> Comparison:
    if len(vantages) < 2:
        raise UsageError("compare needs at least two reports (one per vantage point)")
    rows = _rows(vantages)
    cluster_ids = tuple(sorted({b.cluster_id for v in vantages for b in v.bootstraps if b.cluster_id}))
    diagnoses: list[Diagnosis] = []
    diagnoses += _clusters(vantages, cluster_ids)
    diagnoses += _silent(vantages)
    for row in rows:
        diagnoses += _row_diagnoses(row, rows)
    return Comparison(tuple(vantages), rows, tuple(diagnoses), cluster_ids)


def _rows(vantages: Sequence[VantageReport]) -> tuple[Row, ...]:
    keys: dict[tuple[int, str], None] = {}
    for v in vantages:
        for o in v.observations:
            keys.setdefault((o.node_id, o.address), None)
    rows = []
    for node_id, address in sorted(keys, key=lambda k: k[0]):  # stable: first seen first
        cells: dict[str, Observation | None] = {}
        for v in vantages:
            seen = [o for o in v.observations if (o.node_id, o.address) == (node_id, address)]
            # One address reached through two listeners of one vantage: the same probe.
            cells[v.name] = next((o for o in seen if not o.ok), seen[0]) if seen else None
        rows.append(Row(node_id, address, cells))
    return tuple(rows)


# --- diagnoses -----------------------------------------------------------------


def _clusters(vantages: Sequence[VantageReport], cluster_ids: tuple[str, ...]) -> list[Diagnosis]:
    if len(cluster_ids) <= 1:
        return []
    where = {cid: [v.name for v in vantages if any(b.cluster_id == cid for b in v.bootstraps)]
             for cid in cluster_ids}
    parts = "; ".join(f"{cid} from {', '.join(names)}" for cid, names in where.items())
    return [Diagnosis(
        "clusters_differ", f"The reports are from {len(cluster_ids)} different clusters: {parts}.",
        "Compare reports of one cluster: check that every vantage point bootstraps the same cluster.",
    )]


def _silent(vantages: Sequence[VantageReport]) -> list[Diagnosis]:
    found = []
    for v in vantages:
        if v.bootstraps and not any(b.answered for b in v.bootstraps):
            args = ", ".join(b.argument for b in v.bootstraps)
            found.append(Diagnosis(
                "no_bootstrap", f"{v.name}: no bootstrap server answered ({args}), so it saw no "
                "advertised address at all.",
                f"Read {v.file}: its BOOTSTRAP_* findings say why; {v.name} needs a bootstrap "
                "address it can reach.", fails_from=(v.name,),
            ))
    return found


def _row_diagnoses(row: Row, rows: tuple[Row, ...]) -> list[Diagnosis]:
    seen = row.seen
    works = tuple(name for name, o in seen.items() if o.ok)
    fails = tuple(name for name, o in seen.items() if not o.ok)
    if row.status is RowStatus.DIFFERS:
        return [_differs(row, works, fails, rows)]
    found = [_fails_everywhere(row, fails)] if row.status is RowStatus.FAILS else []
    different = _resolves_differently(row)  # a latent difference: everyone is still served
    return found + ([different] if different is not None else [])


def _differs(row: Row, works: tuple[str, ...], fails: tuple[str, ...], rows: tuple[Row, ...]) -> Diagnosis:
    sample = next(iter(row.seen.values()))
    failing = {name: row.seen[name] for name in fails}
    stages = {o.stage for o in failing.values()}
    how = "; ".join(f"{name}: {o.result}" for name, o in failing.items())
    only = ", ".join(works)
    if stages == {Stage.RESOLVE}:
        verb = f"resolves only from {only}"
    elif stages <= {Stage.TCP}:
        verb = f"is reachable only from {only}"
    else:
        verb = f"works only from {only}"
    good = {a for name in works for a in row.seen[name].resolved}
    misresolved = [name for name, o in failing.items() if o.resolved and not set(o.resolved) & good]
    if misresolved and len(misresolved) == len(fails) and "ip_literal" not in sample.kinds:
        # The name leads somewhere else from there: that place's resolver is the problem.
        answers = "; ".join(f"{name} gets {', '.join(row.seen[name].resolved)}" for name in misresolved)
        message = (f"`{row.address}` (broker {row.node_id}) {verb}; {how}. It resolves differently "
                   f"there: {answers}, while {only} get {', '.join(sorted(good))}.")
        fix = (f"Fix name resolution on {', '.join(misresolved)} (a stale DNS record, an /etc/hosts "
               f"entry, a node-local DNS cache): {row.address.rsplit(':', 1)[0]} must give "
               f"{', '.join(sorted(good))} there as it does on {only}.")
    else:
        message = f"`{row.address}` (broker {row.node_id}) {verb}{_why(sample.kinds, stages)}; {how}."
        fix = " ".join(_fix_for(name, row, rows) for name in fails)
        odd = _odd_one_out(works, fails)
        message += f" {odd}" if odd else ""
    return Diagnosis("works_only_from", message, fix, row.address, row.node_id, works, fails)


def _why(kinds: tuple[str, ...], stages: set[FailedAt | None]) -> str:
    if "loopback" in kinds:
        return " (a loopback address: it means each client's own machine)"
    if "tunnel" in kinds:
        return " (a tunnel address)"
    if stages == {Stage.RESOLVE}:
        if "kubernetes_service" in kinds:
            return " (a Kubernetes service name: it resolves only inside the cluster)"
        if "docker_host_alias" in kinds:
            return " (a Docker host alias: it exists only in containers given a host-gateway mapping)"
        if "internal_name" in kinds:
            return (" (a network-internal name, such as a Compose service name: it resolves only inside "
                    "its network)")
        return " (DNS or /etc/hosts differ between these places)"
    if stages <= {Stage.TCP}:
        return " (routes, firewalls or published ports differ between these places)"
    if Stage.IDENTITY in stages:
        return (" (it leads to a different broker or cluster from some places: a port forward or DNS "
                "record differs)")
    if Stage.KAFKA in stages:
        return " (another service answers on that address from some places)"
    return ""


def _odd_one_out(works: tuple[str, ...], fails: tuple[str, ...]) -> str:
    if len(fails) == 1 and len(works) >= 2:
        return (f"Only {fails[0]} fails: look at what differs on {fails[0]} (DNS, /etc/hosts, routes, "
                "firewall).")
    if len(works) == 1 and len(fails) >= 2:
        return f"Only {works[0]} succeeds."
    return ""


def _fix_for(vantage: str, row: Row, rows: tuple[Row, ...]) -> str:
    """For one vantage that fails: an address of this broker that works there, or a new listener."""
    working = [c for r in rows if r.node_id == row.node_id and (c := r.cells.get(vantage)) and c.ok]
    direct = [c.address for c in working if "tunnel" not in c.kinds]
    if direct:
        return (f"{vantage} already reaches broker {row.node_id} at `{direct[0]}`: clients there "
                f"should bootstrap from the listener that advertises it.")
    suggestion = _new_listener(vantage, row, rows)
    fallback = (f" (Until then {vantage} reaches broker {row.node_id} only through the tunnel "
                f"`{working[0].address}`.)" if working else "")
    return (f"For {vantage}: add a listener advertised as `{suggestion}` (port {suggestion.port} "
            f"published or forwarded to that listener) and bootstrap {vantage}'s clients from it."
            + fallback)


def _new_listener(vantage: str, row: Row, rows: tuple[Row, ...]) -> Endpoint:
    """The host the vantage bootstrapped through, on a port no listener of this broker uses."""
    cell = row.cells[vantage]
    mine = [c for r in rows if r.node_id == row.node_id for c in r.seen.values()]
    sources = [e for c in mine if (e := _endpoint(c.source)) is not None]
    taken = {c.port for c in mine} | {e.port for e in sources}  # advertised and bootstrap ports
    source = _endpoint(cell.source) if cell is not None else None
    host = source.host if source is not None else "HOST_" + vantage.upper()
    if source is not None and source.port not in taken:
        return source
    port = FIRST_SPARE_PORT
    while port in taken:
        port += 1
    return Endpoint(host, port)


def _endpoint(text: str | None) -> Endpoint | None:
    try:
        return parse_endpoint(text) if text else None
    except UsageError:
        return None


def _fails_everywhere(row: Row, fails: tuple[str, ...]) -> Diagnosis:
    results = Counter(o.result for o in row.seen.values())
    how = ", ".join(f"{result} ({n})" if len(results) > 1 else result for result, n in results.items())
    codes = sorted({c for o in row.seen.values() for c in o.codes})
    kinds = next(iter(row.seen.values())).kinds
    stale = " It is a tunnel address: the tunnel has probably moved." if "tunnel" in kinds else ""
    return Diagnosis(
        "fails_everywhere",
        f"`{row.address}` (broker {row.node_id}) fails from every vantage point that was told it "
        f"({', '.join(fails)}): {how}.{stale}",
        f"The advertised address itself is wrong, not one client's network: fix advertised.listeners "
        f"of broker {row.node_id} (the reports' {', '.join(codes) or 'findings'} say how).",
        row.address, row.node_id, (), fails,
    )


def _resolves_differently(row: Row) -> Diagnosis | None:
    answers: dict[tuple[str, ...], list[str]] = {}
    for name, o in row.seen.items():
        if o.resolved and "ip_literal" not in o.kinds:
            answers.setdefault(tuple(sorted(o.resolved)), []).append(name)
    if len(answers) <= 1:
        return None
    groups = sorted(answers.items(), key=lambda kv: -len(kv[1]))
    parts = "; ".join(f"{', '.join(addrs)} from {', '.join(names)}" for addrs, names in groups)
    minority = [n for _, names in groups[1:] for n in names]
    odd = ""
    if len(groups[0][1]) > len(minority):
        odd = f" {minority[0]} is the odd one out." if len(minority) == 1 else \
            f" {', '.join(minority)} are the odd ones out."
    return Diagnosis(
        "resolves_differently",
        f"`{row.address}` resolves to different addresses: {parts}.{odd}",
        f"Find where the answers come from on {', '.join(minority)} (/etc/hosts, the node's DNS "
        "cache or resolver, a stale record) and make them agree.",
        row.address, row.node_id,
        tuple(n for names in answers.values() for n in names if n not in minority), tuple(minority),
    )
