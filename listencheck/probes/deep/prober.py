"""The deep probes of one run: what to look at, given what the ordinary stages found.

Raw probes run only where the evidence calls for them, so a healthy cluster
pays nothing but the per-resolver DNS questions:
- TCP did not connect: SYN probe and TCP traceroute to that address and port;
- the handshake worked, ApiVersions was answered, the larger Metadata answer
  never came: the path-MTU probe.
scapy is imported the first time a raw probe runs (in a thread, so other
probes carry on), and raw sockets are opened once per address family.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from listencheck.address import ip_literal
from listencheck.deadline import elapsed_ms
from listencheck.deepmodels import DeepDetail, ResolversDetail
from listencheck.models import AddressAttempt, Reason, ResolveDetail, StageResult
from listencheck.probes.blocking import run_blocking
from listencheck.probes.deep.raw import RawChannel, RawUnavailable, family_of
from listencheck.probes.resolve import is_localhost_name

if TYPE_CHECKING:
    from listencheck.pipeline import CheckOptions

NO_RAW_NOTE = (
    "raw sockets are not allowed here (no root and no CAP_NET_RAW): the SYN probe, the TCP "
    "traceroute and the path-MTU probe did not run"
)
_TRACE_REASONS = (Reason.TIMEOUT, Reason.REFUSED, Reason.UNREACHABLE, Reason.CONNECT_FAILED, Reason.RESET)
SCAPY_IMPORT_S = 10.0  # a cold import on a busy machine


class DeepProber:
    """Opens raw sockets once (per family) and closes them at the end of the run."""

    def __init__(self, dns_servers: tuple[str, ...] = ()) -> None:
        self.dns_servers = dns_servers
        self._channels: dict[int, RawChannel] = {}
        self._raw_allowed: bool | None = None
        self._scapy_ready = False

    @classmethod
    def for_run(cls, options: CheckOptions) -> DeepProber:
        """The run's prober (the stage registry's factory for the deep and resolvers stages)."""
        return cls(options.dns_servers)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    @property
    def raw_allowed(self) -> bool | None:
        """None until a raw probe was wanted; then whether raw sockets could be opened."""
        return self._raw_allowed

    async def address(self, port: int, attempt: AddressAttempt, budget: float) -> StageResult[DeepDetail]:
        """The raw probes that explain what happened on one resolved address."""
        wants_path = attempt.tcp.failed and attempt.tcp.reason in _TRACE_REASONS
        wants_mtu = (attempt.tcp.ok and attempt.kafka.ok and attempt.metadata.failed
                     and attempt.metadata.reason is Reason.TIMEOUT)
        if not (wants_path or wants_mtu):
            return StageResult.skipped("nothing to explain on this address")
        if budget <= 0:
            return StageResult.deadline_cut(None)
        start = time.monotonic()
        channel = await self._channel(family_of(attempt.address))
        if channel is None:
            return StageResult.passed(elapsed_ms(start), DeepDetail(False, notes=(NO_RAW_NOTE,)))
        remaining = max(0.0, budget - (time.monotonic() - start))
        if wants_path:
            from listencheck.probes.deep.path import trace

            path = await trace(channel, attempt.address, port, remaining)
            return StageResult.passed(elapsed_ms(start), DeepDetail(True, path=path))
        from listencheck.probes.deep.mtu import path_mtu

        mtu = await path_mtu(channel, attempt.address, remaining)
        return StageResult.passed(elapsed_ms(start), DeepDetail(True, mtu=mtu))

    async def name(self, host: str, resolved: StageResult[ResolveDetail], budget: float
                   ) -> StageResult[ResolversDetail]:
        """Every nameserver asked for ``host``, next to the answer the client used."""
        if ip_literal(host) is not None or is_localhost_name(host):
            return StageResult.skipped("an IP address or localhost: no DNS question to ask")
        if budget <= 0:
            return StageResult.deadline_cut(None)
        from listencheck.probes.deep.resolvers import ask_resolvers

        start = time.monotonic()
        detail = await ask_resolvers(host, self.dns_servers, resolved.detail, budget)
        return StageResult.passed(elapsed_ms(start), detail)

    async def _channel(self, family: int) -> RawChannel | None:
        if self._raw_allowed is False:
            return None
        channel = self._channels.get(family)
        if channel is not None:
            return channel
        try:
            channel = RawChannel(family)
        except RawUnavailable:
            self._raw_allowed = False
            return None
        except OSError:  # e.g. IPv6 disabled in this kernel
            return None
        self._raw_allowed = True
        if not self._scapy_ready:
            from listencheck.probes.deep.packets import scapy_layers

            await run_blocking(scapy_layers, SCAPY_IMPORT_S, name="listencheck-scapy-import")
            self._scapy_ready = True
        existing = self._channels.get(family)  # another probe opened it while scapy loaded
        if existing is not None:
            channel.close()
            return existing
        channel.start()
        self._channels[family] = channel
        return channel
