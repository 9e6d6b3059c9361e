"""Keep secrets out of every line listencheck writes."""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


class Redactor:
    """Replaces every configured secret value with ``***``.

    Applied to rendered reports, log records and error messages: the last
    line of defence, behind the rule that secret values are never put into
    results in the first place.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


class RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(record.getMessage())
        record.args = None
        return True
