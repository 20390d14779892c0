"""What the tables show at 80 and at 160 columns, and the one time convention.

Tables are rendered the way a terminal shows them (FORCE_COLOR makes rich draw for a terminal;
the colour codes are stripped): at 80 columns symbols and prices are whole and less important
columns are left out; at 160 columns those come back. Times: the display zone (--tz) with its
abbreviation for people, ISO 8601 with the same offset in JSON, bars in the exchange's zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from ibwire import Broker, LimitOrder, MarketOrder, Stock
from ibwire.cli.monitor import Monitor
from ibwire.cli.options import Conn
from ibwire.cli.output import set_display_zone
from ibwire.cli.tables import Col, FitTable
from ibwire.gateway import PaperGateway
from ibwire.models import Forex, Future

from .conftest import Cli, make_cli
from .helpers import as_json, render

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def shown(cli: Cli, *args: str, width: int) -> str:
    """The command's stdout as a terminal of ``width`` columns shows it."""
    r = cli(*args, env={"COLUMNS": str(width), "FORCE_COLOR": "1"})
    assert r.exit_code == 0, r.stderr
    return _ANSI.sub("", r.stdout)


def no_ellipsis(text: str) -> bool:
    return "…" not in text


@pytest.fixture(autouse=True)
def _local_zone_reset() -> Iterator[None]:
    yield
    set_display_zone(None)


@pytest.fixture
def trades(gw: PaperGateway) -> dict[str, float]:
    """Client 1 buys 100 AAPL, 20,000 EUR.USD and 2 ES, and rests a MSFT limit; the fill prices."""
    prices: dict[str, float] = {}
    with Broker.connect("127.0.0.1", gw.port, client_id=1) as b:
        for name, contract, qty in (("AAPL", Stock("AAPL"), 100), ("EUR.USD", Forex("EUR.USD"), 20000),
                                    ("ES", Future("ES", "202612", "CME"), 2)):
            t = b.submit_order(contract, MarketOrder("BUY", qty), client_order_id=f"w-{name}")
            t.wait_done(10)
            prices[name] = t.avg_fill_price or 0.0
        b.submit_order(Stock("MSFT"), LimitOrder("BUY", 5, 123.45), client_order_id="rest-1")
    return prices


def _price_text(p: float) -> str:
    return f"{p:,.2f}" if p >= 10 else f"{p:.5f}".rstrip("0")


# --- widths -----------------------------------------------------------------------------------------

def test_fit_table_drops_whole_columns_least_important_first() -> None:
    t = FitTable("t", [Col("symbol"), Col("price", "right"), Col("note", drop=1),
                       Col("bid size", "right", 2), Col("ask size", "right", 2)])
    t.add_row("AAPL", "230.07", "a long note that takes room", "1,200", "1,900")
    assert t.kept(200) == [0, 1, 2, 3, 4]
    assert t.kept(60) == [0, 1, 2]  # the sizes go together, before the note
    assert t.kept(10) == [0, 1]  # symbol and price stay even when nothing fits
    assert no_ellipsis(render(t, 12))  # folded when nothing fits, never "230…"


def test_positions_fills_and_orders_at_80_and_160_columns(cli: Cli, trades: dict[str, float]) -> None:
    for args in (("positions",), ("fills",), ("orders",), ("account",), ("orders", "--completed")):
        narrow = shown(cli, *args, width=80)
        wide = shown(cli, *args, width=160)
        assert no_ellipsis(narrow) and no_ellipsis(wide), args
        assert max(len(line) for line in narrow.splitlines()) <= 80, args
        assert len(wide.splitlines()[1]) >= len(narrow.splitlines()[1]), args
    fills80, fills160 = shown(cli, "fills", width=80), shown(cli, "fills", width=160)
    for name in ("AAPL", "EUR.USD", "ES"):
        assert _price_text(trades[name]) in fills80 and _price_text(trades[name]) in fills160
    assert "exec id" not in fills80 and "exec id" in fills160
    positions80 = shown(cli, "positions", width=80)
    assert "20,000" in positions80 and "EUR.USD" in positions80 and "unrealized PnL" in positions80
    assert "realized PnL" in shown(cli, "positions", width=160).replace("unrealized PnL", "")
    orders80 = shown(cli, "orders", width=80)
    assert "LMT 123.45" in orders80 and "MSFT" in orders80 and "Submitted" in orders80
    assert "rest-1" in shown(cli, "orders", width=160)


