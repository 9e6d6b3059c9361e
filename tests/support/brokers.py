"""Tansu brokers started for a test and stopped by their own pid afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from listencheck.lab.tansu import LabUnavailable, TansuBroker, free_port, tansu_binary


class BrokerFactory:
    def __init__(self) -> None:
        self.started: list[TansuBroker] = []

    def start(self, advertised: str | None = None, *, listen_host: str = "127.0.0.1",
              port: int | None = None, cluster_id: str = "test-cluster",
              prefix: Sequence[str] = (), extra_args: Sequence[str] = (),
              check_ready: bool = True) -> TansuBroker:
        """Start Tansu on listen_host:port advertising ``advertised`` ('{port}' is filled in)."""
        port = port or free_port()
        advertised = (advertised or "127.0.0.1:{port}").format(port=port)
        broker = TansuBroker(listen_host, port, advertised, cluster_id=cluster_id,
                             prefix=prefix, extra_args=extra_args)
        self.started.append(broker)
        broker.start(check_ready=check_ready)
        return broker

    def stop_all(self) -> None:
        for broker in self.started:
            broker.stop()


def tansu_available() -> bool:
    try:
        tansu_binary()
    except LabUnavailable:
        return False
    return True
