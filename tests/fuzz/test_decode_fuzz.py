"""The sans-I/O decode paths under hostile input, both roles.

Outcome rules: a frame that cannot be decoded is a :class:`BadMessage` (a typed
:class:`RemoteProtocolError` naming message id, field and raw value) and the connection goes on; a
frame that cannot even be framed (length over 16 MiB, a broken handshake) raises a
:class:`ProtocolError` for the connection. Nothing else ever escapes, and a 2 GiB length prefix
allocates nothing.
"""

from __future__ import annotations

import random
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibwire.errors import ConnectError, LocalProtocolError, ProtocolError, RemoteProtocolError
from ibwire.protocol.connection import (
    BadMessage,
    ClientHello,
    Connection,
    ConnectionClosed,
    HandshakeComplete,
    Role,
    SessionReady,
)
from ibwire.protocol.framing import FrameBuffer, encode_fields
from ibwire.protocol.messages.system import CurrentTime, ManagedAccts, NextValidId, ReqCurrentTime
from ibwire.protocol.schema import TO_CLIENT, TO_SERVER, Message, UnknownMessage
from ibwire.protocol.versions import TESTED_VERSIONS

from .corpus import DERANDOMIZE, HUGE_PREFIXES, WEIRD, budget, mutations

EVENT_TYPES = (Message, UnknownMessage, BadMessage, SessionReady, HandshakeComplete,
               ConnectionClosed, ClientHello)


def pair(version: int) -> tuple[Connection, Connection]:
    """A client and a server Connection, both READY at ``version`` (no sockets)."""
    client = Connection(Role.CLIENT)
    server = Connection(Role.SERVER)
    server.receive_data(client.initiate())
    client.receive_data(server.accept(version))
    server.receive_data(client.start_api(1))
    events = client.receive_data(server.send(ManagedAccts("DU1")) + server.send(NextValidId(1)))
    assert any(isinstance(e, SessionReady) for e in events)
    return client, server


def probe_for(role: Role, version: int) -> tuple[bytes, type]:
    msg: Message = CurrentTime(1700000000) if role is Role.CLIENT else ReqCurrentTime()
    return encode_fields(msg.SCHEMA.encoder(version)(msg)), type(msg)


def assert_events(events: list[Any]) -> None:
    for ev in events:
        assert isinstance(ev, EVENT_TYPES), ev
        if isinstance(ev, BadMessage):
            assert isinstance(ev.error, RemoteProtocolError)


# --- every schema, every version: systematic --------------------------------------------------------

ALL = [(cls, v) for cls in [*TO_CLIENT.values(), *TO_SERVER.values()] for v in TESTED_VERSIONS]


@pytest.mark.parametrize("cls,version", ALL, ids=[f"{c.__name__}-{v}" for c, v in ALL])
def test_truncated_and_retyped_fields_decode_or_raise_typed(cls: type[Message], version: int) -> None:
    """Every prefix of an encoded message, and every field replaced by every odd value."""
    decode = cls.SCHEMA.decoder(version)
    try:
        fields = cls.SCHEMA.encoder(version)(cls())
    except LocalProtocolError:
        pytest.skip(f"{cls.__name__} does not exist at server version {version}")
    variants = [fields[:k] for k in range(1, len(fields) + 1)]
    variants += [fields + extra for extra in (["x"], ["", "", ""], ["99999"])]
    rng = random.Random(f"{cls.__name__}{version}")
    for i in range(1, len(fields)):
        for value in rng.sample(WEIRD, 6):
            variants.append(fields[:i] + [value] + fields[i + 1:])
    for v in variants:
        try:
            msg = decode(v)
        except RemoteProtocolError as exc:
            assert exc.msg_id == cls.MSG_ID
            assert exc.field_index is None or exc.field_index >= 0
        else:
            assert type(msg) is cls


field_text = st.one_of(st.sampled_from(WEIRD),
                       st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12))


