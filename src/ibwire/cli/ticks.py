"""``ibwire ticks``: a live tick-by-tick tape; ``ibwire bars --realtime``: live 5-second bars.

``ibwire ticks AAPL`` prints every trade as it happens (``--type BidAsk`` every quote,
``--type MidPoint`` every midpoint), one line each, until Ctrl-C or ``--count`` ticks. ``--json``
writes one JSON object per tick; ``--csv FILE`` writes the tick CSV that ``ibwire gateway --data``
replays (``time,price,size`` for trades; ``time,price,size,bid,ask`` for quotes, the price being
the midpoint and the size 0), so a tape recorded from TWS can be replayed through the paper
gateway:

    ibwire ticks AAPL --count 5000 --csv AAPL.csv --port 7496    # record from TWS
    ibwire gateway --data AAPL.csv --port 7497                   # replay it
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from ..client.broker import Broker
from ..client.livestream import LiveStream
from ..models import Contract
from ..models.ticks import (
    TICK_BY_TICK_TYPES,
    BidAskTick,
    LastTick,
    MidPointTick,
    RealtimeBar,
    Tick,
)
from .app import app
from .common import connect, run_live
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
    TzOpt,
    make_contract,
)
from .output import Output, contract_json, fmt_price, fmt_qty, fmt_time
from .problems import fail, guard
from .quote import _unknown, resolve

__all__ = ["tick_json", "tick_line", "tick_row", "CSV_HEADER", "bar_json", "stream_realtime_bars"]

CSV_HEADER = {"trades": ["time", "price", "size"], "quotes": ["time", "price", "size", "bid", "ask"]}
"""The tick CSV of ``ibwire gateway --data`` (see :mod:`ibwire.gateway.replay`)."""

_TYPES = {name.lower(): name for name in TICK_BY_TICK_TYPES}


def _digits(c: Contract) -> int:
    return 5 if c.sec_type == "CASH" else 2


def tick_json(contract: Contract, tick: Tick) -> dict[str, Any]:
    base: dict[str, Any] = {"symbol": contract.symbol, "time": tick.time}
    if isinstance(tick, LastTick):
        return {**base, "type": "AllLast" if tick.all_last else "Last", "price": tick.price,
                "size": tick.size, "exchange": tick.exchange,
                "special_conditions": tick.special_conditions, "past_limit": tick.past_limit,
                "unreported": tick.unreported}
    if isinstance(tick, BidAskTick):
        return {**base, "type": "BidAsk", "bid": tick.bid_price, "ask": tick.ask_price,
                "bid_size": tick.bid_size, "ask_size": tick.ask_size,
                "bid_past_low": tick.bid_past_low, "ask_past_high": tick.ask_past_high}
    return {**base, "type": "MidPoint", "mid_point": tick.mid_point}


def tick_line(contract: Contract, tick: Tick) -> str:
    d = _digits(contract)
    when = fmt_time(tick.time)
    if isinstance(tick, LastTick):
        flags = " ".join(f for f, on in (("past-limit", tick.past_limit),
                                         ("unreported", tick.unreported)) if on)
        return (f"{when}  {contract.symbol}  {fmt_qty(tick.size):>8} @ {fmt_price(tick.price, d)}"
                f"  {tick.exchange or ''}{'  ' + flags if flags else ''}")
    if isinstance(tick, BidAskTick):
        return (f"{when}  {contract.symbol}  {fmt_qty(tick.bid_size):>8} {fmt_price(tick.bid_price, d)}"
                f" / {fmt_price(tick.ask_price, d)} {fmt_qty(tick.ask_size)}")
    return f"{when}  {contract.symbol}  mid {fmt_price(tick.mid_point, d)}"


def _csv_time(tick: Tick | RealtimeBar) -> str:
    return tick.time.astimezone(UTC).isoformat(sep=" ")


def tick_row(tick: Tick) -> list[str]:
    """One row of the tick CSV."""
    if isinstance(tick, LastTick):
        return [_csv_time(tick), repr(tick.price), str(tick.size)]
    if isinstance(tick, BidAskTick):
        mid = round((tick.bid_price + tick.ask_price) / 2, 10)
        return [_csv_time(tick), repr(mid), "0", repr(tick.bid_price), repr(tick.ask_price)]
    assert isinstance(tick, MidPointTick)
    return [_csv_time(tick), repr(tick.mid_point), "0"]


@contextmanager
def _csv_out(path: str | None) -> Iterator[Any]:
    if path is None:
        yield None
        return
    fh: IO[str]
    if path == "-":
        fh = sys.stdout
    else:
        fh = open(Path(path), "w", newline="", encoding="utf-8")  # noqa: SIM115
    try:
        yield csv.writer(fh)
    finally:
        fh.flush()
        if fh is not sys.stdout:
            fh.close()


def _qualified(broker: Broker, symbol: str, contract: Contract, out: Output,
               timeout: float) -> Contract:
    good, bad = resolve(broker, [symbol], [contract], timeout)
    if bad:
        fail(out, _unknown(bad, False))
    return good[0]


def _drain(stream: LiveStream[Any], count: int | None, each: Any) -> int:
    """Hand each item to ``each`` until ``count`` items or the stream ends; the number seen."""
    n = 0
    for item in stream:
        each(item)
        n += 1
        if count is not None and n >= count:
            break
    if stream.error is not None:
        raise stream.error
    return n


@app.command("ticks")
def ticks_cmd(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="AAPL, EUR.USD (forex), ES:202612 (future).")],
    tick_type: Annotated[str, typer.Option("--type", metavar="TYPE",
                                           help="Last, AllLast, BidAsk or MidPoint.")] = "Last",
    count: Annotated[int | None, typer.Option("--count", min=1,
                                              help="Stop after this many ticks.")] = None,
    history: Annotated[int, typer.Option("--history", min=0, max=1000,
                                         help="Start with this many recent ticks.")] = 0,
    csv_file: Annotated[str | None, typer.Option(
        "--csv", metavar="FILE", help="Write the ticks as the CSV `ibwire gateway --data` replays "
                                      "(- for stdout).")] = None,
    sec_type: SecTypeOpt = None, exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT, client_id: ClientIdOpt = DEFAULT_CLIENT_ID,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """A live tick-by-tick tape until Ctrl-C: every trade (--type Last / AllLast), quote (BidAsk)
    or midpoint (MidPoint); --json: one JSON object per tick; --csv FILE: the tick CSV
    `ibwire gateway --data` replays.

    Examples: ibwire ticks AAPL; ibwire ticks EUR.USD --type BidAsk --json;
    ibwire ticks AAPL --count 1000 --csv AAPL.csv
    """
    kind = _TYPES.get(tick_type.strip().lower())
    if kind is None:
        raise typer.BadParameter(f"one of: {', '.join(TICK_BY_TICK_TYPES)}", param_hint="--type")
    contract = make_contract(symbol, sec_type, exchange, currency)
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    to_stdout = csv_file == "-"
    with guard(out, conn), connect(conn) as broker, _csv_out(csv_file) as writer:
        good = _qualified(broker, symbol, contract, out, timeout)
        if writer is not None:
            writer.writerow(CSV_HEADER["quotes" if kind == "BidAsk" else "trades"])

        def each(tick: Tick) -> None:
            if writer is not None:
                writer.writerow(tick_row(tick))
            if to_stdout:
                return
            if out.json_mode:
                out.emit(tick_json(good, tick))
            elif writer is None or out.console.is_terminal:
                out.console.print(tick_line(good, tick), soft_wrap=True, highlight=False)

        with broker.tick_by_tick(good, kind, number_of_ticks=history) as stream:
            run_live(lambda: _drain(stream, count, each), broker if count is None else None, conn)


# --- bars --realtime ------------------------------------------------------------------------------

def bar_json(contract: Contract, bar: RealtimeBar) -> dict[str, Any]:
    return {"contract": contract_json(contract), "time": bar.time, "open": bar.open,
            "high": bar.high, "low": bar.low, "close": bar.close, "volume": bar.volume,
            "wap": bar.wap, "count": bar.count}


def _bar_line(contract: Contract, bar: RealtimeBar) -> str:
    d = _digits(contract)
    vol = f"  vol {fmt_qty(bar.volume)}" if bar.volume is not None else ""
    return (f"{fmt_time(bar.time)}  {contract.symbol}  O {fmt_price(bar.open, d)}  "
            f"H {fmt_price(bar.high, d)}  L {fmt_price(bar.low, d)}  C {fmt_price(bar.close, d)}"
            f"{vol}")


def stream_realtime_bars(symbol: str, contract: Contract, what: str, all_hours: bool,
                         count: int | None, csv_file: str | None, conn: Conn,
                         out: Output) -> None:
    """``ibwire bars SYMBOL --realtime``: a 5-second bar per line (or JSON object, or CSV row in
    the bar CSV ``ibwire gateway --data`` replays) until Ctrl-C or ``count`` bars."""
    with guard(out, conn), connect(conn) as broker, _csv_out(csv_file) as writer:
        good = _qualified(broker, symbol, contract, out, conn.timeout)
        if writer is not None:
            writer.writerow(["time", "open", "high", "low", "close", "volume", "wap", "bar_count"])

        def each(bar: RealtimeBar) -> None:
            if writer is not None:
                writer.writerow([_csv_time(bar), repr(bar.open), repr(bar.high), repr(bar.low),
                                 repr(bar.close), "" if bar.volume is None else str(bar.volume),
                                 "" if bar.wap is None else str(bar.wap),
                                 "" if bar.count is None else str(bar.count)])
            if csv_file == "-":
                return
            if out.json_mode:
                out.emit(bar_json(good, bar))
            elif writer is None or out.console.is_terminal:
                out.console.print(_bar_line(good, bar), soft_wrap=True, highlight=False)

        with broker.realtime_bars(good, what, use_rth=not all_hours) as stream:
            run_live(lambda: _drain(stream, count, each))
