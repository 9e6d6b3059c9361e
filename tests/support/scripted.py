"""A scripted Kafka-protocol server on loopback: real sockets, real bytes, crafted answers.

Used where no real broker can be configured to misbehave in the way a test
needs (two broker ids advertising one address, an unusable advertised host,
a truncated frame). Responses are encoded here, independently of the
product's decoder, following apache/kafka's message definitions.
"""

from __future__ import annotations

import itertools
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from listencheck.protocol.wire import Reader, Writer

Broker = tuple[int, str, int]  # node id, host, port
# error code, partition index, leader id, replicas, isr, offline replicas
Partition = tuple[int, int, int, Sequence[int], Sequence[int], Sequence[int]]
Topic = tuple[str, int, Sequence[Partition]]  # name, error code, partitions

# ApiVersions (18) 0-3, Metadata (3) 0-12; nothing else.
DEFAULT_APIS: tuple[tuple[int, int, int], ...] = ((3, 0, 12), (18, 0, 3))


def api_versions_v0(apis: Sequence[tuple[int, int, int]], error_code: int = 0) -> bytes:
    return api_versions_response(0, apis, error_code)


def api_versions_response(version: int, apis: Sequence[tuple[int, int, int]], error_code: int = 0) -> bytes:
    """ApiVersions response body v0-v3 (v3 is flexible: compact array, tagged fields)."""
    flexible = version >= 3
    w = Writer().int16(error_code)
    w.uvarint(len(apis) + 1) if flexible else w.int32(len(apis))
    for key, low, high in apis:
        w.int16(key).int16(low).int16(high)
        if flexible:
            w.empty_tagged_fields()
    if version >= 1:
        w.int32(0)  # throttle_time_ms
    if flexible:
        w.empty_tagged_fields()
    return w.build()


def metadata_response(version: int, brokers: Sequence[Broker], cluster_id: str | None,
                      controller_id: int, topics: Sequence[Topic] = ()) -> bytes:
    """Metadata response body v1-v13, following apache/kafka's MetadataResponse.json."""
    flexible = version >= 9
    w = Writer()
    if version >= 3:
        w.int32(0)
    w.uvarint(len(brokers) + 1) if flexible else w.int32(len(brokers))
    for node_id, host, port in brokers:
        w.int32(node_id)
        w.compact_nullable_string(host) if flexible else w.nullable_string(host)
        w.int32(port)
        if version >= 1:
            w.compact_nullable_string(None) if flexible else w.nullable_string(None)
        if flexible:
            w.empty_tagged_fields()
    if version >= 2:
        w.compact_nullable_string(cluster_id) if flexible else w.nullable_string(cluster_id)
    if version >= 1:
        w.int32(controller_id)
    parts = [w.build(), _topics(version, topics)]
    w = Writer()
    if 8 <= version <= 10:
        w.int32(-2147483648)
    if version >= 13:
        w.int16(0)
    if flexible:
        w.empty_tagged_fields()
    return b"".join(parts) + w.build()


def _topics(version: int, topics: Sequence[Topic]) -> bytes:
    flexible = version >= 9
    out = bytearray(_length(len(topics), flexible))
    for name, error_code, partitions in topics:
        raw = name.encode()
        out += struct.pack(">h", error_code)
        out += _length(len(raw), flexible, string=True) + raw
        if version >= 10:
            out += bytes(16)  # topic id
        out += b"\x00"  # is_internal
        out += _length(len(partitions), flexible)
        for error, index, leader, replicas, isr, offline in partitions:
            out += struct.pack(">hii", error, index, leader)
            if version >= 7:
                out += struct.pack(">i", 0)  # leader epoch
            lists = (replicas, isr, offline) if version >= 5 else (replicas, isr)
            for ids in lists:
                out += _length(len(ids), flexible) + struct.pack(f">{len(ids)}i", *ids)
            if flexible:
                out += b"\x00"
        if version >= 8:
            out += struct.pack(">i", -2147483648)
        if flexible:
            out += b"\x00"
    return bytes(out)


