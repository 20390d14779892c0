"""``ibwire bars``: historical bars to a table, CSV, JSON or a candle chart.

A range longer than TWS serves in one request for the bar size (the documented duration / bar size
table: 1800 S of 1-second bars, 1 D of 1-minute bars, 1 W of 5-minute bars, 1 M of 30-minute bars,
1 Y of daily bars ...) is split into consecutive windows, fetched newest first and joined. The
requests are paced by TWS's historical rules (:class:`HistoricalPacer`). Each window after the
first ends where the bars already fetched begin, so the windows join without gaps whether TWS
counts a ``D`` as a calendar day or as a trading session. Ctrl-C writes what was fetched.

Bar times are shown in the exchange's time zone (from the contract details), labelled as such.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from ..client.broker import Broker
from ..errors import HistoricalDataError, IbwireError
from ..models import Contract
from ..models.bar import Bar
from .app import app
from .common import connect
from .options import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    CurrencyOpt,
    ExchangeOpt,
    HostOpt,
    JsonOpt,
    PortOpt,
    SecTypeOpt,
    TimeoutOpt,
    make_contract,
)
from .output import Output, fmt_price, fmt_qty, jsonable
from .problems import ExitCode, Problem, fail, guard
from .tables import Col, FitTable

__all__ = ["BAR_SECONDS", "Window", "plan_windows", "max_span", "HistoricalPacer", "fetch_bars",
           "Fetched", "write_csv", "bar_json", "bars_table"]

BAR_SECONDS: dict[str, int] = {
    "1 secs": 1, "5 secs": 5, "10 secs": 10, "15 secs": 15, "30 secs": 30, "1 min": 60, "2 mins": 120,
    "3 mins": 180, "5 mins": 300, "10 mins": 600, "15 mins": 900, "20 mins": 1200, "30 mins": 1800,
    "1 hour": 3600, "2 hours": 7200, "3 hours": 10800, "4 hours": 14400, "8 hours": 28800,
    "1 day": 86400, "1 week": 7 * 86400, "1 month": 31 * 86400,
}
"""TWS's bar sizes and their length in seconds."""

_DAY = 86400
# (longest request, its duration text, smallest bar allowed): IB's duration / bar size table
_STEPS: tuple[tuple[int, str, int], ...] = (
    (1800, "1800 S", 1), (3600, "3600 S", 5), (14400, "14400 S", 10), (28800, "28800 S", 30),
    (_DAY, "1 D", 60), (2 * _DAY, "2 D", 120), (7 * _DAY, "1 W", 180), (30 * _DAY, "30 D", 1800),
)
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([SDWMY])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> tuple[int, str]:
    """``"5 D"`` -> (5, "D")."""
    m = _DURATION_RE.match(text)
    if m is None or int(m.group(1)) <= 0:
        raise typer.BadParameter(f"a duration is a number and S, D, W, M or Y, such as \"5 D\", "
                                 f"not {text!r}", param_hint="--duration")
    return int(m.group(1)), m.group(2).upper()


def max_span(bar_size: str) -> tuple[int, str]:
    """The longest range one request may ask for with this bar size: (seconds, duration text).
    Daily and longer bars have no limit (0, "")."""
    size = BAR_SECONDS[bar_size]
    if size >= _DAY:
        return 0, ""
    best = _STEPS[0]
    for step in _STEPS:
        if size >= step[2]:
            best = step
    return best[0], best[1]


def normalize_bar_size(text: str) -> str:
    """``"5 MINS"`` -> ``"5 mins"``, ``"1 mins"`` -> ``"1 min"``, ``"1W"`` -> ``"1 week"``."""
    size = " ".join(text.split()).lower()
    size = {"1w": "1 week", "1m": "1 month", "1 mins": "1 min", "1 hours": "1 hour",
            "1 days": "1 day", "1 sec": "1 secs", "1 weeks": "1 week", "1 months": "1 month"}.get(size, size)
    m = re.fullmatch(r"(\d+) (min|hour|sec)", size)
    if m and m.group(1) != "1":
        size = f"{m.group(1)} {m.group(2)}s"
    return size


def _minus_months(t: datetime, months: int) -> datetime:
    y, m = divmod(t.month - 1 - months, 12)
    year, month = t.year + y, m + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]
    return t.replace(year=year, month=month, day=min(t.day, days))


