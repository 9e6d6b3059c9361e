"""Errors the user can act on. Anything else escaping the core is a bug."""

from __future__ import annotations


class ListencheckError(Exception):
    """Base class: its message is one line, fit to show the user as is."""


class UsageError(ListencheckError):
    """Bad input: a malformed address, an unreadable file, an invalid property."""


class Unavailable(ListencheckError):
    """A part of listencheck that is not installed (an optional extra): not a usage error."""


class ConfigError(UsageError):
    """A client property that the Kafka client library rejects."""
