"""The TLS stage: a handshake with the client's settings on the stage's own connection.

The verdict follows librdkafka: the chain is verified by OpenSSL against the
client's trust store (unless enable.ssl.certificate.verification=false), the
advertised name by listencheck.tls.hostnames (unless
ssl.endpoint.identification.algorithm=none). The certificate is read even when
it is refused (a second handshake that verifies nothing), and when the client
does not verify, whether it would have is still found out.

The server name (SNI) sent is the advertised host (the bootstrap host for a
bootstrap server), never an IP literal (RFC 6066), as librdkafka does. When the
certificate shown does not name that host, one more handshake without any
server name tells whether the listener's answer depends on the name (an SNI
router in front, such as an ingress or route in passthrough mode).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import replace

from listencheck.deadline import elapsed_ms
from listencheck.models import NameKind, Reason, ServerNameProbe, StageResult, TlsDetail, TlsFailure
from listencheck.probes.dial import Clock, Target, dial
from listencheck.probes.tcp import Connection
from listencheck.protocol.connection import tls_alert
from listencheck.tls.certificates import certificate_info
from listencheck.tls.hostnames import match_name
from listencheck.tls.settings import TlsSettings

# OpenSSL reasons meaning the peer answered the ClientHello with something that is not TLS.
_NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST",
            "UNKNOWN_PROTOCOL", "RECORD_TOO_LARGE", "TLSV1_ALERT_PROTOCOL_VERSION_NUMBER")


async def handshake(
    conn: Connection, target: Target, settings: TlsSettings, timeout: float
) -> tuple[StageResult[TlsDetail], Connection | None]:
    start = time.monotonic()
    clock = Clock(timeout)
    reader, writer = conn
    base = TlsDetail(
        certificate_verification=settings.certificate_verification,
        trust_store=settings.trust_store,
        hostname_checked=target.host if settings.hostname_verification else None,
        client_certificate=settings.client_certificate,
        server_name=target.sni,
    )
    try:
        await asyncio.wait_for(
            writer.start_tls(settings.client, server_hostname=target.sni,
                             ssl_handshake_timeout=clock.left()),
            clock.left() + 0.5,
        )
    except ssl.SSLCertVerificationError as exc:
        detail = replace(base, verified=False, verify_code=exc.verify_code,
                         verify_error=exc.verify_message, failure=TlsFailure.VERIFY)
        detail = await _by_name(target, settings, await _inspect(target, settings, detail, clock), clock)
        return StageResult.failure(
            elapsed_ms(start), Reason.TLS_FAILED, f"certificate verify failed: {exc.verify_message}",
            detail), None
    except ssl.SSLError as exc:
        return _refused(start, base, exc), None
    except (TimeoutError, ConnectionAbortedError) as exc:
        if isinstance(exc, ConnectionAbortedError) and "handshake" not in str(exc).lower():
            return _closed(start, base, exc), None
        return StageResult.failure(
            elapsed_ms(start), Reason.TIMEOUT,
            f"no TLS handshake within {timeout:.1f}s: the peer accepted the connection but did not "
            f"answer the TLS ClientHello", replace(base, failure=TlsFailure.TIMEOUT)), None
    except (ConnectionError, OSError, EOFError) as exc:
        return _closed(start, base, exc), None
    try:
        detail = _session(base, writer.get_extra_info("ssl_object"), target.host)
    except ValueError:  # the session already ended: TLS 1.3 servers refuse a client right after it
        alert = await _session_end(reader, clock)
        verified = True if settings.certificate_verification else None
        return rejected_after_handshake(
            StageResult.passed(elapsed_ms(start), replace(base, verified=verified)), alert, 0.0), None
    if settings.certificate_verification:
        detail = replace(detail, verified=True)
    else:
        detail = await _would_verify(target, settings, detail, clock)
    detail = await _by_name(target, settings, detail, clock)
    problem = _name_problem(detail, settings)
    if problem:
        return StageResult.failure(elapsed_ms(start), Reason.TLS_FAILED, problem,
                                   replace(detail, failure=TlsFailure.HOSTNAME)), None
    return StageResult.passed(elapsed_ms(start), detail), (reader, writer)


async def session_refusal(target: Target, settings: TlsSettings, timeout: float) -> str | None:
    """The alert a server sends right after the handshake, sending nothing ourselves.

    Asked after a request on a fresh TLS session got a reset: a server that refuses
    the client (TLS 1.3 mTLS) closes with unread data, and the reset can destroy its
    alert before it is read. Without a request in flight the alert arrives intact.
    """
    clock = Clock(timeout)
    try:
        exchange = await dial(target, settings.client, clock.left())
    except ssl.SSLError as exc:
        return tls_alert(exc)
    except (OSError, TimeoutError):
        return None
    try:
        return await exchange.refusal(min(clock.left(), 0.5))
    finally:
        await exchange.close()


def rejected_after_handshake(tls: StageResult[TlsDetail], alert: str, ms: float) -> StageResult[TlsDetail]:
    """TLS 1.3: the server's verdict on the client certificate arrives after the handshake."""
    detail = replace(tls.detail or TlsDetail(), failure=TlsFailure.REJECTED, alert=alert)
    return StageResult.failure(
        (tls.elapsed_ms or 0.0) + ms, Reason.TLS_FAILED,
        f"the broker ended the TLS session right after the handshake: {alert}", detail)


