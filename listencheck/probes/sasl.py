"""The SASL stage: SaslHandshake v1, then SaslAuthenticate with the client's credentials.

PLAIN and SCRAM-SHA-256/512 are checked for real; GSSAPI and OAUTHBEARER only
as far as the handshake (is the mechanism enabled?). Credentials go to the
broker and nowhere else: no detail, message or log holds the password.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from listencheck.config import ClientConfig
from listencheck.deadline import elapsed_ms
from listencheck.models import (
    MechanismsSource,
    Reason,
    SaslDetail,
    SaslOutcome,
    StageError,
    StageResult,
    StageStatus,
)
from listencheck.probes.dial import Clock
from listencheck.protocol.connection import ExchangeError, KafkaExchange, PeerSilent
from listencheck.protocol.messages import (
    ApiKey,
    ApiVersionsResponse,
    SaslAuthenticateResponse,
    decode_sasl_authenticate,
    decode_sasl_handshake,
    encode_sasl_authenticate,
    encode_sasl_handshake,
    error_name,
)
from listencheck.protocol.scram import HASHES, ScramClient, ScramError
from listencheck.protocol.wire import DecodeError

KNOWN_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "GSSAPI")
CHECKED = ("PLAIN", *HASHES)
UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE = 33, 34

# Open a fresh connection (same transport as the client's) for probing mechanisms one by one.
Redial = Callable[[float], Awaitable[KafkaExchange]]


async def authenticate(
    exchange: KafkaExchange, versions: ApiVersionsResponse, config: ClientConfig, timeout: float,
    redial: Redial,
) -> StageResult[SaslDetail]:
    start = time.monotonic()
    clock = Clock(timeout)
    mechanism = config.sasl_mechanism
    detail = SaslDetail(mechanism, config.get("sasl.username") or None)
    handshake_version = versions.best_version(ApiKey.SASL_HANDSHAKE)
    auth_version = versions.best_version(ApiKey.SASL_AUTHENTICATE)
    if handshake_version != 1 or auth_version is None:
        return StageResult.failure(
            elapsed_ms(start), Reason.UNSUPPORTED,
            "the broker does not offer SaslHandshake v1 and SaslAuthenticate (Kafka before 1.0)",
            replace(detail, outcome=SaslOutcome.ERROR))
    try:
        reader = await exchange.request(ApiKey.SASL_HANDSHAKE, 1, encode_sasl_handshake(mechanism),
                                        clock.left())
        answer = decode_sasl_handshake(reader)
    except (ExchangeError, DecodeError) as exc:
        return await _handshake_lost(start, detail, exc, redial, clock)
    detail = replace(detail, enabled_mechanisms=answer.mechanisms,
                     mechanisms_source=MechanismsSource.HANDSHAKE)
    if answer.error_code:
        return _handshake_refused(start, detail, answer.error_code)
    if mechanism not in CHECKED:
        message = (f"{mechanism} is enabled on the broker; listencheck does not authenticate with "
                   f"{mechanism} (not checked), the client library stage does")
        return StageResult(StageStatus.SKIPPED, round(elapsed_ms(start), 2),
                           replace(detail, outcome=SaslOutcome.NOT_CHECKED),
                           StageError(Reason.UNSUPPORTED, message))
    password = config.get("sasl.password")
    try:
        if mechanism == "PLAIN":
            return await _plain(start, detail, exchange, auth_version, password, clock)
        return await _scram(start, detail, exchange, auth_version, password, clock)
    except (ExchangeError, DecodeError) as exc:
        reason = Reason.TIMEOUT if isinstance(exc, PeerSilent) else Reason.CLOSED
        return StageResult.failure(
            elapsed_ms(start), reason,
            f"SaslAuthenticate got no answer: {type(exc).__name__}",
            replace(detail, outcome=SaslOutcome.ERROR))


async def _plain(start: float, detail: SaslDetail, exchange: KafkaExchange, version: int,
                 password: str, clock: Clock) -> StageResult[SaslDetail]:
    token = b"\0" + (detail.username or "").encode() + b"\0" + password.encode()
    answer = await _send(exchange, version, token, clock)
    if answer.error_code:
        return _auth_failed(start, detail, answer, None)
    return StageResult.passed(elapsed_ms(start),
                              replace(detail, authenticated=True, outcome=SaslOutcome.AUTHENTICATED))


async def _scram(start: float, detail: SaslDetail, exchange: KafkaExchange, version: int,
                 password: str, clock: Clock) -> StageResult[SaslDetail]:
    client = ScramClient(detail.mechanism, detail.username or "", password)
    first = await _send(exchange, version, client.client_first(), clock)
    if first.error_code:
        return _auth_failed(start, detail, first, None)
    try:
        final_message = client.client_final(first.auth_bytes)
    except ScramError as exc:
        return _malformed(start, detail, "server-first-message", exc)
    detail = replace(detail, scram_iterations=client.iterations)
    final = await _send(exchange, version, final_message, clock)
    if final.error_code:
        return _auth_failed(start, detail, final, None)
    try:
        verdict = client.server_final(final.auth_bytes)
    except ScramError as exc:
        return _malformed(start, detail, "server-final-message", exc)
    if verdict.error:
        return _auth_failed(start, detail, final, verdict.error)
    if not verdict.signature_valid:
        return StageResult.failure(
            elapsed_ms(start), Reason.AUTH_FAILED,
            "the broker's SCRAM server signature does not verify: it does not hold this user's "
            "credentials (or something between you and it answers in its place)",
            replace(detail, outcome=SaslOutcome.SERVER_SIGNATURE_INVALID))
    return StageResult.passed(elapsed_ms(start),
                              replace(detail, authenticated=True, outcome=SaslOutcome.AUTHENTICATED))


def _malformed(start: float, detail: SaslDetail, which: str, exc: ScramError) -> StageResult[SaslDetail]:
    return StageResult.failure(elapsed_ms(start), Reason.PROTOCOL_ERROR, f"invalid SCRAM {which}: {exc}",
                               replace(detail, outcome=SaslOutcome.ERROR))


async def _send(
    exchange: KafkaExchange, version: int, token: bytes, clock: Clock
) -> SaslAuthenticateResponse:
    reader = await exchange.request(ApiKey.SASL_AUTHENTICATE, version,
                                    encode_sasl_authenticate(version, token), clock.left())
    return decode_sasl_authenticate(reader, version)


def _auth_failed(start: float, detail: SaslDetail, answer: SaslAuthenticateResponse,
                 scram_error: str | None) -> StageResult[SaslDetail]:
    broker_says = scram_error or answer.error_message or error_name(answer.error_code)
    outcome = auth_outcome(answer.error_message, scram_error)
    who = f"user {detail.username!r}" if detail.username else "the configured user"
    meaning = {
        "unknown_user": f"the broker does not know {who}",
        "wrong_password": f"the broker knows {who} but the password does not match",
        "invalid_credentials": f"authentication of {who} failed; the broker does not say whether "
                               "the user is unknown or the password is wrong",
    }[outcome]
    return StageResult.failure(
        elapsed_ms(start), Reason.AUTH_FAILED, f"{detail.mechanism}: {meaning} (broker: {broker_says})",
        replace(detail, outcome=outcome, broker_message=broker_says))


def auth_outcome(message: str | None, scram_error: str | None) -> SaslOutcome:
    """What the broker says went wrong: RFC 5802 server errors first, then its message."""
    if scram_error == "unknown-user":
        return SaslOutcome.UNKNOWN_USER
    if scram_error == "invalid-proof":
        return SaslOutcome.WRONG_PASSWORD
    text = (message or "").lower()
    if any(k in text for k in ("unknown user", "unknown-user", "no such user", "user not found",
                               "user does not exist")):
        return SaslOutcome.UNKNOWN_USER
    if any(k in text for k in ("invalid password", "wrong password", "incorrect password", "invalid-proof")):
        return SaslOutcome.WRONG_PASSWORD
    return SaslOutcome.INVALID_CREDENTIALS


def _handshake_refused(start: float, detail: SaslDetail, code: int) -> StageResult[SaslDetail]:
    name = error_name(code)
    if code == UNSUPPORTED_SASL_MECHANISM:
        enabled = ", ".join(detail.enabled_mechanisms) or "none"
        return StageResult.failure(
            elapsed_ms(start), Reason.MECHANISM_UNSUPPORTED,
            f"the broker does not enable {detail.mechanism} (enabled: {enabled})",
            replace(detail, handshake_error=name, outcome=SaslOutcome.MECHANISM_UNSUPPORTED))
    if code == ILLEGAL_SASL_STATE:
        return StageResult.failure(
            elapsed_ms(start), Reason.BROKER_ERROR,
            f"the broker refused SaslHandshake with {name}: this listener does not expect SASL",
            replace(detail, handshake_error=name, outcome=SaslOutcome.NOT_SASL))
    return StageResult.failure(elapsed_ms(start), Reason.BROKER_ERROR,
                               f"SaslHandshake failed with {name}",
                               replace(detail, handshake_error=name, outcome=SaslOutcome.ERROR))


async def _handshake_lost(start: float, detail: SaslDetail, exc: Exception, redial: Redial,
                          clock: Clock) -> StageResult[SaslDetail]:
    """Some brokers (Tansu) close the connection instead of answering UNSUPPORTED_SASL_MECHANISM."""
    what = "closed the connection" if not isinstance(exc, PeerSilent) else "did not answer"
    enabled = await probe_mechanisms(redial, clock, skip=detail.mechanism)
    if enabled:
        return StageResult.failure(
            elapsed_ms(start), Reason.MECHANISM_UNSUPPORTED,
            f"the broker {what} in answer to SaslHandshake({detail.mechanism}); asked one by one, "
            f"it accepts {', '.join(enabled)}",
            replace(detail, enabled_mechanisms=enabled, mechanisms_source=MechanismsSource.PROBED,
                    handshake_error="closed", outcome=SaslOutcome.MECHANISM_UNSUPPORTED))
    return StageResult.failure(
        elapsed_ms(start), Reason.CLOSED if what.startswith("closed") else Reason.TIMEOUT,
        f"the broker {what} in answer to SaslHandshake({detail.mechanism})",
        replace(detail, handshake_error="closed", outcome=SaslOutcome.ERROR))


async def probe_mechanisms(redial: Redial, clock: Clock, skip: str = "") -> tuple[str, ...]:
    """Ask for each well-known mechanism on a fresh connection; keep those the broker accepts."""
    accepted = []
    for mechanism in KNOWN_MECHANISMS:
        if mechanism == skip or clock.expired:
            continue
        try:
            exchange = await redial(clock.left())
        except (OSError, TimeoutError):
            break
        try:
            reader = await exchange.request(ApiKey.SASL_HANDSHAKE, 1, encode_sasl_handshake(mechanism),
                                            clock.left())
            if decode_sasl_handshake(reader).error_code == 0:
                accepted.append(mechanism)
        except (ExchangeError, DecodeError):
            pass
        finally:
            await exchange.close()
    return tuple(accepted)
