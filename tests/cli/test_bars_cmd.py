"""``ibwire bars``: request splitting, pacing, CSV / JSON output, --plot without matplotlib."""

from __future__ import annotations

import csv
import io
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer

from ibwire import HistoricalDataError, Stock
from ibwire.cli.bars import (
    HistoricalPacer,
    Window,
    fetch_bars,
    max_span,
    normalize_bar_size,
    parse_duration,
    plan_windows,
)
from ibwire.models.bar import Bar

from .conftest import Cli
from .helpers import as_json

END = datetime(2024, 5, 3, 20, 0, tzinfo=UTC)


# --- planning -----------------------------------------------------------------------------------------

def test_max_span_follows_the_duration_bar_size_table() -> None:
    assert max_span("1 secs") == (1800, "1800 S")
    assert max_span("5 secs") == (3600, "3600 S")
    assert max_span("30 secs") == (28800, "28800 S")
    assert max_span("1 min") == (86400, "1 D")
    assert max_span("2 mins") == (2 * 86400, "2 D")
    assert max_span("5 mins") == (7 * 86400, "1 W")
    assert max_span("30 mins") == (30 * 86400, "30 D")  # "1 M" would leave calendar gaps
    assert max_span("1 hour") == (30 * 86400, "30 D")
    assert max_span("1 day") == (0, "")  # daily bars: no limit


def test_a_range_served_at_once_is_one_request_passed_through() -> None:
    assert plan_windows(END, "5 D", "5 mins") == [Window(END, "5 D")]
    assert plan_windows(None, "1 D", "1 min") == [Window(None, "1 D")]
    assert plan_windows(None, "3 Y", "1 week") == [Window(None, "3 Y")]


def test_a_long_range_is_split_into_windows_newest_first() -> None:
    ws = plan_windows(END, "5 D", "1 min")
    assert [w.duration for w in ws] == ["1 D"] * 5
    assert [w.end for w in ws] == [END - timedelta(days=i) for i in range(5)]
    ws = plan_windows(END, "3 W", "5 mins")
    assert [w.duration for w in ws] == ["1 W"] * 3
    ws = plan_windows(END, "10 D", "5 mins")
    assert [w.duration for w in ws] == ["1 W", "3 D"]
    ws = plan_windows(END, "3600 S", "1 secs")
    assert [w.duration for w in ws] == ["1800 S", "1800 S"]
    ws = plan_windows(END, "3 M", "30 mins")
    assert [w.duration for w in ws] == ["30 D"] * 3  # February 3 to May 3, 2024: 90 days
    assert ws[-1].end == END - timedelta(days=60)
    ws = plan_windows(END, "5400 S", "1 secs")
    assert [w.duration for w in ws] == ["1800 S"] * 3
    ws = plan_windows(END, "2 D", "30 secs")
    assert [w.duration for w in ws] == ["28800 S"] * 6


def test_now_is_asked_from_tws_only_when_splitting() -> None:
    asked: list[bool] = []

    def tws_now() -> datetime:
        asked.append(True)
        return END

    assert plan_windows(None, "1 D", "5 mins", now=tws_now) == [Window(None, "1 D")]
    assert asked == []
    ws = plan_windows(None, "2 D", "1 min", now=tws_now)
    assert asked == [True]
    assert ws == [Window(None, "1 D"), Window(END - timedelta(days=1), "1 D")]


def test_durations_and_bar_sizes_are_checked() -> None:
    assert parse_duration("5 d") == (5, "D")
    for bad in ("5", "D", "0 D", "5 days", "-1 D"):
        with pytest.raises(typer.BadParameter):
            parse_duration(bad)
    assert normalize_bar_size("5 MINS") == "5 mins"
    assert normalize_bar_size("1 mins") == "1 min"
    assert normalize_bar_size("15 min") == "15 mins"
    assert normalize_bar_size("1W") == "1 week"
    assert normalize_bar_size(" 1  hour ") == "1 hour"


