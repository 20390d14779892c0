"""The sans-I/O protocol core: framing, handshake, codec, version gates, schemas, Connection."""

from .codec import Kind, TagValue
from .connection import (
    BadMessage,
    Connection,
    ConnectionClosed,
    HandshakeComplete,
    Role,
    SessionReady,
    State,
    decode_fields,
    encode_message,
)
from .handshake import ClientHello
from .ids import In, Out
from .schema import TO_CLIENT, TO_SERVER, Direction, Message, UnknownMessage
from .versions import MAX_CLIENT_VERSION, MAX_VERSION, MIN_CLIENT_VERSION, MIN_VERSION, Feature, supports

__all__ = [
    "Kind", "TagValue", "BadMessage", "Connection", "ConnectionClosed", "HandshakeComplete",
    "Role", "SessionReady", "State", "decode_fields", "encode_message", "ClientHello", "In", "Out",
    "TO_CLIENT", "TO_SERVER", "Direction", "Message", "UnknownMessage", "MAX_CLIENT_VERSION",
    "MIN_CLIENT_VERSION", "MAX_VERSION", "MIN_VERSION", "Feature", "supports",
]
