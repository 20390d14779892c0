from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ibwire.errors import ConnectError, LocalProtocolError, RemoteProtocolError
from ibwire.protocol.connection import (
    ClientHello,
    Connection,
    HandshakeComplete,
    Role,
    SessionReady,
    State,
)
from ibwire.protocol.handshake import (
    encode_client_hello,
    encode_server_hello,
    negotiate,
    parse_client_hello,
    parse_server_hello,
)
from ibwire.protocol.messages.system import ManagedAccts, NextValidId, StartApi


def test_client_banner_bytes() -> None:
    assert encode_client_hello(157, 178) == b"API\x00\x00\x00\x00\x09v157..178"
    assert encode_client_hello(157, 178, "+PACEAPI") == b"API\x00\x00\x00\x00\x12v157..178 +PACEAPI"
    assert encode_client_hello(170, 170) == b"API\x00\x00\x00\x00\x04v170"


def test_banner_round_trip() -> None:
    assert parse_client_hello(b"v100..157") == ClientHello(100, 157, "")
    assert parse_client_hello(b"v157..178 +PACEAPI") == ClientHello(157, 178, "+PACEAPI")
    with pytest.raises(RemoteProtocolError):
        parse_client_hello(b"hello")


def test_reply_round_trip() -> None:
    when = datetime(2026, 3, 4, 15, 30, 5, tzinfo=ZoneInfo("America/New_York"))
    frame = encode_server_hello(178, when)
    payload = frame[4:]
    hello = parse_server_hello(payload.decode().split("\x00")[:-1])
    assert hello.server_version == 178
    assert hello.connection_time == when and hello.connection_time.tzinfo is not None
    assert hello.connection_time_text == "20260304 15:30:05 America/New_York"
    assert parse_server_hello(["178", "20250425 15:23:54 EST"]).connection_time_text == "20250425 15:23:54 EST"


def test_negotiation() -> None:
    assert negotiate(ClientHello(157, 178), 157, 178) == 178
    assert negotiate(ClientHello(100, 157), 157, 178) == 157
    assert negotiate(ClientHello(100, 225), 157, 178) == 178
    assert negotiate(ClientHello(100, 150), 157, 178) is None
    assert negotiate(ClientHello(180, 200), 157, 178) is None


def pair(max_version: int = 178) -> tuple[Connection, Connection]:
    client = Connection(Role.CLIENT)
    server = Connection(Role.SERVER)
    (hello,) = server.receive_data(client.initiate())
    assert isinstance(hello, ClientHello)
    version = negotiate(hello, 157, max_version)
    assert version is not None
    events = client.receive_data(server.accept(version))
    assert isinstance(events[0], HandshakeComplete) and events[0].server_version == version
    assert client.state is State.AWAIT_READY
    (start,) = server.receive_data(client.start_api(7))
    assert isinstance(start, StartApi) and start.client_id == 7
    assert server.state is State.READY and server.client_id == 7
    return client, server


def test_in_memory_session_becomes_ready_after_both_messages() -> None:
    client, server = pair()
    events = client.receive_data(server.send(ManagedAccts("DU1,DU2,")))
    assert client.state is State.AWAIT_READY
    events = client.receive_data(server.send(NextValidId(42)))
    assert isinstance(events[-1], SessionReady)
    assert events[-1].next_valid_id == 42 and events[-1].accounts == ["DU1", "DU2"]
    assert client.state is State.READY


@pytest.mark.parametrize("version", [157, 163, 170, 178])
def test_session_at_each_version(version: int) -> None:
    client, server = pair(version)
    assert client.server_version == version == server.server_version


def test_reply_below_range_is_503() -> None:
    client = Connection(Role.CLIENT)
    client.initiate()
    with pytest.raises(ConnectError) as info:
        client.receive_data(encode_server_hello(99))
    assert info.value.code == 503
    assert "out of date" in str(info.value)
    assert client.state is State.CLOSED


def test_illegal_calls_name_the_state() -> None:
    client = Connection(Role.CLIENT)
    with pytest.raises(LocalProtocolError, match="CONNECTING"):
        client.send(StartApi(1))
    server = Connection(Role.SERVER)
    with pytest.raises(LocalProtocolError, match="AWAIT_HELLO"):
        server.accept(178)


def test_server_refuses_garbage_instead_of_api_prefix() -> None:
    server = Connection(Role.SERVER)
    with pytest.raises(RemoteProtocolError, match="API"):
        server.receive_data(b"GET / HTTP/1.1\r\n")


def test_message_before_start_api_is_refused() -> None:
    client = Connection(Role.CLIENT)
    server = Connection(Role.SERVER)
    server.receive_data(client.initiate())
    client.receive_data(server.accept(178))
    from ibwire.protocol.messages.system import ReqCurrentTime
    frame = client.send(ReqCurrentTime())
    with pytest.raises(RemoteProtocolError, match="START_API"):
        server.receive_data(frame)


def test_eof_closes() -> None:
    client, server = pair()
    (ev,) = client.receive_data(b"")
    assert type(ev).__name__ == "ConnectionClosed"
    assert client.state is State.CLOSED
