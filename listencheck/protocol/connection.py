"""Request/response exchange over an asyncio stream, with hostile peers in mind.

Every read is bounded in size and time. What the peer sent instead of a Kafka
frame is kept (a few bytes) so the probe can say what it was.
"""

from __future__ import annotations

import asyncio
import ssl
import struct

from listencheck.protocol.messages import ApiKey, encode_request, read_response_header
from listencheck.protocol.wire import DecodeError, Reader

# Largest response frame accepted. A Metadata answer listing 10,000 brokers is
# well under 1 MiB; 2 GiB lengths announced by hostile peers are refused.
MAX_FRAME_BYTES = 16 * 1024 * 1024
# A topic-metadata answer grows with the cluster (about 50 bytes a partition): 200,000
# partitions are about 10 MiB. Its decoder keeps only MAX_PARTITIONS of them.
MAX_TOPICS_FRAME_BYTES = 64 * 1024 * 1024
PREVIEW_BYTES = 96


class ExchangeError(Exception):
    """The peer did not answer with a valid Kafka response."""

    def __init__(self, message: str, received: bytes = b"") -> None:
        super().__init__(message)
        self.received = received


class PeerSilent(ExchangeError):
    """Nothing (or not enough) arrived before the timeout."""


class PeerClosed(ExchangeError):
    """The peer closed or reset the connection."""

    def __init__(self, message: str, received: bytes = b"", reset: bool = False) -> None:
        super().__init__(message, received)
        self.reset = reset


class TlsRejected(PeerClosed):
    """The peer ended the TLS session with an alert after the handshake (TLS 1.3 mTLS refusal)."""

    def __init__(self, message: str, alert: str, received: bytes = b"") -> None:
        super().__init__(message, received, reset=True)
        self.alert = alert


def tls_alert(exc: ssl.SSLError) -> str:
    """OpenSSL's name for a TLS error, readable: 'tlsv13 alert certificate required'."""
    return str(exc.reason or exc.strerror or exc).replace("_", " ").lower()


class NotAFrame(ExchangeError):
    """The first bytes cannot be a Kafka frame length."""


class BadResponse(ExchangeError):
    """A Kafka-sized frame that does not decode as the expected response."""


class KafkaExchange:
    """Sends requests and reads their responses on one connection."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client_id: str
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._client_id = client_id
        self._correlation_id = 0

    @property
    def ssl_object(self) -> ssl.SSLObject | None:
        found = self._writer.get_extra_info("ssl_object")
        return found if isinstance(found, ssl.SSLObject) else None

    async def refusal(self, wait: float) -> str | None:
        """Without sending anything: the TLS alert that ends this session within ``wait``, if any."""
        try:
            async with asyncio.timeout(wait):
                await self._reader.read(1)
        except ssl.SSLError as exc:
            return tls_alert(exc)
        except (OSError, TimeoutError):
            pass
        return None

    async def request(self, api_key: ApiKey, version: int, body: bytes, timeout: float,
                      max_frame: int = MAX_FRAME_BYTES) -> Reader:
        """Send one request; return a reader positioned after the response header.

        ``max_frame``: the longest answer accepted (larger only for topic metadata).
        """
        self._correlation_id += 1
        correlation_id = self._correlation_id
        frame = encode_request(api_key, version, correlation_id, self._client_id, body)
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        try:
            self._writer.write(frame)
            async with asyncio.timeout_at(end):
                await self._writer.drain()
        except ssl.SSLError as exc:
            raise TlsRejected(f"TLS error while sending: {tls_alert(exc)}", tls_alert(exc)) from None
        except (ConnectionError, OSError) as exc:
            raise PeerClosed(f"connection lost while sending: {exc}", reset=True) from None
        except TimeoutError:
            raise PeerSilent("peer did not accept the request in time") from None
        payload = await self._read_frame(end, max_frame)
        reader = Reader(payload)
        try:
            read_response_header(reader, api_key, version, correlation_id)
        except DecodeError as exc:
            raise BadResponse(f"response header: {exc}", payload[:PREVIEW_BYTES]) from None
        return reader

    async def _read_frame(self, end: float, max_frame: int) -> bytes:
        head = await self._read_exactly(4, end, b"")
        (length,) = struct.unpack(">i", head)
        if length <= 0 or length > max_frame:
            more = await self._read_available(end)
            limit = f"limit {max_frame // (1024 * 1024)} MiB"
            raise NotAFrame(f"a frame length of {length} bytes, which no Kafka response has; {limit}",
                            head + more)
        return await self._read_exactly(length, end, head)

    async def _read_exactly(self, size: int, end: float, before: bytes) -> bytes:
        try:
            async with asyncio.timeout_at(end):
                return await self._reader.readexactly(size)
        except asyncio.IncompleteReadError as exc:
            got = before + exc.partial
            raise PeerClosed(f"connection closed after {len(got)} bytes", got[:PREVIEW_BYTES]) from None
        except TimeoutError:
            got = before + self._buffered()
            raise PeerSilent("no complete response before the timeout", got[:PREVIEW_BYTES]) from None
        except ssl.SSLError as exc:
            raise TlsRejected(f"TLS error: {tls_alert(exc)}", tls_alert(exc), before) from None
        except (ConnectionResetError, BrokenPipeError) as exc:
            got = before + self._buffered()
            raise PeerClosed(f"connection reset: {exc}", got[:PREVIEW_BYTES], reset=True) from None
        except OSError as exc:
            raise PeerClosed(f"connection error: {exc}", before, reset=True) from None

    def _buffered(self) -> bytes:
        """What arrived of an incomplete read (asyncio keeps it in the reader's buffer)."""
        buffer = getattr(self._reader, "_buffer", None)
        return bytes(buffer[:PREVIEW_BYTES]) if buffer else b""

    async def _read_available(self, end: float) -> bytes:
        """A few more bytes for the preview, if they come quickly."""
        loop = asyncio.get_running_loop()
        wait = min(0.2, max(end - loop.time(), 0))
        try:
            async with asyncio.timeout(wait):
                return await self._reader.read(PREVIEW_BYTES)
        except (TimeoutError, OSError):
            return b""

    async def close(self) -> None:
        self._writer.close()
        try:
            async with asyncio.timeout(0.5):
                await self._writer.wait_closed()
        except (TimeoutError, OSError, ConnectionError):
            pass
        except Exception:
            pass
