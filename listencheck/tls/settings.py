"""The client's TLS settings (librdkafka property names) as Python SSL contexts.

Contexts are built once per run. Names are never checked by OpenSSL here
(check_hostname is off): the probe checks them with the rules librdkafka
applies (listencheck.tls.hostnames), so that a name problem and a trust problem
are told apart instead of OpenSSL reporting whichever it meets first.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from listencheck.config import ClientConfig
from listencheck.errors import ConfigError
from listencheck.vocabulary import TrustStore


@dataclass(frozen=True)
class TlsSettings:
    """The TLS contexts one run needs, built once from the client's settings."""

    client: ssl.SSLContext  # as the client connects: its trust store, its client certificate
    inspect: ssl.SSLContext  # no verification, same client certificate: read whatever is presented
    verify: ssl.SSLContext  # verification on, whatever the client says: is the chain trusted?
    probe: ssl.SSLContext  # no verification, no certificate: does the peer speak TLS at all?
    certificate_verification: bool
    hostname_verification: bool
    trust_store: TrustStore
    client_certificate: bool


def tls_settings(config: ClientConfig) -> TlsSettings:
    """Raises ConfigError naming the property when a file or key cannot be used."""
    trust = trust_store(config)
    verify = _context(config, trust, verify=True, client_cert=True)
    client = (verify if config.certificate_verification
              else _context(config, trust, verify=False, client_cert=True))
    return TlsSettings(
        client=client,
        inspect=_context(config, trust, verify=False, client_cert=True),
        verify=verify,
        probe=_context(config, trust, verify=False, client_cert=False),
        certificate_verification=config.certificate_verification,
        hostname_verification=config.hostname_verification,
        trust_store=trust,
        client_certificate=config.client_certificate,
    )


def trust_store(config: ClientConfig) -> TrustStore:
    if config.get("ssl.ca.location") and config.get("ssl.ca.location").lower() != "probe":
        return "ssl.ca.location"
    if config.get("ssl.ca.pem"):
        return "ssl.ca.pem"
    return "system"


def _context(config: ClientConfig, trust: TrustStore, verify: bool, client_cert: bool) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    _load_trust(ctx, config, trust)
    if client_cert:
        _load_client_certificate(ctx, config)
    return ctx


def _load_trust(ctx: ssl.SSLContext, config: ClientConfig, trust: TrustStore) -> None:
    try:
        if trust == "ssl.ca.location":
            location = Path(config.get("ssl.ca.location"))
            if location.is_dir():
                ctx.load_verify_locations(capath=str(location))
            else:
                ctx.load_verify_locations(cafile=str(location))
        elif trust == "ssl.ca.pem":
            ctx.load_verify_locations(cadata=config.get("ssl.ca.pem"))
        else:
            ctx.load_default_certs()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot use {trust} as a CA certificate: {_why(exc)}") from None


def _load_client_certificate(ctx: ssl.SSLContext, config: ClientConfig) -> None:
    password = config.get("ssl.key.password") or None
    if config.get("ssl.keystore.location"):
        with _pkcs12_as_pem(config) as (cert, key):
            _load_chain(ctx, cert, key, None, "ssl.keystore.location")
        return
    cert_pem, key_pem = config.get("ssl.certificate.pem"), config.get("ssl.key.pem")
    if cert_pem or key_pem:
        with _private_files(cert_pem, key_pem or cert_pem) as (cert, key):
            _load_chain(ctx, cert, key, password, "ssl.certificate.pem / ssl.key.pem")
        return
    cert_file = config.get("ssl.certificate.location")
    if cert_file:
        key_file = config.get("ssl.key.location") or cert_file
        _load_chain(ctx, cert_file, key_file, password, "ssl.certificate.location / ssl.key.location")


def _load_chain(ctx: ssl.SSLContext, cert: str, key: str, password: str | None, what: str) -> None:
    try:
        ctx.load_cert_chain(cert, key, password=password)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot use the client certificate ({what}): {_why(exc)}") from None


@contextlib.contextmanager
def _private_files(*contents: str) -> Iterator[tuple[str, str]]:
    """PEM text as paths OpenSSL can open, readable by this process only, gone once it has read them.

    Python's ssl module takes a certificate chain only as file names. On Linux they are
    anonymous memory files (memfd, opened through /proc/self/fd): nothing touches a disk,
    so a read-only root file system with no writable /tmp works (Kubernetes
    readOnlyRootFilesystem, Compose read_only). Elsewhere, a private temporary directory.
    """
    try:
        with _memory_files(contents) as paths:
            yield paths[0], paths[1]
        return
    except _NoMemoryFiles:
        pass
    with tempfile.TemporaryDirectory(prefix="listencheck-") as directory:
        os.chmod(directory, 0o700)
        paths = []
        for i, text in enumerate(contents):
            path = Path(directory) / f"{i}.pem"
            path.touch(0o600)
            path.write_text(text)
            paths.append(str(path))
        yield paths[0], paths[1]


class _NoMemoryFiles(Exception):
    pass


@contextlib.contextmanager
def _memory_files(contents: tuple[str, ...]) -> Iterator[list[str]]:
    fds: list[int] = []
    try:
        for i, text in enumerate(contents):
            try:
                fd = os.memfd_create(f"listencheck-{i}.pem", os.MFD_CLOEXEC)
            except (AttributeError, OSError):
                raise _NoMemoryFiles from None
            fds.append(fd)
            data = memoryview(text.encode())
            while data:
                data = data[os.write(fd, data):]
        paths = [f"/proc/self/fd/{fd}" for fd in fds]
        if not all(os.path.exists(p) for p in paths):  # no /proc: OpenSSL could not open them
            raise _NoMemoryFiles
        yield paths
    finally:
        for fd in fds:
            os.close(fd)


@contextlib.contextmanager
def _pkcs12_as_pem(config: ClientConfig) -> Iterator[tuple[str, str]]:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        pkcs12,
    )

    location = config.get("ssl.keystore.location")
    secret = config.get("ssl.keystore.password")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            Path(location).read_bytes(), secret.encode() if secret else None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read ssl.keystore.location: {_why(exc)}") from None
    if key is None or cert is None:
        raise ConfigError("ssl.keystore.location holds no private key and certificate")
    chain = b"".join(c.public_bytes(Encoding.PEM) for c in [cert, *extra])
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with _private_files(chain.decode(), key_pem.decode()) as files:
        yield files


def _why(exc: BaseException) -> str:
    """OpenSSL's or the OS's reason, never an argument value (which could be a secret)."""
    if isinstance(exc, ssl.SSLError):
        return str(exc.reason or exc.library or "invalid").replace("_", " ").lower()
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def bare_probe_context() -> ssl.SSLContext:
    """For plaintext clients: a context that only asks 'do you speak TLS?'."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
