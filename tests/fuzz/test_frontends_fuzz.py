"""Hostile input through real sockets: the Broker's reader thread, the AsyncBroker's protocol and
the paper gateway's sessions.

* garbage frames are BadMessage events; the connection and the reader go on;
* a 2 GiB length prefix closes that connection with a ProtocolError cause, allocates nothing, and
  every pending request fails with ConnectionLost;
* a bug in decoding never kills the reader silently: it is logged and the connection closes;
* the gateway closes a hostile client and keeps serving the others.
"""

from __future__ import annotations

import asyncio
import random
import threading
import tracemalloc
from typing import Any

import pytest

from ibwire import (
    AsyncBroker,
    Broker,
    ConnectionLost,
    ConnectionState,
    MarketOrder,
    Notice,
    ProtocolError,
    Stock,
)
from ibwire.gateway import PaperGateway
from ibwire.protocol.connection import BadMessage, Connection
from ibwire.protocol.framing import encode_fields
from ibwire.protocol.messages.accounts import ReqPositions
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import CurrentTime, ErrMsg, ReqCurrentTime

from ..client.fakes import FakeSession, FakeTws
from ..conftest import WireClient
from .corpus import FRAME_MUTATORS, budget, mutations

TWO_GIB = (0x80000000).to_bytes(4, "big")


def garbage(count: int, seed: int = 1) -> bytes:
    return b"".join(frame for _, frame in mutations("server->client", count, seed=seed))


def quiet_script() -> dict[type, Any]:
    return {ReqCurrentTime: lambda m, s: CurrentTime(1700000000)}


SENTINEL = ErrMsg(-1, 2104, "Market data farm connection is OK:sentinel", "")


def seen_sentinel(ev: object) -> bool:
    return isinstance(ev, Notice) and ev.message == SENTINEL.error_string


def test_broker_survives_garbage_frames_then_fails_cleanly_on_a_2gib_prefix() -> None:
    bad: list[BadMessage] = []
    with FakeTws(quiet_script()) as tws:
        broker = Broker.connect(tws.host, tws.port, client_id=3, timeout=5)
        try:
            broker.add_listener(lambda ev: bad.append(ev) if isinstance(ev, BadMessage) else None)
            done = threading.Event()
            broker.add_listener(lambda ev: done.set() if seen_sentinel(ev) else None)
            session = tws.session()
            session._write(garbage(budget() * 5))
            session.send(SENTINEL)  # everything before it has been handled once it shows up
            assert done.wait(10)
            assert broker.current_time().timestamp() == 1700000000  # reader and session alive
            assert bad and all(isinstance(ev.error, ProtocolError) for ev in bad)
            assert broker.is_connected()

            failures: list[BaseException] = []
            waiting = threading.Thread(target=lambda: _capture(failures, broker.positions, 30))
            waiting.start()
            tws.wait_for(ReqPositions)
            tracemalloc.start()
            try:
                session._write(TWO_GIB + b"4\0" * 8)
                assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, 5)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            waiting.join(5)
            assert peak < 8 << 20  # megabytes, not gigabytes
            assert failures and isinstance(failures[0], ConnectionLost)
            transport = broker._transport
            assert transport is not None and isinstance(transport.close_cause, ProtocolError)
            assert transport._reader is not None and not transport._reader.is_alive()
        finally:
            broker.disconnect()


def _capture(into: list[BaseException], fn: Any, timeout: float) -> None:
    try:
        fn(timeout=timeout)
    except BaseException as exc:
        into.append(exc)


