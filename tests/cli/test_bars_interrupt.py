"""``ibwire bars``: chained windows, Ctrl-C keeps what was fetched, no empty volume panel."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ibwire import Stock
from ibwire.cli.bars import Fetched, HistoricalPacer, Window, fetch_bars
from ibwire.cli.plot import has_volume_panel
from ibwire.client.broker import Broker
from ibwire.models.bar import Bar

from .conftest import Cli

END = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


class Sessions:
    """Answers each "1 D" request with the session that opened before ``end`` (09:30-16:00 New
    York, weekdays), one bar per hour: how TWS counts D in sessions."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.ends: list[datetime | None] = []
        self.interrupt_at = interrupt_at

    def historical_bars(self, contract: object, end: datetime | None, duration: str, bar_size: str,
                        what_to_show: str, use_rth: bool, timeout: float) -> list[Bar]:
        self.ends.append(end)
        if self.interrupt_at is not None and len(self.ends) == self.interrupt_at:
            raise KeyboardInterrupt
        t = end or END
        opens = datetime(t.year, t.month, t.day, 14, 30, tzinfo=UTC)
        while opens >= t or opens.weekday() >= 5:  # the last session that opened before the end
            opens -= timedelta(days=1)
        last = min(opens + timedelta(hours=6, minutes=30), end or END)
        bars = []
        x = opens
        while x < last:
            bars.append(Bar(x, 1.0, 2.0, 0.5, 1.5))
            x += timedelta(hours=1)
        return bars


def test_chained_windows_join_sessions_without_gaps() -> None:
    clock = Clock()
    tws = Sessions()
    windows = [Window(END, "1 D"), Window(END - timedelta(days=1), "1 D"),
               Window(END - timedelta(days=2), "1 D")]
    bars = fetch_bars(tws, Stock("AAPL"), windows, "1 hour", "TRADES", True, 5.0,  # type: ignore[arg-type]
                      HistoricalPacer(clock=clock, sleep=clock.sleep), chain=True)
    days = sorted({b.time.date() for b in bars if isinstance(b.time, datetime)})
    assert [d.day for d in days] == [18, 19, 20]  # three whole sessions, none skipped
    assert tws.ends[1] == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)  # where the first began


def test_an_interrupted_fetch_keeps_what_it_got() -> None:
    clock = Clock()
    got = Fetched({})
    windows = [Window(END - timedelta(days=i), "1 D") for i in range(4)]
    with pytest.raises(KeyboardInterrupt):
        fetch_bars(Sessions(interrupt_at=3), Stock("AAPL"), windows, "1 hour", "TRADES",  # type: ignore[arg-type]
                   True, 5.0, HistoricalPacer(clock=clock, sleep=clock.sleep), chain=True,
                   fetched=got)
    assert (got.requests, got.total) == (2, 4)
    assert len({b.time.date() for b in got.bars() if isinstance(b.time, datetime)}) == 2


def test_ctrl_c_writes_the_bars_fetched_so_far_and_exits_130(cli: Cli, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real = Broker.historical_bars
    calls: list[int] = []

    def interrupted_on_the_third(self: Broker, *args: Any, **kw: Any) -> list[Bar]:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        result: list[Bar] = real(self, *args, **kw)
        return result

    monkeypatch.setattr(Broker, "historical_bars", interrupted_on_the_third)
    out = tmp_path / "part.csv"
    r = cli("bars", "AAPL", "--duration", "5 D", "--bar-size", "1 min", "--csv", str(out))
    assert r.exit_code == 130
    text = " ".join(r.stderr.split())
    assert "interrupted after 2 of 5 requests" in text and "(partial)" in text
    rows = list(csv.DictReader(out.open()))
    assert rows and len({row["time"][:10] for row in rows}) == 2  # two sessions' minutes
    assert f"wrote {len(rows)} bars to {out} (partial)" in text


def test_bars_without_volume_get_no_volume_panel(cli: Cli) -> None:
    midpoint = [Bar(END, 1.08, 1.09, 1.07, 1.085)]  # MIDPOINT of a forex pair: TWS sends no volume
    trades = [Bar(END, 230.0, 231.0, 229.0, 230.5, volume=Decimal(1200))]
    assert not has_volume_panel(midpoint)
    assert has_volume_panel(trades)


def test_chained_windows_stop_once_they_reach_the_start() -> None:
    clock = Clock()
    tws = Sessions()
    windows = [Window(END - timedelta(days=i), "1 D") for i in range(7)]  # "1 W" in calendar days
    start = END - timedelta(days=7)
    bars = fetch_bars(tws, Stock("AAPL"), windows, "1 hour", "TRADES", True, 5.0,  # type: ignore[arg-type]
                      HistoricalPacer(clock=clock, sleep=clock.sleep), chain=True, start=start)
    assert len(tws.ends) == 6  # five weekday sessions reach back past the start; not seven
    assert min(b.time for b in bars if isinstance(b.time, datetime)) <= start
