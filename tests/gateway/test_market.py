"""The simulated market: deterministic quotes on the tick grid, and bars that agree with them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibwire.gateway.instruments import Instrument, universe
from ibwire.gateway.market import Bar, BarRequestError, Market

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a Friday, 10:00 in New York
ALL = universe(START).all
# one instrument of each kind (sec type, exchange, session class, tick size): the universe has
# hundreds of stocks that differ only in their price level
_kinds: dict[tuple[str, str, str, float], Instrument] = {}
for _i in ALL:
    _kinds.setdefault((_i.sec_type, _i.exchange, _i.hours, _i.min_tick), _i)
INSTRUMENTS = tuple(_kinds.values())
AAPL, ES, EURUSD = 265598, 649180695, 12087792


def _epoch(t: datetime) -> int:
    return int(t.timestamp())


def test_same_seed_same_quotes() -> None:
    a, b = Market(seed=7, start=START), Market(seed=7, start=START)
    other = Market(seed=8, start=START)
    seen_a, seen_b, seen_other = [], [], []
    for _ in range(120):
        seen_a.append(a.quote(AAPL))
        seen_b.append(b.quote(AAPL))
        seen_other.append(other.quote(AAPL))
        a.step()
        b.step()
        other.step()
    assert seen_a == seen_b
    assert [q.bid for q in seen_a] != [q.bid for q in seen_other]
    assert len({q.bid for q in seen_a}) > 3  # the price moves


def test_a_second_has_one_price_whatever_was_computed_before() -> None:
    a, b = Market(seed=3, start=START), Market(seed=3, start=START)
    later = _epoch(START) + 5000
    b.bars(AAPL, None, "1 D", "1 hour")  # computes plenty of other seconds first
    assert a.quote_at(AAPL, later) == b.quote_at(AAPL, later)
    assert a.touch(AAPL, later) == b.touch(AAPL, later)


def test_time_advances_one_second_per_step() -> None:
    m = Market(seed=1, start=START + timedelta(microseconds=500))
    assert m.now() == START
    m.step(90)
    assert m.now() == START + timedelta(seconds=90) and m.step_count == 90
    assert m.quote(AAPL).time == m.now()
    assert m.steps_until(START + timedelta(seconds=100)) == 10
    assert m.steps_until(START) == 0
    with pytest.raises(ValueError):
        m.step(-1)


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=lambda i: i.local_symbol)
def test_quotes_are_sane(inst) -> None:  # type: ignore[no-untyped-def]
    m = Market(seed=11, start=START)
    for _ in range(60):
        q = m.quote(inst.con_id)
        assert 0 < q.bid < q.ask
        spread = round((q.ask - q.bid) / inst.min_tick, 6)
        assert spread in (1, 2, 3)
        assert inst.on_grid(q.bid) and inst.on_grid(q.ask)
        assert q.last in (q.bid, q.ask)
        assert q.low <= q.bid and q.ask <= q.high
        assert q.bid_size > 0 and q.ask_size > 0 and q.last_size > 0 and q.volume >= 0
        assert q.bid < q.mid < q.ask and m.mark(inst.con_id) == pytest.approx(q.mid)
        m.step(37)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), offset=st.integers(-10**7, 10**7),
       idx=st.integers(0, len(INSTRUMENTS) - 1))
def test_any_second_any_seed(seed: int, offset: int, idx: int) -> None:
    inst = INSTRUMENTS[idx]
    m = Market(seed=seed, start=START)
    bid, ask, last = m.touch(inst.con_id, _epoch(START) + offset)
    assert 0 < bid < ask and last in (bid, ask)
    assert inst.on_grid(bid) and inst.on_grid(ask)


def _check(bar: Bar) -> None:
    assert bar.low <= bar.open <= bar.high
    assert bar.low <= bar.close <= bar.high


def test_one_second_bars_are_the_tick_path() -> None:
    m = Market(seed=5, start=START)
    m.step(600)
    now = _epoch(m.now())
    for what, pick in (("BID", 0), ("ASK", 1)):
        bars = m.bars(AAPL, None, "300 S", "1 secs", what)
        assert len(bars) == 300
        for bar in bars:
            _check(bar)
            s = _epoch(bar.time)
            assert s <= now
            assert bar.close == m.touch(AAPL, s)[pick]
            assert bar.volume == -1 and bar.wap == -1 and bar.bar_count == -1
        assert _epoch(bars[-1].time) == now  # the current second is the last bar
    trades = m.bars(AAPL, None, "300 S", "1 secs", "TRADES")
    for bar in trades:
        bid, ask, last = m.touch(AAPL, _epoch(bar.time))
        assert bar.close == last and bar.low <= bid and ask <= bar.high
        assert bar.volume >= 0


def _combine(bars: list[Bar]) -> tuple[float, float, float, float, int]:
    return (bars[0].open, max(b.high for b in bars), min(b.low for b in bars), bars[-1].close,
            int(sum(b.volume for b in bars)))


@pytest.mark.parametrize("what", ["TRADES", "BID", "ASK", "MIDPOINT"])
def test_bar_sizes_agree(what: str) -> None:
    m = Market(seed=9, start=START)
    end = START + timedelta(hours=2)
    m.step(7200)
    secs = m.bars(AAPL, end, "1800 S", "1 secs", what)
    mins = m.bars(AAPL, end, "1800 S", "1 min", what)
    assert len(mins) == 30
    for i, minute in enumerate(mins):
        _check(minute)
        chunk = secs[i * 60:(i + 1) * 60]
        assert chunk[0].time == minute.time
        o, h, lo, c, v = _combine(chunk)
        assert (o, h, lo, c) == (minute.open, minute.high, minute.low, minute.close)
        if what == "TRADES":
            assert v == minute.volume
    hours = m.bars(AAPL, end, "1 D", "1 hour", what)
    mins_day = m.bars(AAPL, end, "1 D", "1 min", what)
    by_hour: dict[datetime, list[Bar]] = {}
    for b in mins_day:
        by_hour.setdefault(b.time.replace(minute=0), []).append(b)
    for hour in hours:
        _check(hour)
        if hour.time in by_hour and len(by_hour[hour.time]) == 60:
            assert _combine(by_hour[hour.time])[:4] == (hour.open, hour.high, hour.low,
                                                        hour.close)


def test_fills_are_inside_the_bars() -> None:
    m = Market(seed=2, start=START)
    seen = []
    for _ in range(900):
        m.step()
        seen.append((_epoch(m.now()), m.touch(ES)))
    for size in ("1 min", "5 mins", "15 mins"):
        bars = m.bars(ES, None, "1800 S", size, "TRADES")
        for s, (bid, ask, last) in seen:
            bar = next(b for b in reversed(bars) if _epoch(b.time) <= s)
            assert bar.low <= bid and ask <= bar.high and bar.low <= last <= bar.high
    day = m.bars(ES, None, "1 D", "1 day", "TRADES")[-1]
    q = m.quote(ES)
    assert (day.open, day.high, day.low, day.close) == (q.open, q.high, q.low, q.last)
    assert day.volume == q.volume


def test_daily_weekly_monthly_bars() -> None:
    m = Market(seed=4, start=START)
    days = m.bars(AAPL, None, "1 M", "1 day")
    # one bar per session: 2026-10-21 .. 2026-11-20 has 23 NYSE sessions
    assert len(days) == 23 and all(b.daily for b in days)
    assert days[0].to_bar_data().date == "20261021" and days[-1].to_bar_data().date == "20261120"
    for prev, cur in zip(days, days[1:]):
        _check(cur)
        assert cur.time.weekday() < 5
        assert cur.time - prev.time in (timedelta(days=1), timedelta(days=3))  # weekends skipped
    weeks = m.bars(AAPL, None, "6 M", "1 week", "MIDPOINT")
    # labelled by the first trading date of each week (the first: where the duration starts);
    # Memorial Day and Labor Day move two labels to Tuesday
    assert weeks[0].time.date() == date(2026, 5, 21) and len(weeks) == 27
    assert [b.time.date() for b in weeks[1:] if b.time.weekday() != 0] == [date(2026, 5, 26),
                                                                            date(2026, 9, 8)]
    months = m.bars(AAPL, None, "1 Y", "1 month", "BID")
    assert len(months) == 13 and months[0].time.date() == date(2025, 11, 21)
    assert all(b.time.day <= 3 and b.time.weekday() < 5 for b in months[1:])


def test_rth_bars_keep_liquid_hours_only() -> None:
    m = Market(seed=6, start=START)
    ny = ZoneInfo("US/Eastern")
    bars = m.bars(AAPL, None, "1 W", "30 mins", "TRADES", use_rth=True)
    assert bars
    for b in bars:
        t = b.time.astimezone(ny)
        assert t.weekday() < 5 and (9, 30) <= (t.hour, t.minute) < (16, 0)
    all_bars = m.bars(AAPL, None, "1 W", "30 mins", "TRADES")
    assert len(all_bars) > len(bars)
    days = m.bars(AAPL, None, "2 W", "1 day", "TRADES", use_rth=True)
    assert all(b.time.weekday() < 5 for b in days)
    daily = {b.time: b for b in days}
    session = [b for b in bars if b.time.astimezone(ny).date() == START.date()]
    friday = daily[datetime(2026, 11, 20, tzinfo=ny)]
    assert friday.high == max(b.high for b in session)  # today's session so far


def test_bar_dates_on_the_wire() -> None:
    m = Market(seed=1, start=START)
    bar = m.bars(AAPL, START, "60 S", "1 min")[-1]
    assert bar.to_bar_data().date == "20261120 09:59:00 US/Eastern"
    assert bar.to_bar_data(2).date == str(_epoch(START) - 60)
    es = m.bars(ES, START, "60 S", "1 min")[-1]
    assert es.to_bar_data().date == "20261120 08:59:00 US/Central"


def test_invalid_requests_carry_tws_codes() -> None:
    m = Market(seed=1, start=START)
    with pytest.raises(BarRequestError) as e:
        m.bars(AAPL, None, "1 D", "7 mins")
    assert e.value.code == 321 and "bar size setting is invalid" in e.value.text
    assert isinstance(e.value, ValueError)
    for bad in ("1D", "x D", "0 D", "3 Q"):
        with pytest.raises(BarRequestError) as e:
            m.bars(AAPL, None, bad, "1 min")
        assert e.value.code == 321
    for duration, size in (("1 Y", "1 secs"), ("1 D", "30 secs"), ("2 W", "1 min"),
                           ("6 Y", "1 day")):
        with pytest.raises(BarRequestError) as e:
            m.bars(AAPL, None, duration, size)
        assert (e.value.code, e.value.text) == (
            162, "Historical Market Data Service error message:Time length exceed max.")
    with pytest.raises(BarRequestError) as e:
        m.bars(EURUSD, None, "1 D", "1 hour", "TRADES")
    assert e.value.code == 162
    with pytest.raises(BarRequestError) as e:
        m.bars(AAPL, None, "1 D", "1 hour", "FOO")
    assert e.value.code == 321
    sunday = datetime(2026, 11, 15, 20, 0, tzinfo=UTC)
    with pytest.raises(BarRequestError) as e:
        m.bars(AAPL, sunday, "3600 S", "1 min", "TRADES", use_rth=True)
    assert e.value.code == 162 and "HMDS query returned no data" in e.value.text
    assert m.bars(EURUSD, None, "1 D", "1 hour", "MIDPOINT")


def test_end_is_clamped_to_now() -> None:
    m = Market(seed=1, start=START)
    m.step(100)
    future = m.bars(AAPL, START + timedelta(days=3), "600 S", "1 min")
    assert future == m.bars(AAPL, None, "600 S", "1 min")
    assert _epoch(future[-1].time) <= _epoch(m.now())


def test_fx_rates() -> None:
    m = Market(seed=1, start=START)
    assert m.fx_to_usd("USD") == 1.0
    assert m.fx_to_usd("EUR") == pytest.approx(m.quote(EURUSD).mid)
    assert m.fx_to_usd("JPY") == pytest.approx(1 / m.quote(15016059).mid)
    with pytest.raises(KeyError):
        m.fx_to_usd("XYZ")
