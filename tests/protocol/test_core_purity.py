"""The sans-I/O core owns no process-wide state, reads no clock, and holds no frame a peer
pipelined: what one read completes is yielded without waiting for more bytes."""

from __future__ import annotations

import ast
import gc
from datetime import UTC, datetime
from pathlib import Path

import pytest

import ibwire.protocol as protocol
from ibwire.errors import RemoteProtocolError
from ibwire.protocol.connection import (
    ClientHello,
    Connection,
    HandshakeComplete,
    Role,
    SessionReady,
    State,
    encode_message,
)
from ibwire.protocol.handshake import encode_client_hello, encode_server_hello
from ibwire.protocol.messages.market_data import TickPrice
from ibwire.protocol.messages.system import (
    CurrentTime,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    StartApi,
)

CORE = Path(protocol.__file__).parent
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

# module.attribute calls that read a clock or touch process-wide state
_FORBIDDEN_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "perf_counter"),
    ("time", "localtime"), ("time", "gmtime"), ("gc", "disable"), ("gc", "enable"),
    ("gc", "collect"), ("gc", "freeze"), ("sys", "setrecursionlimit"), ("sys", "setswitchinterval"),
}


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_the_core_imports_no_gc_and_reads_no_clock() -> None:
    found = []
    for path in _core_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + ([node.module] if isinstance(
                    node, ast.ImportFrom) and node.module else [])
                if any(n.split(".")[0] in ("gc", "time", "threading") for n in names):
                    found.append(f"{path.name}:{node.lineno} imports {names}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                name = owner.id if isinstance(owner, ast.Name) else (
                    owner.attr if isinstance(owner, ast.Attribute) else None)
                if (name, node.func.attr) in _FORBIDDEN_CALLS:
                    found.append(f"{path.name}:{node.lineno} calls {name}.{node.func.attr}()")
    assert found == []


def _ready_client(version: int = 178) -> Connection:
    client = Connection(Role.CLIENT)
    client.initiate()
    client.receive_data(encode_server_hello(version, T0))
    client.start_api(5)
    client.receive_data(encode_message(ManagedAccts("DU1"), version)
                        + encode_message(NextValidId(1), version))
    assert client.state is State.READY
    return client


@pytest.mark.parametrize("version", [178, 226])
def test_a_huge_read_never_touches_the_garbage_collector(version: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client = _ready_client(version)
    frame = encode_message(TickPrice(req_id=1, tick_type=1, price=1.5, size=None), version)
    n = 30_000  # more than the 20,000 frames at which the core used to pause the collector

    def refuse() -> None:
        raise AssertionError("the sans-I/O core toggled the garbage collector")

    monkeypatch.setattr(gc, "disable", refuse)
    monkeypatch.setattr(gc, "enable", refuse)
    events = client.receive_data(frame * n)
    assert len(events) == n and all(isinstance(e, TickPrice) for e in events)


def test_the_server_sends_the_time_it_is_given_and_no_other() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(encode_client_hello(100, 178))
    reply = server.accept(178, T0)
    assert reply[4:] == b"178\x0020261120 15:00:00 UTC\x00"
    assert server.connection_time == T0
    # no time given: the field is empty (the core has no clock to fill it from)
    assert encode_server_hello(178) == encode_server_hello(178, None)
    assert encode_server_hello(178)[4:] == b"178\x00\x00"


@pytest.mark.parametrize(("text", "when"), [
    ("20261120 10:00:00 US/Eastern", datetime(2026, 11, 20, 15, 0, tzinfo=UTC)),
    ("20261120 15:00:00 Nowhere/Unknown", T0),  # an unknown zone: the time, read as UTC
    ("", None),  # no time sent
    ("not a time", None),  # nothing to read: None, never the local clock
])
def test_the_client_takes_the_time_from_the_server_or_none(text: str,
                                                           when: datetime | None) -> None:
    client = Connection(Role.CLIENT)
    client.initiate()
    (done,) = client.receive_data(len(f"178\0{text}\0").to_bytes(4, "big")
                                  + f"178\0{text}\0".encode())
    assert isinstance(done, HandshakeComplete)
    assert done.connection_time == when and done.connection_time_text == text
    assert client.connection_time == when


@pytest.mark.parametrize("version", [151, 178, 200, 226])
def test_frames_pipelined_after_the_hello_are_not_held(version: int) -> None:
    """A client writes its hello, START_API and REQ_CURRENT_TIME at once (in the framing of the
    version it expects): the server yields all three without another byte arriving."""
    wire = (encode_client_hello(100, version) + encode_message(StartApi(5), version)
            + encode_message(ReqCurrentTime(), version))
    server = Connection(Role.SERVER)
    events = server.receive_data(wire)
    assert events == [ClientHello(100, version, "")] and server.state is State.AWAIT_ACCEPT
    server.accept(version, T0)
    assert server.held_events() == [StartApi(5), ReqCurrentTime()]
    assert server.state is State.READY and server.client_id == 5
    assert server.held_events() == []
    # and the session goes on normally
    client = Connection(Role.CLIENT, min_version=100, max_version=version)
    client.initiate()
    client.receive_data(encode_server_hello(version, T0))
    client.start_api(5)
    assert server.receive_data(client.send(ReqCurrentTime())) == [ReqCurrentTime()]


def test_held_frames_still_come_first_on_the_next_read_if_not_taken() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(encode_client_hello(100, 178) + encode_message(StartApi(5), 178))
    server.accept(178, T0)
    events = server.receive_data(encode_message(ReqCurrentTime(), 178))
    assert events == [StartApi(5), ReqCurrentTime()]


def test_a_pipelined_request_before_start_api_is_refused_as_on_a_later_read() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(encode_client_hello(100, 178) + encode_message(ReqCurrentTime(), 178))
    server.accept(178, T0)
    with pytest.raises(RemoteProtocolError, match="START_API"):
        server.held_events()


@pytest.mark.parametrize("version", [178, 226])
def test_the_client_yields_what_follows_the_server_hello_in_the_same_read(version: int) -> None:
    client = Connection(Role.CLIENT)
    client.initiate()
    events = client.receive_data(encode_server_hello(version, T0)
                                 + encode_message(ManagedAccts("DU1"), version)
                                 + encode_message(NextValidId(7), version)
                                 + encode_message(CurrentTime(1_700_000_000), version))
    assert [type(e) for e in events] == [HandshakeComplete, ManagedAccts, NextValidId,
                                         SessionReady, CurrentTime]
    assert client.state is State.READY


def test_an_in_memory_pair_with_a_pipelining_client() -> None:
    """Client and server cores wired together, no sockets: hello + START_API + REQ_CURRENT_TIME
    in one write; the server answers the request without the client writing again."""
    client = Connection(Role.CLIENT)
    server = Connection(Role.SERVER)
    hello = client.initiate()
    # the client pipelines START_API and a request in the framing of the version it expects
    wire = hello + encode_message(StartApi(9), 178) + encode_message(ReqCurrentTime(), 178)
    events = server.receive_data(wire)
    assert isinstance(events[0], ClientHello)
    to_client = server.accept(178, T0)
    events += server.held_events()
    assert events[1:] == [StartApi(9), ReqCurrentTime()]
    for ev in events[1:]:
        if isinstance(ev, ReqCurrentTime):
            to_client += server.send(CurrentTime(int(T0.timestamp())))
    got = client.receive_data(to_client)
    assert [type(e) for e in got] == [HandshakeComplete, CurrentTime]
    assert got[1] == CurrentTime(int(T0.timestamp()))
