"""Rules about TLS and SASL on each listener: protocol mismatches, certificates, authentication.

Findings are per endpoint, reported once: under the advertised broker (with its
id) when the endpoint is advertised, else under the bootstrap server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from listencheck.analysis.context import BootstrapContext
from listencheck.analysis.java_client import java
from listencheck.analysis.rule import Rules
from listencheck.analysis.sni_rules import Place, sni_finding
from listencheck.codes import FindingCode
from listencheck.config import uses_sasl, uses_tls
from listencheck.models import (
    AddressAttempt,
    CertificateInfo,
    EndpointProbe,
    Finding,
    JsonValue,
    ListenerDetail,
    MatchNote,
    MechanismsSource,
    NameKind,
    SaslDetail,
    SaslOutcome,
    Severity,
    StageResult,
    Subject,
    TlsDetail,
    TlsFailure,
    VerifyCode,
)
from listencheck.stages import Stage
from listencheck.tls.certificates import parse_iso
from listencheck.tls.hostnames import match_name

ERR, WARN, NOTE = Severity.ERROR, Severity.WARNING, Severity.INFO
EXPIRY_WARNING_DAYS = 30
_TIME_ERRORS = (VerifyCode.CERT_NOT_YET_VALID, VerifyCode.CERT_HAS_EXPIRED)
_AUTH_OUTCOMES = (SaslOutcome.UNKNOWN_USER, SaslOutcome.WRONG_PASSWORD, SaslOutcome.INVALID_CREDENTIALS,
                  SaslOutcome.SERVER_SIGNATURE_INVALID, SaslOutcome.ERROR, SaslOutcome.NOT_SASL)


@dataclass(frozen=True)
class _Where:
    """The probe and attempt a security finding is about."""

    probe: EndpointProbe
    attempt: AddressAttempt
    subject: Subject

    @property
    def broker_id(self) -> int | None:
        return self.subject.broker_id

    @property
    def address(self) -> str:
        return str(self.probe.endpoint)

    @property
    def who(self) -> str:
        return f"Broker {self.broker_id} at {self.address}" if self.broker_id is not None else self.address

    def evidence(self) -> dict[str, JsonValue]:
        return {"address": self.address, "resolved": self.attempt.address, "broker_id": self.broker_id}


def security_findings(ctx: BootstrapContext) -> Iterator[Finding]:
    for where in _endpoints(ctx):
        mismatch = where.attempt.mismatch
        if mismatch is not None:
            yield _protocol_mismatch(ctx, where, mismatch)
            continue
        tls = where.attempt.tls
        if tls.detail is not None:
            yield from _tls(ctx, where, tls, tls.detail)
        sasl = where.attempt.sasl
        if sasl.detail is not None and not sasl.ok:
            yield from _sasl(ctx, where, sasl, sasl.detail)


def reported_here(probe: EndpointProbe) -> bool:
    """The endpoint's failure is a TLS, SASL or protocol one: these rules report it."""
    chosen = probe.chosen
    if chosen is None or probe.works:
        return False
    failure = chosen.first_failure()
    return chosen.mismatch is not None or (failure is not None and failure[0] in (Stage.TLS, Stage.SASL))


def _endpoints(ctx: BootstrapContext) -> Iterator[_Where]:
    seen = set()
    candidates: list[tuple[EndpointProbe, Subject]] = [
        (b.probe, ctx.broker(b.advertised.node_id, b.advertised.address))
        for b in ctx.bootstrap.brokers if not b.address_problem]
    candidates += [(s, ctx.server(str(s.endpoint))) for s in ctx.bootstrap.servers]
    for probe, subject in candidates:
        # One probe per host:port, except a bootstrap server resolved to canonical names.
        key = (probe.endpoint, bool(probe.resolve.detail and probe.resolve.detail.canonical))
        if key in seen or probe.chosen is None:
            continue
        seen.add(key)
        yield _Where(probe, probe.chosen, subject)


# --- protocol mismatch -----------------------------------------------------------

