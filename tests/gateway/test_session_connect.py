"""Paper gateway sessions: handshake, greeting, refusals, pacing, bad frames, session requests."""

from __future__ import annotations

from ibwire.gateway import PaperGateway
from ibwire.protocol.connection import HandshakeComplete, SessionReady
from ibwire.protocol.framing import encode_fields
from ibwire.protocol.handshake import API_PREFIX
from ibwire.protocol.messages.system import (
    CurrentTime,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqIds,
    ReqManagedAccts,
)
from ibwire.protocol.versions import MAX_VERSION

from ..conftest import WireClient


def _banner(text: str) -> bytes:
    payload = text.encode()
    return API_PREFIX + len(payload).to_bytes(4, "big") + payload


# --- version negotiation -------------------------------------------------------------------------

def test_negotiates_178_for_ib_async_range(wire):
    c = wire(None)
    assert c.handshake() == 178


def test_negotiates_157_for_ibapi_981_range(wire):
    c = wire(None, min_version=100, max_version=157)
    assert c.handshake() == 157
    c.start(7)
    c.send(ReqCurrentTime())
    assert c.expect(CurrentTime).time > 0


def test_answers_min_of_client_max_and_its_own_max(wire):
    # the official 10.51 client offers v100..226: it gets the highest version ibwire speaks
    assert wire(None, min_version=100, max_version=226).handshake() == MAX_VERSION
    assert wire(None, min_version=160, max_version=170).handshake() == 170
    assert wire(None, min_version=178, max_version=178).handshake() == 178
    assert wire(None, min_version=100, max_version=151).handshake() == 151  # the seed's banner
    assert wire(None, min_version=100, max_version=100).handshake() == 100


def test_refuses_range_below_100_and_closes(wire, caplog):
    c = wire(None)
    c.send_raw(_banner("v70..99"))
    assert c.wait_closed()
    assert not any(isinstance(e, HandshakeComplete) for e in c.inbox)
    assert "does not overlap" in caplog.text


def test_refuses_range_above_its_max_and_closes(wire):
    c = wire(None)
    c.send_raw(_banner(f"v{MAX_VERSION + 1}..{MAX_VERSION + 20}"))
    assert c.wait_closed()
    assert not any(isinstance(e, HandshakeComplete) for e in c.inbox)


def test_garbage_instead_of_banner_closes(wire):
    c = wire(None)
    c.send_raw(b"GET / HTTP/1.1\r\n\r\n")
    assert c.wait_closed()


# --- greeting ------------------------------------------------------------------------------------

def test_greeting_order_in_tws_mode(wire):
    c = wire(None)
    c.handshake()
    c.sock.sendall(c.conn.start_api(5))
    ready = c.expect(SessionReady)
    assert ready.accounts == ["DU1234567"]
    assert ready.next_valid_id == 1
    kinds = [type(e) for e in c.inbox]
    # MANAGED_ACCTS then NEXT_VALID_ID, then the farm notices
    assert kinds[:2] == [ManagedAccts, NextValidId]
    notices = [c.expect(ErrMsg) for _ in range(3)]
    assert [(n.req_id, n.error_code) for n in notices] == [(-1, 2104), (-1, 2106), (-1, 2158)]
    assert "farm connection is OK" in notices[0].error_string


def test_gateway_mode_sends_no_farm_notices():
    with PaperGateway(port=0, mode="gateway", tick_interval=None) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            before = c.sync()
            assert not [e for e in before + c.inbox if isinstance(e, ErrMsg)]
        finally:
            c.close()


def test_several_accounts_listed():
    with PaperGateway(port=0, accounts=("DU111", "DU222"), tick_interval=None) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            assert c.start(1).accounts == ["DU111", "DU222"]
        finally:
            c.close()


# --- refusals ------------------------------------------------------------------------------------

def test_duplicate_client_id_gets_326_and_first_is_untouched(wire):
    first = wire(3)
    second = wire(None)
    second.handshake()
    second.sock.sendall(second.conn.start_api(3))
    err = second.expect(ErrMsg, lambda e: e.error_code == 326)
    assert err.req_id == -1
    assert "client id is already in use" in err.error_string
    assert second.wait_closed()
    # the first connection still works
    first.send(ReqCurrentTime())
    assert first.expect(CurrentTime).time > 0


def test_client_id_free_again_after_disconnect(gateway, wire):
    first = wire(4)
    first.close()
    # the gateway notices the EOF before it reads the next START_API for that id; retry until so
    for _ in range(50):
        c = wire(None)
        c.handshake()
        c.sock.sendall(c.conn.start_api(4))
        got = c.expect((SessionReady, ErrMsg))
        if isinstance(got, SessionReady):
            break
        c.close()
    else:
        raise AssertionError("client id 4 never became free")


def test_33rd_client_is_refused(wire):
    clients = [wire(i) for i in range(1, 33)]
    extra = wire(None)
    extra.handshake()
    extra.sock.sendall(extra.conn.start_api(99))
    err = extra.expect(ErrMsg, lambda e: e.error_code == 326)
    assert "maximum number of API clients" in err.error_string
    assert extra.wait_closed()
    clients[0].send(ReqCurrentTime())
    assert clients[0].expect(CurrentTime)


