"""TLS: the client's TLS settings, certificate facts and host-name rules. No probing here."""
