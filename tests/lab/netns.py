"""Low-level helpers: run commands, and run Python code inside a network namespace."""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def sh(*cmd: str, check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


def in_namespace(ns: str, fn: Callable[[], T], timeout: float = 30) -> T:
    """Call ``fn`` on a fresh thread that has joined namespace ``ns``.

    setns(2) affects only the calling thread, so the test process itself never
    changes namespace; sockets created by ``fn`` live in ``ns``.
    """
    box: dict[str, object] = {}

    def runner() -> None:
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns({ns}): {os.strerror(err)}")
        finally:
            os.close(fd)
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=runner, daemon=True)
    thread.start()
    thread.join(timeout)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    if "value" not in box:
        raise TimeoutError(f"code in namespace {ns} did not finish in {timeout}s")
    return box["value"]  # type: ignore[return-value]


def exec_prefix(ns: str) -> Sequence[str]:
    return ("ip", "netns", "exec", ns)
