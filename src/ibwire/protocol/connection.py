"""The sans-I/O protocol connection, for both roles.

``Connection(Role.CLIENT)`` is what a TWS client runs; ``Connection(Role.SERVER)`` is what the paper
gateway runs for each socket. Neither touches a socket: bytes go in through :meth:`receive_data`,
which returns typed events, and every ``send``-like method returns the bytes to write.

Client states::

    CONNECTING --initiate()--> AWAIT_SERVER_VERSION --reply--> AWAIT_READY
        --NEXT_VALID_ID + MANAGED_ACCTS--> READY --EOF / close()--> CLOSED

Server states::

    AWAIT_HELLO --"API\\0" + range--> AWAIT_ACCEPT --accept()--> AWAIT_START_API
        --START_API--> READY --EOF / close()--> CLOSED

An event or a call that is illegal in the current state raises a :class:`ProtocolError` that
names the state. A frame that cannot be decoded does not end the connection: it becomes a
:class:`BadMessage` event carrying the error (message id, field index, raw value); a framing error
(oversize length, a broken handshake) does end it.

The core owns no process-wide state and reads no clock: a server passes its connection time to
:meth:`Connection.accept`, and a front end that hands over huge reads decides itself whether to
pause the cyclic garbage collector around :meth:`Connection.receive_data` (the threaded transport
does, for reads of :data:`LARGE_READ_BYTES` and more).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Union

from ..errors import ConnectError, LocalProtocolError, RemoteProtocolError
from . import messages as _messages  # noqa: F401 - registers every schema
from .framing import (
    MAX_FRAME_LENGTH,
    Encoding,
    FrameBuffer,
    binary_ids,
    encode_fields,
    encode_protobuf_frame,
    encode_text_frame,
    split_fields,
    split_frame,
)
from .handshake import (
    API_PREFIX,
    ClientHello,
    ServerHello,
    encode_client_hello,
    encode_server_hello,
    parse_client_hello,
    parse_server_hello,
)
from .ids import Out
from .messages.system import ManagedAccts, NextValidId, StartApi
from .schema import TO_CLIENT, TO_SERVER, Direction, Message, UnknownMessage
from .versions import MAX_VERSION, MIN_VERSION, Feature

__all__ = [
    "Role",
    "State",
    "Connection",
    "Event",
    "HandshakeComplete",
    "SessionReady",
    "BadMessage",
    "ConnectionClosed",
    "ClientHello",
    "encode_message",
    "decode_fields",
    "decode_frame",
    "Encoding",
    "LARGE_READ_BYTES",
]


_RAW_ID = struct.Struct(">I").unpack_from
"""The 4-byte binary message id at the start of a payload (server version 201 and later)."""

LARGE_READ_BYTES = 1 << 19
"""A hint for front ends (the core does nothing with it): a read this large (some 20,000 tick
frames) keeps one live event per frame until :meth:`Connection.receive_data` returns, and the cyclic
garbage collector would walk them again and again (it finds no cycles in freshly decoded data), so
the cost per frame grows with the read. A front end may pause the collector around such a read;
below this size pausing gains nothing measurable."""

class Role(Enum):
    CLIENT = "client"
    SERVER = "server"


class State(Enum):
    CONNECTING = "CONNECTING"
    AWAIT_SERVER_VERSION = "AWAIT_SERVER_VERSION"
    AWAIT_READY = "AWAIT_READY"
    AWAIT_HELLO = "AWAIT_HELLO"
    AWAIT_ACCEPT = "AWAIT_ACCEPT"
    AWAIT_START_API = "AWAIT_START_API"
    READY = "READY"
    CLOSED = "CLOSED"


@dataclass(slots=True)
class HandshakeComplete:
    """Client: the server answered the version range (the official ``connectAck``)."""

    server_version: int
    connection_time: datetime | None  # None: the server sent no time, or not one we can read
    connection_time_text: str


@dataclass(slots=True)
class SessionReady:
    """Client: both NEXT_VALID_ID and MANAGED_ACCTS arrived; requests may flow."""

    next_valid_id: int
    accounts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BadMessage:
    """A frame that could not be decoded; the connection goes on."""

    error: RemoteProtocolError
    fields: list[str]
    body: bytes | None = None
    """The protobuf body, when the frame was protobuf (``fields`` then holds only its id)."""


@dataclass(slots=True)
class ConnectionClosed:
    """The connection ended: the peer closed it (EOF), or ``cause`` broke it."""

    cause: BaseException | None = None


Event = Union[Message, UnknownMessage, HandshakeComplete, SessionReady, BadMessage,
              ConnectionClosed, ClientHello]


def _encoding_for(msg: Message, version: int, encoding: Encoding | None) -> Encoding:
    if encoding is None:
        return Encoding.PROTOBUF if msg.SCHEMA.protobuf_at(version) else Encoding.TEXT
    if encoding is Encoding.PROTOBUF:
        if not binary_ids(version):
            raise LocalProtocolError(f"no protobuf frames below server version {int(Feature.PROTOBUF)}")
        if msg.SCHEMA.pb is None:
            raise LocalProtocolError(f"{type(msg).__name__} has no protobuf form")
    return encoding


def encode_message(msg: Message, version: int, encoding: Encoding | None = None) -> bytes:
    """Encode one message as a frame for ``version`` (no state checks): as protobuf from the
    version its declaration names (``Proto(since=...)``), else as text; ``encoding`` forces one
    (either form of any message is legal from 201)."""
    if _encoding_for(msg, version, encoding) is Encoding.PROTOBUF:
        return encode_protobuf_frame(msg.MSG_ID, msg.SCHEMA.pb_encode(msg, version))
    return encode_text_frame(msg.SCHEMA.encoder(version)(msg), binary_ids(version))


def decode_frame(payload: bytes, version: int, role: Role) -> Any:
    """Decode one frame's payload as received by ``role`` at ``version`` (no state checks)."""
    registry = TO_CLIENT if role is Role.CLIENT else TO_SERVER
    msg_id, encoding, body = split_frame(payload, binary_ids(version))
    cls = registry.get(msg_id)
    if encoding is Encoding.PROTOBUF:
        if cls is None or cls.SCHEMA.pb is None:
            return UnknownMessage(msg_id, [], body)
        return cls.SCHEMA.pb_decoder()(payload, len(payload) - len(body))
    fields = [str(msg_id), *split_fields(body)]
    if cls is None:
        return UnknownMessage(msg_id, fields)
    return cls.SCHEMA.decoder(version)(fields)


