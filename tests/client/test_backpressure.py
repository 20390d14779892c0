"""Threads and queues of the threaded front ends, as a user sees them (issue 11).

* the pacer lets a client under TWS's rate send at once: no request of a quiet connection waits;
* EClient: a consumer blocked in a callback makes the reader stop at its queue's bound, and nothing
  is lost when it resumes;
* Broker: a reply completes its request on the reader thread while the dispatcher thread is blocked
  in a user listener, which then hears of every changed Ticker;
* the order journal: an OFFLINE Broker releases it (reconnecting with the same file works in one
  process); a second live Broker on it is refused with a message naming the holder.

No sleeps: every wait is on an event, with a timeout.
"""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from fakes import FakeSession, FakeTws

from ibwire import Broker, ConnectionState, EClient, EWrapper, StateChanged, Stock
from ibwire.client.journal import JournalError
from ibwire.client.ticker import Ticker, TickersUpdated
from ibwire.protocol.messages.market_data import CancelMktData, ReqMktData, TickPrice, TickReqParams
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime

EPOCH = 1_700_000_000


def pong(msg: ReqCurrentTime, session: FakeSession) -> CurrentTime:
    return CurrentTime(EPOCH)


def first_answer(msg: ReqMktData, session: FakeSession) -> TickReqParams:
    return TickReqParams(msg.req_id, 0.01, "9c0001", 3)


# --- pacing ----------------------------------------------------------------------------------------

def test_the_first_45_messages_of_a_quiet_connection_go_out_without_waiting() -> None:
    with FakeTws({ReqCurrentTime: pong}) as tws, Broker.connect(tws.host, tws.port,
                                                                 timeout=5) as broker:
        pacer = broker.pacer
        already = pacer.sent  # what connecting sent (reconciliation)
        assert pacer.delayed == 0
        for i in range(45 - already):
            broker.send(CancelMktData(i))
        assert pacer.delayed == 0 and pacer.queue_depth == 0  # all of them went at once
        for i in range(45 - already):
            assert tws.wait_for(CancelMktData).req_id == i
        broker.send(CancelMktData(99))  # the 46th of this second waits for a slot
        assert pacer.delayed == 1
        assert tws.wait_for(CancelMktData, timeout=5).req_id == 99


def test_forty_calls_in_a_row_never_wait_for_the_pacer() -> None:
    with FakeTws({ReqCurrentTime: pong}) as tws, Broker.connect(tws.host, tws.port,
                                                                 timeout=5) as broker:
        answers = [broker.current_time() for _ in range(40)]
        assert all(a.timestamp() == EPOCH for a in answers)
        assert broker.pacer.delayed == 0


def test_a_full_pacer_queue_makes_the_sender_wait_and_nothing_is_dropped() -> None:
    with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5, max_rate=20) as broker:
        broker.pacer.max_queue = 5
        for i in range(40):  # 20 go at once, then the sender waits for room 5 at a time
            broker.send(CancelMktData(i))
        assert broker.pacer.max_queue_depth <= 5
        got = [tws.wait_for(CancelMktData, timeout=10).req_id for _ in range(40)]
        assert got == list(range(40))


# --- EClient: the EReader queue is bounded --------------------------------------------------------

