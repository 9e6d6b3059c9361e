"""The listener table of a broker: one row per listener, as data (renderers print it)."""

from __future__ import annotations

from dataclasses import dataclass

from listencheck.brokerconfig.model import ListenerConfig, ListenerRole
from listencheck.models import JsonValue

_ROLE_ORDER = (ListenerRole.CLIENTS, ListenerRole.INTER_BROKER, ListenerRole.CONTROLLER)


@dataclass(frozen=True)
class ListenerRow:
    """One line of a broker's listener table."""

    name: str
    bind: str | None  # host:port bound (None: advertised only, no such listener)
    advertised: str | None  # host:port advertised (None: not advertised)
    security_protocol: str | None
    roles: tuple[ListenerRole, ...]
    source: str
    landed: bool = False  # the listener this bootstrap's connection came in on

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "name": self.name, "bind": self.bind, "advertised": self.advertised,
            "security_protocol": self.security_protocol, "roles": [r.value for r in self.roles],
            "source": self.source, "landed": self.landed,
        }


def listener_rows(config: ListenerConfig, landed_port: int | None = None,
                  landed_host: str | None = None) -> tuple[ListenerRow, ...]:
    """Every bound and every advertised listener, bound order first.

    ``landed_*``: the advertised address the bootstrap connection was answered for;
    the row advertising it is marked.
    """
    rows = []
    names = [x.name for x in config.listeners]
    names += [a.name for a in config.effective_advertised if a.name not in names]
    for name in dict.fromkeys(names):
        bound = config.listener(name)
        adv = config.advertised_listener(name)
        roles = config.roles(name)
        # An empty advertised host is the machine's name, which the metadata shows instead.
        landed = adv is not None and adv.port == landed_port and (
            landed_host is None or adv.host.lower() in (landed_host.lower(), ""))
        rows.append(ListenerRow(
            name,
            bound.address if bound else None,
            adv.address if adv else None,
            config.security_protocol(name),
            tuple(r for r in _ROLE_ORDER if r in roles),
            str(bound.source if bound else adv.source if adv else config.origin),
            landed,
        ))
    return tuple(rows)


def rows_as_text(rows: tuple[ListenerRow, ...], indent: str = "  ") -> list[str]:
    """A plain, aligned table (no colour: the caller escapes and styles)."""
    header = ("listener", "bind", "advertised", "protocol", "role")
    cells = [("  " + header[0], *header[1:])] + [
        (("* " if r.landed else "  ") + r.name, r.bind or "-", r.advertised or "(not advertised)",
         r.security_protocol or "(none!)", ", ".join(x.value.replace("_", "-") for x in r.roles))
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    return [indent + "  ".join(c[i].ljust(widths[i]) for i in range(len(header))).rstrip() for c in cells]