# What the user sees, by (which layer differs, what the client does).
_SYMPTOMS = {
    ("tls", False): "the client sends plaintext to a TLS listener, which closes the connection or "
                    "answers with a TLS alert (clients report 'Disconnected while requesting "
                    "ApiVersion' or 'broker may not be available')",
    ("tls", True): "the client starts a TLS handshake with a plaintext listener, which waits for the "
                   "rest of a 'request' that large or closes the connection (clients report handshake "
                   "timeouts or 'wrong version number')",
    ("sasl", False): "ApiVersions is answered, then the broker drops the connection at the first real "
                     "request because the client never authenticated",
    ("sasl", True): "the client asks for a SASL handshake on a listener without SASL, which refuses "
                    "it (ILLEGAL_SASL_STATE or an unsupported-mechanism answer)",
}


def _symptom(configured: str, expected: str) -> str:
    if uses_tls(configured) != uses_tls(expected):
        return _SYMPTOMS[("tls", uses_tls(configured))]
    return _SYMPTOMS[("sasl", uses_sasl(configured))]


def _real_symptoms(configured: str, expected: str) -> str:
    """What users see in their logs for this mismatch, so they recognise it."""
    if uses_tls(configured) and not uses_tls(expected):
        return ("What it looks like: the broker closes the connection and logs "
                "InvalidReceiveException \"Invalid receive (size = 369296128 larger than 104857600)\" "
                "(the TLS record header read as a request size); the client times out or reports "
                "a disconnection during the TLS handshake.")
    if uses_tls(expected) and not uses_tls(configured):
        return ("What it looks like: the client's plaintext request gets a TLS alert or a hang-up; "
                "librdkafka reports the broker disconnected, and a Java client can die with "
                "java.lang.OutOfMemoryError (KAFKA-4090: the TLS alert's bytes read as a huge "
                "response size).")
    return ("What it looks like: the broker closes the connection after the first request "
            "(authentication required, or a SASL handshake it does not expect), and the client "
            "retries forever.")


def _protocol_mismatch(ctx: BootstrapContext, where: _Where, d: ListenerDetail) -> Finding:
    expected = d.expected_protocol or "?"
    failure = where.attempt.first_failure()
    stage, result = failure if failure else (Stage.METADATA, where.attempt.metadata)
    evidence = where.evidence() | {
        "configured": d.configured_protocol, "expected": expected,
        "failed_stage": stage, "failed_with": result.error.message if result.error else None,
        "speaks_tls": d.speaks_tls, "tls_evidence": d.tls_evidence,
        "requires_sasl": d.requires_sasl, "sasl_evidence": d.sasl_evidence,
        "mechanisms": list(d.mechanisms),
    }
    kafka = where.attempt.kafka.detail
    if kafka is not None and kafka.preview:
        evidence["first_bytes"] = kafka.preview
    needs, java_keys = [], []
    if uses_tls(expected) and not uses_tls(d.configured_protocol):
        needs.append("ssl.ca.location=<PEM of the CA that signed the broker's certificate>")
        java_keys.append("ssl.ca.location")
    if uses_sasl(expected) and not uses_sasl(d.configured_protocol):
        java_keys.append("sasl")
        mech = d.mechanisms[0] if d.mechanisms else "<mechanism>"
        needs.append(f"sasl.mechanism={mech} (offered: {', '.join(d.mechanisms) or 'unknown'}), "
                     f"sasl.username and sasl.password")
    fix = f"Set security.protocol={expected} in the client" + (
        f", with {'; '.join(needs)}" if needs else "") + (
        f". If this listener is meant to speak {d.configured_protocol}, change its entry in "
        f"listener.security.protocol.map on the broker (LISTENER_NAME:{d.configured_protocol}) "
        f"and restart it. " + _real_symptoms(d.configured_protocol, expected) + java(*java_keys))
    return ctx.finding(
        FindingCode.PROTOCOL_MISMATCH, ERR, where.subject,
        f"{where.who} speaks {expected}, but the client is configured for "
        f"security.protocol={d.configured_protocol}: {_symptom(d.configured_protocol, expected)}.",
        fix,
        evidence,
        stage,
    )