def test_quote_table_at_80_and_160_columns(cli: Cli) -> None:
    quotes = {q["contract"]["symbol"]: q for q in as_json(cli("quote", "AAPL", "EUR.USD", "--once",
                                                              "--json"))}
    narrow = shown(cli, "quote", "AAPL", "EUR.USD", "--once", width=80)
    wide = shown(cli, "quote", "AAPL", "EUR.USD", "--once", width=160)
    for text in (narrow, wide):
        assert no_ellipsis(text) and "Ctrl-C" not in text  # one shot: nothing to stop
        assert f"{quotes['AAPL']['bid']:,.2f}" in text
        assert f"{quotes['EUR']['bid']:.5f}" in text
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert "high" not in narrow and "high" in wide and "last trade" in wide


def test_monitor_frame_at_80_and_160_columns(gw: PaperGateway, trades: dict[str, float]) -> None:
    mon = Monitor(Conn("127.0.0.1", gw.port, 0, 5.0))
    try:
        assert mon.connect()
        narrow, wide = render(mon.snapshot(), 80), render(mon.snapshot(), 160)
    finally:
        mon.close()
    for text in (narrow, wide):
        assert no_ellipsis(text)
        assert "AAPL" in text and "20,000" in text and _price_text(trades["AAPL"]) in text
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= 80
    # wide: account and positions side by side; narrow: one above the other
    assert any("NetLiquidation" in line and "AAPL" in line for line in wide.splitlines())
    assert not any("NetLiquidation" in line and "AAPL" in line for line in narrow.splitlines())


def test_with_several_accounts_the_account_column_stays_at_80_columns() -> None:
    with PaperGateway(port=0, tick_interval=None, accounts=("DU111", "DU222")) as gw:
        with Broker.connect("127.0.0.1", gw.port, client_id=1) as b:
            for account in ("DU111", "DU222"):
                order = MarketOrder("BUY", 10)
                order.account = account
                b.submit_order(Stock("AAPL"), order).wait_done(10)
        cli = make_cli(gw.port)
        positions, fills = shown(cli, "positions", width=80), shown(cli, "fills", width=80)
    for text in (positions, fills):
        assert "DU111" in text and "DU222" in text and no_ellipsis(text)


# --- times --------------------------------------------------------------------------------------------

def test_fills_times_in_the_chosen_zone_with_its_abbreviation(cli: Cli, trades: dict[str, float],
                                                               gw: PaperGateway) -> None:
    ny = shown(cli, "fills", "--tz", "America/New_York", width=160)
    berlin = shown(cli, "fills", "--tz", "Europe/Berlin", width=160)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d EST", ny)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CET", berlin)
    docs = as_json(cli("fills", "--json", "--tz", "America/New_York"))
    assert all(d["time"].endswith("-05:00") for d in docs)
    first = datetime.fromisoformat(docs[0]["time"])
    assert first.strftime("%Y-%m-%d %H:%M:%S EST") in ny  # the same instant, the same date
    assert cli("fills", "--tz", "Mars/Olympus").exit_code == 2


def test_completed_orders_show_a_parsed_time_and_the_real_client_id(cli: Cli, gw: PaperGateway,
                                                                     trades: dict[str, float]) -> None:
    with Broker.connect("127.0.0.1", gw.port, client_id=7) as b:
        b.submit_order(Stock("AAPL"), MarketOrder("SELL", 10)).wait_done(10)
    text = shown(cli, "orders", "--completed", "--tz", "America/New_York", width=160)
    assert "America/New_York" not in text  # not TWS's raw "20261120 10:00:00 America/New_York"
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d EST", text)
    docs = as_json(cli("orders", "--completed", "--json"))
    assert sorted(d["client_id"] for d in docs) == [1, 1, 1, 7]
    assert all(d["completed_time"] and d["completed_time"][-6] in "+-" for d in docs)
    sell = next(line for line in text.splitlines() if "SELL" in line)
    assert re.search(r"│\s+7\s+│", sell)


def test_bars_are_in_the_exchanges_zone_and_say_so(cli: Cli) -> None:
    text = shown(cli, "bars", "AAPL", "--duration", "1 D", "--bar-size", "1 hour", width=100)
    assert "the exchange's zone" in text
    assert re.search(r"\d{4}-\d\d-\d\d (09:30|1\d:00):00 (EST|EDT)", text)
    bars = as_json(cli("bars", "AAPL", "--duration", "1 D", "--bar-size", "30 mins", "--json"))
    assert bars[0]["time"].endswith(("-05:00", "-04:00"))
