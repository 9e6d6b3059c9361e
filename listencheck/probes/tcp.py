"""TCP connect to one resolved address."""

from __future__ import annotations

import asyncio
import errno
import time

from listencheck.deadline import elapsed_ms
from listencheck.models import Reason, StageResult, TcpDetail

_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect(
    address: str, port: int, timeout: float
) -> tuple[StageResult[TcpDetail], Connection | None]:
    start = time.monotonic()
    detail = TcpDetail(address, port)
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(address, port)
    except TimeoutError:
        return StageResult.failure(
            elapsed_ms(start), Reason.TIMEOUT,
            f"no answer to the TCP connect within {timeout:.1f}s (packets dropped: firewall, "
            "wrong network or a host that is down)", detail,
        ), None
    except ConnectionRefusedError:
        return StageResult.failure(
            elapsed_ms(start), Reason.REFUSED,
            f"connection refused: nothing listens on {_show(address)}:{port} as seen from here",
            detail,
        ), None
    except OSError as exc:
        reason = Reason.UNREACHABLE if exc.errno in _UNREACHABLE else Reason.CONNECT_FAILED
        return StageResult.failure(
            elapsed_ms(start), reason, f"connect failed: {exc.strerror or exc}", detail
        ), None
    sockname = writer.get_extra_info("sockname")
    local = f"{_show(str(sockname[0]))}:{sockname[1]}" if sockname else None
    return StageResult.passed(elapsed_ms(start), TcpDetail(address, port, local)), (reader, writer)


def _show(address: str) -> str:
    return f"[{address}]" if ":" in address else address