def test_untrusted_peer_is_refused(caplog):
    with PaperGateway(port=0, trusted_ips=("10.9.8.7",), tick_interval=None) as gw:
        c = WireClient(gw.port)
        try:
            c.send_raw(_banner("v157..178"))
            assert c.wait_closed()
            assert not c.inbox[:-1]
        finally:
            c.close()
    assert "not in trusted IPs" in caplog.text


# --- bad input -----------------------------------------------------------------------------------

def test_oversize_frame_closes_only_that_connection(wire):
    good = wire(1)
    bad = wire(2)
    bad.send_raw((0x1000000).to_bytes(4, "big") + b"x" * 16)
    assert bad.wait_closed()
    good.send(ReqCurrentTime())
    assert good.expect(CurrentTime)


def test_malformed_frame_closes_only_that_connection(wire, caplog):
    good = wire(1)
    bad = wire(2)
    bad.send_raw(encode_fields(["8", "1", "not-a-number"]))  # REQ_IDS with a bad int
    assert bad.wait_closed()
    assert "malformed message" in caplog.text
    good.send(ReqCurrentTime())
    assert good.expect(CurrentTime)


def test_an_unknown_message_id_gets_an_error_naming_it(wire):
    c = wire(1)
    c.send_raw(encode_fields(["999", "1", "whatever"]))
    errors = [e for e in c.sync() if isinstance(e, ErrMsg)]
    assert not c.closed
    assert [(e.req_id, e.error_code) for e in errors] == [(-1, 321)]
    assert "message id 999 is not supported by the paper gateway" in errors[0].error_string


def test_message_before_start_api_closes(wire):
    c = wire(None)
    c.handshake()
    c.send_raw(encode_fields(["49", "1"]))  # REQ_CURRENT_TIME before START_API
    assert c.wait_closed()


# --- pacing --------------------------------------------------------------------------------------

def test_more_than_50_messages_per_second_gets_error_100(wire):
    c = wire(1)
    c.send(*[ReqCurrentTime() for _ in range(80)])
    err = c.expect(ErrMsg, lambda e: e.error_code == 100)
    assert "Max rate of messages per second has been exceeded" in err.error_string
    answers = c.take(CurrentTime)
    assert len(answers) < 80
    assert not c.closed


def test_sustained_abuse_closes_that_connection(wire):
    good = wire(1)
    bad = wire(2)
    bad.send(*[ReqCurrentTime() for _ in range(700)])
    assert bad.wait_closed()
    assert any(isinstance(e, ErrMsg) and e.error_code == 100 for e in bad.inbox)
    good.send(ReqCurrentTime())
    assert good.expect(CurrentTime)


def test_pacing_can_be_disabled():
    with PaperGateway(port=0, max_msg_rate=None, tick_interval=None) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            c.send(*[ReqCurrentTime() for _ in range(120)])
            for _ in range(120):
                c.expect(CurrentTime)
            assert not c.take(ErrMsg) or all(e.error_code != 100 for e in c.take(ErrMsg))
        finally:
            c.close()


# --- session requests ----------------------------------------------------------------------------

def test_req_ids_answers_the_floor(wire):
    c = wire(1)
    c.send(ReqIds(num_ids=1))
    assert c.expect(NextValidId).order_id == 1


def test_req_managed_accts(wire):
    c = wire(1)
    c.send(ReqManagedAccts())
    assert c.expect(ManagedAccts).accounts == ["DU1234567"]


def test_req_current_time_is_market_time(gateway, wire):
    c = wire(1)
    c.send(ReqCurrentTime())
    assert c.expect(CurrentTime).time == int(gateway.market_time().timestamp())


def test_paceapi_option_lifts_pacing(gateway):
    c = WireClient(gateway.port)
    try:
        c.sock.sendall(c.conn.initiate("+PACEAPI"))
        c.expect(HandshakeComplete)
        c.start(1)
        c.send(*[ReqCurrentTime() for _ in range(120)])
        for _ in range(120):
            c.expect(CurrentTime)
        assert not [e for e in c.inbox if isinstance(e, ErrMsg) and e.error_code == 100]
    finally:
        c.close()


def test_an_idle_half_open_connection_is_closed() -> None:
    """A socket that connects and never completes the handshake is closed after the timeout,
    and the gateway keeps serving others meanwhile."""
    import socket as _socket

    from ibwire import Broker
    from ibwire.gateway import PaperGateway

    with PaperGateway(port=0, tick_interval=None, handshake_timeout=0.3) as gw:
        idle = _socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        half = _socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        half.sendall(b"API\0")  # starts the handshake, then goes quiet
        with Broker.connect("127.0.0.1", gw.port, client_id=1, timeout=5) as broker:
            assert broker.is_connected()
        for sock in (idle, half):
            try:
                assert sock.recv(16) == b""  # closed by the gateway ...
            except ConnectionResetError:
                pass  # ... or reset by it (an abortive close)
            sock.close()
