"""Is a short advertised host the broker machine's own name?

Kafka advertises ``InetAddress.getLocalHost().getCanonicalHostName()`` for a listener whose
advertised host is empty (``advertised.listeners`` unset with ``listeners=PLAINTEXT://:9092``,
or ``PLAINTEXT://:9092`` written there). In a container that is the container id
(ADVERTISED_CONTAINER_ID); on a machine whose /etc/hosts lacks its full name, the short
``hostname``, which only that machine resolves.

A short name alone proves nothing: a Docker Compose service, a container name or a Kubernetes
short name look the same. The cause is named only on a signal the broker or the network gives:

- ``reverse_dns``: the address the bootstrap answered on reverses to a full name whose first
  label is the advertised host (the machine's DNS name is that, and it advertises its short name);
- ``broker_config``: the broker's configuration (read back with DescribeConfigs or given with
  --broker-config) leaves the advertised host empty for that listener;
- ``this_machine``: the name is this machine's own host name and the bootstrap answered on a
  local address (the check runs on the broker's machine).
"""

from __future__ import annotations

from dataclasses import dataclass

from listencheck.address import may_be_machine_name
from listencheck.analysis.context import BootstrapContext
from listencheck.brokerconfig.model import ListenerConfig
from listencheck.brokerconfig.readback import given_brokers, known_configs
from listencheck.models import BrokerCheck, JsonValue


@dataclass(frozen=True)
class MachineName:
    """Why the advertised host is taken for the broker machine's own name."""

    signals: tuple[str, ...]  # reverse_dns | broker_config | this_machine
    full_name: str | None  # the reverse DNS name of the bootstrap address, when it is the long form
    setting: str | None  # the setting that leaves the advertised host empty
    listener: str | None  # the listener's name, when the configuration is known

    def reasons(self, ctx: BootstrapContext) -> str:
        parts = []
        if self.full_name:
            parts.append(f"the bootstrap address {ctx.source_address} reverses to {self.full_name}, "
                         f"whose first label it is")
        if self.setting:
            parts.append(f"the broker's configuration leaves the advertised host empty ({self.setting})")
        if "this_machine" in self.signals:
            parts.append("it is this machine's own host name, and the bootstrap answered on a local address")
        return "; ".join(parts)

    def evidence(self) -> dict[str, JsonValue]:
        return {"signals": list(self.signals), "full_name": self.full_name, "setting": self.setting}


def machine_name(ctx: BootstrapContext, broker: BrokerCheck) -> MachineName | None:
    """The signals that ``broker`` advertises its machine's own name, or None (no signal)."""
    adv = broker.advertised
    host = adv.host.lower().rstrip(".")
    if not may_be_machine_name(host):
        return None
    signals = []
    source_name = (ctx.bootstrap.source_name or "").lower().rstrip(".")
    full_name = source_name if "." in source_name and source_name.split(".")[0] == host else None
    if full_name:
        signals.append("reverse_dns")
    config = known_configs(ctx.bootstrap, given_brokers(ctx.result)).get(adv.node_id)
    setting, listener = empty_advertised_host(config, adv.port) if config is not None else (None, None)
    if setting:
        signals.append("broker_config")
    if ctx.same_host and host == ctx.result.vantage.hostname.lower().split(".")[0]:
        signals.append("this_machine")
    if not signals:
        return None
    return MachineName(tuple(signals), full_name, setting, listener)


def empty_advertised_host(config: ListenerConfig, port: int) -> tuple[str | None, str | None]:
    """(the setting that leaves the advertised host of the listener on ``port`` empty, the
    listener's name), or (None, name) when the host is set."""
    if config.advertised is not None:
        entry = next((a for a in config.advertised if a.port == port), None)
        if entry is None:
            return None, None
        empty = not entry.host.strip()
        return (f"advertised.listeners={entry.name}://:{port}" if empty else None), entry.name
    bound = next((x for x in config.listeners if x.port == port), None)
    if bound is None:
        return None, None
    return (f"listeners={bound.name}://:{port} without advertised.listeners"
            if not bound.host.strip() else None), bound.name