# --- pacing ----------------------------------------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_pacer_allows_five_requests_per_contract_in_two_seconds() -> None:
    clock = FakeClock()
    pacer = HistoricalPacer(clock=clock, sleep=clock.sleep)
    for i in range(5):
        assert pacer.acquire("AAPL|TRADES", f"r{i}") == 0
    waited = pacer.acquire("AAPL|TRADES", "r5")
    assert waited == pytest.approx(2.0)
    assert pacer.acquire("MSFT|TRADES", "m0") == 0  # another contract is not held back


def test_pacer_keeps_sixty_requests_per_ten_minutes() -> None:
    clock = FakeClock()
    pacer = HistoricalPacer(clock=clock, sleep=clock.sleep)
    for i in range(60):
        pacer.acquire(f"c{i}", f"r{i}")
        clock.now += 1.0
    start = clock.now
    pacer.acquire("c60", "r60")
    assert clock.now - start == pytest.approx(600 - 60)


def test_pacer_spaces_identical_requests_by_fifteen_seconds() -> None:
    clock = FakeClock()
    pacer = HistoricalPacer(clock=clock, sleep=clock.sleep)
    pacer.acquire("AAPL", "same")
    clock.now += 5
    notes: list[float] = []
    assert pacer.acquire("AAPL", "same", notes.append) == pytest.approx(10.0)
    assert notes == [pytest.approx(10.0)]


class ScriptedBroker:
    """Answers historical_bars from a list: a list of bars or an exception per call."""

    def __init__(self, answers: list[object]) -> None:
        self.answers = answers
        self.calls: list[tuple[datetime | None, str]] = []

    def historical_bars(self, contract: object, end: datetime | None, duration: str, bar_size: str,
                        what_to_show: str, use_rth: bool, timeout: float) -> list[Bar]:
        self.calls.append((end, duration))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, list)
        return answer


def _bar(day: int) -> Bar:
    return Bar(datetime(2024, 5, day, 14, 0, tzinfo=UTC), 1.0, 2.0, 0.5, 1.5)


def test_fetch_skips_empty_windows_and_retries_once_after_a_pacing_refusal() -> None:
    clock = FakeClock()
    pacer = HistoricalPacer(clock=clock, sleep=clock.sleep)
    broker = ScriptedBroker([
        [_bar(3), _bar(2)],
        HistoricalDataError(162, "Historical Market Data Service error message:Historical data "
                                 "request pacing violation", 5),
        [_bar(2), _bar(1)],
        HistoricalDataError(162, "Historical Market Data Service error message:HMDS query returned "
                                 "no data: AAPL@SMART Trades", 6),
    ])
    windows = plan_windows(END, "3 D", "1 min")
    notes: list[str] = []
    bars = fetch_bars(broker, Stock("AAPL"), windows, "1 min", "TRADES", True, 5.0,  # type: ignore[arg-type]
                      pacer, lambda done, total, note: notes.append(note))
    assert [b.time.day for b in bars] == [1, 2, 3]  # type: ignore[union-attr]
    assert [c[0] for c in broker.calls] == [END, END - timedelta(days=1), END - timedelta(days=1),
                                            END - timedelta(days=2)]
    assert 15.0 in clock.slept and any("pacing" in n for n in notes)


def test_fetch_gives_up_on_a_second_pacing_refusal() -> None:
    clock = FakeClock()
    refusal = HistoricalDataError(162, "Historical data request pacing violation", 5)
    broker = ScriptedBroker([refusal, refusal])
    with pytest.raises(HistoricalDataError):
        fetch_bars(broker, Stock("AAPL"), [Window(None, "1 D")], "1 min", "TRADES", True, 5.0,  # type: ignore[arg-type]
                   HistoricalPacer(clock=clock, sleep=clock.sleep))


# --- the command ---------------------------------------------------------------------------------------

