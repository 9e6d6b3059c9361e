"""Path-MTU probe: don't-fragment ICMP echo of decreasing sizes to the advertised address.

Run only when a connection stalled after its handshake (ApiVersions answered,
the larger Metadata answer never came): the signature of a path-MTU black
hole, where full-size segments vanish and no "fragmentation needed" comes
back. The echo reply has the size of the request, so each probe crosses the
path both ways. A first round tries common MTUs, a second narrows the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time

from listencheck.deepmodels import MtuDetail
from listencheck.probes.deep.packets import Seen, echo_request
from listencheck.probes.deep.raw import RawChannel, route_facts

COMMON_MTUS = (1500, 1492, 1480, 1460, 1450, 1420, 1400, 1380, 1350, 1300, 1280, 1200, 1100, 1000, 800, 576)
ROUND_WAIT_S = 1.0
REFINE_STEPS = 8


async def path_mtu(channel: RawChannel, address: str, budget: float) -> MtuDetail:
    try:
        _, route_mtu = route_facts(address, 0)
    except OSError:
        return MtuDetail(None, None, None)
    top = route_mtu or 1500
    floor = 1280 if channel.family == 6 else 576
    probe = _Echoes(channel, address)
    sizes = [top, *(s for s in COMMON_MTUS if floor <= s < top)]
    end = time.monotonic() + budget
    await probe.round(sizes, min(ROUND_WAIT_S, budget))
    passing, failing = probe.bounds()
    remaining = end - time.monotonic()
    if passing is not None and failing is not None and failing - passing > 1 and remaining > 0.1:
        step = max(1, (failing - passing) // REFINE_STEPS)
        between = list(range(failing - step, passing, -step))[:REFINE_STEPS]
        await probe.round(between, min(ROUND_WAIT_S, remaining))
        passing, failing = probe.bounds()
    return MtuDetail(route_mtu, passing, failing, probe.too_big, tuple(probe.results()))


class _Echoes:
    def __init__(self, channel: RawChannel, address: str) -> None:
        self.channel, self.address = channel, address
        self.header = 48 if channel.family == 6 else 28  # IP + ICMP headers
        self.ident = secrets.randbits(16)
        self.sizes: dict[int, int] = {}  # seq -> size
        self.answered: set[int] = set()
        self.too_big: int | None = None
        self._waiting: set[int] = set()
        self._seq = 0
        self._all = asyncio.Event()

    async def round(self, sizes: list[int], wait: float) -> None:
        self._all.clear()
        unsubscribe = self.channel.subscribe(self._match)
        try:
            self._waiting = set()
            for size in sizes:
                self._seq += 1
                try:
                    message = echo_request(self.channel.family, self.ident, self._seq, size - self.header)
                    self.channel.send_icmp(self.address, message)
                except OSError:
                    continue  # larger than this machine will send: it does not count
                self.sizes[self._seq] = size
                self._waiting.add(self._seq)
            if self._waiting:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._all.wait(), wait)
        finally:
            unsubscribe()

    def _match(self, seen: Seen) -> None:
        if seen.echo_id == self.ident and seen.source == self.address and seen.echo_seq in self._waiting:
            self.answered.add(seen.echo_seq)
            self._waiting.discard(seen.echo_seq)
            if not self._waiting:
                self._all.set()
        elif seen.mtu is not None and seen.quoted_echo_id == self.ident:
            self.too_big = seen.mtu

    def results(self) -> list[tuple[int, bool]]:
        return [(size, seq in self.answered) for seq, size in self.sizes.items()]

    def bounds(self) -> tuple[int | None, int | None]:
        """Largest size answered, and the smallest larger one that was not."""
        passed = [s for seq, s in self.sizes.items() if seq in self.answered]
        largest = max(passed) if passed else None
        failed = [s for seq, s in self.sizes.items() if seq not in self.answered
                  and (largest is None or s > largest)]
        return largest, (min(failed) if failed else None)
