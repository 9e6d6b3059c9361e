"""Name what closed a plaintext Kafka request without a word: often a TLS listener.

A TLS listener given a plaintext request usually just closes or resets the
connection, which alone says nothing. A second connection that starts a TLS
handshake tells: a server that answers it (or sends a TLS alert) speaks TLS.
Nothing is verified and nothing is sent after the handshake.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from listencheck.deadline import Deadline
from listencheck.models import KafkaDetail, Reason, StageResult

_CLOSED = (Reason.CLOSED, Reason.RESET)


async def explain_closed(
    kafka: StageResult[KafkaDetail], address: str, port: int, deadline: Deadline
) -> StageResult[KafkaDetail]:
    """``kafka`` itself, or a NOT_KAFKA (tls) result when the port turns out to speak TLS."""
    if not kafka.failed or kafka.reason not in _CLOSED or deadline.expired:
        return kafka
    version = await speaks_tls(address, port, deadline.budget())
    if version is None:
        return kafka
    return StageResult.failure(
        kafka.elapsed_ms, Reason.NOT_KAFKA,
        f"closed the plaintext Kafka request, and a TLS handshake on the same port succeeded "
        f"({version}): this is a TLS listener", KafkaDetail("tls", preview=None),
    )


async def speaks_tls(address: str, port: int, timeout: float) -> str | None:
    """The TLS version (or "TLS") when a handshake on address:port gets a TLS answer, else None."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, ssl=context, ssl_handshake_timeout=max(timeout, 0.01)),
            timeout,
        )
    except ssl.SSLError as exc:
        # An alert from the server (bad certificate, handshake failure, ...) is TLS talking.
        return "TLS" if "ALERT" in str(exc).upper() else None
    except (OSError, TimeoutError, ValueError):
        return None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        return str(ssl_object.version()) if ssl_object is not None else "TLS"
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 0.5)