async def _session_end(reader: asyncio.StreamReader, clock: Clock) -> str:
    """Why a TLS session that just completed is already over (the peer's alert, usually)."""
    try:
        await asyncio.wait_for(reader.read(1), min(clock.left(), 0.5))
    except ssl.SSLError as exc:
        return tls_alert(exc)
    except (OSError, TimeoutError):
        pass
    return "the connection ended"


def _session(base: TlsDetail, ssl_object: ssl.SSLObject | None, host: str) -> TlsDetail:
    if ssl_object is None:
        return base
    der = ssl_object.getpeercert(binary_form=True)
    cipher = ssl_object.cipher()
    cert = certificate_info(der) if der else None
    return replace(
        base, protocol=ssl_object.version(), cipher=cipher[0] if cipher else None, certificate=cert,
        name_match=match_name(host, cert) if cert is not None else None,
    )


def _name_problem(detail: TlsDetail, settings: TlsSettings) -> str | None:
    match = detail.name_match
    if not (settings.certificate_verification and settings.hostname_verification) or match is None \
            or match.matched:
        return None
    what = "IP address" if match.kind is NameKind.IP else "Hostname"
    return f"certificate verify failed: {what} mismatch, certificate is not valid for '{match.name}'"


async def _inspect(target: Target, settings: TlsSettings, detail: TlsDetail, clock: Clock) -> TlsDetail:
    """Read the certificate that was refused, on a second connection that verifies nothing."""
    try:
        exchange = await dial(target, settings.inspect, clock.left())
    except (OSError, TimeoutError, ssl.SSLError):
        return detail
    try:
        inspected = _session(detail, exchange.ssl_object, target.host)
    except ValueError:
        inspected = detail
    finally:
        await exchange.close()
    return inspected


async def _by_name(target: Target, settings: TlsSettings, detail: TlsDetail, clock: Clock) -> TlsDetail:
    """The certificate misses the name: does the listener answer differently with no name at all?"""
    match, cert = detail.name_match, detail.certificate
    if match is None or match.matched or cert is None or detail.server_name is None or clock.expired:
        return detail
    try:
        exchange = await dial(target, settings.inspect, clock.left(), send_sni=False)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        error = tls_alert(exc) if isinstance(exc, ssl.SSLError) else type(exc).__name__
        return replace(detail, without_server_name=ServerNameProbe(None, None, error))
    try:
        der = exchange.ssl_object.getpeercert(binary_form=True) if exchange.ssl_object else None
    except ValueError:
        der = None
    finally:
        await exchange.close()
    other = certificate_info(der) if der else None
    depends = None if other is None else other.sha256 != cert.sha256
    return replace(detail, without_server_name=ServerNameProbe(other, depends))


async def _would_verify(target: Target, settings: TlsSettings, detail: TlsDetail, clock: Clock) -> TlsDetail:
    """The client does not verify: find out whether verifying would have passed."""
    try:
        exchange = await dial(target, settings.verify, clock.left())
    except ssl.SSLCertVerificationError as exc:
        return replace(detail, verified=False, verify_code=exc.verify_code, verify_error=exc.verify_message)
    except (OSError, TimeoutError, ssl.SSLError):
        return detail
    await exchange.close()
    return replace(detail, verified=True)


def _refused(start: float, base: TlsDetail, exc: ssl.SSLError) -> StageResult[TlsDetail]:
    reason = str(exc.reason or "")
    alert = tls_alert(exc)
    if reason in _NOT_TLS:
        return StageResult.failure(
            elapsed_ms(start), Reason.NOT_TLS,
            f"the peer answered the TLS ClientHello with something that is not TLS ({alert})",
            replace(base, failure=TlsFailure.NOT_TLS, alert=alert))
    if reason == "UNEXPECTED_EOF_WHILE_READING":
        return StageResult.failure(
            elapsed_ms(start), Reason.CLOSED, "the peer closed the connection during the TLS handshake",
            replace(base, failure=TlsFailure.CLOSED, alert=alert))
    return StageResult.failure(
        elapsed_ms(start), Reason.TLS_FAILED, f"TLS handshake failed: {alert}",
        replace(base, failure=TlsFailure.ALERT, alert=alert))


def _closed(start: float, base: TlsDetail, exc: BaseException) -> StageResult[TlsDetail]:
    return StageResult.failure(
        elapsed_ms(start), Reason.CLOSED,
        f"the peer closed the connection during the TLS handshake ({type(exc).__name__})",
        replace(base, failure=TlsFailure.CLOSED))