def span_start(end: datetime, n: int, unit: str) -> datetime:
    """Where a duration ending at ``end`` starts (calendar days, months, years)."""
    if unit == "S":
        return end - timedelta(seconds=n)
    if unit == "D":
        return end - timedelta(days=n)
    if unit == "W":
        return end - timedelta(days=7 * n)
    if unit == "M":
        return _minus_months(end, n)
    return _minus_months(end, 12 * n)


@dataclass(frozen=True, slots=True)
class Window:
    """One request: bars of ``duration`` ending at ``end`` (None: now)."""

    end: datetime | None
    duration: str


def plan_windows(end: datetime | None, duration: str, bar_size: str,
                 now: Callable[[], datetime] | None = None) -> list[Window]:
    """The requests that fetch ``duration`` of ``bar_size`` bars ending at ``end``, newest first.

    One request when TWS serves the range at once (the duration passes through unchanged);
    otherwise consecutive windows of the longest allowed span, the oldest one shortened to fit.
    """
    n, unit = parse_duration(duration)
    longest, longest_text = max_span(bar_size)
    anchor = end or datetime.now(UTC)
    if not longest or (anchor - span_start(anchor, n, unit)).total_seconds() <= longest:
        return [Window(end, f"{n} {unit}")]
    if end is None and now is not None:
        anchor = now()  # TWS's clock, which the windows are cut against
    start = span_start(anchor, n, unit)
    windows: list[Window] = []
    cursor = anchor
    while cursor > start:
        remaining = int((cursor - start).total_seconds())
        if remaining >= longest:
            windows.append(Window(cursor, longest_text))
            cursor -= timedelta(seconds=longest)
        else:
            if remaining % _DAY == 0:
                text = f"{remaining // _DAY} D"
            elif remaining < _DAY:
                text = f"{remaining} S"
            else:
                text = f"{-(-remaining // _DAY)} D"
            windows.append(Window(cursor, text))
            break
    if end is None:
        windows[0] = Window(None, windows[0].duration)
    return windows


