"""Keep secrets out of every line listencheck writes."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
SHORT = 6  # secrets shorter than this are masked as whole tokens only


class Redactor:
    """Replaces every configured secret value with ``***``.

    Applied to rendered reports, log records and error messages: the last
    line of defence, behind the rule that secret values are never put into
    results in the first place.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._long = [s for s in ordered if len(s) >= SHORT]
        # A short secret ("p") is masked only where it stands alone: inside words it is
        # no secret, and masking it there would garble the report ("s***eaks").
        self._short = [re.compile(rf"(?<![\w]){re.escape(s)}(?![\w])") for s in ordered if len(s) < SHORT]

    def __call__(self, text: str) -> str:
        for secret in self._long:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern in self._short:
            text = pattern.sub(MASK, text)
        return text
