"""``ibwire depth`` against the paper gateway."""

from __future__ import annotations

import threading

from ibwire.cli.depth import ladder_table
from ibwire.client.book import OrderBook
from ibwire.gateway import PaperGateway
from ibwire.models import Stock
from ibwire.models.depth import DepthLevel

from .conftest import Cli
from .helpers import as_json, json_lines, render

AAPL = 265598


def test_once_json_is_the_book_at_the_quote(cli: Cli, gw: PaperGateway) -> None:
    q = gw.call(lambda ex: ex.quote(AAPL))
    doc = as_json(cli("depth", "AAPL", "--smart", "--rows", "5", "--once", "--json"))
    assert doc["contract"]["con_id"] == AAPL and doc["smart"] and doc["rows"] == 5
    bids, asks = doc["bids"], doc["asks"]
    assert len(bids) == len(asks) == 5
    assert bids[0][0] == q.bid and asks[0][0] == q.ask and bids[0][0] < asks[0][0]
    assert sum(b[1] for b in bids if b[0] == q.bid) == float(q.bid_size)
    assert all(b[2] for b in bids + asks)  # SMART: each row names its exchange


def test_once_prints_the_ladder(cli: Cli) -> None:
    r = cli("depth", "ES:202612", "--exchange", "CME", "--rows", "3", "--once")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("ES") and "depth" in lines[0]
    assert len(lines) == 4 and all("|" in line for line in lines[1:])


def test_stream_json_lines_until_count(cli: Cli, gw: PaperGateway) -> None:
    stepping = threading.Event()

    def step_market() -> None:  # move the market while the command streams
        while not stepping.wait(0.05):
            gw.step(1)

    mover = threading.Thread(target=step_market, daemon=True)
    mover.start()
    try:
        r = cli("depth", "AAPL", "--rows", "3", "--count", "3", "--json")
    finally:
        stepping.set()
        mover.join()
    assert r.exit_code == 0, r.stderr
    docs = json_lines(r)
    assert [d["seq"] for d in docs] == [1, 2, 3]
    assert all(len(d["bids"]) == len(d["asks"]) == 3 for d in docs)
    assert len({(str(d["bids"]), str(d["asks"])) for d in docs}) == 3  # printed only on a change
    assert all(d["bids"][0][0] < d["asks"][0][0] for d in docs)


def test_unknown_symbol_is_a_contract_error(cli: Cli) -> None:
    r = cli("depth", "NOSUCHSYM", "--once")
    assert r.exit_code == 1
    assert "unknown contract NOSUCHSYM (error 200)" in r.stderr


def test_the_table_fits_and_drops_market_makers_first() -> None:
    book = OrderBook(Stock("AAPL"), 1, 2, smart=True)
    bids = [DepthLevel(230.01, 300, "NASDAQ"), DepthLevel(230.0, 500, "ARCA")]  # type: ignore[arg-type]
    asks = [DepthLevel(230.02, 100, "IEX"), DepthLevel(230.03, 900, "BATS")]  # type: ignore[arg-type]
    wide = render(ladder_table(book, bids, asks), 100)
    assert "NASDAQ" in wide and "BATS" in wide and "230.01" in wide and "230.02" in wide
    narrow = render(ladder_table(book, bids, asks), 40)
    assert "230.01" in narrow and "230.02" in narrow