def decode_fields(fields: list[str], version: int, role: Role) -> Any:
    """Decode one frame's fields as received by ``role`` (no state checks)."""
    registry = TO_CLIENT if role is Role.CLIENT else TO_SERVER
    try:
        msg_id = int(fields[0])
    except (ValueError, IndexError):
        raise RemoteProtocolError(f"frame does not start with a message id: {fields[:1]!r}",
                                  field_index=0, raw=fields[0] if fields else None) from None
    cls = registry.get(msg_id)
    if cls is None:
        return UnknownMessage(msg_id, fields)
    return cls.SCHEMA.decoder(version)(fields)


class Connection:
    """One end of a TWS API socket session, without I/O."""

    def __init__(self, role: Role, *, min_version: int = MIN_VERSION,
                 max_version: int = MAX_VERSION,
                 max_frame_length: int = MAX_FRAME_LENGTH) -> None:
        self.role = role
        self.min_version = min_version
        self.max_version = max_version
        self.state = State.CONNECTING if role is Role.CLIENT else State.AWAIT_HELLO
        self.server_version: int | None = None
        self.connection_time: datetime | None = None
        self.connection_time_text = ""
        self.client_id: int | None = None
        self.next_valid_id: int | None = None
        self.accounts: list[str] | None = None
        self.hello: ClientHello | None = None
        self._frames = FrameBuffer(max_frame_length)
        self._registry = TO_CLIENT if role is Role.CLIENT else TO_SERVER
        self._decoders: dict[str, Any] = {}
        self._binary = False  # frames carry a 4-byte binary id (server version >= 201)
        self._bin_decoders: dict[int, Any] = {}  # raw id -> (payload, 4, end) -> message
        self._got_prefix = False
        self._pending: list[bytes] = []  # server: frames that arrived before accept()
        self._sends = Direction.TO_SERVER if role is Role.CLIENT else Direction.TO_CLIENT
        self.trace: Callable[[str, list[str]], None] | None = None
        """Called with ("<", fields) for every frame received and (">", fields) for every frame sent."""

    def __repr__(self) -> str:
        return f"<Connection {self.role.value} {self.state.value} v{self.server_version}>"

    # --- client side ---------------------------------------------------------------------------

    def initiate(self, options: str = "") -> bytes:
        """Client: the bytes that open the handshake (``API\\0`` + the version range)."""
        self._expect(Role.CLIENT, State.CONNECTING, "initiate")
        self.state = State.AWAIT_SERVER_VERSION
        return encode_client_hello(self.min_version, self.max_version, options)

    def start_api(self, client_id: int, optional_capabilities: str = "") -> bytes:
        """Client: START_API, sent once the server version is known."""
        self._expect(Role.CLIENT, State.AWAIT_READY, "start_api")
        if self.client_id is not None:
            raise LocalProtocolError("START_API was already sent on this connection")
        self.client_id = client_id
        return self._encode(StartApi(client_id, optional_capabilities or None))

    # --- server side ---------------------------------------------------------------------------

    def accept(self, version: int, connection_time: datetime | None = None) -> bytes:
        """Server: answer the client's range with ``version`` and the server's connection time
        (the core reads no clock: without a time the reply's time field is empty)."""
        self._expect(Role.SERVER, State.AWAIT_ACCEPT, "accept")
        self.server_version = version
        self._binary = binary_ids(version)
        self.connection_time = connection_time
        self.state = State.AWAIT_START_API
        return encode_server_hello(version, connection_time)

    def held_events(self) -> list[Event]:
        """Server: the events of the frames a client pipelined after its hello (START_API and
        more, in the same write), decoded now that :meth:`accept` fixed the version. Call it right
        after :meth:`accept` and handle them before reading again: no more bytes need to arrive
        for them. (If a front end does not, the next :meth:`receive_data` yields them first.)
        Raises like :meth:`receive_data` when such a frame is illegal before START_API."""
        if not self._pending or self.state in (State.AWAIT_HELLO, State.AWAIT_ACCEPT):
            return []
        held, self._pending = self._pending, []
        events: list[Event] = []
        if self.state is not State.CLOSED:
            self._decode_all(held, events)
        return events

    # --- both ----------------------------------------------------------------------------------

    def send(self, msg: Message, encoding: Encoding | None = None) -> bytes:
        """The frame for ``msg`` at the negotiated version: protobuf from the version its
        declaration names, text otherwise; ``encoding`` forces one (from 201 only)."""
        if msg.DIRECTION is not self._sends:
            raise LocalProtocolError(
                f"{type(msg).__name__} travels {msg.DIRECTION.value}; a {self.role.value} cannot send it")
        if self.role is Role.CLIENT:
            if self.state not in (State.AWAIT_READY, State.READY):
                raise LocalProtocolError(f"cannot send {type(msg).__name__} in state {self.state.value}")
        elif self.state is not State.READY:
            raise LocalProtocolError(f"cannot send {type(msg).__name__} in state {self.state.value}")
        return self._encode(msg, encoding)

    def close(self) -> None:
        self.state = State.CLOSED

    def _encode(self, msg: Message, encoding: Encoding | None = None) -> bytes:
        version = self.server_version
        assert version is not None
        if self._binary and _encoding_for(msg, version, encoding) is Encoding.PROTOBUF:
            body = msg.SCHEMA.pb_encode(msg, version)
            if self.trace is not None:
                self.trace(">", [str(msg.MSG_ID), f"<protobuf {body.hex()}>"])
            return encode_protobuf_frame(msg.MSG_ID, body)
        if encoding is Encoding.PROTOBUF:
            _encoding_for(msg, version, encoding)  # raises: no protobuf below 201
        fields = msg.SCHEMA.encoder(version)(msg)
        if self.trace is not None:
            self.trace(">", fields)
        if self._binary:
            return encode_text_frame(fields, True)
        return encode_fields(fields)

    def _expect(self, role: Role, state: State, what: str) -> None:
        if self.role is not role:
            raise LocalProtocolError(f"{what}() is for the {role.value} role")
        if self.state is not state:
            raise LocalProtocolError(f"{what}() is illegal in state {self.state.value}")

    def receive_data(self, data: bytes) -> list[Event]:
        """Feed received bytes (``b""`` for EOF); return the events they complete."""
        if self.state is State.CLOSED:
            return []
        events: list[Event] = []
        if not data:
            self.state = State.CLOSED
            events.append(ConnectionClosed())
            return events
        if self.state is State.READY:
            payloads = self._frames.feed(data)
        else:
            payloads = self._handshake(data, events)
        if payloads:
            self._decode_all(payloads, events)
        return events

    def _decode_all(self, payloads: list[bytes], events: list[Event]) -> None:
        if self._binary:
            self._decode_all_binary(payloads, events)
            return
        if self.state is not State.READY or self.trace is not None:
            for payload in payloads:
                self._decode_one(payload, events)
            return
        # Hot path: one frame -> fields -> compiled decoder -> event. Anything unusual (a message
        # id not seen yet, a frame that fails to decode) goes through _decode_one.
        decoders = self._decoders
        append = events.append
        for payload in payloads:
            try:
                fields = payload.decode("ascii").split("\0")
                if not fields[-1]:
                    fields.pop()
                append(decoders[fields[0]](fields))
            except Exception:
                self._decode_one(payload, events)

    def _decode_all_binary(self, payloads: list[bytes], events: list[Event]) -> None:
        """From 201: the id is 4 bytes; protobuf bodies go straight to their compiled decoder
        (no copy: it reads the payload from offset 4), text bodies are split as before."""
        if self.state is not State.READY or self.trace is not None:
            for payload in payloads:
                self._decode_one(payload, events)
            return
        decoders = self._bin_decoders
        append = events.append
        raw_id = _RAW_ID
        for payload in payloads:
            try:
                append(decoders[raw_id(payload)[0]](payload, 4, len(payload)))
            except Exception:
                self._decode_one(payload, events)

    def _fast_decoder(self, payload: bytes, cls: type[Message], encoding: Encoding) -> None:
        """Remember the unguarded decoder of a binary id for the hot path."""
        version = self.server_version
        assert version is not None
        key = _RAW_ID(payload)[0]
        if encoding is Encoding.PROTOBUF:
            self._bin_decoders[key] = cls.SCHEMA.pb_decoder().raw  # type: ignore[attr-defined]
        else:
            text = cls.SCHEMA.decoder(version).raw  # type: ignore[attr-defined]
            head = str(cls.MSG_ID)

            def dec(p: bytes, start: int, end: int, _t: Any = text, _h: str = head) -> Any:
                fields = p[start:end].decode("ascii").split("\0")
                if fields[-1]:
                    raise ValueError("text body without its final NUL")
                fields[-1] = _h  # reuse the slot: the id goes first
                fields.insert(0, fields.pop())
                return _t(fields)

            self._bin_decoders[key] = dec

    def _decode_one_binary(self, payload: bytes, events: list[Event]) -> None:
        try:
            msg_id, encoding, body = split_frame(payload, True)
        except RemoteProtocolError as exc:
            events.append(BadMessage(exc, []))
            return
        cls = self._registry.get(msg_id)
        msg: Any
        if encoding is Encoding.PROTOBUF:
            if self.trace is not None:
                self.trace("<", [str(msg_id), f"<protobuf {body.hex()}>"])
            if cls is None or cls.SCHEMA.pb is None:
                msg = UnknownMessage(msg_id, [], body)
            else:
                try:
                    msg = cls.SCHEMA.pb_decoder()(payload, 4)
                except RemoteProtocolError as exc:
                    if exc.msg_id is None:
                        exc.msg_id = msg_id
                    events.append(BadMessage(exc, [str(msg_id)], body))
                    return
                self._fast_decoder(payload, cls, encoding)
        else:
            try:
                fields = [str(msg_id), *split_fields(body)]
            except RemoteProtocolError as exc:
                exc.msg_id = msg_id
                events.append(BadMessage(exc, [str(msg_id)]))
                return
            if self.trace is not None:
                self.trace("<", fields)
            if cls is None:
                msg = UnknownMessage(msg_id, fields)
            else:
                assert self.server_version is not None
                try:
                    msg = cls.SCHEMA.decoder(self.server_version)(fields)
                except RemoteProtocolError as exc:
                    events.append(BadMessage(exc, fields))
                    return
                self._fast_decoder(payload, cls, encoding)
        if self.state is not State.READY:
            self._track_readiness(msg, events)
        else:
            events.append(msg)

    def _decode_one(self, payload: bytes, events: list[Event]) -> None:
        """Decode one frame the careful way: unknown ids, bad bytes and decode failures become
        UnknownMessage / BadMessage events that name what went wrong."""
        if self._binary:
            self._decode_one_binary(payload, events)
            return
        try:
            fields = split_fields(payload)
        except RemoteProtocolError as exc:
            events.append(BadMessage(exc, []))
            return
        if self.trace is not None:
            self.trace("<", fields)
        head = fields[0] if fields else ""
        if not head.lstrip("-").isdigit() or len(head) > 12:  # (int() of 5000 digits raises)
            events.append(BadMessage(RemoteProtocolError(
                f"frame does not start with a message id: {head[:32]!r}", field_index=0,
                raw=head[:32]), fields))
            return
        msg_id = int(head)
        cls = self._registry.get(msg_id)
        if cls is None:
            msg: Any = UnknownMessage(msg_id, fields)
        else:
            assert self.server_version is not None
            guarded = cls.SCHEMA.decoder(self.server_version)
            self._decoders[head] = guarded.raw  # type: ignore[attr-defined]
            try:
                msg = guarded(fields)
            except RemoteProtocolError as exc:
                events.append(BadMessage(exc, fields))
                return
        if self.state is not State.READY:
            self._track_readiness(msg, events)
        else:
            events.append(msg)

    def _track_readiness(self, msg: Any, events: list[Event]) -> None:
        events.append(msg)
        if self.role is Role.CLIENT:
            if isinstance(msg, NextValidId) and msg.order_id is not None:
                self.next_valid_id = msg.order_id
            elif isinstance(msg, ManagedAccts):
                self.accounts = msg.accounts
            if (self.state is State.AWAIT_READY and self.next_valid_id is not None
                    and self.accounts is not None):
                self.state = State.READY
                events.append(SessionReady(self.next_valid_id, list(self.accounts)))
        elif isinstance(msg, StartApi):
            if self.state is not State.AWAIT_START_API:
                raise RemoteProtocolError(f"START_API in state {self.state.value}",
                                          msg_id=int(Out.START_API))
            self.client_id = msg.client_id
            self.state = State.READY
        elif self.state is not State.READY:
            raise RemoteProtocolError(
                f"{type(msg).__name__} received in state {self.state.value}: START_API must come first")

    def _handshake(self, data: bytes, events: list[Event]) -> list[bytes]:
        """Handle bytes before the session is READY; return payloads left for normal decoding."""
        if self.role is Role.SERVER and not self._got_prefix:
            self._frames._buf += data
            head = self._frames.take_raw(4)
            if head is None:
                if not API_PREFIX.startswith(bytes(self._frames._buf)):
                    self.state = State.CLOSED
                    raise RemoteProtocolError("connection does not start with 'API\\0'",
                                              raw=bytes(self._frames._buf[:4]).hex())
                return []
            if head != API_PREFIX:
                self.state = State.CLOSED
                raise RemoteProtocolError("connection does not start with 'API\\0'", raw=head.hex())
            self._got_prefix = True
            data = b""
        payloads = self._frames.feed(data)
        out: list[bytes] = []
        for i, payload in enumerate(payloads):
            if self.state is State.AWAIT_HELLO:
                try:
                    self.hello = parse_client_hello(payload)
                except RemoteProtocolError:
                    self.state = State.CLOSED
                    raise
                self.state = State.AWAIT_ACCEPT
                events.append(self.hello)
            elif self.state is State.AWAIT_SERVER_VERSION:
                hello = parse_server_hello(split_fields(payload))
                self._check_version(hello)
                self.server_version = hello.server_version
                self._binary = binary_ids(hello.server_version)
                self.connection_time = hello.connection_time
                self.connection_time_text = hello.connection_time_text
                self.state = State.AWAIT_READY
                events.append(HandshakeComplete(hello.server_version, hello.connection_time,
                                                hello.connection_time_text))
            elif self.state is State.AWAIT_ACCEPT:
                # the version is not chosen yet: keep what the client pipelined after its hello
                # for accept() (held_events() yields it without waiting for more bytes)
                self._pending.extend(payloads[i:])
                return out
            elif self.state is State.CONNECTING:
                raise LocalProtocolError("data received before initiate()")
            else:
                out.append(payload)
        if self._pending and self.state is State.AWAIT_START_API:
            out = self._pending + out
            self._pending = []
        return out

    def _check_version(self, hello: ServerHello) -> None:
        v = hello.server_version
        if v < self.min_version:
            self.state = State.CLOSED
            raise ConnectError(
                f"The TWS is out of date and must be upgraded (error 503): it answered server "
                f"version {v}; ibwire speaks {self.min_version}..{self.max_version}.", code=503)
        if v > self.max_version:
            self.state = State.CLOSED
            raise ConnectError(
                f"Server version {v} is outside the offered range {self.min_version}.."
                f"{self.max_version} (error 503): the server broke version negotiation.", code=503)
