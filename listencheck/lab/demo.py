"""`listencheck demo`: the classic listener mistakes, reproduced on loopback and checked.

Five Tansu processes with one cluster id stand for five listeners of one
broker. Nothing leaves this machine: brokers bind 127.0.0.1, and names are
resolved from the demo's own table instead of DNS (the made-up names would
otherwise be sent to your DNS server).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from listencheck.lab.tansu import TansuBroker, free_port
from listencheck.pipeline import BootstrapSpec, CheckOptions
from listencheck.probes.resolve import StaticResolver

CLUSTER_ID = "listencheck-demo"
TUNNEL_HOST = "4.tcp.ngrok.test"  # reserved name standing for 4.tcp.ngrok.io


@dataclass(frozen=True)
class DemoListener:
    name: str
    story: str
    broker: TansuBroker


def demo_listeners(ports: Sequence[int] = ()) -> list[DemoListener]:
    """The demo's listeners, on free ports (or on the seven ``ports`` given)."""
    chosen = list(ports) or [free_port() for _ in range(7)]
    host, internal, docker, ngrok, wrong, stale_tunnel, unpublished = chosen

    def broker(port: int, advertised: str) -> TansuBroker:
        return TansuBroker("127.0.0.1", port, advertised, cluster_id=CLUSTER_ID)

    return [
        DemoListener("PLAINTEXT_HOST", f"healthy: advertises localhost:{host}, where it listens",
                     broker(host, f"localhost:{host}")),
        DemoListener("PLAINTEXT", "advertises kafka:9092, the Compose service name, to a client "
                     "on the host", broker(internal, "kafka:9092")),
        DemoListener("PLAINTEXT_DOCKER", f"advertises host.docker.internal:{docker}, which exists "
                     "only inside containers", broker(docker, f"host.docker.internal:{docker}")),
        DemoListener("PLAINTEXT_NGROK", f"advertises {TUNNEL_HOST}:{stale_tunnel} (standing for "
                     f"4.tcp.ngrok.io:18028) after the tunnel moved to another port",
                     broker(ngrok, f"{TUNNEL_HOST}:{stale_tunnel}")),
        DemoListener("PLAINTEXT_WRONG_PORT", f"listens on {wrong} but advertises localhost:"
                     f"{unpublished}, where nothing listens", broker(wrong, f"localhost:{unpublished}")),
    ]


@contextlib.contextmanager
def running(listeners: list[DemoListener]) -> Iterator[list[DemoListener]]:
    """Start every broker; stop every one of them on exit, Ctrl-C included."""
    try:
        for listener in listeners:
            listener.broker.start()
        yield listeners
    finally:
        # A second Ctrl-C must not cut the clean-up short: SIGINT waits until every broker is stopped.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for listener in listeners:
                listener.broker.stop()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def demo_options(listeners: list[DemoListener], timeout: float) -> CheckOptions:
    resolver = StaticResolver(
        {"localhost": ("127.0.0.1",), TUNNEL_HOST: ("127.0.0.1",)},
        "not in the demo's name table (the demo sends no DNS query; on the host this name "
        "would not resolve either)",
    )
    return CheckOptions(
        bootstraps=tuple(BootstrapSpec.parse(item.broker.listen) for item in listeners),
        timeout=timeout,
        vantage_name="demo (your machine, acting as a client on the Docker host)",
        resolver=resolver,
        client_check=False,  # librdkafka would ask the real DNS about the made-up names
    )


def intro(listeners: list[DemoListener]) -> str:
    lines = [
        f"Started {len(listeners)} Tansu brokers on 127.0.0.1, cluster id {CLUSTER_ID!r}: "
        "listeners of one broker, each with its advertised address:",
    ]
    lines += [f"  {item.name:<21} {item.broker.listen:<16} {item.story}" for item in listeners]
    lines.append(
        "Names are resolved from the demo's own table (localhost, 4.tcp.ngrok.test → 127.0.0.1); "
        "no packet leaves this machine. The client-library stage is off for the same reason."
    )
    return "\n".join(lines) + "\n"