@settings(max_examples=budget() * 10, deadline=None, derandomize=DERANDOMIZE)
@given(cls_version=st.sampled_from(ALL), body=st.lists(field_text, max_size=60))
def test_any_fields_decode_or_raise_typed(cls_version: tuple[type[Message], int], body: list[str]) -> None:
    cls, version = cls_version
    try:
        msg = cls.SCHEMA.decoder(version)([str(cls.MSG_ID), *body])
    except RemoteProtocolError:
        return
    assert type(msg) is cls


# --- connections fed hostile frames -------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.CLIENT, Role.SERVER])
@pytest.mark.parametrize("version", TESTED_VERSIONS)
def test_mutated_real_frames_never_break_a_connection(role: Role, version: int) -> None:
    client, server = pair(version)
    conn = client if role is Role.CLIENT else server
    direction = "server->client" if role is Role.CLIENT else "client->server"
    probe, probe_type = probe_for(role, version)
    bad = 0
    for name, frame in mutations(direction, budget() * 25, seed=version):
        events = conn.receive_data(frame + probe)  # a bad frame, then a good one
        assert_events(events)
        assert isinstance(events[-1], probe_type), (name, events)  # still decoding after it
        bad += sum(isinstance(e, BadMessage) for e in events)
    assert bad > 0  # the mutations did hit


@pytest.mark.parametrize("role", [Role.CLIENT, Role.SERVER])
def test_split_anywhere_gives_the_same_events(role: Role) -> None:
    def fresh() -> Connection:
        client, server = pair(178)
        return client if role is Role.CLIENT else server

    direction = "server->client" if role is Role.CLIENT else "client->server"
    stream = b"".join(frame for _, frame in mutations(direction, 60, seed=7))
    whole = fresh().receive_data(stream)
    conn = fresh()
    rng = random.Random(3)
    pieces: list[Any] = []
    i = 0
    while i < len(stream):
        n = rng.randrange(1, 50)
        pieces += conn.receive_data(stream[i:i + n])
        i += n
    assert [type(e) for e in pieces] == [type(e) for e in whole]
    assert len(whole) == 60


@pytest.mark.parametrize("prefix", HUGE_PREFIXES, ids=hex)
@pytest.mark.parametrize("role", [Role.CLIENT, Role.SERVER])
def test_huge_length_prefix_fails_the_connection_and_allocates_nothing(role: Role, prefix: int) -> None:
    client, server = pair(178)
    conn = client if role is Role.CLIENT else server
    tracemalloc.start()
    try:
        with pytest.raises(RemoteProtocolError) as info:
            conn.receive_data(prefix.to_bytes(4, "big") + b"7\0" * 8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "exceeds" in str(info.value)
    assert peak < 1 << 20  # under a megabyte, not two gigabytes


def test_frame_buffer_rejects_a_huge_prefix_arriving_a_byte_at_a_time() -> None:
    buf = FrameBuffer()
    for b in b"\x7f\xff\xff":
        assert buf.feed(bytes([b])) == []
    with pytest.raises(RemoteProtocolError):
        buf.feed(b"\xff")
    assert len(buf) < 16


# --- arbitrary bytes ------------------------------------------------------------------------------

@settings(max_examples=budget() * 5, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), role=st.sampled_from([Role.CLIENT, Role.SERVER]))
def test_arbitrary_bytes_after_the_handshake(data: bytes, role: Role) -> None:
    client, server = pair(178)
    conn = client if role is Role.CLIENT else server
    try:
        assert_events(conn.receive_data(data))
    except ProtocolError:
        pass


@settings(max_examples=budget() * 5, deadline=None, derandomize=DERANDOMIZE)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_during_the_handshake(data: bytes) -> None:
    server = Connection(Role.SERVER)
    try:
        assert_events(server.receive_data(data))
    except ProtocolError:
        pass
    client = Connection(Role.CLIENT)
    client.initiate()
    try:
        assert_events(client.receive_data(data))
    except (ProtocolError, ConnectError):
        pass
