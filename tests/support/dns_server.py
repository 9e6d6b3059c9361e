"""A DNS server whose answers a test writes itself (dnspython), on UDP and TCP.

For answers no well-behaved server gives: a CNAME loop, a chain longer than any
resolver follows, thousands of A records (truncated over UDP, complete over
TCP), bytes that are not DNS at all. Started inside a lab namespace, on that
namespace's 127.0.0.1:53, so the names never reach a real resolver.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

Answer = Callable[[dns.message.Message], bytes | None]  # the response's wire bytes, or no answer


def records(query: dns.message.Message, *rrsets: tuple[str, str, list[str]]) -> dns.message.Message:
    """A response to ``query`` with answer records (name, type, values), authoritative."""
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    for name, rdtype, values in rrsets:
        absolute = name if name.endswith(".") else name + "."
        response.answer.append(dns.rrset.from_text_list(absolute, 60, "IN", rdtype, values))
    return response


def cname_loop(a: str, b: str) -> Answer:
    def answer(query: dns.message.Message) -> bytes:
        return records(query, (a, "CNAME", [b + "."]), (b, "CNAME", [a + "."])).to_wire()
    return answer


def cname_chain(name: str, hops: int, address: str) -> Answer:
    def answer(query: dns.message.Message) -> bytes:
        chain = [name] + [f"hop{i}.{name}" for i in range(1, hops + 1)]
        rrsets = [(chain[i], "CNAME", [chain[i + 1] + "."]) for i in range(hops)]
        if query.question[0].rdtype == dns.rdatatype.A:
            rrsets.append((chain[-1], "A", [address]))
        return records(query, *rrsets).to_wire()
    return answer


def many_addresses(name: str, addresses: list[str]) -> Answer:
    def answer(query: dns.message.Message) -> bytes:
        if query.question[0].rdtype != dns.rdatatype.A:
            return records(query).to_wire()
        return records(query, (name, "A", addresses)).to_wire(max_size=65535)
    return answer


def garbage(data: bytes) -> Answer:
    def answer(query: dns.message.Message) -> bytes:
        return query.id.to_bytes(2, "big") + data  # the right id, then nonsense
    return answer


class ScriptedDns:
    """Answers per query name; any other name is NXDOMAIN."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = {dns.name.from_text(k).canonicalize(): v for k, v in answers.items()}
        self.queries: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def bind(self, host: str = "127.0.0.1", port: int = 53) -> ScriptedDns:
        """Create the sockets (call it inside the namespace they belong to)."""
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind((host, port))
        self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._tcp.bind((host, port))
        self._tcp.listen(16)
        return self

    def respond(self, wire: bytes, max_udp: int | None) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            return None
        name = query.question[0].name.canonicalize() if query.question else None
        self.queries.append(str(name))
        answer = self.answers.get(name) if name is not None else None
        if answer is None:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.NXDOMAIN)
            data = response.to_wire()
        else:
            data = answer(query)
        if data is not None and max_udp is not None and len(data) > max_udp:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC  # "ask again over TCP", as a real server does
            data = truncated.to_wire()
        return data

    @contextlib.contextmanager
    def serving(self) -> Iterator[ScriptedDns]:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(2)
            self._udp.close()
            self._tcp.close()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._udp, selectors.EVENT_READ)
            selector.register(self._tcp, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select(0.1):
                    if key.fileobj is self._udp:
                        self._udp_one()
                    else:
                        threading.Thread(target=self._tcp_one, args=(self._tcp.accept()[0],),
                                         daemon=True).start()

    def _udp_one(self) -> None:
        wire, peer = self._udp.recvfrom(65535)
        data = self.respond(wire, max_udp=512)
        if data is not None:
            self._udp.sendto(data, peer)

    def _tcp_one(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            while True:
                head = conn.recv(2)
                if len(head) < 2:
                    return
                (size,) = struct.unpack(">H", head)
                wire = b""
                while len(wire) < size:
                    chunk = conn.recv(size - len(wire))
                    if not chunk:
                        return
                    wire += chunk
                data = self.respond(wire, max_udp=None)
                if data is None:
                    return
                conn.sendall(struct.pack(">H", len(data)) + data)
