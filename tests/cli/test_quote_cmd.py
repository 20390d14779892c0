"""``ibwire quote`` against the paper gateway."""

from __future__ import annotations

import threading

from ibwire.gateway import PaperGateway

from .conftest import Cli
from .helpers import as_json, json_lines


def test_once_prints_one_line_per_symbol(cli: Cli) -> None:
    r = cli("quote", "AAPL", "EUR.USD", "--once")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("AAPL") and "bid" in lines[0] and "ask" in lines[0] and "last" in lines[0]
    assert lines[1].startswith("EUR.USD")


def test_once_json_has_bid_ask_last(cli: Cli) -> None:
    quotes = as_json(cli("quote", "AAPL", "MSFT", "--once", "--json"))
    assert [q["contract"]["symbol"] for q in quotes] == ["AAPL", "MSFT"]
    for q in quotes:
        assert 0 < q["bid"] <= q["ask"]
        assert q["last"] > 0 and q["volume"] > 0 and q["data_type"] == "live"


def test_stream_prints_a_line_per_change_until_count(cli: Cli, gw: PaperGateway) -> None:
    stepping = threading.Event()

    def step_market() -> None:  # move the market while the command streams
        while not stepping.wait(0.05):
            gw.step(1)

    mover = threading.Thread(target=step_market, daemon=True)
    mover.start()
    try:
        r = cli("quote", "AAPL", "MSFT", "--count", "6")
    finally:
        stepping.set()
        mover.join()
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 6
    assert {line.split()[0] for line in lines} == {"AAPL", "MSFT"}
    assert len(set(lines)) == 6  # a line is printed only when something shown changed


def test_stream_json_lines(cli: Cli) -> None:
    r = cli("quote", "AAPL", "MSFT", "--count", "2", "--json")
    assert r.exit_code == 0
    docs = json_lines(r)
    assert [d["seq"] for d in docs] == [1, 2]
    assert {d["contract"]["symbol"] for d in docs} == {"AAPL", "MSFT"}


def test_delayed_data_type(cli: Cli) -> None:
    quotes = as_json(cli("quote", "AAPL", "--once", "--json", "--data-type", "delayed"))
    assert quotes[0]["data_type"] == "delayed" and quotes[0]["bid"] > 0


def test_unknown_symbol_is_a_contract_error(cli: Cli) -> None:
    r = cli("quote", "NOSUCHSYM", "--once")
    assert r.exit_code == 1
    assert "unknown contract NOSUCHSYM (error 200)" in r.stderr and "SYMBOL:YYYYMM" in r.stderr
