"""Await a blocking call without tying the process to it.

getaddrinfo and the Kafka client library block without a usable timeout.
They run in daemon threads so an abandoned call (past its deadline, or on
Ctrl-C) never delays the process exit, unlike the default asyncio executor
whose threads are joined at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_slots = threading.BoundedSemaphore(32)  # at most this many blocking calls at once


async def run_blocking(fn: Callable[[], T], timeout: float, name: str = "listencheck-io") -> T:
    """Run ``fn`` in a daemon thread; raise TimeoutError after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(value: T | None, error: BaseException | None) -> None:
        if future.done():
            return  # the waiter gave up (timeout or cancellation)
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)  # type: ignore[arg-type]

    def worker() -> None:
        value: T | None = None
        error: BaseException | None = None
        try:
            value = fn()
        except BaseException as exc:
            error = exc
        finally:
            _slots.release()
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(settle, value, error)

    acquired = await _acquire_slot(timeout)
    if not acquired:
        raise TimeoutError(f"no free worker within {timeout:.1f}s")
    threading.Thread(target=worker, name=name, daemon=True).start()
    return await asyncio.wait_for(future, timeout)


async def _acquire_slot(timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not _slots.acquire(blocking=False):
        if loop.time() >= end:
            return False
        await asyncio.sleep(0.005)
    return True
