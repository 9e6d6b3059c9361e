"""Strings from the network, made safe to print on a terminal.

A broker (or anything posing as one) chooses host names, rack and cluster ids,
error messages and log lines. Written raw, an escape sequence among them
could recolour, hide or rewrite what the terminal shows (or set its title, or
its clipboard). The text report therefore escapes every control and format
character except the newline as ``\\xNN`` / ``\\uNNNN``. JSON needs none of
this: its encoder escapes control characters itself.
"""

from __future__ import annotations

import dataclasses
import re
from enum import Enum
from typing import TypeVar

T = TypeVar("T")

# C0 controls but the newline, DEL, C1 controls, and the format characters that
# reorder or hide text (bidirectional overrides and isolates, zero-width marks).
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable_tree(value: T) -> T:
    """``value`` with every string inside (dataclasses, tuples, dicts, sets) made printable.

    Objects without anything to escape are returned as they are, and objects
    shared in several places are walked once.
    """
    memo: dict[int, object] = {}
    return _clean(value, memo)  # type: ignore[return-value]


# Field types that hold no text: a dataclass made only of them is never walked (a topic
# metadata answer holds hundreds of thousands of partitions, all numbers).
_NUMERIC_FIELD = re.compile(r"(int|bool|float|tuple\[int, \.\.\.\])")
_TEXTLESS: dict[type, bool] = {}


def _textless(cls: type) -> bool:
    known = _TEXTLESS.get(cls)
    if known is None:
        known = _TEXTLESS[cls] = all(
            isinstance(f.type, str) and _NUMERIC_FIELD.fullmatch(f.type) for f in dataclasses.fields(cls))
    return known


def _all_textless(items: tuple[object, ...] | list[object] | frozenset[object] | set[object]) -> bool:
    """A collection of one textless dataclass type (checked without walking each item)."""
    first = next(iter(items), None)
    cls = type(first)
    return (first is not None and dataclasses.is_dataclass(cls) and _textless(cls)
            and all(type(v) is cls for v in items))


def _plain_mapping(mapping: dict[object, object]) -> bool:
    """Text keys and numbers (ApiVersions ranges: one per API, on every broker), nothing to escape:
    checked in one pass instead of walking each key and value."""
    keys = mapping.keys()
    return (all(type(k) is str for k in keys) and not _UNSAFE.search("".join(keys))  # type: ignore[arg-type]
            and all(type(v) is tuple and all(type(x) is int for x in v) for v in mapping.values()))


_SCALARS = (type(None), bool, int, float)


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields a dataclass is rebuilt from (None: not a dataclass, or one without text)."""
    try:
        return _FIELDS[cls]
    except KeyError:
        pass
    names = None
    if dataclasses.is_dataclass(cls) and not _textless(cls):
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    _FIELDS[cls] = names
    return names


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _clean(value: object, memo: dict[int, object]) -> object:
    cls = type(value)
    if cls is str:
        return printable(value)  # type: ignore[arg-type]
    if cls in _SCALARS or isinstance(value, Enum):
        return value
    names = _init_fields(cls)
    if names is None and dataclasses.is_dataclass(cls):
        return value  # a dataclass holding no text
    if isinstance(value, str):
        return printable(value)
    key = id(value)
    if key in memo:
        return memo[key]
    result: object = value
    if names is not None:
        changes = {}
        for name in names:
            old = getattr(value, name)
            new = _clean(old, memo)
            if new is not old:
                changes[name] = new
        if changes:
            result = dataclasses.replace(value, **changes)  # type: ignore[type-var]
    elif isinstance(value, (tuple, list, frozenset, set)):
        if _all_textless(value):
            return value
        items = [_clean(v, memo) for v in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            result = type(value)(items)
    elif isinstance(value, dict):
        if _plain_mapping(value):
            return value
        pairs = [(k, v, _clean(k, memo), _clean(v, memo)) for k, v in value.items()]
        if any(k is not k2 or v is not v2 for k, v, k2, v2 in pairs):
            result = {k2: v2 for _, _, k2, v2 in pairs}
    memo[key] = result
    return result
