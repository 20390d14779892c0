"""The v100+ handshake, both roles.

Client -> server: the raw bytes ``API\\0`` (not framed), then one framed ``v<min>..<max>`` with no NUL
terminator, optionally followed by `` +OPTIONS``. Server -> client: one frame with two NUL-terminated
fields, ``<version>`` and ``<connection time>`` (``yyyyMMdd HH:mm:ss <zone>``). Then the client sends
START_API (see :mod:`ibwire.protocol.messages.system`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

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
    """The server's reply: the negotiated version and the connection time."""

    server_version: int
    connection_time: datetime
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
    t = connection_time or datetime.now(timezone.utc)
    zone = getattr(t.tzinfo, "key", None)
    text = t.strftime("%Y%m%d %H:%M:%S ") + (zone or t.strftime("%Z") or "UTC")
    return encode_fields([str(version), text])


def parse_server_hello(fields: list[str]) -> ServerHello:
    if len(fields) < 1 or not fields[0].lstrip("-").isdigit():
        raise RemoteProtocolError(f"handshake reply is not a server version: {fields[:2]!r}",
                                  field_index=0, raw=fields[0] if fields else None)
    version = int(fields[0])
    text = fields[1] if len(fields) > 1 else ""
    try:
        when = parse_tws_time(text) if text else datetime.now(timezone.utc)
    except ValueError:
        # An unknown zone name must not break the connection: keep the text, assume UTC.
        try:
            when = parse_tws_time(text[:17])
        except ValueError:
            when = datetime.now(timezone.utc)
    return ServerHello(version, when, text)
