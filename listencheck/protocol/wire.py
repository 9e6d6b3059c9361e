"""Kafka wire primitives: a bounds-checked reader and a small writer.

Only the primitive types that ApiVersions, Metadata, DescribeConfigs and the SASL
requests use are implemented. Every read is checked against the remaining
buffer, so any byte string decodes to a value or raises :class:`DecodeError`.
"""

from __future__ import annotations

import struct

# Upper bound on any array we are willing to decode. A hostile peer can announce
# 2**31 elements; we refuse before allocating anything.
MAX_ARRAY_LENGTH = 100_000


_INT8, _UINT8, _INT16, _INT32, _INT64 = (struct.Struct(f) for f in (">b", ">B", ">h", ">i", ">q"))


class DecodeError(ValueError):
    """The bytes are not a valid encoding of the expected message."""


class Reader:
    """Reads Kafka primitives from a bytes buffer, never past its end."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    @property
    def buffer(self) -> memoryview:
        """The whole buffer, for decoders of long uniform arrays that read it directly."""
        return self._data

    @property
    def position(self) -> int:
        return self._pos

    def seek(self, position: int) -> None:
        """Continue at ``position`` (after a direct read of ``buffer``); never past the end."""
        if not self._pos <= position <= len(self._data):
            raise DecodeError(f"position {position} outside {self._pos}..{len(self._data)}")
        self._pos = position

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def rest(self) -> bytes:
        """The bytes not read yet (the reader does not move)."""
        return bytes(self._data[self._pos :])

    def _take(self, size: int) -> memoryview:
        if size < 0 or size > self.remaining:
            raise DecodeError(f"need {size} bytes at offset {self._pos}, {self.remaining} left")
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def _unpack(self, fmt: struct.Struct) -> int:
        end = self._pos + fmt.size
        if end > len(self._data):
            raise DecodeError(f"need {fmt.size} bytes at offset {self._pos}, {self.remaining} left")
        value: int = fmt.unpack_from(self._data, self._pos)[0]
        self._pos = end
        return value

    def int8(self) -> int:
        return self._unpack(_INT8)

    def int16(self) -> int:
        return self._unpack(_INT16)

    def int32(self) -> int:
        return self._unpack(_INT32)

    def int64(self) -> int:
        return self._unpack(_INT64)

    def boolean(self) -> bool:
        return self.int8() != 0

    def uvarint(self) -> int:
        """Unsigned LEB128 varint, at most 5 bytes (a 32-bit value)."""
        value = 0
        for shift in range(0, 35, 7):
            byte = self._unpack(_UINT8)
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise DecodeError("varint longer than 5 bytes")

    def string(self) -> str:
        text = self.nullable_string()
        if text is None:
            raise DecodeError("null where a string was required")
        return text

    def nullable_string(self) -> str | None:
        length = self.int16()
        return None if length < 0 else self._text(length)

    def compact_string(self) -> str:
        text = self.compact_nullable_string()
        if text is None:
            raise DecodeError("null where a compact string was required")
        return text

    def compact_nullable_string(self) -> str | None:
        length = self.uvarint() - 1
        return None if length < 0 else self._text(length)

    def bytes_(self) -> bytes | None:
        length = self.int32()
        return None if length < 0 else bytes(self._take(length))

    def compact_bytes(self) -> bytes | None:
        length = self.uvarint() - 1
        return None if length < 0 else bytes(self._take(length))

    def array_length(self) -> int:
        """Length of a classic (int32-prefixed) array; -1 means null."""
        return self._checked_length(self.int32())

    def compact_array_length(self) -> int:
        """Length of a compact (varint-prefixed) array; -1 means null."""
        return self._checked_length(self.uvarint() - 1)

    def skip_tagged_fields(self) -> None:
        for _ in range(self._checked_length(self.uvarint())):
            self.uvarint()  # tag
            self._take(self.uvarint())

    def _checked_length(self, length: int) -> int:
        if length < -1:
            raise DecodeError(f"negative array length {length}")
        if length > MAX_ARRAY_LENGTH:
            raise DecodeError(f"array of {length} elements exceeds the limit of {MAX_ARRAY_LENGTH}")
        if length > self.remaining:
            # Each element takes at least one byte: a longer count is a lie.
            raise DecodeError(f"array of {length} elements in {self.remaining} remaining bytes")
        return length

    def _text(self, length: int) -> str:
        raw = bytes(self._take(length))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"string is not UTF-8: {exc.reason}") from None


class Writer:
    """Builds a Kafka message body from primitives."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def int8(self, value: int) -> Writer:
        self._parts.append(struct.pack(">b", value))
        return self

    def int16(self, value: int) -> Writer:
        self._parts.append(struct.pack(">h", value))
        return self

    def int32(self, value: int) -> Writer:
        self._parts.append(struct.pack(">i", value))
        return self

    def int64(self, value: int) -> Writer:
        self._parts.append(struct.pack(">q", value))
        return self

    def boolean(self, value: bool) -> Writer:
        return self.int8(1 if value else 0)

    def uvarint(self, value: int) -> Writer:
        out = bytearray()
        while True:
            byte = value & 0x7F
            value >>= 7
            if value:
                out.append(byte | 0x80)
            else:
                out.append(byte)
                break
        self._parts.append(bytes(out))
        return self

    def nullable_string(self, value: str | None) -> Writer:
        if value is None:
            return self.int16(-1)
        raw = value.encode("utf-8")
        self.int16(len(raw))
        self._parts.append(raw)
        return self

    def compact_nullable_string(self, value: str | None) -> Writer:
        if value is None:
            return self.uvarint(0)
        raw = value.encode("utf-8")
        self.uvarint(len(raw) + 1)
        self._parts.append(raw)
        return self

    def bytes_(self, value: bytes) -> Writer:
        self.int32(len(value))
        self._parts.append(value)
        return self

    def compact_bytes(self, value: bytes) -> Writer:
        self.uvarint(len(value) + 1)
        self._parts.append(value)
        return self

    def empty_tagged_fields(self) -> Writer:
        return self.uvarint(0)

    def build(self) -> bytes:
        return b"".join(self._parts)
