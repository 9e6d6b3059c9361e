"""The verdict's headline: the first problem, said in one clause (pure)."""

from __future__ import annotations

import re

_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")


def headline(message: str) -> str:
    """``message``'s first sentence, up to its first colon, without parenthesised detail:
    "Broker 111 advertises kafka:9092, but kafka does not resolve from here (nxdomain)." ->
    "broker 111 advertises kafka:9092, but kafka does not resolve from here"."""
    text = message.strip()
    while True:  # innermost parentheses first, until none are left
        shorter = _PARENTHESES.sub("", text)
        if shorter == text:
            break
        text = shorter
    text = _SENTENCE_END.split(text, maxsplit=1)[0].split(": ", 1)[0].strip().rstrip(".;,")
    if text.startswith(("Broker ", "Brokers ", "The ")):
        text = text[0].lower() + text[1:]
    return text or message.strip().rstrip(".")
