"""Client-side pacing: the rules on a simulated clock, then the Broker's queue on a real socket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fakes import FakeTws

from ibwire import AsyncBroker, Broker, Stock
from ibwire.client.pacing import HistoricalPacer, Pacer
from ibwire.protocol.messages.historical import ReqHistoricalData
from ibwire.protocol.messages.market_data import CancelMktData
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime


def drain(pacer: Pacer[Any], start: float = 0.0, limit: int = 100_000) -> list[tuple[float, Any]]:
    """Run the pacer's queue on a simulated clock; return (time written, item) in order."""
    out: list[tuple[float, Any]] = []
    now = start
    for _ in range(limit):
        out += [(now, item) for item in pacer.take_due(now)]
        wait = pacer.next_due(now)
        if wait is None:
            return out
        now += max(wait, 1e-6)
    raise AssertionError("the queue never drained")


def max_in_window(times: list[float], window: float = 1.0) -> int:
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_messages_at_the_rate_go_at_once() -> None:
    p: Pacer[int] = Pacer(45)
    assert all(p.submit(i, i / 40) for i in range(200))  # 40 a second, steadily
    assert p.queue_depth == 0 and p.sent == 200 and p.delayed == 0


def test_the_first_45_of_a_quiet_second_go_at_once_only_the_excess_waits() -> None:
    p: Pacer[int] = Pacer(45)
    assert all(p.submit(i, 0.0) for i in range(45))  # back to back: no slot to wait for
    assert p.delayed == 0 and p.queue_depth == 0
    assert not p.submit(45, 0.0)
    assert p.delayed == 1 and p.queue_depth == 1
    assert p.take_due(0.5) == []
    assert p.next_due(0.5) == pytest.approx(0.6)  # the oldest slot frees after 1 s + margin
    assert p.take_due(1.1) == [45]


def test_a_burst_of_1000_never_exceeds_the_rate_in_any_second() -> None:
    p: Pacer[int] = Pacer(45)
    direct = [i for i in range(1000) if p.submit(i, 0.0)]
    assert len(direct) == 45 and p.queue_depth == 955 and p.max_queue_depth == 955
    written = [(0.0, i) for i in direct] + drain(p)
    assert [i for _, i in written] == list(range(1000))  # in order, nothing lost
    times = [t for t, _ in written]
    assert max_in_window(times) <= 45
    # the margin: even a reader that stalls 90 ms never counts more than 45 in its second
    assert max_in_window(times, 1.09) <= 45
    assert p.queue_depth == 0 and p.sent == 1000 and p.delayed == 955


def test_slots_come_back_as_the_window_slides() -> None:
    p: Pacer[int] = Pacer(10, margin=0.0)
    assert all(p.submit(i, i * 0.1) for i in range(10))  # 0.0 .. 0.9
    assert not p.submit(10, 0.95)
    assert p.take_due(0.99) == []
    assert p.take_due(1.0) == [10]  # the slot of the message written at 0.0
    assert p.submit(11, 1.1)  # ... and the one written at 0.1 (the excess has left the queue)
    assert not p.submit(12, 1.15)


def test_fractional_rates_keep_their_rate() -> None:
    p: Pacer[int] = Pacer(0.5, margin=0.0)  # one message every two seconds
    assert p.submit(1, 0.0)
    assert not p.submit(2, 1.0)
    assert drain(p, 1.0) == [(pytest.approx(2.0), 2)]


def test_the_queue_is_bounded_for_senders_to_wait() -> None:
    p: Pacer[int] = Pacer(1, max_queue=3)
    p.submit(0, 0.0)
    for i in range(1, 4):
        assert not p.full
        p.submit(i, 0.0)
    assert p.full and p.queue_depth == 3  # a front end now makes its sender wait
    assert p.take_due(1.2) == [1]
    assert not p.full


def test_marks_tell_when_a_request_has_gone_out() -> None:
    p: Pacer[int] = Pacer(2, margin=0.0)
    p.submit(1, 0.0)
    p.submit(2, 0.0)
    assert p.written_through(p.mark())
    p.submit(3, 0.0)  # queued
    mark = p.mark()
    assert not p.written_through(mark)
    assert p.take_due(1.0) == [3]
    assert p.written_through(mark)


def test_clear_drops_the_queue() -> None:
    p: Pacer[int] = Pacer(1)
    p.submit(1, 0.0)
    p.submit(2, 0.0)
    assert p.queue_depth == 1
    assert p.clear() == 1 and p.queue_depth == 0 and p.next_due(0.0) is None
    assert p.submit(3, 0.0)  # a new connection starts with a fresh window


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(45, max_queue=0)


def hist(req_id: int, symbol: str = "AAPL", end: str = "", what: str = "TRADES") -> ReqHistoricalData:
    return ReqHistoricalData(req_id, Stock(symbol), end, "1 min", "1 D", True, what, 1, False)


