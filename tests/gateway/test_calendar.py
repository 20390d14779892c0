"""The market calendar and the market clock: sessions, holidays, early closes, DST, the open band."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ibwire.gateway.calendar import Calendar, OpenBand, last_full_close
from ibwire.gateway.clock import MarketClock, parse_market_time

NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0, tz: ZoneInfo = NY) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=tz).timestamp())


def local(second: int, tz: ZoneInfo = NY) -> datetime:
    return datetime.fromtimestamp(second, tz)


def test_stock_sessions_regular_and_extended() -> None:
    cal = Calendar.of("stock")
    s = cal.session(date(2026, 12, 4), liquid=True)
    assert s is not None and (local(s.open).hour, local(s.open).minute) == (9, 30)
    assert local(s.close).hour == 16
    ext = cal.session(date(2026, 12, 4))
    assert ext is not None and (local(ext.open).hour, local(ext.close).hour) == (4, 20)
    assert cal.session(date(2026, 12, 5)) is None  # Saturday


def test_nyse_holidays_and_early_closes_come_from_the_calendar_library() -> None:
    cal = Calendar.of("stock")
    assert cal.session(date(2026, 11, 26), liquid=True) is None  # Thanksgiving
    assert cal.session(date(2027, 1, 1)) is None  # next year's New Year's Day
    early = cal.session(date(2026, 11, 27), liquid=True)
    assert early is not None and local(early.close).hour == 13
    ext = cal.session(date(2026, 11, 27))
    assert ext is not None and local(ext.close).hour == 17
    assert cal.hours(date(2026, 11, 25), 3, liquid=True) == (
        "20261125:0930-20261125:1600;20261126:CLOSED;20261127:0930-20261127:1300")


def test_cme_sessions_open_the_evening_before_and_pause_on_half_days() -> None:
    cal = Calendar.of("cme")
    monday = cal.session(date(2026, 12, 7))
    assert monday is not None
    assert local(monday.open, CHI) == datetime(2026, 12, 6, 17, tzinfo=CHI)  # Sunday evening
    assert local(monday.close, CHI) == datetime(2026, 12, 7, 16, tzinfo=CHI)
    mlk = cal.session(date(2026, 1, 19))
    assert mlk is not None and local(mlk.close, CHI).hour == 12
    assert cal.session(date(2026, 12, 25)) is None
    # the daily break: 16:00-17:00 Chicago is in no session
    assert cal.session_at(at(2026, 12, 8, 16, 30, CHI)) is None
    assert cal.session_at(at(2026, 12, 8, 17, 30, CHI)) is not None


def test_fx_sessions() -> None:
    cal = Calendar.of("fx")
    assert cal.session_at(at(2026, 12, 6, 17, 0)) is None  # Sunday before 17:15
    s = cal.session_at(at(2026, 12, 6, 17, 15))
    assert s is not None and s.date == date(2026, 12, 7)
    assert cal.session_at(at(2026, 12, 11, 17, 0)) is None  # Friday close


def test_sessions_follow_dst() -> None:
    cal = Calendar.of("stock")
    before = cal.session(date(2026, 3, 6), liquid=True)
    after = cal.session(date(2026, 3, 9), liquid=True)
    assert before is not None and after is not None
    assert local(before.open).hour == local(after.open).hour == 9
    assert after.open - before.open == 3 * 86400 - 3600  # the clocks moved forward on Sunday


def test_sessions_back_skip_weekends_and_holidays() -> None:
    cal = Calendar.of("stock")
    sunday_night = at(2026, 11, 29, 23, 0)
    back = cal.sessions_back(sunday_night, 3, liquid=True)
    assert [s.date for s in back] == [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27)]


def test_last_full_close_skips_early_closes_and_holidays() -> None:
    def close(t: datetime) -> datetime:
        return local(last_full_close(t))

    assert close(datetime(2026, 12, 6, 23, tzinfo=UTC)) == datetime(2026, 12, 4, 16, tzinfo=NY)
    assert close(datetime(2026, 12, 7, 15, 59, tzinfo=NY)) == datetime(2026, 12, 4, 16, tzinfo=NY)
    assert close(datetime(2026, 12, 7, 16, 0, tzinfo=NY)) == datetime(2026, 12, 7, 16, tzinfo=NY)
    # Black Friday closes at 13:00: the last full session is the Wednesday before Thanksgiving
    assert close(datetime(2026, 11, 28, 12, tzinfo=NY)) == datetime(2026, 11, 25, 16, tzinfo=NY)


def test_the_open_band_is_where_every_class_trades() -> None:
    band = OpenBand(["stock", "cme", "nymex", "fx"])
    iv = band.interval_at(at(2026, 12, 8, 10))
    assert iv is not None and (local(iv[0]).hour, local(iv[1]).hour) == (4, 17)
    assert band.interval_at(at(2026, 12, 8, 17, 30)) is None  # futures' daily break
    evening = band.interval_at(at(2026, 12, 8, 19))
    assert evening is not None and (local(evening[0]).hour, local(evening[1]).hour) == (18, 20)
    assert band.interval_at(at(2026, 12, 8, 21)) is None  # stocks' extended hours are over
    assert local(band.next_open(at(2026, 12, 5, 12))) == datetime(2026, 12, 7, 4, tzinfo=NY)


def test_the_open_clock_skips_closed_hours() -> None:
    start = at(2026, 12, 4, 16, 0)
    clock = MarketClock(start, wall_start=1000.0, classes=["stock", "cme", "fx"])
    assert clock.market_time(1000.0) == start
    assert local(clock.market_time(1000.0 + 3599)) == datetime(2026, 12, 4, 16, 59, 59, tzinfo=NY)
    assert local(clock.market_time(1000.0 + 3601)) == datetime(2026, 12, 7, 4, 0, 1, tzinfo=NY)


def test_the_open_clock_starts_inside_the_band() -> None:
    clock = MarketClock(at(2026, 12, 5, 12), wall_start=0.0)  # a Saturday
    assert local(clock.market_time(0.0)) == datetime(2026, 12, 7, 4, tzinfo=NY)


def test_the_strict_clock_runs_continuously_and_faster() -> None:
    start = at(2026, 12, 4, 16, 0)
    clock = MarketClock(start, wall_start=0.0, speed=60, mode="strict")
    assert clock.market_time(60.0) == start + 3600
    assert clock.market_time(30.0) == start + 3600  # never backwards


def test_bad_clock_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="calendar mode"):
        MarketClock(0, 0.0, mode="lenient")
    with pytest.raises(ValueError, match="positive"):
        MarketClock(0, 0.0, speed=0)


def test_parse_market_time() -> None:
    assert parse_market_time("2026-03-09 09:25 America/New_York") == datetime(
        2026, 3, 9, 9, 25, tzinfo=NY)
    assert parse_market_time("2026-03-09T14:25:00+00:00") == datetime(2026, 3, 9, 14, 25,
                                                                        tzinfo=UTC)
    assert parse_market_time("2026-03-09 14:25 UTC").utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="needs a time zone"):
        parse_market_time("2026-03-09 09:25")
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_market_time("2026-03-09 09:25 Mars/Olympus")
    with pytest.raises(ValueError, match="cannot read"):
        parse_market_time("tomorrow America/New_York")
