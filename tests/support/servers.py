"""Misbehaving TCP servers on loopback, each started for real for one test."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import selectors
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

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


def garbage(data: bytes) -> Behaviour:
    """Answer anything with ``data`` and close: bytes that are no protocol at all."""
    def behaviour(sock: socket.socket) -> None:
        sock.recv(4096)
        sock.sendall(data)
    return behaviour


def tls(context: ssl.SSLContext) -> Behaviour:
    """A real TLS server: the client's plaintext Kafka request fails its handshake."""
    def behaviour(sock: socket.socket) -> None:
        sock.settimeout(10)
        with contextlib.suppress(OSError, ssl.SSLError), \
                context.wrap_socket(sock, server_side=True) as secure:
            secure.recv(4096)
    return behaviour


def tls_context(tmp_dir: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "listencheck-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_dir / "server.crt", tmp_dir / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def kafka_frame(payload_after_length: bytes, length: int | None = None) -> bytes:
    """A frame: a 4-byte length (the real one unless ``length`` lies) and the payload."""
    announced = len(payload_after_length) if length is None else length
    return struct.pack(">i", announced) + payload_after_length


def answer_request(make: Callable[[int], bytes]) -> Behaviour:
    """Read one Kafka request; answer ``make(correlation_id)``, then wait for the client to leave."""
    def behaviour(sock: socket.socket) -> None:
        head = sock.recv(12)
        correlation_id = struct.unpack(">i", head[8:12])[0] if len(head) >= 12 else 0
        sock.sendall(make(correlation_id))
        silent(sock)
    return behaviour


def truncated(make: Callable[[int], bytes], keep: int) -> Behaviour:
    """Send the first ``keep`` bytes of a valid answer, then close the connection."""
    def behaviour(sock: socket.socket) -> None:
        head = sock.recv(12)
        correlation_id = struct.unpack(">i", head[8:12])[0] if len(head) >= 12 else 0
        sock.sendall(make(correlation_id)[:keep])
    return behaviour


@contextlib.contextmanager
def black_holes(count: int, host: str = "127.0.0.1") -> Iterator[list[int]]:
    """Listening sockets that never accept: the kernel completes the handshake, nothing answers."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            sock.bind((host, 0))
            sock.listen(8)
            sockets.append(sock)
        yield [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SilentCounter:
    """Accepts every connection and never answers, counting how many are open at once.

    One thread and a selector, so that thousands of connections cost no thread each.
    """

    def __init__(self) -> None:
        self.open = 0
        self.max_open = 0
        self.accepted = 0
        self._stop = threading.Event()

    def bind(self, host: str, port: int = 0) -> int:
        """Create the listening socket (inside the namespace it belongs to); returns its port."""
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self._listener.listen(4096)
        self._listener.setblocking(False)
        return int(self._listener.getsockname()[1])

    @contextlib.contextmanager
    def serving(self) -> Iterator[SilentCounter]:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(5)

    def _closings(self, selector: selectors.BaseSelector,
                  events: list[tuple[selectors.SelectorKey, int]]) -> None:
        for key, _ in events:
            if key.fileobj is not self._listener:
                self._read(selector, key.fileobj)  # type: ignore[arg-type]

    def _read(self, selector: selectors.BaseSelector, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            selector.unregister(sock)
            sock.close()
            self.open -= 1

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                events = selector.select(0.05)
                self._closings(selector, events)
                if any(key.fileobj is self._listener for key, _ in events):
                    with contextlib.suppress(BlockingIOError):
                        while True:
                            # Closings first, before each new connection: a client that closes
                            # one socket and opens the next is not counted twice (on loopback
                            # its FIN arrives before the next SYN).
                            self._closings(selector, selector.select(0))
                            conn, _ = self._listener.accept()
                            conn.setblocking(False)
                            selector.register(conn, selectors.EVENT_READ)
                            self.accepted += 1
                            self.open += 1
                            self.max_open = max(self.max_open, self.open)
            for key in list(selector.get_map().values()):
                key.fileobj.close()  # type: ignore[union-attr]


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
