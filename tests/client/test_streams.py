"""Event streams start when they are made (issue 17): what happens between ``broker.stream(...)``
and the first read is not lost, for the sync Broker and the AsyncBroker; order events carry the
status they announced; public methods show their real signatures."""

from __future__ import annotations

import asyncio
import inspect
from decimal import Decimal

from fakes import FakeSession, FakeTws

from ibwire import AsyncBroker, Broker, ConnectionState, LimitOrder, Notice, StateChanged, Stock
from ibwire.client.state import FillEvent, OrderEvent
from ibwire.client.ticker import Ticker
from ibwire.gateway import PaperGateway
from ibwire.protocol.messages.market_data import ReqMktData, TickPrice, TickReqParams
from ibwire.protocol.messages.system import ErrMsg


def first_answer(msg: ReqMktData, session: FakeSession) -> TickReqParams:
    return TickReqParams(msg.req_id, 0.01, "9c0001", 3)


def notices(session: FakeSession, codes: range) -> None:
    session.send(*[ErrMsg(-1, code, f"notice {code}") for code in codes])


def test_a_sync_stream_sees_what_happened_before_it_was_read() -> None:
    with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        with broker.stream(Notice, timeout=5) as events:
            notices(tws.session(), range(2900, 2905))  # happens before anyone iterates
            got = []
            for ev in events:
                assert isinstance(ev, Notice)
                if 2900 <= ev.code < 2905:
                    got.append(ev.code)
                if len(got) == 5:
                    break
        assert got == [2900, 2901, 2902, 2903, 2904]


def test_a_sync_stream_ends_when_the_broker_disconnects() -> None:
    with FakeTws() as tws:
        broker = Broker.connect(tws.host, tws.port, timeout=5)
        events = broker.stream(StateChanged, timeout=10)
        broker.disconnect()
        seen = list(events)  # ends by itself: no timeout, no break
        assert seen and seen[-1].new is ConnectionState.OFFLINE
        assert not events.timed_out


def test_a_sync_stream_ends_after_its_timeout_without_events() -> None:
    with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        events = broker.stream(FillEvent, timeout=0.2)
        assert list(events) == [] and events.timed_out


def test_a_slow_stream_reader_gets_each_ticker_once_with_its_latest_values() -> None:
    with FakeTws({ReqMktData: first_answer}) as tws:
        with Broker.connect(tws.host, tws.port, timeout=5) as broker:
            ticker = broker.market_data(Stock("AAPL"))
            with broker.stream(Ticker, timeout=5) as events:
                session = tws.session()
                for i in range(200):  # nobody reads the stream meanwhile
                    session.send(TickPrice(ticker.req_id, 1, 100.0 + i, Decimal(1), 0))
                assert broker.wait_until(lambda: ticker.bid == 299.0, 5)
                first = next(events)
                assert first is ticker and first.bid == 299.0
                assert len(events._buffer.items) == 0  # not 200 copies waiting


def test_an_async_stream_opened_before_the_action_sees_it() -> None:
    async def main(tws: FakeTws) -> list[int]:
        async with await AsyncBroker.connect(tws.host, tws.port, timeout=5) as broker:
            events = broker.stream(Notice)  # subscribe first ...
            notices(tws.session(), range(2800, 2803))  # ... then something happens ...
            got: list[int] = []
            async for ev in events:  # ... then read: nothing was lost
                assert isinstance(ev, Notice)
                if 2800 <= ev.code < 2803:
                    got.append(ev.code)
                if len(got) == 3:
                    break
            await events.aclose()
            return got

    with FakeTws() as tws:
        assert asyncio.run(main(tws)) == [2800, 2801, 2802]


def test_public_methods_show_their_real_signatures() -> None:
    for cls in (Broker, AsyncBroker):
        sig = inspect.signature(cls.historical_bars)
        assert {"contract", "end", "duration", "bar_size", "what_to_show", "use_rth",
                "timeout"} <= set(sig.parameters)
        assert sig.return_annotation == "list[Bar]"
        assert inspect.signature(cls.current_time).return_annotation == "datetime"


def test_order_events_carry_the_status_they_announced(gateway: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gateway.port, client_id=41, timeout=10) as broker:
        events = broker.stream(OrderEvent, timeout=10)  # read only after the order is done
        ticket = broker.submit_order(Stock("AAPL"), LimitOrder("BUY", 10, 1.00))  # rests
        assert ticket.wait_for(lambda t: t.status == "Submitted", 10)
        broker.cancel_order(ticket.order_id)
        ticket.wait_done(10)
        announced = []
        for ev in events:
            assert isinstance(ev, OrderEvent) and ev.ticket is ticket
            announced.append(ev.status)
            if ev.status == "Cancelled":
                break
        events.close()
        assert ticket.status == "Cancelled"  # the live ticket moved on ...
        assert "Submitted" in announced and announced[-1] == "Cancelled"  # ... each event did not
