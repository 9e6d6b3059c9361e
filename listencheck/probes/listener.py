"""Which security.protocol does a listener really want? A confirming probe.

Run only after a stage failed the way a mismatch does (a TLS handshake that
got no TLS, a plaintext request answered by a TLS alert or a hang-up, a
request dropped before authentication, a refused SaslHandshake). It ignores
the client's settings: first the transport (does a plaintext ApiVersions get a
Kafka answer, does a TLS handshake complete?), then authentication (is
Metadata answered without SASL, and which mechanisms does SaslHandshake offer?).
"""

from __future__ import annotations

import ssl
import time

from listencheck.deadline import elapsed_ms
from listencheck.models import ListenerDetail, Reason, StageResult
from listencheck.probes.dial import Clock, Target, dial
from listencheck.probes.sasl import Redial, probe_mechanisms
from listencheck.protocol.connection import ExchangeError, KafkaExchange
from listencheck.protocol.messages import (
    ApiKey,
    decode_api_versions,
    decode_metadata,
    decode_sasl_handshake,
    encode_metadata_request,
    encode_sasl_handshake,
)
from listencheck.protocol.wire import DecodeError
from listencheck.stages import Stage

METADATA_PROBE_VERSION = 1  # every broker since 0.10 answers it


async def identify(
    target: Target, configured: str, symptom: Stage, probe_context: ssl.SSLContext, timeout: float,
    plaintext_silent: bool = False,
) -> StageResult[ListenerDetail]:
    """``symptom`` is the stage that failed: tls, kafka (transport in doubt) or metadata, sasl.
    ``plaintext_silent``: the client's own plaintext ApiVersions is unanswered (so far), so only
    a TLS handshake is left to try."""
    start = time.monotonic()
    clock = Clock(timeout)
    if symptom in (Stage.TLS, Stage.KAFKA):
        speaks_tls, tls_evidence = await _transport(target, probe_context, clock, plaintext_silent)
    else:
        speaks_tls = configured in ("SSL", "SASL_SSL")
        tls_evidence = "Kafka answered ApiVersions over the configured transport"
    requires_sasl: bool | None = None
    sasl_evidence = "not probed: the transport is unknown"
    mechanisms: tuple[str, ...] = ()
    if speaks_tls is not None:
        context = probe_context if speaks_tls else None
        requires_sasl, sasl_evidence, mechanisms = await _authentication(target, context, clock)
    expected = None
    if speaks_tls is not None and requires_sasl is not None:
        expected = {(False, False): "PLAINTEXT", (True, False): "SSL", (False, True): "SASL_PLAINTEXT",
                    (True, True): "SASL_SSL"}[(speaks_tls, requires_sasl)]
    detail = ListenerDetail(configured, expected, speaks_tls, tls_evidence, requires_sasl, sasl_evidence,
                            mechanisms)
    if expected is None:
        return StageResult.failure(elapsed_ms(start), Reason.PROTOCOL_ERROR,
                                   "could not tell which security.protocol this listener wants", detail)
    return StageResult.passed(elapsed_ms(start), detail)


async def _transport(target: Target, context: ssl.SSLContext, clock: Clock,
                     plaintext_silent: bool) -> tuple[bool | None, str]:
    if not plaintext_silent:  # else asking again on a connection of its own would only wait again
        try:
            exchange = await dial(target, None, clock.left())
            try:
                await exchange.request(ApiKey.API_VERSIONS, 0, b"", clock.left())
                return False, "a plaintext ApiVersions request got a Kafka answer"
            finally:
                await exchange.close()
        except (ExchangeError, OSError, TimeoutError):
            pass
    try:
        exchange = await dial(target, context, clock.left())
    except ssl.SSLError as exc:
        reason = str(exc.reason or "")
        if "ALERT" in reason:  # a TLS server that refused this handshake still speaks TLS
            return True, f"a TLS handshake got a TLS alert ({reason.replace('_', ' ').lower()})"
        return None, f"neither plaintext Kafka nor TLS ({reason.replace('_', ' ').lower() or 'ssl error'})"
    except (OSError, TimeoutError) as exc:
        return None, f"neither plaintext Kafka nor TLS answered ({type(exc).__name__})"
    version = exchange.ssl_object.version() if exchange.ssl_object else "TLS"
    await exchange.close()
    return True, f"a TLS handshake completed ({version}); plaintext ApiVersions got no Kafka answer"


async def _authentication(
    target: Target, context: ssl.SSLContext | None, clock: Clock
) -> tuple[bool | None, str, tuple[str, ...]]:
    """Metadata without SASL answered: no SASL. Dropped: SASL, if SaslHandshake is accepted."""
    try:
        exchange = await dial(target, context, clock.left())
    except (OSError, TimeoutError) as exc:
        return None, f"could not connect again ({type(exc).__name__})", ()
    try:
        reader = await exchange.request(ApiKey.API_VERSIONS, 0, b"", clock.left())
        decode_api_versions(reader)
        reader = await exchange.request(ApiKey.METADATA, METADATA_PROBE_VERSION,
                                        encode_metadata_request(METADATA_PROBE_VERSION), clock.left())
        decode_metadata(reader, METADATA_PROBE_VERSION)
        return False, "Metadata was answered without authentication", ()
    except (ExchangeError, DecodeError) as exc:
        dropped = f"Metadata without authentication was not answered ({type(exc).__name__})"
    finally:
        await exchange.close()

    async def redial(timeout: float) -> KafkaExchange:
        return await dial(target, context, timeout)

    mechanisms = await _offered(redial, clock) or await probe_mechanisms(redial, clock)
    if mechanisms:
        return True, f"{dropped}; SaslHandshake offers {', '.join(mechanisms)}", mechanisms
    return None, f"{dropped}, and no SASL mechanism was accepted either", ()


async def _offered(redial: Redial, clock: Clock) -> tuple[str, ...]:
    """Apache Kafka lists its mechanisms in answer to any SaslHandshake."""
    try:
        exchange = await redial(clock.left())
    except (OSError, TimeoutError):
        return ()
    try:
        reader = await exchange.request(ApiKey.SASL_HANDSHAKE, 1, encode_sasl_handshake("PLAIN"),
                                        clock.left())
        answer = decode_sasl_handshake(reader)
    except (ExchangeError, DecodeError):
        return ()
    finally:
        await exchange.close()
    return answer.mechanisms if answer.error_code in (0, 33) else ()