def test_a_decoding_bug_never_kills_the_reader_silently(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    with FakeTws(quiet_script()) as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        real = Connection.receive_data

        def broken(self: Connection, data: bytes) -> list[Any]:
            if b"boom" in data:
                raise RuntimeError("a bug in a decoder")
            return real(self, data)

        monkeypatch.setattr(Connection, "receive_data", broken)
        tws.session().send_raw(["49", "1", "boom"])
        assert broker.wait_until(lambda: broker.state is ConnectionState.OFFLINE, 5)
        assert any("reader thread failed" in r.getMessage() for r in caplog.records)
        with pytest.raises(ConnectionLost):
            broker.current_time()


def test_async_broker_survives_garbage_and_fails_cleanly_on_a_2gib_prefix() -> None:
    async def main(session_of: Any) -> tuple[int, str, bool]:
        bad: list[Any] = []
        broker = await AsyncBroker.connect("127.0.0.1", port, client_id=4, timeout=5)
        try:
            broker.add_listener(lambda ev: bad.append(ev) if isinstance(ev, BadMessage) else None)
            session: FakeSession = session_of()
            # written from another thread: this loop must keep reading meanwhile
            await asyncio.to_thread(session._write, garbage(budget() * 5, seed=2))
            session.send(SENTINEL)
            await broker.wait_for(lambda: any(seen_sentinel(n) for n in broker.notices), 10)
            t = await broker.current_time()
            assert t.timestamp() == 1700000000 and bad
            pending = asyncio.ensure_future(broker.positions(timeout=30))
            await asyncio.sleep(0)
            await asyncio.to_thread(session._write, TWO_GIB)
            with pytest.raises(ConnectionLost):
                await pending
            proto = broker._proto
            assert proto is not None
            return len(bad), type(proto.cause).__name__, broker.is_connected()
        finally:
            await broker.disconnect()

    with FakeTws(quiet_script()) as tws:
        port = tws.port
        n, cause, connected = asyncio.run(main(tws.session))
        assert n > 0 and cause == "RemoteProtocolError" and not connected


# --- the gateway ----------------------------------------------------------------------------------

def served_or_closed(client: WireClient, data: bytes) -> bool:
    """Send hostile bytes then a probe: the gateway answers the probe, or has closed this
    connection as malformed. It never hangs."""
    try:
        client.send_raw(data)
        client.send(ReqCurrentTime())
    except OSError:  # closed (reset) while we were still writing
        return True
    try:
        client.expect(CurrentTime, timeout=5)
        return True
    except AssertionError:
        return client.closed


def client_garbage(count: int, seed: int) -> bytes:
    return b"".join(frame for _, frame in mutations("client->server", count, seed=seed))


def test_gateway_closes_a_hostile_client_and_keeps_trading_with_the_others(
        gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=40, timeout=10) as trader:
        before = trader.submit_order(Stock("AAPL"), MarketOrder("BUY", 1), client_order_id="f-1")
        for seed in range(max(2, budget() // 10)):
            hostile = WireClient(gateway.port)
            try:
                hostile.handshake()
                hostile.start(41 + seed)
                assert served_or_closed(hostile, client_garbage(30, seed))
            finally:
                hostile.close()
        oversize = WireClient(gateway.port)
        try:
            oversize.handshake()
            oversize.start(99)
            assert served_or_closed(oversize, TWO_GIB + b"x" * 64) and oversize.wait_closed()
        finally:
            oversize.close()
        raw = WireClient(gateway.port)  # garbage instead of the API banner
        try:
            try:
                raw.send_raw(b"\xff" * 64)
            except OSError:
                pass
            assert raw.wait_closed()
        finally:
            raw.close()
        after = trader.submit_order(Stock("AAPL"), MarketOrder("BUY", 1), client_order_id="f-2")
        for t in (before, after):
            t.wait_done(10)
            assert t.status == "Filled" and len(t.fills) == 1
        assert trader.is_connected()


def test_gateway_rejects_a_2gib_prefix_without_allocating(gateway: PaperGateway) -> None:
    hostile = WireClient(gateway.port)
    tracemalloc.start()
    try:
        hostile.handshake()
        hostile.start(50)
        assert served_or_closed(hostile, TWO_GIB + encode_fields(["49", "1"]))
        assert hostile.wait_closed()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        hostile.close()
    assert peak < 8 << 20
    probe = WireClient(gateway.port)
    try:
        probe.handshake()
        probe.start(51)
        probe.send(ReqCurrentTime())
        assert probe.expect(CurrentTime)
    finally:
        probe.close()


def test_place_order_mutations_never_fill_twice(gateway: PaperGateway) -> None:
    """Mutated PLACE_ORDER frames are either placed once, refused, or close the connection."""
    good = PlaceOrder(order_id=1, contract=Stock("AAPL"), order=MarketOrder("BUY", 1))
    c = WireClient(gateway.port)
    try:
        c.handshake()
        c.start(60)
        fields = PlaceOrder.SCHEMA.encoder(c.server_version or 178)(good)
        rng = random.Random(5)
        frames = [rng.choice(FRAME_MUTATORS)(rng, fields) for _ in range(budget())]
        assert served_or_closed(c, b"".join(frames))
    finally:
        c.close()
    orders = gateway.call(lambda ex: [*ex.open_orders(60), *(r for r in ex.completed_orders()
                                                           if r.client_id == 60)])
    ids = [r.order_id for r in orders]
    assert len(ids) == len(set(ids))  # an order id is never placed twice
