"""Frames: a 4-byte big-endian payload length, then the payload.

Below server version 201 the payload is NUL-terminated ASCII fields, the first being the message id.
From 201 (:attr:`Feature.PROTOBUF`) the payload starts with the message id as a 4-byte big-endian
integer; an id above :data:`PROTOBUF_ID_OFFSET` (200) means a protobuf body for id - 200, else the
body is text fields without the id. :func:`split_frame` decides this frame by frame, as the
official decoder does (PROTOCOL-V2.md section 1.2).

:class:`FrameBuffer` is incremental: feed it bytes as they arrive (one at a time or megabytes at
once) and take complete payloads out. It keeps an offset into its buffer and compacts once per
``feed`` call, so the cost stays linear in the bytes received. A length above
:data:`MAX_FRAME_LENGTH` is a protocol error raised before any allocation.
"""

from __future__ import annotations

import struct
from enum import Enum

from ..errors import LocalProtocolError, RemoteProtocolError
from .versions import Feature

__all__ = ["MAX_FRAME_LENGTH", "PROTOBUF_ID_OFFSET", "Encoding", "FrameBuffer", "encode_frame",
           "encode_fields", "split_fields", "binary_ids", "split_frame", "encode_text_frame",
           "encode_protobuf_frame"]

_LENGTH = struct.Struct(">I")

PROTOBUF_ID_OFFSET = 200
"""From 201, a raw message id above this is a protobuf body for ``raw - 200``."""


class Encoding(Enum):
    TEXT = "text"
    PROTOBUF = "protobuf"


def binary_ids(version: int) -> bool:
    """True when frames at ``version`` carry a 4-byte binary message id (201 and later)."""
    return version >= Feature.PROTOBUF


def split_frame(payload: bytes, binary: bool) -> tuple[int, Encoding, bytes]:
    """One payload as ``(message id, encoding, body)``; ``binary``: see :func:`binary_ids`.

    A text body is returned as its bytes after the id (split it with :func:`split_fields`)."""
    if binary:
        if len(payload) < 4:
            raise RemoteProtocolError(f"frame of {len(payload)} bytes has no 4-byte message id",
                                      raw=payload.hex())
        raw = _LENGTH.unpack_from(payload)[0]
        body = payload[4:]
    else:
        head, _, body = payload.partition(b"\0")
        if not head.isdigit() or len(head) > 12:
            raise RemoteProtocolError(f"frame does not start with a message id: {head[:32]!r}",
                                      field_index=0, raw=head[:32].decode("latin-1"))
        raw = int(head)
    if raw > PROTOBUF_ID_OFFSET:
        return raw - PROTOBUF_ID_OFFSET, Encoding.PROTOBUF, body
    return raw, Encoding.TEXT, body


def encode_text_frame(fields: list[str], binary: bool) -> bytes:
    """A text message (``fields[0]`` is its id) as a frame; with ``binary`` the id travels as 4
    bytes and the body is the other fields (an empty body for a message without fields)."""
    if not binary:
        return encode_fields(fields)
    try:
        body = "".join([f + "\0" for f in fields[1:]]).encode("ascii")
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"non-ASCII character in an outgoing field: {exc.object[exc.start:exc.end]!r}") from None
    return encode_frame(int(fields[0]).to_bytes(4, "big") + body)


def encode_protobuf_frame(msg_id: int, body: bytes) -> bytes:
    """A protobuf body as a frame (binary id ``msg_id + 200``)."""
    return encode_frame((msg_id + PROTOBUF_ID_OFFSET).to_bytes(4, "big") + body)

MAX_FRAME_LENGTH = 0xFFFFFF
"""Largest payload the official clients accept (16 MiB - 1); larger is error 507."""


def encode_frame(payload: bytes) -> bytes:
    """Prefix ``payload`` with its length."""
    n = len(payload)
    if n > MAX_FRAME_LENGTH:
        raise LocalProtocolError(f"frame of {n} bytes exceeds the {MAX_FRAME_LENGTH}-byte limit")
    return n.to_bytes(4, "big") + payload


def encode_fields(fields: list[str]) -> bytes:
    """Join text fields into one frame: each field NUL-terminated, length-prefixed."""
    try:
        payload = ("\0".join(fields) + "\0").encode("ascii")
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(f"non-ASCII character in an outgoing field: {exc.object[exc.start:exc.end]!r}") from None
    return encode_frame(payload)


def split_fields(payload: bytes) -> list[str]:
    """Split a payload into its text fields (the final terminator leaves no empty field)."""
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError as exc:
        head = payload.split(b"\0", 1)[0][:10]
        msg_id = int(head) if head.isdigit() else None
        raise RemoteProtocolError(
            f"non-ASCII byte {payload[exc.start]:#04x} at offset {exc.start} of a frame",
            msg_id=msg_id, raw=payload[exc.start:exc.start + 16].decode("latin-1"),
        ) from None
    fields = text.split("\0")
    if fields[-1] == "":
        fields.pop()
    return fields


class FrameBuffer:
    """Accumulates bytes and yields complete frame payloads."""

    __slots__ = ("_buf", "_max")

    def __init__(self, max_length: int = MAX_FRAME_LENGTH) -> None:
        self._buf = bytearray()
        self._max = max_length

    def __len__(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; return every payload now complete, in order."""
        buf = self._buf
        if buf:
            buf += data
            src = bytes(buf)  # one copy per read, never one per frame
        else:
            src = data
        size = len(src)
        pos = 0
        out: list[bytes] = []
        append = out.append
        limit = self._max
        unpack = _LENGTH.unpack_from
        while size - pos >= 4:
            n = unpack(src, pos)[0]
            if n > limit:
                raise RemoteProtocolError(
                    f"frame length {n} exceeds the {limit}-byte limit (error 507, bad message length)",
                    raw=src[pos:pos + 4].hex(),
                )
            end = pos + 4 + n
            if end > size:
                break
            append(src[pos + 4:end])
            pos = end
        if pos < size:
            if src is data:
                buf[:] = data[pos:]
            elif pos:
                del buf[:pos]
        elif buf:
            buf.clear()
        return out

    def take_raw(self, n: int) -> bytes | None:
        """Remove and return exactly ``n`` unframed bytes (the handshake's ``API\\0``), or None."""
        if len(self._buf) < n:
            return None
        head = bytes(self._buf[:n])
        del self._buf[:n]
        return head