def test_bars_table(cli: Cli) -> None:
    r = cli("bars", "AAPL", "--duration", "1 D", "--bar-size", "1 hour")
    assert r.exit_code == 0, r.stderr
    assert "AAPL 1 hour TRADES" in r.stdout
    assert "open" in r.stdout and "volume" in r.stdout
    assert "bars from" in r.stdout


def test_bars_json_and_csv_agree(cli: Cli, tmp_path: Path) -> None:
    bars = as_json(cli("bars", "AAPL", "--duration", "1 W", "--bar-size", "30 mins", "--json"))
    assert len(bars) > 1
    assert all(b["low"] <= min(b["open"], b["close"]) <= max(b["open"], b["close"]) <= b["high"]
               for b in bars)
    out = tmp_path / "aapl.csv"
    # (TWS refuses an identical request within 15 s: "5 D" is the same five sessions as "1 W")
    r = cli("bars", "AAPL", "--duration", "5 D", "--bar-size", "30 mins", "--csv", str(out))
    assert r.exit_code == 0, r.stderr
    assert f"wrote {len(bars)} bars to {out}" in r.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(bars)
    assert [float(row["close"]) for row in rows] == [b["close"] for b in bars]
    assert list(rows[0]) == ["time", "open", "high", "low", "close", "volume", "wap", "bar_count"]
    stdout = cli("bars", "AAPL", "--duration", "1 W", "--bar-size", "30 mins", "--csv", "-",
                 "--all-hours")
    assert stdout.exit_code == 0, stdout.stderr
    all_hours = list(csv.DictReader(io.StringIO(stdout.stdout)))
    assert len(all_hours) > len(rows)
    assert set(row["time"] for row in rows) <= set(row["time"] for row in all_hours)


def test_a_long_range_is_fetched_in_paced_pieces_and_joined(cli: Cli) -> None:
    # not "1 D": TWS refuses an identical request within 15 s
    one = as_json(cli("bars", "AAPL", "--duration", "86400 S", "--bar-size", "1 min", "--json"))
    r = cli("bars", "AAPL", "--duration", "3 D", "--bar-size", "1 min", "--json")
    assert r.exit_code == 0, r.stderr
    assert "3 requests for 3 D of 1 min bars (paced)" in r.stderr
    bars = as_json(r)
    times = [b["time"] for b in bars]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert len(bars) >= len(one)
    assert bars[-len(one):] == one  # the newest window is the single-request answer


def test_midpoint_bars_for_forex(cli: Cli) -> None:
    bars = as_json(cli("bars", "EUR.USD", "--what", "midpoint", "--bar-size", "1 hour", "--json"))
    assert bars and all(b["volume"] is None for b in bars)
    trades = cli("bars", "EUR.USD", "--what", "TRADES")
    assert trades.exit_code == 1 and "historical data refused (error 162)" in trades.stderr
    assert "MIDPOINT" in trades.stderr


def test_bad_bar_size_and_duration_are_usage_errors(cli: Cli) -> None:
    assert cli("bars", "AAPL", "--bar-size", "7 mins").exit_code == 2
    assert cli("bars", "AAPL", "--duration", "five days").exit_code == 2
    assert cli("bars", "AAPL", "--what", "PRICES").exit_code == 2
    assert cli("bars", "AAPL", "--end", "yesterday").exit_code == 2


def test_plot_without_matplotlib_fails_clearly(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    r = cli("bars", "AAPL", "--plot", str(tmp_path / "a.png"))
    assert r.exit_code == 2
    assert "--plot needs matplotlib" in r.stderr and "ibwire[plot]" in r.stderr
    assert not (tmp_path / "a.png").exists()


def test_plot_draws_a_png_when_matplotlib_is_there(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "a.png"
    r = cli("bars", "AAPL", "--bar-size", "1 hour", "--plot", str(png))
    assert r.exit_code == 0, r.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