def test_identical_historical_requests_are_15_seconds_apart() -> None:
    p: Pacer[str] = Pacer(45)
    assert p.submit("a", 0.0, hist(1))
    assert not p.submit("b", 1.0, hist(2))  # the same request, another id
    assert p.submit("c", 1.0, hist(3, "MSFT"))  # another contract goes at once
    written = drain(p, 1.0)
    assert written == [(pytest.approx(15.5), "b")]  # 15 s plus the safety margin


def test_six_requests_for_one_series_within_two_seconds_are_spread() -> None:
    p: Pacer[int] = Pacer(1000)
    sent_now = [i for i in range(6) if p.submit(i, 0.0, hist(i, end=f"2026010{i} 12:00:00 UTC"))]
    assert sent_now == [0, 1, 2, 3, 4]
    assert drain(p) == [(pytest.approx(2.5), 5)]


def test_at_most_60_historical_requests_in_ten_minutes() -> None:
    p: Pacer[int] = Pacer(1000, historical=HistoricalPacer(same_series_max=1000))
    now = [i for i in range(61) if p.submit(i, 0.0, hist(i, end=f"{20250101 + i} 12:00:00 UTC"))]
    assert len(now) == 60
    assert drain(p) == [(pytest.approx(600.5), 60)]


def test_historical_rules_can_be_turned_off() -> None:
    p: Pacer[int] = Pacer(45, historical=False)
    assert p.submit(1, 0.0, hist(1)) and p.submit(2, 0.0, hist(2))


# --- on a socket -----------------------------------------------------------------------------------

def test_broker_queues_beyond_its_rate_and_sends_everything_in_order() -> None:
    with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5, max_rate=20) as broker:
        assert broker.pacer.max_rate == 20
        for i in range(30):
            broker.send(CancelMktData(i))
        assert broker.pacer.queue_depth > 0  # the last ones wait for their slot
        got = [tws.wait_for(CancelMktData, timeout=10).req_id for _ in range(30)]
        assert got == list(range(30))
        assert broker.pacer.queue_depth == 0 and broker.pacer.sent >= 30


def test_a_request_waiting_in_the_queue_does_not_time_out() -> None:
    """Its timeout counts once it is written: a queue of 20 at 20/s outlasts timeout=0.2."""
    with FakeTws({ReqCurrentTime: lambda m, s: CurrentTime(1700000000)}) as tws:
        with Broker.connect(tws.host, tws.port, timeout=5, max_rate=20) as broker:
            for i in range(40):
                broker.send(CancelMktData(i))
            assert broker.pacer.queue_depth > 0
            t = broker.current_time(timeout=0.2)
            assert t.timestamp() == 1700000000


def test_async_broker_paces_too() -> None:
    async def main(port: int) -> int:
        async with await AsyncBroker.connect("127.0.0.1", port, timeout=5, max_rate=20) as broker:
            for i in range(30):
                await broker.send(CancelMktData(i))
            depth = broker.pacer.queue_depth
            await broker.current_time(timeout=0.2)  # queued behind the 30: answered after them
            assert broker.pacer.queue_depth == 0
            return depth

    with FakeTws({ReqCurrentTime: lambda m, s: CurrentTime(1700000000)}) as tws:
        assert asyncio.run(main(tws.port)) > 0
        got = [tws.wait_for(CancelMktData, timeout=10).req_id for _ in range(30)]
        assert got == list(range(30))


def test_historical_requests_wait_for_their_turn_on_the_socket() -> None:
    with FakeTws() as tws, Broker.connect(tws.host, tws.port, timeout=5) as broker:
        broker.pacer.historical = HistoricalPacer(identical_gap=0.5)
        broker.send(hist(1))
        broker.send(hist(2))  # identical: waits half a second in the historical lane
        assert broker.pacer.queue_depth == 1
        assert tws.wait_for(ReqHistoricalData).req_id == 1
        assert tws.wait_for(ReqHistoricalData, timeout=5).req_id == 2
        assert broker.pacer.queue_depth == 0


def test_disconnect_lets_queued_messages_go_out_first() -> None:
    """Cancels a program sends on its way out are not lost to the pacer's queue."""
    from fakes import FakeTws

    from ibwire import Broker
    from ibwire.protocol.messages.system import ReqCurrentTime

    with FakeTws() as tws:
        broker = Broker.connect(tws.host, tws.port, client_id=3, timeout=5, max_rate=20)
        for _ in range(30):  # more than a second's worth at 20/s: most of them queue
            broker.send(ReqCurrentTime())
        broker.disconnect()
        for _ in range(30):
            tws.wait_for(ReqCurrentTime, timeout=5)
