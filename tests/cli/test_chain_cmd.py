"""``ibwire chain`` against the paper gateway (its market clock fixed at a Wednesday)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ibwire.gateway import PaperGateway

from .conftest import Cli, make_cli
from .helpers import json_lines

START = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)


@pytest.fixture
def chain_cli() -> Iterator[Cli]:
    with PaperGateway(port=0, tick_interval=None, market_start=START, seed=3) as g:
        yield make_cli(g.port)


def test_chain_table_of_the_nearest_expiry(chain_cli: Cli) -> None:
    r = chain_cli("chain", "SPY", "--strikes", "4")
    assert r.exit_code == 0, r.stderr
    assert "SPY SPY 20261120 (x100)" in r.stdout
    for column in ("bid", "ask", "IV", "delta", "theta", "vega", "gamma", "strike"):
        assert column in r.stdout
    strikes = [line.split("│")[8].strip() for line in r.stdout.splitlines() if line.count("│") > 10]
    assert len(strikes) == 4 and all(s.replace(".", "").isdigit() for s in strikes)


def test_chain_json_with_greeks_and_parity(chain_cli: Cli) -> None:
    r = chain_cli("chain", "SPY", "--expiry", "202612", "--strikes", "2", "--json")
    assert r.exit_code == 0, r.stderr
    docs = json_lines(r)
    assert len(docs) == 4 and {d["right"] for d in docs} == {"C", "P"}
    assert {d["expiry"] for d in docs} == {"20261204"}  # the month's first expiry
    for d in docs:
        assert 0 <= d["bid"] < d["ask"] and d["implied_vol"] > 0 and d["und_price"] > 0
        assert (d["delta"] > 0) == (d["right"] == "C")
    calls = {d["strike"]: d for d in docs if d["right"] == "C"}
    puts = {d["strike"]: d for d in docs if d["right"] == "P"}
    for k, c in calls.items():  # C - P = S - K e^(-rT): within a few cents at two weeks
        assert c["model_price"] - puts[k]["model_price"] == pytest.approx(c["und_price"] - k,
                                                                            abs=1.5)


def test_chain_of_a_future_and_of_an_index(chain_cli: Cli) -> None:
    r = chain_cli("chain", "ES:202612", "--exchange", "CME", "--strikes", "2", "--json")
    assert r.exit_code == 0, r.stderr
    docs = json_lines(r)
    assert {d["contract"]["sec_type"] for d in docs} == {"FOP"}
    assert {d["contract"]["trading_class"] for d in docs} == {"EW"}  # Nov 30 comes first
    r = chain_cli("chain", "SPX", "--sec-type", "IND", "--trading-class", "SPX", "--strikes", "2",
                  "--json")
    assert r.exit_code == 0, r.stderr
    assert {d["expiry"] for d in json_lines(r)} == {"20261120"}


def test_chain_errors_name_the_problem(chain_cli: Cli) -> None:
    r = chain_cli("chain", "AAPL", "--expiry", "209901")
    assert r.exit_code == 1 and "no expiry 209901; listed: 20261120" in r.stderr
    r = chain_cli("chain", "MMM")
    assert r.exit_code == 1 and "no options listed on MMM" in r.stderr
    r = chain_cli("chain", "NOPE")
    assert r.exit_code == 1 and "NOPE" in r.stderr
