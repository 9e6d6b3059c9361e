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
from collections.abc import Callable, Mapping, Sequence
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


ConfigValues = Mapping[str, str | None]
INVALID_REQUEST = 42
STATIC, DEFAULT = 4, 5  # DescribeConfigs config_source: STATIC_BROKER_CONFIG, DEFAULT_CONFIG
# What Apache Kafka answers for listener keys left unset (their documented defaults).
KAFKA_DEFAULTS: dict[str, str | None] = {
    "listeners": "PLAINTEXT://:9092",
    "advertised.listeners": None,
    "listener.security.protocol.map":
        "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
    "inter.broker.listener.name": None,
    "security.inter.broker.protocol": "PLAINTEXT",
    "controller.listener.names": None,
    "process.roles": "",
}


def describe_configs_request(version: int, body: bytes) -> list[tuple[int, str, list[str] | None]]:
    """(resource type, name, keys or None for all) of a DescribeConfigs request v1-v4."""
    flexible = version >= 4
    r = Reader(body)
    resources = []
    count = r.compact_array_length() if flexible else r.array_length()
    for _ in range(count):
        resource_type = r.int8()
        name = (r.compact_string() if flexible else r.string())
        n = r.compact_array_length() if flexible else r.array_length()
        keys = None if n < 0 else [r.compact_string() if flexible else r.string() for _ in range(n)]
        if flexible:
            r.skip_tagged_fields()
        resources.append((resource_type, name, keys))
    return resources


def describe_configs_response(
    version: int, results: Sequence[tuple[int, str | None, int, str, Sequence[tuple[str, str | None, int]]]]
) -> bytes:
    """DescribeConfigsResponse v1-v4 (apache/kafka DescribeConfigsResponse.json; flexible from v4):
    (error code, error message, resource type, resource name, [(name, value, config source)])."""
    flexible = version >= 4

    def string(w: Writer, value: str | None) -> None:
        w.compact_nullable_string(value) if flexible else w.nullable_string(value)

    def array(w: Writer, n: int) -> None:
        w.uvarint(n + 1) if flexible else w.int32(n)

    w = Writer().int32(0)  # throttle_time_ms
    array(w, len(results))
    for error_code, message, resource_type, name, configs in results:
        w.int16(error_code)
        string(w, message)
        w.int8(resource_type)
        string(w, name)
        array(w, len(configs))
        for key, value, source in configs:
            string(w, key)
            string(w, value)
            w.boolean(True)  # read_only: static broker configuration
            w.int8(source)
            w.boolean(False)  # is_sensitive
            array(w, 0)  # synonyms
            if version >= 3:
                w.int8(2)  # config_type: STRING
                string(w, None)  # documentation
            if flexible:
                w.empty_tagged_fields()
        if flexible:
            w.empty_tagged_fields()
    if flexible:
        w.empty_tagged_fields()
    return w.build()


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
    port_wanted: int = 0  # 0: any free port
    # DescribeConfigs for the BROKER resource, as Apache Kafka answers it: only for node_id,
    # only the keys asked; describe_error refuses instead (code, message).
    node_id: int | None = None
    broker_config: ConfigValues | None = None
    describe_error: tuple[int, str] | None = None
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
        if request.api_key == 32 and (self.broker_config is not None or self.describe_error is not None):
            body = self._describe_configs(request)
            return frame(request.correlation_id, body, flexible=request.version >= 4)
        return None

    def _describe_configs(self, request: Request) -> bytes:
        results = []
        for resource_type, name, keys in describe_configs_request(request.version, request.body):
            if self.describe_error is not None:
                results.append((*self.describe_error, resource_type, name, []))
            elif name != str(self.node_id):
                message = (f"Unexpected broker id, expected {self.node_id} or empty string, "
                           f"but received {name}")
                results.append((INVALID_REQUEST, message, resource_type, name, []))
            else:
                config = {k: (v, STATIC) for k, v in (self.broker_config or {}).items()}
                for key in ("node.id", "broker.id"):
                    config.setdefault(key, (str(self.node_id), STATIC))
                for key, value in KAFKA_DEFAULTS.items():
                    config.setdefault(key, (value, DEFAULT))
                wanted = [k for k in (keys if keys is not None else list(config)) if k in config]
                results.append((0, None, resource_type, name, [(k, *config[k]) for k in wanted]))
        return describe_configs_response(request.version, results)

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

        self._server = serve_in_background(self.host, self.port_wanted, Handler)
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