# --- TLS ---------------------------------------------------------------------------


def _cert_evidence(cert: CertificateInfo | None) -> JsonValue:
    if cert is None:
        return None
    return {"subject": cert.subject, "issuer": cert.issuer, "dns_names": list(cert.dns_names),
            "ip_addresses": list(cert.ip_addresses), "common_name": cert.common_name,
            "not_before": cert.not_before, "not_after": cert.not_after, "sha256": cert.sha256}


def _tls(
    ctx: BootstrapContext, where: _Where, stage: StageResult[TlsDetail], d: TlsDetail
) -> Iterator[Finding]:
    evidence = where.evidence() | {"tls_version": d.protocol, "cipher": d.cipher,
                                   "server_name": d.server_name,
                                   "certificate": _cert_evidence(d.certificate)}
    if d.failure in (TlsFailure.ALERT, TlsFailure.CLOSED, TlsFailure.TIMEOUT, TlsFailure.NOT_TLS,
                     TlsFailure.REJECTED):
        yield _handshake(ctx, where, stage, d, evidence)
        return
    cert = d.certificate
    if cert is None:
        return
    routed = sni_finding(ctx, Place(where.subject, where.who, where.probe, where.attempt.address), d, cert,
                         evidence)
    if routed is not None:  # the router's certificate: its trust, dates and names are not the broker's
        yield routed
        return
    verifying = d.certificate_verification
    yield from _validity(ctx, where, cert, verifying, evidence)
    if d.verified is False and d.verify_code not in _TIME_ERRORS:
        yield ctx.finding(
            FindingCode.TLS_UNTRUSTED_CERTIFICATE, ERR if verifying else WARN, where.subject,
            f"{where.who} presents a certificate the client does not trust: {d.verify_error} "
            f"(issuer: {cert.issuer})" + ("" if verifying else "; it connects only because "
                                          "enable.ssl.certificate.verification=false") + ".",
            _trust_fix(d, cert),
            evidence | {"verify_code": d.verify_code, "verify_error": d.verify_error,
                        "trust_store": d.trust_store},
        )
    if not _canonical(where):  # a canonical name's mismatch is BOOTSTRAP_CANONICAL_NAME's to explain
        yield from _names(ctx, where, d, cert, evidence)


def _canonical(where: _Where) -> bool:
    """The address was reached under a bootstrap's canonical name, not under its own host."""
    detail = where.probe.resolve.detail
    host = where.probe.endpoint.host
    return detail is not None and detail.server_name(where.attempt.address, host) != host


def _handshake(ctx: BootstrapContext, where: _Where, stage: StageResult[TlsDetail], d: TlsDetail,
               evidence: dict[str, JsonValue]) -> Finding:
    message = stage.error.message if stage.error else "failed"
    alert = d.alert or ""
    evidence = evidence | {"failure": d.failure, "alert": d.alert, "message": message,
                           "client_certificate_configured": d.client_certificate}
    if "certificate required" in alert and not d.client_certificate:
        return ctx.finding(
            FindingCode.TLS_CLIENT_CERT_REQUIRED, ERR, where.subject,
            f"{where.who} requires a TLS client certificate and the client has none ({alert}).",
            "Configure the client's certificate: ssl.certificate.location=<client cert PEM>, "
            "ssl.key.location=<its private key> (and ssl.key.password if the key is encrypted), signed "
            "by a CA in the broker's ssl.truststore. If this listener should not require one, set "
            "ssl.client.auth=none (or requested) for it on the broker, which drops client "
            "authentication by certificate." + java("ssl.certificate.location"),
            evidence,
        )
    if d.client_certificate and any(a in alert for a in ("certificate", "unknown ca", "handshake failure")):
        fix = ("The broker refused the client certificate: have it signed by a CA in the broker's "
               "ssl.truststore (and not expired), and check ssl.certificate.location / ssl.key.location.")
    elif d.failure is TlsFailure.TIMEOUT:
        fix = ("Nothing answered the TLS handshake: check that this port is the broker's TLS listener "
               "(a plaintext listener would have been recognised) and that no proxy holds the connection.")
    else:
        fix = ("Check that the broker's ssl.enabled.protocols and ssl.cipher.suites allow what the "
               "client offers (TLS 1.2/1.3), and read the broker's log for the handshake error.")
    return ctx.finding(
        FindingCode.TLS_HANDSHAKE_FAILED, ERR, where.subject,
        f"{where.who}: the TLS handshake failed ({message}).",
        fix,
        evidence,
    )


