"""The v100+ handshake, both roles.

Client -> server: the raw bytes ``API\\0`` (not framed), then one framed ``v<min>..<max>`` with no NUL
terminator, optionally followed by `` +OPTIONS``. Server -> client: one frame with two NUL-terminated
fields, ``<version>`` and ``<connection time>`` (``yyyyMMdd HH:mm:ss <zone>``). Then the client sends
START_API (see :mod:`ibwire.protocol.messages.system`).

No clock is read here: a server passes its connection time in (the paper gateway its market time),
and a client that gets no time, or one it cannot read, has ``connection_time = None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ..errors import LocalProtocolError, RemoteProtocolError
from .codec import parse_tws_time
from .framing import encode_fields, encode_frame

__all__ = [
    "API_PREFIX",
    "ClientHello",
    "ServerHello",
    "encode_client_hello",
    "parse_client_hello",
    "encode_server_hello",
    "parse_server_hello",
    "negotiate",
]

API_PREFIX = b"API\0"

_RANGE_RE = re.compile(r"^v(\d+)(?:\.\.(\d+))?(?: (.*))?$")


@dataclass(frozen=True, slots=True)
class ClientHello:
    """What the client offered: a version range and connect options (e.g. ``+PACEAPI``)."""

    min_version: int
    max_version: int
    options: str = ""


@dataclass(frozen=True, slots=True)
class ServerHello:
    """The server's reply: the negotiated version and the connection time (``None`` when the
    server sent none, or a text that is not a time; the text is kept as it came)."""

    server_version: int
    connection_time: datetime | None
    connection_time_text: str


def encode_client_hello(min_version: int, max_version: int, options: str = "") -> bytes:
    if not 0 < min_version <= max_version:
        raise LocalProtocolError(f"bad version range {min_version}..{max_version}")
    text = f"v{min_version}" if min_version == max_version else f"v{min_version}..{max_version}"
    if options:
        text += " " + options
    try:
        return API_PREFIX + encode_frame(text.encode("ascii"))
    except UnicodeEncodeError:
        raise LocalProtocolError(f"connect options must be ASCII: {options!r}") from None


def parse_client_hello(payload: bytes) -> ClientHello:
    """Parse the framed ``v<min>..<max> [options]`` the client sent after ``API\\0``."""
    try:
        text = payload.decode("ascii").rstrip("\0")
    except UnicodeDecodeError:
        raise RemoteProtocolError("version range is not ASCII", raw=payload[:32].hex()) from None
    m = _RANGE_RE.match(text)
    if m is None:
        raise RemoteProtocolError(f"malformed version range {text[:64]!r}", raw=text[:64])
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo > hi:
        raise RemoteProtocolError(f"version range {lo}..{hi} is empty", raw=text[:64])
    return ClientHello(lo, hi, (m.group(3) or "").strip())


def negotiate(hello: ClientHello, server_min: int, server_max: int) -> int | None:
    """The version a server answers: min(client max, server max), or None without overlap."""
    version = min(hello.max_version, server_max)
    if version < max(hello.min_version, server_min):
        return None
    return version


def encode_server_hello(version: int, connection_time: datetime | None = None) -> bytes:
    """The server's reply. ``connection_time`` is the server's own (TWS sends its local time); the
    core reads no clock, so without one the time field is empty (the official clients, ib_async and
    ibwire all accept that)."""
    text = ""
    if connection_time is not None:
        t = connection_time
        zone = getattr(t.tzinfo, "key", None)
        text = t.strftime("%Y%m%d %H:%M:%S ") + (zone or t.strftime("%Z") or "UTC")
    return encode_fields([str(version), text])


def parse_server_hello(fields: list[str]) -> ServerHello:
    if len(fields) < 1 or not fields[0].lstrip("-").isdigit():
        raise RemoteProtocolError(f"handshake reply is not a server version: {fields[:2]!r}",
                                  field_index=0, raw=fields[0] if fields else None)
    version = int(fields[0])
    text = fields[1] if len(fields) > 1 else ""
    when: datetime | None = None
    if text:
        try:
            when = parse_tws_time(text)
        except ValueError:
            # An unknown zone name must not break the connection: keep the text, assume UTC.
            try:
                when = parse_tws_time(text[:17])
            except ValueError:
                when = None
    return ServerHello(version, when, text)