def _length(n: int, flexible: bool, string: bool = False) -> bytes:
    if flexible:
        return Writer().uvarint(n + 1).build()
    return struct.pack(">h" if string else ">i", n)


@dataclass
class Request:
    api_key: int
    version: int
    correlation_id: int
    body: bytes
    client_id: str | None = None  # "listencheck" for listencheck's own probes, "rdkafka" for the library
    connection: int = 0  # which connection it came on (1, 2, ... in accept order)


Responder = Callable[[Request], bytes | None]  # a full frame payload, or None to close


@dataclass
class ScriptedKafka:
    """Answers ApiVersions and Metadata from a script; ``responder`` overrides anything."""

    brokers: Sequence[Broker] = ()
    cluster_id: str | None = "scripted-cluster"
    controller_id: int = 1
    apis: Sequence[tuple[int, int, int]] = DEFAULT_APIS
    responder: Responder | None = None
    host: str = "127.0.0.1"
    requests: list[Request] = field(default_factory=list)
    _server: socketserver.ThreadingTCPServer | None = None

    def listencheck_connection(self, request: Request) -> bool:
        """Did ``request`` come from listencheck's own probe? It opens with ApiVersions v0; librdkafka,
        forked at start-up and maybe asking first, with v3 (both send the same client.id)."""
        return any(r.connection == request.connection and r.api_key == 18 and r.version == 0
                   for r in list(self.requests))

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def answer(self, request: Request) -> bytes | None:
        return self.responder(request) if self.responder else self.default_answer(request)

    def default_answer(self, request: Request) -> bytes | None:
        if request.api_key == 18:
            if request.version > 3:  # KIP-511: answer UNSUPPORTED_VERSION in v0 with our range
                return frame(request.correlation_id, api_versions_v0(self.apis, error_code=35))
            return frame(request.correlation_id, api_versions_response(request.version, self.apis))
        if request.api_key == 3:
            body = metadata_response(request.version, self.brokers, self.cluster_id, self.controller_id)
            return frame(request.correlation_id, body, flexible=request.version >= 9)
        return None

    def __enter__(self) -> ScriptedKafka:
        script = self
        accepted = itertools.count(1)

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(10)
                connection = next(accepted)
                try:
                    while True:
                        request = read_request(sock)
                        if request is None:
                            return
                        request.connection = connection
                        script.requests.append(request)
                        reply = script.answer(request)
                        if reply is None:
                            return
                        sock.sendall(reply)
                except OSError:
                    return

        self._server = serve_in_background(self.host, 0, Handler)
        return self

    def __exit__(self, *exc: object) -> None:
        stop_server(self._server)


def serve_in_background(
    host: str, port: int, handler: type[socketserver.BaseRequestHandler]
) -> socketserver.ThreadingTCPServer:
    """A threaded TCP server on host:port (0: any free port), serving until stop_server."""
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_server(server: socketserver.ThreadingTCPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


def frame(correlation_id: int, body: bytes, flexible: bool = False) -> bytes:
    header = struct.pack(">i", correlation_id) + (b"\x00" if flexible else b"")
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def read_request(sock: socket.socket) -> Request | None:
    head = recv_exactly(sock, 4)
    if head is None:
        return None
    (length,) = struct.unpack(">i", head)
    payload = recv_exactly(sock, length)
    if payload is None:
        return None
    r = Reader(payload)
    api_key, version, correlation_id = r.int16(), r.int16(), r.int32()
    client_id = r.nullable_string()
    flexible = (api_key == 3 and version >= 9) or (api_key == 18 and version >= 3) or (
        api_key == 32 and version >= 4)
    if flexible:
        r.skip_tagged_fields()
    return Request(api_key, version, correlation_id, payload[len(payload) - r.remaining:], client_id)


def recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
