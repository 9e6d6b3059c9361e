"""Each checked broker's listener configuration: read back over DescribeConfigs, or given as a file.

Pure: reads the probe results already in a check, sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from listencheck.brokerconfig.model import BrokerConfigError, ListenerConfig, Source, SourceKind, setting
from listencheck.models import (
    BootstrapCheck,
    BrokerCheck,
    CheckResult,
    ConfigReadback,
    ReadbackStatus,
)


@dataclass(frozen=True)
class BrokerListenerConfig:
    """What is known of one broker's listener configuration, and how."""

    node_id: int
    status: ReadbackStatus | None  # None: no DescribeConfigs answer was obtained from this broker
    error: str | None
    config: ListenerConfig | None  # from the broker itself, else from a --broker-config file
    landed_host: str  # the advertised address this bootstrap's metadata gives the broker: the
    landed_port: int  # listener the check came in on


def readback_for(broker: BrokerCheck, bootstrap: BootstrapCheck) -> ConfigReadback | None:
    """The broker's own answer: through its advertised address (whoever answered there, unless
    it named another id), else through a bootstrap server that named itself this broker."""
    node = broker.advertised.node_id
    own = broker.probe.metadata
    if own is not None and own.config_readback is not None and own.config_readback.node_id in (None, node):
        return own.config_readback
    only_broker = len(bootstrap.brokers) == 1  # then whoever answered the bootstrap is this broker
    for server in bootstrap.servers:
        detail = server.metadata
        readback = detail.config_readback if detail is not None else None
        if readback is not None and (
            only_broker or node in (readback.node_id, detail.responder_id if detail else None)
        ):
            return readback
    return None


def config_from_readback(readback: ConfigReadback, name: str) -> ListenerConfig | None:
    if readback.status is not ReadbackStatus.READ:
        return None
    source = Source(SourceKind.DESCRIBE_CONFIGS, node_id=readback.node_id)
    settings = [
        setting(key, value, Source(SourceKind.DESCRIBE_CONFIGS, key=key, node_id=readback.node_id))
        for key, value in readback.entries
        if value is not None and value != ""
    ]
    if readback.node_id is not None:
        settings.append(setting("node.id", str(readback.node_id), source))
    return ListenerConfig(name, tuple(settings), origin=source)


def broker_configs(
    bootstrap: BootstrapCheck, given: tuple[ListenerConfig, ...] = ()
) -> tuple[BrokerListenerConfig, ...]:
    """Per advertised broker: its read-back configuration, or the given one with its node id."""
    out = []
    by_id = {c.node_id: c for c in given if c.node_id is not None}
    only = given[0] if len(given) == 1 and len(bootstrap.brokers) == 1 else None
    for broker in bootstrap.brokers:
        node = broker.advertised.node_id
        readback = readback_for(broker, bootstrap)
        error = readback.error if readback else None
        try:
            config = config_from_readback(readback, f"broker {node}") if readback is not None else None
        except BrokerConfigError as exc:  # what a broker sends is not trusted to parse
            config, error = None, f"its answer does not parse: {exc}"
        if config is None:
            config = by_id.get(node) or only
        out.append(
            BrokerListenerConfig(
                node,
                readback.status if readback else None,
                error,
                config,
                broker.advertised.host,
                broker.advertised.port,
            )
        )
    return tuple(out)


def given_brokers(result: CheckResult) -> tuple[ListenerConfig, ...]:
    """Every broker of every --broker-config file."""
    return tuple(b for f in result.given_configs for b in f.brokers)


def known_configs(
    bootstrap: BootstrapCheck, given: tuple[ListenerConfig, ...] = ()
) -> dict[int, ListenerConfig]:
    """Node id -> the configuration a fix for that broker starts from (read back, else given)."""
    return {k.node_id: k.config for k in broker_configs(bootstrap, given) if k.config is not None}
