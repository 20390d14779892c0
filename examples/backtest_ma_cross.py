"""Backtest a bot through the TWS API: an ib_async program, unchanged, trades a moving-average cross
against the paper gateway replaying recorded 5-minute bars as fast as the bot keeps up.

    ibwire bars AAPL --duration "1 M" --bar-size "5 mins" --csv AAPL.csv   # from TWS, or a gateway
    python examples/backtest_ma_cross.py AAPL.csv          (env IBWIRE_REPORT=run.csv for a report)

Without a file it first records a week of AAPL bars from a paper gateway (its seeded walk). The same
bot runs against TWS unchanged: only the port differs. See docs/backtesting.md.

The fill rule at max speed: on each new bar the gateway's clock holds at the bar's first second
until the bot has answered (10 ms of quiet by default), so a market order sent on a new bar fills
at that bar's open plus one tick (a buy) or minus one tick (a sell) -- the quote of a replayed
bar's first second. The script computes the fills from the CSV by that rule and compares.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ibwire import Broker, Stock
from ibwire.gateway import PaperGateway
from ibwire.gateway.replay import DATA_ENDED_CODE

FAST, SLOW, QUANTITY = 10, 30, 100


def record_a_week(target: Path) -> Path:
    """What ``ibwire bars AAPL --duration "1 W" --bar-size "5 mins" --csv`` does."""
    with PaperGateway(port=0) as gw, Broker.connect("127.0.0.1", gw.port, client_id=1) as broker:
        bars = broker.historical_bars(Stock("AAPL"), duration="1 W", bar_size="5 mins",
                                      what_to_show="TRADES", use_rth=True)
    with open(target, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "open", "high", "low", "close", "volume"])
        for b in bars:
            w.writerow([b.time.isoformat(sep=" "), b.open, b.high, b.low, b.close, b.volume])
    return target


def cross(closes: list[float]) -> int:
    """+1: the fast average crossed above the slow one at the last close; -1: below; else 0."""
    if len(closes) < SLOW + 1:
        return 0
    f0, s0 = sum(closes[-FAST - 1:-1]) / FAST, sum(closes[-SLOW - 1:-1]) / SLOW
    f1, s1 = sum(closes[-FAST:]) / FAST, sum(closes[-SLOW:]) / SLOW
    return 1 if f0 <= s0 and f1 > s1 else -1 if f0 >= s0 and f1 < s1 else 0


async def bot(port: int, symbol: str) -> dict[str, Any]:
    """The strategy: an ordinary ib_async program (it would run against TWS as it is)."""
    import ib_async

    ib = ib_async.IB()
    await ib.connectAsync("127.0.0.1", port, clientId=7, timeout=10)
    ended = asyncio.Event()  # the gateway says when the data ends (a notice, request id -1)
    ib.errorEvent += lambda req_id, code, text, contract: (
        ended.set() if code == DATA_ENDED_CODE else None)
    contract = ib_async.Stock(symbol, "SMART", "USD")
    await ib.qualifyContractsAsync(contract)
    long = False
    bars = await ib.reqHistoricalDataAsync(contract, "", "1 D", "5 mins", "TRADES", useRTH=True,
                                           keepUpToDate=True)

    def on_bar(bars: Any, has_new_bar: bool) -> None:
        nonlocal long
        if has_new_bar:  # the bar before the new one is complete
            signal = cross([b.close for b in bars[:-1]])
            if signal > 0 and not long:
                ib.placeOrder(contract, ib_async.MarketOrder("BUY", QUANTITY))
                long = True
            elif signal < 0 and long:
                ib.placeOrder(contract, ib_async.MarketOrder("SELL", QUANTITY))
                long = False

    bars.updateEvent += on_bar
    await ended.wait()
    if long:  # close out at the last price
        trade = ib.placeOrder(contract, ib_async.MarketOrder("SELL", QUANTITY))
        while not trade.isDone():
            await trade.statusEvent
    fills = ib.fills()
    ib.disconnect()
    return {"bars": len(bars), "fills": [(f.execution.side, f.execution.price) for f in fills],
            "pnl": sum(f.execution.price * float(f.execution.shares)
                       * (1 if f.execution.side == "SLD" else -1) for f in fills)}


def by_hand(data: Path, tick: float = 0.01) -> list[tuple[str, float]]:
    """The fills the rule gives, from the file alone: a signal at each bar's start from the
    closes before it fills at that bar's open +/- one tick; still long at the end: sold at the
    last close minus one tick."""
    with open(data, newline="") as fh:
        rows = list(csv.DictReader(fh))
    closes = [float(r["close"]) for r in rows]
    out: list[tuple[str, float]] = []
    long = False
    for j in range(1, len(rows)):
        signal = cross(closes[:j])
        if signal > 0 and not long:
            out.append(("BOT", round(float(rows[j]["open"]) + tick, 2)))
            long = True
        elif signal < 0 and long:
            out.append(("SLD", round(float(rows[j]["open"]) - tick, 2)))
            long = False
    if long:
        out.append(("SLD", round(closes[-1] - tick, 2)))
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(sys.argv[1]) if len(sys.argv) > 1 else record_a_week(Path(tmp) / "AAPL.csv")
        symbol = data.stem.upper() if "=" not in str(data) else str(data).split("=")[0]
        report = os.environ.get("IBWIRE_REPORT")
        with PaperGateway(port=0, data=[str(data)], speed="max", report=report) as gw:
            print(f"replaying {data.name} from {gw.market_time():%Y-%m-%d %H:%M} UTC at max speed")
            out = asyncio.run(bot(gw.port, symbol))
            with open(data, newline="") as fh:
                recorded = sum(1 for _ in fh) - 1
            print(f"{out['bars']} of {recorded} bars seen, {len(out['fills'])} fills, gross PnL "
                  f"{out['pnl']:.2f} USD; "
                  f"market time at the end {gw.market_time():%Y-%m-%d %H:%M} UTC")
            same = out["fills"] == by_hand(data)
            print("fills as computed by hand from the file (open +/- one tick): "
                  + ("yes" if same else "NO (the bot answered later than the 10 ms window?)"))
        if report:
            print(f"report: {report} (and .fills.csv, .equity.csv beside it)")


if __name__ == "__main__":
    main()
