"""``ibwire ticks`` and ``ibwire bars --realtime`` against the paper gateway, and the tick CSV round
trip of issue 18: ticks recorded with ``ibwire ticks --csv`` and replayed by a second gateway
(``--data``) come back as they were recorded."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from ibwire.gateway import PaperGateway
from ibwire.models.contract import Contract
from ibwire.protocol.messages.ticks import HistoricalTicksLast, ReqHistoricalTicks

from ..conftest import WireClient
from .conftest import Cli
from .helpers import json_lines

AAPL = 265598


@contextmanager
def moving(gw: PaperGateway) -> Iterator[None]:
    """The market moves a second at a time while the command streams."""
    stop = threading.Event()

    def step() -> None:
        while not stop.wait(0.02):
            gw.step(1)

    mover = threading.Thread(target=step, daemon=True)
    mover.start()
    try:
        yield
    finally:
        stop.set()
        mover.join()


def test_ticks_json_lines_are_the_tape(cli: Cli, gw: PaperGateway) -> None:
    with moving(gw):
        r = cli("ticks", "AAPL", "--count", "12", "--json")
    assert r.exit_code == 0, r.stderr
    ticks = json_lines(r)
    assert len(ticks) == 12 and all(t["type"] == "Last" and t["symbol"] == "AAPL" for t in ticks)
    for t in ticks[1:]:  # (the first: the last trade before the request)
        second = int(datetime.fromisoformat(t["time"]).timestamp())
        printed = gw.call(lambda ex, s=second: ex.market.trades_at(AAPL, s))
        assert (t["price"], Decimal(str(t["size"]))) in printed


def test_ticks_bid_ask_lines(cli: Cli, gw: PaperGateway) -> None:
    with moving(gw):
        r = cli("ticks", "AAPL", "--type", "bidask", "--count", "3")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3 and all("AAPL" in x and " / " in x for x in lines)


def test_ticks_refuses_an_unknown_type_and_symbol(cli: Cli) -> None:
    assert cli("ticks", "AAPL", "--type", "Trades").exit_code != 0
    r = cli("ticks", "NOSUCHSYM", "--count", "1")
    assert r.exit_code != 0 and "NOSUCHSYM" in r.stderr


def test_bars_realtime(cli: Cli, gw: PaperGateway) -> None:
    with moving(gw):
        r = cli("bars", "AAPL", "--realtime", "--count", "2", "--json", "--all-hours")
    assert r.exit_code == 0, r.stderr
    bars = json_lines(r)
    assert len(bars) == 2 and all(b["low"] <= b["open"] <= b["high"] for b in bars)


def test_recorded_ticks_replay_as_recorded(cli: Cli, gw: PaperGateway, tmp_path: Path) -> None:
    path = tmp_path / "AAPL.csv"
    with moving(gw):
        r = cli("ticks", "AAPL", "--count", "25", "--csv", str(path))
    assert r.exit_code == 0, r.stderr
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 25 and list(rows[0]) == ["time", "price", "size"]
    recorded = [(int(datetime.fromisoformat(x["time"]).timestamp()), float(x["price"]),
                 Decimal(x["size"])) for x in rows]
    with PaperGateway(port=0, tick_interval=None, data=[path]) as replay:
        replay.step(recorded[-1][0] - recorded[0][0] + 1)
        c = WireClient(replay.port)
        c.handshake()
        c.start(9)
        c.drain()
        end = datetime.fromtimestamp(recorded[-1][0], UTC).strftime("%Y%m%d-%H:%M:%S")
        c.send(ReqHistoricalTicks(1, Contract(symbol="AAPL", sec_type="STK", exchange="SMART",
                                              currency="USD"), None, end, 1000, "TRADES"))
        (hist,) = [m for m in c.sync() if isinstance(m, HistoricalTicksLast)]
    assert [(t.time, t.price, t.size) for t in hist.ticks] == recorded
