"""Fresh connections for the extra probes (inspecting a certificate, confirming a protocol)."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

from listencheck.address import ip_literal
from listencheck.protocol.connection import KafkaExchange


@dataclass(frozen=True)
class Target:
    """One resolved address of an endpoint, and the name the client knows it by."""

    address: str
    port: int
    host: str  # as advertised (or as given for a bootstrap server)
    client_id: str

    @property
    def sni(self) -> str | None:
        """The TLS server name librdkafka sends: the host without a trailing dot, none for IPs."""
        name = self.host.rstrip(".") or self.host
        return None if ip_literal(name.strip("[]")) is not None else name


async def dial(target: Target, context: ssl.SSLContext | None, timeout: float,
               send_sni: bool = True) -> KafkaExchange:
    """Connect (and handshake, with ``context``); raises OSError, ssl.SSLError or TimeoutError.

    ``send_sni=False``: the ClientHello carries no server name, whatever the host.
    """
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(
            target.address, target.port, ssl=context,
            server_hostname=target.sni if context is not None and send_sni else None,
            ssl_handshake_timeout=max(timeout, 0.01) if context is not None else None,
        )
    return KafkaExchange(reader, writer, target.client_id)


class Clock:
    """What is left of one stage's budget, for stages made of several steps."""

    def __init__(self, timeout: float) -> None:
        self._end = asyncio.get_running_loop().time() + timeout

    def left(self, floor: float = 0.01) -> float:
        return max(self._end - asyncio.get_running_loop().time(), floor)

    @property
    def expired(self) -> bool:
        return asyncio.get_running_loop().time() >= self._end