class HistoricalPacer:
    """TWS's historical-data pacing, kept on the client side so TWS never has to refuse:

    * at most ``max_requests`` (60) requests in any ``window`` (600 s);
    * at most ``burst`` (5) requests for the same contract and data type within ``burst_window``
      (2 s) -- six or more is a violation;
    * no identical request within ``identical_gap`` (15 s).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, max_requests: int = 60,
                 window: float = 600.0, burst: int = 5, burst_window: float = 2.0,
                 identical_gap: float = 15.0) -> None:
        self.clock = clock
        self.sleep = sleep
        self.max_requests = max_requests
        self.window = window
        self.burst = burst
        self.burst_window = burst_window
        self.identical_gap = identical_gap
        self.sent: list[tuple[float, str, str]] = []  # (time, contract key, whole request key)

    def delay(self, contract_key: str, request_key: str) -> float:
        """Seconds to wait before this request may go."""
        now = self.clock()
        wait = 0.0
        recent = [s for s in self.sent if now - s[0] < self.window]
        if len(recent) >= self.max_requests:
            wait = max(wait, recent[-self.max_requests][0] + self.window - now)
        same = [s for s in self.sent if s[1] == contract_key and now - s[0] < self.burst_window]
        if len(same) >= self.burst:
            wait = max(wait, same[-self.burst][0] + self.burst_window - now)
        for t, _, key in self.sent:
            if key == request_key and now - t < self.identical_gap:
                wait = max(wait, t + self.identical_gap - now)
        return max(0.0, wait)

    def acquire(self, contract_key: str, request_key: str,
                on_wait: Callable[[float], None] | None = None) -> float:
        """Wait until the request may go, then count it; returns the time waited."""
        waited = 0.0
        while True:
            d = self.delay(contract_key, request_key)
            if d <= 0:
                break
            if on_wait is not None:
                on_wait(d)
            self.sleep(d)
            waited += d
        now = self.clock()
        self.sent = [s for s in self.sent if now - s[0] < max(self.window, self.identical_gap)]
        self.sent.append((now, contract_key, request_key))
        return waited


def _bar_key(b: Bar) -> float:
    t = b.time
    if isinstance(t, datetime):
        return t.timestamp()
    return datetime(t.year, t.month, t.day, tzinfo=UTC).timestamp()


@dataclass(slots=True)
class Fetched:
    """What :func:`fetch_bars` got so far (kept when it is interrupted): bars by time, requests."""

    by_time: dict[float, Bar]
    requests: int = 0
    total: int = 0

    def bars(self, start: datetime | None = None) -> list[Bar]:
        """The bars, oldest first (from ``start`` on)."""
        first = start.timestamp() if start is not None else float("-inf")
        return [self.by_time[k] for k in sorted(self.by_time) if k >= first]


def fetch_bars(broker: Broker, contract: Contract, windows: Sequence[Window], bar_size: str,
               what: str, use_rth: bool, timeout: float, pacer: HistoricalPacer,
               progress: Callable[[int, int, str], None] | None = None, *, chain: bool = False,
               fetched: Fetched | None = None, start: datetime | None = None) -> list[Bar]:
    """Fetch every window (newest first), paced; join, de-duplicate and sort the bars.

    ``chain``: a window after the first ends where the bars fetched so far begin (not at its
    planned end), so consecutive windows join without gaps when TWS counts durations in trading
    sessions; with ``start`` it stops once the bars reach back to it. ``fetched`` collects the
    bars as they arrive (what is left after Ctrl-C)."""
    got = fetched if fetched is not None else Fetched({})
    got.total = len(windows)
    by_time = got.by_time
    empty: HistoricalDataError | None = None
    contract_key = f"{contract}|{contract.exchange}|{what}"
    cursor: datetime | None = None  # where the next chained window ends
    for i, planned in enumerate(windows):
        w = planned
        if chain and cursor is not None and planned.duration.endswith(("D", "W")):
            w = Window(cursor, planned.duration)  # ("S" windows are exact: they keep their end)
        if progress is not None:
            progress(i, len(windows), f"{w.duration} to {w.end:%Y-%m-%d %H:%M}" if w.end
                     else f"{w.duration} to now")

        def waiting(seconds: float, i: int = i) -> None:
            if progress is not None:
                progress(i, len(windows), f"pacing: waiting {seconds:.0f} s")

        key = f"{contract_key}|{w.end}|{w.duration}|{bar_size}|{use_rth}"
        pacer.acquire(contract_key, key, waiting)
        for attempt in (1, 2):
            try:
                bars = broker.historical_bars(contract, end=w.end, duration=w.duration,
                                              bar_size=bar_size, what_to_show=what, use_rth=use_rth,
                                              timeout=timeout)
                break
            except HistoricalDataError as exc:
                text = exc.message.lower()
                if "pacing" in text and attempt == 1:
                    # another program (or an earlier run) asked the same moments ago: wait once
                    waiting(pacer.identical_gap)
                    pacer.sleep(pacer.identical_gap)
                    continue
                if len(windows) > 1 and "no data" in text:
                    empty = exc  # a weekend or holiday window
                    bars = []
                    break
                raise
        for b in bars:
            by_time[_bar_key(b)] = b
        first = min(bars, key=_bar_key) if bars else None
        cursor = first.time.astimezone(UTC) if first is not None and \
            isinstance(first.time, datetime) else None
        got.requests = i + 1
        if chain and start is not None and cursor is not None and cursor <= start:
            break  # (sessions reach further back than calendar days: fewer windows needed)
    if progress is not None:
        progress(len(windows), len(windows), "done")
    if not by_time and empty is not None:
        raise empty
    return got.bars()


def exchange_zone(broker: Broker, contract: Contract, timeout: float) -> tuple[tzinfo | None, str]:
    """The exchange's time zone from the contract details: (zone, its name); (None, "") unknown."""
    try:
        details = broker.contract_details(contract, timeout=timeout)
    except IbwireError:
        return None, ""
    name = (details[0].time_zone_id or "") if details else ""
    if not name:
        return None, ""
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return None, ""


def in_zone(bars: Sequence[Bar], zone: tzinfo | None) -> list[Bar]:
    """The bars with their times in ``zone`` (daily bars keep their dates)."""
    if zone is None:
        return list(bars)
    return [Bar(b.time.astimezone(zone) if isinstance(b.time, datetime) else b.time, b.open, b.high,
                b.low, b.close, b.volume, b.wap, b.bar_count) for b in bars]


def bar_json(b: Bar) -> dict[str, Any]:
    # the bar's own zone (the exchange's), with its offset
    t = b.time.isoformat() if isinstance(b.time, (datetime, date)) else b.time
    return {"time": t, "open": b.open, "high": b.high, "low": b.low, "close": b.close,
            "volume": jsonable(b.volume), "wap": jsonable(b.wap), "bar_count": b.bar_count}


def _time_text(t: datetime | date) -> str:
    return t.isoformat() if not isinstance(t, datetime) else t.isoformat(sep=" ")