def _trust_fix(d: TlsDetail, cert: CertificateInfo) -> str:
    if d.verify_code in (VerifyCode.UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                         VerifyCode.UNABLE_TO_VERIFY_LEAF_SIGNATURE) and not cert.self_signed:
        what = (f"the certificate was issued by '{cert.issuer}', which is not in the client's trust "
                f"store ({d.trust_store}), or the broker does not send the intermediate certificate")
    elif cert.self_signed:
        what = "the broker's certificate is self-signed"
    else:
        what = f"verification fails with '{d.verify_error}'"
    probe = (" If that issuer is a public CA, the system store should already trust it, but "
             "librdkafka's bundled OpenSSL (confluent-kafka wheels) may not find the system CA "
             "store: set ssl.ca.location=probe (or the CA bundle's path, e.g. "
             "/etc/ssl/certs/ca-certificates.crt)."
             if d.trust_store == "system" and not cert.self_signed else "")
    return (f"{what[0].upper()}{what[1:]}: set ssl.ca.location to the PEM of the CA that issued it "
            f"(issuer: {cert.issuer}), or configure the broker's keystore with the full chain."
            f"{probe} enable.ssl.certificate.verification=false would connect without any protection "
            f"against impersonation; do not use it outside a lab." + java("ssl.ca.location"))


def _validity(ctx: BootstrapContext, where: _Where, cert: CertificateInfo, verifying: bool,
              evidence: dict[str, JsonValue]) -> Iterator[Finding]:
    now = parse_iso(ctx.result.started_at)
    not_before, not_after = parse_iso(cert.not_before), parse_iso(cert.not_after)
    dates = evidence | {"not_before": cert.not_before, "not_after": cert.not_after,
                        "checked_at": ctx.result.started_at}
    severity = ERR if verifying else WARN
    if now > not_after:
        days = (now - not_after).days
        yield ctx.finding(
            FindingCode.TLS_CERT_EXPIRED, severity, where.subject,
            f"{where.who} presents a certificate that expired on {cert.not_after} ({days} days ago).",
            "Renew the broker's certificate (same subjectAltNames, same issuing CA) and reload the "
            "broker's keystore.",
            dates | {"days_expired": days},
        )
    elif now < not_before:
        yield ctx.finding(
            FindingCode.TLS_CERT_EXPIRED, severity, where.subject,
            f"{where.who} presents a certificate that is not valid before {cert.not_before}.",
            "Check the clocks of the broker, the CA and this client, or reissue the certificate "
            "with a start date in the past.",
            dates,
        )
    elif (not_after - now).days < EXPIRY_WARNING_DAYS:
        days = (not_after - now).days
        yield ctx.finding(
            FindingCode.TLS_CERT_EXPIRING, WARN, where.subject,
            f"{where.who} presents a certificate that expires on {cert.not_after} ({days} days left).",
            f"Renew the broker's certificate before {cert.not_after[:10]}; clients fail from then on.",
            dates | {"days_left": days},
        )