class Blocked(EWrapper):
    """Blocks in the first currentTime callback until released; records every one."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.times: list[int] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.done = threading.Event()

    def currentTime(self, time: int) -> None:  # noqa: N802 - the official name
        if not self.times:
            self.entered.set()
            self.release.wait(30)
        self.times.append(time)
        if len(self.times) == self.expected:
            self.done.set()


def test_a_blocked_callback_stops_the_reader_at_the_bound_and_loses_nothing() -> None:
    n = 30_000  # ~600 kB: more than one socket read
    wrapper = Blocked(n + 1)
    client = EClient(wrapper)
    client.max_queue_messages = 100
    with FakeTws() as tws:
        client.connect(tws.host, tws.port, 1)
        assert client.isConnected()
        client.start_dispatcher()
        session = tws.session()
        session.send(CurrentTime(0))
        assert wrapper.entered.wait(10)  # the dispatcher is stuck in the callback
        session.send(*[CurrentTime(i) for i in range(1, n + 1)])
        transport = client._transport
        assert transport is not None
        events = transport.events
        assert events.stalled.wait(10)  # the reader waits for room instead of reading on
        assert events.qsize() == 1  # one read waits for the callbacks; the next one is held
        wrapper.release.set()
        assert wrapper.done.wait(30)
        assert wrapper.times == list(range(n + 1))  # every message, in order
        assert events.waits >= 1
        client.disconnect()


def test_disconnect_while_the_reader_waits_for_room_returns() -> None:
    wrapper = Blocked(10**9)
    client = EClient(wrapper)
    client.max_queue_messages = 10
    with FakeTws() as tws:
        client.connect(tws.host, tws.port, 1)
        client.start_dispatcher()
        session = tws.session()
        session.send(CurrentTime(0))
        assert wrapper.entered.wait(10)
        session.send(*[CurrentTime(i) for i in range(30_000)])
        transport = client._transport
        assert transport is not None and transport.events.stalled.wait(10)
        client.disconnect()  # the reader lets go of its batch; the socket closes
        assert not client.isConnected()
        wrapper.release.set()


# --- Broker: replies do not wait for listeners ------------------------------------------------------

def test_a_reply_completes_while_a_listener_blocks_and_the_listener_then_sees_every_ticker() -> None:
    with FakeTws({ReqCurrentTime: pong, ReqMktData: first_answer}) as tws:
        with Broker.connect(tws.host, tws.port, timeout=5) as broker:
            tickers = [broker.market_data(Stock(s)) for s in ("AAPL", "MSFT", "SPY")]
            entered, release = threading.Event(), threading.Event()
            seen: dict[int, float | None] = {}
            updates: list[TickersUpdated] = []
            all_seen = threading.Event()

            def listener(ev: object) -> None:
                if isinstance(ev, Ticker):
                    if not entered.is_set():
                        entered.set()
                        release.wait(30)  # a slow user listener holds the dispatcher thread
                    seen[ev.req_id] = ev.bid
                elif isinstance(ev, TickersUpdated):
                    updates.append(ev)
                    if all(seen.get(t.req_id) == 200.0 + i for i, t in enumerate(tickers)):
                        all_seen.set()

            broker.add_listener(listener)
            session = tws.session()
            session.send(TickPrice(tickers[0].req_id, 1, 100.0, Decimal(1), 0))
            assert entered.wait(10)
            for rnd in range(50):  # many changes of every ticker while the listener is stuck
                session.send(*[TickPrice(t.req_id, 1, (100.0 if rnd < 49 else 200.0) + i,
                                         Decimal(1), 0) for i, t in enumerate(tickers)])
            assert broker.current_time(timeout=5).timestamp() == EPOCH  # not behind the listener
            assert [t.bid for t in tickers] == [200.0, 201.0, 202.0]  # the state is current
            release.set()
            assert all_seen.wait(10)  # every changed ticker, with its latest values
            assert len(updates) <= 3  # coalesced: not 150 notifications
            broker.remove_listener(listener)


def test_order_of_events_is_kept_for_listeners() -> None:
    from ibwire.protocol.messages.system import ErrMsg

    with FakeTws({ReqCurrentTime: pong}) as tws, Broker.connect(tws.host, tws.port,
                                                                 timeout=5) as broker:
        codes: list[int] = []
        got_all = threading.Event()

        def listener(ev: object) -> None:
            code = getattr(ev, "code", None)
            if isinstance(code, int) and 2000 <= code < 3000:
                codes.append(code)
                if len(codes) == 300:
                    got_all.set()

        broker.add_listener(listener)
        session = tws.session()
        for i in range(300):
            session.send(ErrMsg(-1, 2000 + i, f"notice {i}"))
        assert got_all.wait(10)
        assert codes == list(range(2000, 2300))


# --- the order journal --------------------------------------------------------------------------------

def offline_event(broker: Broker) -> threading.Event:
    offline = threading.Event()

    def on(ev: object) -> None:
        if isinstance(ev, StateChanged) and ev.new is ConnectionState.OFFLINE:
            offline.set()

    broker.add_listener(on)
    return offline


def test_reconnecting_with_the_same_journal_after_a_drop_works_in_one_process(
        tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    with FakeTws({ReqCurrentTime: pong}) as tws:
        first = Broker.connect(tws.host, tws.port, client_id=7, timeout=5, journal=path)
        offline = offline_event(first)
        tws.session().close()  # the gateway drops the connection
        assert offline.wait(10) and first.state is ConnectionState.OFFLINE
        second = Broker.connect(tws.host, tws.port, client_id=7, timeout=5, journal=path)
        try:
            assert second.current_time().timestamp() == EPOCH
        finally:
            second.disconnect()
        first.disconnect()


def test_a_second_live_broker_on_the_same_journal_is_refused_naming_the_holder(
        tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    with FakeTws() as tws:
        with Broker.connect(tws.host, tws.port, client_id=8, timeout=5, journal=path) as first:
            with pytest.raises(JournalError) as info:
                Broker.connect(tws.host, tws.port, client_id=9, timeout=5, journal=path)
            text = str(info.value)
            assert "this process" in text and "client_id=8" in text and "disconnect()" in text
            assert first.is_connected()
        again = Broker.connect(tws.host, tws.port, client_id=9, timeout=5, journal=path)
        again.disconnect()


def test_a_reconnecting_broker_keeps_its_journal(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    with FakeTws() as tws:
        broker = Broker.connect(tws.host, tws.port, client_id=10, timeout=5, journal=path,
                                reconnect=True)
        try:
            offline = offline_event(broker)
            tws.session().close()
            assert offline.wait(10)
            with pytest.raises(JournalError):  # it will reconnect: the file stays its own
                Broker(tws.host, tws.port, client_id=11, journal=path)
        finally:
            broker.disconnect()


def test_async_requests_wait_for_room_in_a_full_pacer_queue() -> None:
    from ibwire import AsyncBroker
    from ibwire.protocol.messages.contracts import ContractDataEnd, ReqContractData

    def no_match(msg: ReqContractData, session: FakeSession) -> ContractDataEnd:
        return ContractDataEnd(msg.req_id)

    async def main(tws: FakeTws) -> tuple[int, int]:
        async with await AsyncBroker.connect(tws.host, tws.port, timeout=10,
                                             max_rate=4) as broker:
            broker.pacer.max_queue = 3
            answers = await asyncio.gather(*(broker.contract_details(Stock("AAPL"))
                                             for _ in range(12)))
            return len(answers), broker.pacer.max_queue_depth

    with FakeTws({ReqContractData: no_match}) as tws:
        answered, deepest = asyncio.run(main(tws))
    assert answered == 12
    assert deepest <= 3  # the other requests waited for room instead of queueing


def test_async_sends_before_readiness_are_held_up_to_the_bound_then_wait() -> None:
    """AsyncBroker: at most ``max_held`` requests wait for the session to be ready; further
    ``send()`` calls wait (they do not pile up); all arrive, in order, once it is ready."""
    from ibwire import AsyncBroker

    gate = threading.Event()

    async def until(predicate: object) -> None:
        while not predicate():  # type: ignore[operator]
            await asyncio.sleep(0)  # yield to the loop (no timed wait)

    async def main(tws: FakeTws) -> tuple[int, int, list[bool]]:
        broker = AsyncBroker(tws.host, tws.port, timeout=10)
        broker.max_held = 2
        opening = asyncio.create_task(broker.open())
        await asyncio.wait_for(until(lambda: broker._proto is not None), 10)
        sends = [asyncio.create_task(broker.send(ReqCurrentTime())) for _ in range(5)]
        for _ in range(5):
            await asyncio.sleep(0)
        held = len(broker._proto.held)  # type: ignore[union-attr]
        done_before = [t.done() for t in sends]
        gate.set()
        await asyncio.wait_for(opening, 10)
        await asyncio.wait_for(asyncio.gather(*sends), 10)
        got = 0
        for _ in range(5):
            await asyncio.to_thread(tws.wait_for, ReqCurrentTime, 5)
            got += 1
        await broker.disconnect()
        return held, got, done_before

    with FakeTws(hold_ready=gate) as tws:
        held, got, done_before = asyncio.run(main(tws))
    assert held == 2 and done_before.count(True) == 2  # two held, three waiting for room
    assert got == 5  # nothing was dropped