def _shown_time(t: datetime | date) -> str:
    """``2026-11-20 09:30:00 EST`` (the bar's zone, abbreviated); dates as they are."""
    if not isinstance(t, datetime):
        return t.isoformat()
    return t.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def write_csv(bars: Sequence[Bar], stream: IO[str]) -> None:
    w = csv.writer(stream, lineterminator="\n")
    w.writerow(["time", "open", "high", "low", "close", "volume", "wap", "bar_count"])
    for b in bars:
        w.writerow([_time_text(b.time), repr(b.open), repr(b.high), repr(b.low), repr(b.close),
                    "" if b.volume is None else str(b.volume), "" if b.wap is None else str(b.wap),
                    "" if b.bar_count is None else b.bar_count])


def _parse_end(text: str | None) -> datetime | None:
    if text is None or text.strip().lower() in ("", "now"):
        return None
    t = text.strip()
    try:
        if re.fullmatch(r"\d{8}", t):
            end = datetime.strptime(t, "%Y%m%d")
        elif re.fullmatch(r"\d{8}[ -]\d{2}:\d{2}:\d{2}", t):
            end = datetime.strptime(t.replace("-", " "), "%Y%m%d %H:%M:%S")
        else:
            end = datetime.fromisoformat(t)
    except ValueError:
        raise typer.BadParameter("an end is ISO 8601 (2024-05-01T16:00-04:00) or YYYYMMDD "
                                 "[HH:MM:SS]; without a zone it is UTC", param_hint="--end") from None
    return end if end.tzinfo is not None else end.replace(tzinfo=UTC)


_WHAT = ("TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST", "HISTORICAL_VOLATILITY",
         "OPTION_IMPLIED_VOLATILITY")