def _names(ctx: BootstrapContext, where: _Where, d: TlsDetail, cert: CertificateInfo,
           evidence: dict[str, JsonValue]) -> Iterator[Finding]:
    match = d.name_match
    if match is None:
        return
    checking = d.hostname_checked is not None and d.certificate_verification
    severity = ERR if checking else WARN
    off = "" if checking else " (it connects only because hostname verification is off)"
    names = evidence | {"advertised_host": match.name, "dns_names": list(cert.dns_names),
                        "ip_addresses": list(cert.ip_addresses), "common_name": cert.common_name,
                        "matched_by": match.matched_by, "note": match.note,
                        "hostname_verification": d.hostname_checked is not None,
                        "depends_on_server_name": d.without_server_name.depends_on_server_name
                        if d.without_server_name else None}
    host = where.probe.endpoint.host
    if match.kind is NameKind.IP:
        if match.matched:
            yield ctx.finding(
                FindingCode.TLS_IP_ADVERTISED, NOTE, where.subject,
                f"{where.who} is advertised by IP and its certificate lists {match.matched_by}: this "
                f"client verifies it, librdkafka builds on OpenSSL 1.1 do not (issue #3801).",
                "Prefer advertising a DNS name the certificate lists; IP-based certificates break "
                "when the address changes.",
                names,
            )
            return
        spelled = " (it has the IP as a DNS name, which IP verification ignores)" \
            if match.note is MatchNote.DNS_ONLY_IP else ""
        yield ctx.finding(
            FindingCode.TLS_IP_ADVERTISED, severity, where.subject,
            f"{where.who} is advertised by IP address {host}, but its certificate lists no such "
            f"iPAddress name{spelled}{off}.",
            _ip_fix(host, cert),
            names,
        )
        return
    if not match.matched:
        yield ctx.finding(
            FindingCode.TLS_HOSTNAME_MISMATCH, severity, where.subject,
            f"{where.who}: the certificate does not name the advertised host {match.name}"
            f"{_why_not(ctx, match.note, cert)}{off}.{_by_name(d)}",
            _hostname_fix(match.name, where),
            names,
        )
        return
    if match.note is MatchNote.TRAILING_DOT:
        yield ctx.finding(
            FindingCode.TLS_TRAILING_DOT, WARN, where.subject,
            f"{where.who} is advertised as {host} (trailing dot). The certificate matches "
            f"{match.matched_by} once the dot is removed, as librdkafka 2.13+ does; older librdkafka "
            f"and clients that check the name as written fail with a hostname mismatch.",
            f"Advertise {host.rstrip('.')} without the trailing dot "
            f"(advertised.listeners=LISTENER://{host.rstrip('.')}:{where.probe.endpoint.port}).",
            names,
        )


def _why_not(ctx: BootstrapContext, note: MatchNote | None, cert: CertificateInfo) -> str:
    listed = ", ".join([f"DNS:{n}" for n in cert.dns_names] + [f"IP:{i}" for i in cert.ip_addresses])
    listed = listed or f"no subjectAltName, CN={cert.common_name}"
    parts = [f" (it lists {listed})"]
    if note is MatchNote.WILDCARD_DEPTH:
        parts.append("; a wildcard covers exactly one label, not the advertised depth")
    source = ctx.source
    if source is not None and match_name(source.host, cert).matched:
        parts.append(f"; the bootstrap host {source.host} is in the certificate, but clients check "
                     f"the advertised host for every connection after the first")
    return "".join(parts)


def _by_name(d: TlsDetail) -> str:
    """What the handshake without a server name showed, when it differs."""
    blind = d.without_server_name
    if blind is None or not blind.depends_on_server_name or blind.certificate is None:
        return ""
    return (f" Without a server name (SNI) the same address shows another certificate "
            f"({blind.certificate.subject}): something in front answers by server name.")


def _hostname_fix(name: str, where: _Where) -> str:
    return (f"Add DNS:{name.rstrip('.')} to the broker certificate's subjectAltName and reload it, or "
            f"advertise a name the certificate lists (advertised.listeners=LISTENER://<listed name>:"
            f"{where.probe.endpoint.port}). ssl.endpoint.identification.algorithm=none in the client "
            f"would connect, but then any certificate from that CA is accepted for this broker "
            f"(impersonation becomes possible), and some clients then stop sending SNI (the server "
            f"name in the TLS handshake; librdkafka 2.x keeps sending it), which breaks listeners "
            f"behind SNI routing (HAProxy, nginx stream, an ingress or OpenShift route)."
            + java("ssl.endpoint.identification.algorithm=none"))


