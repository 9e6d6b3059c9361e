"""The "Fixes" section of the text report: one row per broker, then each change in its syntax.

Every broker's row has its own new address: the table is the cluster-wide view of a
problem several brokers share. The configuration text follows when it is specific (one
platform asked for, or the broker's configuration known) or with -v.
"""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from listencheck.fixes.change import ChangeKind
from listencheck.fixes.cluster import BrokerFix


def print_fixes(console: Console, fixes: tuple[BrokerFix, ...], verbosity: int) -> None:
    if not fixes:
        return
    console.print()
    console.print(Text("Fixes", style="bold"), Text("  one change per broker, each with its own address",
                                                     style="dim"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("broker", "advertises now", "change", "listener", "advertise", "publish"):
        table.add_column(column, no_wrap=True)
    for fix in fixes:
        change = fix.change
        adding = change.kind is ChangeKind.ADD_LISTENER
        publish = (f"{change.publish.host_port}:{change.publish.container_port}"
                   if change.publish is not None else "–")
        table.add_row(str(fix.broker_id), change.keeps_address, "add listener" if adding else "re-advertise",
                      f"{change.listener} :{change.port}", change.advertised, publish)
    console.print(Padding(table, (0, 0, 0, 1)))
    if any(f.change.placeholder_address for f in fixes):
        console.print(Padding(Text(
            "BROKER_<id>_… values are placeholders: this run does not show those brokers' external "
            "addresses; give each its own (own host, or own port on a shared host), never another's.",
            style="dim"), (0, 0, 0, 3)))
    specific = all(len(f.renderings) == 1 for f in fixes)
    if not specific and verbosity < 1:
        console.print(Padding(Text("Configuration text per platform: --platform NAME, -v, or "
                                   "--format json.", style="dim"), (0, 0, 0, 3)))
        return
    shown: dict[str, int] = {}  # text already printed -> the broker it was printed for
    for fix in fixes:
        for rendering in fix.renderings:
            _once(console, shown, f"broker {fix.broker_id} · {rendering.platform.value}", rendering.text,
                  fix.broker_id)
        if fix.diff:
            _once(console, shown, f"broker {fix.broker_id} · diff of {fix.config_path}",
                  fix.diff.rstrip("\n"), fix.broker_id)


def _once(console: Console, shown: dict[str, int], title: str, body: str, broker_id: int) -> None:
    """Print ``body`` under ``title``; one change shared by several brokers (a Strimzi listener with
    an override per broker) is printed once and referred to after."""
    if body in shown:
        console.print(Padding(Text(f"{title}: the same change as broker {shown[body]} (above)",
                                   style="bold"), (0, 0, 0, 1)))
        return
    shown[body] = broker_id
    console.print(Padding(Text(title, style="bold"), (0, 0, 0, 1)))
    console.print(Padding(Text(body), (0, 0, 0, 3)))