@app.command("bars")
def bars_cmd(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="AAPL, EUR.USD (forex), ES:202612 (future).")],
    duration: Annotated[str, typer.Option("--duration", help="How far back: N S|D|W|M|Y "
                                                             "(long ranges are split and paced).")] = "1 D",
    bar_size: Annotated[str, typer.Option("--bar-size", help="1 secs, 5 secs, ... 1 min, 5 mins, "
                                                             "... 1 hour, 1 day, 1 week, 1 month.")] = "5 mins",
    what: Annotated[str, typer.Option("--what", help="TRADES, MIDPOINT, BID, ASK, BID_ASK, "
                                                     "ADJUSTED_LAST ...")] = "TRADES",
    end: Annotated[str | None, typer.Option("--end", help="Last bar's end: ISO 8601 or YYYYMMDD "
                                                          "[HH:MM:SS] (UTC without a zone); default now.")] = None,
    all_hours: Annotated[bool, typer.Option("--all-hours", help="Include bars outside regular "
                                                                "trading hours.")] = False,
    csv_file: Annotated[str | None, typer.Option("--csv", metavar="FILE",
                                                 help="Write the bars as CSV to FILE (- for stdout).")] = None,
    plot: Annotated[str | None, typer.Option("--plot", metavar="FILE.png",
                                             help="Draw candles and volume to FILE (needs "
                                                  "matplotlib: pip install 'ibwire\\[plot]').")] = None,
    realtime: Annotated[bool, typer.Option("--realtime", help="Live 5-second bars until Ctrl-C "
                                                              "(or --count) instead.")] = False,
    count: Annotated[int | None, typer.Option("--count", min=1, help="With --realtime: stop "
                                                                    "after this many bars.")] = None,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 30.0, json_: JsonOpt = False,
) -> None:
    """Historical bars as a table, CSV (--csv), JSON (--json) or a chart (--plot); with
    --realtime, live 5-second bars (TRADES, MIDPOINT, BID or ASK) as they complete.

    Examples: ibwire bars AAPL --duration "5 D" --bar-size "5 mins" --csv aapl.csv;
    ibwire bars EUR.USD --what MIDPOINT --bar-size "1 hour" --duration "1 M" --plot eurusd.png;
    ibwire bars AAPL --realtime --json
    """
    out = Output(json_)
    if realtime:  # (cli/ticks.py)
        from .ticks import stream_realtime_bars
        what_rt = what.strip().upper()
        if what_rt not in ("TRADES", "MIDPOINT", "BID", "ASK"):
            raise typer.BadParameter("one of: TRADES, MIDPOINT, BID, ASK", param_hint="--what")
        stream_realtime_bars(symbol, make_contract(symbol, sec_type, exchange, currency), what_rt,
                             all_hours, count, csv_file, Conn(host, port, client_id, timeout), out)
        return
    size = normalize_bar_size(bar_size)
    if size not in BAR_SECONDS:
        raise typer.BadParameter(f"one of: {', '.join(BAR_SECONDS)}", param_hint="--bar-size")
    what_u = what.strip().upper()
    if what_u not in _WHAT:
        raise typer.BadParameter(f"one of: {', '.join(_WHAT)}", param_hint="--what")
    parse_duration(duration)
    end_at = _parse_end(end)
    if plot is not None:
        from .plot import PlotUnavailable, require_matplotlib
        try:
            require_matplotlib()
        except PlotUnavailable as exc:
            fail(out, Problem(ExitCode.USAGE, str(exc), [
                "install the extra: pip install 'ibwire[plot]' (or pip install matplotlib)"],
                None, "usage"))
    contract = make_contract(symbol, sec_type, exchange, currency)
    conn = Conn(host, port, client_id, timeout)
    fetched = Fetched({})
    interrupted = False
    start: datetime | None = None
    zone: tzinfo | None = None
    zone_name = ""
    with guard(out, conn), connect(conn) as broker:
        zone, zone_name = exchange_zone(broker, contract, timeout)
        seen_now: list[datetime] = []

        def tws_now() -> datetime:
            seen_now.append(broker.current_time())
            return seen_now[-1]

        windows = plan_windows(end_at, duration, size, now=tws_now)
        n, unit = parse_duration(duration)
        anchor = end_at or (seen_now[0] if seen_now else None)
        if len(windows) > 1 and unit in ("S", "M", "Y") and anchor is not None:
            start = span_start(anchor, n, unit)  # windows may reach further back: cut there
        show_progress = len(windows) > 1 and out.err.is_terminal
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                      "{task.total} requests"), TimeRemainingColumn(), console=out.err,
                      transient=True, disable=not show_progress) as bar:
            task = bar.add_task(f"{contract} {size}", total=len(windows))

            def progress(done: int, total: int, note: str) -> None:
                bar.update(task, completed=done, description=f"{contract} {size}: {note}")

            if len(windows) > 1 and not show_progress:
                out.info(f"{len(windows)} requests for {duration} of {size} bars (paced)")
            try:
                fetch_bars(broker, contract, windows, size, what_u, not all_hours, timeout,
                           HistoricalPacer(), progress, chain=True, fetched=fetched, start=start)
            except KeyboardInterrupt:
                interrupted = True
    bars = in_zone(fetched.bars(start), zone)
    if interrupted:
        out.info(f"interrupted after {fetched.requests} of {fetched.total} requests: "
                 + (f"the {len(bars)} bars fetched so far follow (partial)" if bars
                    else "no bars fetched yet"))
        if not bars:
            raise typer.Exit(130)
    title = f"{contract} {size} {what_u}" + (f", times {zone_name} (the exchange's zone)"
                                             if zone_name else "")
    if csv_file is not None:
        if csv_file == "-":
            write_csv(bars, sys.stdout)
        else:
            with open(csv_file, "w", newline="", encoding="utf-8") as fh:
                write_csv(bars, fh)
            out.info(f"wrote {len(bars)} bars to {csv_file}" + (" (partial)" if interrupted else ""))
    if plot is not None:
        from .plot import plot_bars
        with guard(out):
            plot_bars(bars, Path(plot), title)
        out.info(f"drew {len(bars)} bars to {plot}")
    if out.json_mode:
        out.emit([bar_json(b) for b in bars])
    elif csv_file != "-":
        if csv_file is None and plot is None:
            out.print(bars_table(bars, title))
        first, last = (bars[0].time, bars[-1].time) if bars else (None, None)
        out.print(f"{len(bars)} bars" + (f" from {_shown_time(first)} to {_shown_time(last)}"
                                         if first is not None and last is not None else "")
                  + (f" ({zone_name}, the exchange's time)" if zone_name and bars else ""))
    if interrupted:
        raise typer.Exit(130)


def bars_table(bars: Sequence[Bar], title: str) -> FitTable:
    """Time and the four prices always; volume, WAP and the trade count as the width allows."""
    digits = 5 if bars and bars[0].close < 10 else 2
    table = FitTable(title, [Col("time"), Col("open", "right"), Col("high", "right"),
                             Col("low", "right"), Col("close", "right"), Col("volume", "right", 1),
                             Col("wap", "right", 3), Col("count", "right", 2)])
    for b in bars:
        table.add_row(_shown_time(b.time), fmt_price(b.open, digits), fmt_price(b.high, digits),
                      fmt_price(b.low, digits), fmt_price(b.close, digits), fmt_qty(b.volume),
                      "-" if b.wap is None else fmt_price(float(b.wap), digits),
                      "-" if b.bar_count is None else str(b.bar_count))
    return table
