"""The client side of SCRAM (RFC 5802, RFC 7677) as Kafka uses it, with hashlib and hmac.

Like Kafka's own clients, no SASLprep is applied: the password's UTF-8 bytes
are used as they are. The server's signature is verified, so a broker that
does not hold the user's credentials (or something in between) is caught.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

HASHES = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}
GS2_HEADER = "n,,"


class ScramError(Exception):
    """The server's message does not follow RFC 5802 (the text never contains credentials)."""


@dataclass(frozen=True)
class ServerFinal:
    """The SCRAM server-final message, judged."""

    error: str | None  # the server's e= value (unknown-user, invalid-proof, ...)
    signature_valid: bool


@dataclass
class ScramClient:
    """The client side of one SCRAM (RFC 5802) exchange."""

    mechanism: str
    username: str
    password: str = field(repr=False)
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    iterations: int | None = None
    _auth_message: bytes = field(default=b"", repr=False)
    _server_key: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        if self.mechanism not in HASHES:
            raise ValueError(f"not a SCRAM mechanism: {self.mechanism}")

    @property
    def _hash(self) -> str:
        return HASHES[self.mechanism]

    def _bare_first(self) -> str:
        name = self.username.replace("=", "=3D").replace(",", "=2C")
        return f"n={name},r={self.nonce}"

    def client_first(self) -> bytes:
        return (GS2_HEADER + self._bare_first()).encode()

    def client_final(self, server_first: bytes) -> bytes:
        fields = _attributes(server_first)
        if "e" in fields:
            raise ScramError(f"server error: {fields['e']}")
        try:
            nonce, iterations = fields["r"], int(fields["i"])
            salt = base64.b64decode(fields["s"], validate=True)
        except (KeyError, ValueError) as exc:
            raise ScramError(f"malformed server-first-message ({type(exc).__name__})") from None
        if not nonce.startswith(self.nonce) or len(nonce) == len(self.nonce):
            raise ScramError("the server's nonce does not extend the client's")
        if iterations < 1:
            raise ScramError(f"invalid iteration count {iterations}")
        self.iterations = iterations
        salted = hashlib.pbkdf2_hmac(self._hash, self.password.encode(), salt, iterations)
        client_key = self._hmac(salted, b"Client Key")
        stored_key = hashlib.new(self._hash, client_key).digest()
        without_proof = f"c={base64.b64encode(GS2_HEADER.encode()).decode()},r={nonce}"
        self._auth_message = ",".join(
            [self._bare_first(), server_first.decode("utf-8", "replace"), without_proof]).encode()
        signature = self._hmac(stored_key, self._auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        self._server_key = self._hmac(salted, b"Server Key")
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def server_final(self, message: bytes) -> ServerFinal:
        fields = _attributes(message)
        if "e" in fields:
            return ServerFinal(fields["e"], False)
        if "v" not in fields:
            raise ScramError("malformed server-final-message (no v= and no e=)")
        expected = self._hmac(self._server_key, self._auth_message)
        try:
            given = base64.b64decode(fields["v"], validate=True)
        except ValueError:
            return ServerFinal(None, False)
        return ServerFinal(None, hmac.compare_digest(given, expected))

    def _hmac(self, key: bytes, message: bytes) -> bytes:
        return hmac.new(key, message, self._hash).digest()


def _attributes(message: bytes) -> dict[str, str]:
    try:
        text = message.decode("utf-8")
    except UnicodeDecodeError:
        raise ScramError("the server's SCRAM message is not UTF-8") from None
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if sep and len(key) == 1:
            fields.setdefault(key, value)
    return fields
