"""Misbehaving TCP servers on loopback, each started for real for one test."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator

Behaviour = Callable[[socket.socket], None]


def http(sock: socket.socket) -> None:
    sock.recv(4096)
    sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def ssh_banner(sock: socket.socket) -> None:
    sock.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    sock.recv(4096)


def silent(sock: socket.socket) -> None:
    """Accept, read, never answer (until the client gives up)."""
    sock.settimeout(60)
    with contextlib.suppress(OSError):
        while sock.recv(4096):
            pass


def close_at_once(sock: socket.socket) -> None:
    return None


def reset(sock: socket.socket) -> None:
    sock.recv(4096)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def reply(data: bytes) -> Behaviour:
    """Read the request, answer with exactly ``data``, then wait for the client to leave."""
    def behaviour(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(data)
        silent(sock)
    return behaviour


@contextlib.contextmanager
def tcp_server(behaviour: Behaviour, host: str = "127.0.0.1") -> Iterator[int]:
    """Serve ``behaviour`` on host:PORT for each connection; yields PORT."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            behaviour(conn)

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def closed_port() -> int:
    """A loopback port with nothing listening (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


BEHAVIOURS: dict[str, Behaviour] = {
    "http": http, "ssh": ssh_banner, "silent": silent, "close": close_at_once, "reset": reset,
}


def main(argv: list[str]) -> None:
    """`python -m tests.support.servers BEHAVIOUR HOST PORT`: serve until killed (lab use)."""
    behaviour, host, port = BEHAVIOURS[argv[0]], argv[1], int(argv[2])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(64)
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=lambda c=conn: _serve(c, behaviour), daemon=True).start()


def _serve(conn: socket.socket, behaviour: Behaviour) -> None:
    with conn, contextlib.suppress(OSError):
        behaviour(conn)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