def _ip_fix(host: str, cert: CertificateInfo) -> str:
    listed = cert.dns_names[0] if cert.dns_names else "<a DNS name in the certificate>"
    return (f"Advertise a DNS name the certificate lists "
            f"(advertised.listeners=LISTENER://{listed}:PORT), "
            f"or add IP:{host} to the certificate's subjectAltName (as an iPAddress entry; a DNS entry "
            f"spelled like the IP does not count).")


# --- SASL --------------------------------------------------------------------------


def _sasl(
    ctx: BootstrapContext, where: _Where, stage: StageResult[SaslDetail], d: SaslDetail
) -> Iterator[Finding]:
    message = stage.error.message if stage.error else ""
    evidence = where.evidence() | {
        "mechanism": d.mechanism, "username": d.username,
        "enabled_mechanisms": list(d.enabled_mechanisms), "mechanisms_source": d.mechanisms_source,
        "outcome": d.outcome, "broker_message": d.broker_message,
        "message": message,
    }
    if d.outcome is SaslOutcome.NOT_CHECKED:
        yield ctx.finding(
            FindingCode.SASL_NOT_CHECKED, NOTE, where.subject,
            f"{where.who} enables {d.mechanism}; listencheck does not authenticate with it, so it "
            f"read no metadata through this listener.",
            "Read the client library result below: it authenticates with your settings.",
            evidence,
        )
    elif d.outcome is SaslOutcome.MECHANISM_UNSUPPORTED:
        enabled = ", ".join(d.enabled_mechanisms) or "unknown"
        how = ("asked one mechanism at a time" if d.mechanisms_source is MechanismsSource.PROBED
               else "its SaslHandshake answer")
        yield ctx.finding(
            FindingCode.SASL_MECHANISM_UNSUPPORTED, ERR, where.subject,
            f"{where.who} does not enable sasl.mechanism={d.mechanism}; it enables {enabled} ({how}).",
            f"Set sasl.mechanism to one of {enabled} in the client, with credentials for it; or "
            f"enable {d.mechanism} on the broker (sasl.enabled.mechanisms, plus "
            f"listener.name.<listener>.{d.mechanism.lower()}.sasl.jaas.config).",
            evidence,
        )
    elif d.outcome in _AUTH_OUTCOMES:
        yield ctx.finding(
            FindingCode.SASL_AUTH_FAILED, ERR, where.subject,
            f"{where.who}: {message}.",
            _auth_fix(d),
            evidence,
        )


def _auth_fix(d: SaslDetail) -> str:
    user = d.username or "<user>"
    create = (f"kafka-configs --bootstrap-server BROKER --alter --entity-type users --entity-name {user} "
              f"--add-config '{d.mechanism}=[password=...]'" if d.mechanism.startswith("SCRAM")
              else "add the user to the broker's JAAS configuration (user_<name>=\"...\")")
    return {
        "unknown_user": f"The broker does not know user {user}: check sasl.username, or create the user "
                        f"on the broker ({create}).",
        "wrong_password": f"The broker knows user {user} but not this password: correct sasl.password "
                          f"(or reset the user's credentials on the broker: {create}).",
        "server_signature_invalid": "Do not send data over this connection: the server could not prove "
                                    "it holds your SCRAM credentials. Check that bootstrap.servers points "
                                    "at your broker and not at a proxy or impostor.",
        "not_sasl": "The listener does not expect SASL: use security.protocol=PLAINTEXT or SSL for it.",
    }.get(d.outcome, f"Check sasl.username and sasl.password for user {user}; if they are right, create "
                     f"or reset the user on the broker ({create}). The broker does not say which one is "
                     f"wrong.")


RULES = Rules(bootstrap=(security_findings,))
