"""The paper gateway's instrument table: contents, resolution, qualification, details."""

from __future__ import annotations

import re
from datetime import date

import pytest

from ibwire.gateway.instruments import (
    Instrument,
    session_hours,
    to_contract,
    to_details,
    universe,
)
from ibwire.models import Contract, Forex, Future, Stock

# the universe of the suite's pinned market date (the futures months listed depend on it)
TABLE = universe(date(2026, 11, 20))
DEFAULT_TABLE = TABLE
INSTRUMENTS = TABLE.all


def resolve(contract: Contract) -> list[Instrument]:
    return TABLE.resolve(contract)

_HOURS = re.compile(r"^(\d{8}:(\d{4}-\d{8}:\d{4}|CLOSED))(;\d{8}:(\d{4}-\d{8}:\d{4}|CLOSED))*$")


def _one(contract: Contract) -> int:
    found = resolve(contract)
    assert len(found) == 1, found
    return found[0].con_id


def test_table_has_stocks_futures_and_pairs() -> None:
    assert len(INSTRUMENTS) >= 20
    assert len({i.con_id for i in INSTRUMENTS}) == len(INSTRUMENTS)
    kinds = {i.sec_type for i in INSTRUMENTS}
    assert kinds == {"STK", "FUT", "CASH", "IND"}
    aapl = DEFAULT_TABLE[265598]
    assert (aapl.symbol, aapl.exchange, aapl.min_tick) == ("AAPL", "NASDAQ", 0.01)
    assert DEFAULT_TABLE[272093].symbol == "MSFT"
    assert (DEFAULT_TABLE[756733].symbol, DEFAULT_TABLE[756733].exchange) == ("SPY", "ARCA")
    for sym in ("QQQ", "IWM", "TSLA", "AMZN", "NVDA", "GOOGL", "META"):
        assert _one(Stock(sym)) > 0
    futures = [i for i in INSTRUMENTS if i.sec_type == "FUT"]
    for sym, mult, tick, ex in (("ES", "50", 0.25, "CME"), ("NQ", "20", 0.25, "CME"),
                                ("CL", "1000", 0.01, "NYMEX")):
        months = [f for f in futures if f.symbol == sym]
        assert len(months) >= 2
        assert {(f.multiplier, f.min_tick, f.exchange) for f in months} == {(mult, tick, ex)}
    assert DEFAULT_TABLE.resolve(Forex("USDJPY"))[0].min_tick == 0.005
    assert DEFAULT_TABLE.resolve(Forex("EURUSD"))[0].min_tick == 0.00005


def test_resolve_stocks() -> None:
    assert _one(Stock("AAPL")) == 265598
    assert _one(Contract(symbol="aapl", sec_type="STK")) == 265598
    assert _one(Contract(symbol="AAPL")) == 265598
    assert _one(Stock("AAPL", "NASDAQ")) == 265598
    assert _one(Stock("SPY", "SMART", primary_exchange="ARCA")) == 756733
    assert _one(Stock("AAPL", "SMART", primary_exchange="ISLAND")) == 265598
    assert resolve(Stock("AAPL", "SMART", primary_exchange="NYSE")) == []
    assert _one(Contract(con_id=272093)) == 272093
    assert _one(Contract(con_id=272093, symbol="ignored")) == 272093
    assert resolve(Stock("AAPL", currency="EUR")) == []
    assert resolve(Stock("AAPL", "CME")) == []
    assert resolve(Stock("NOPE")) == []
    assert resolve(Contract(con_id=1)) == []
    assert resolve(Contract(sec_type="STK")) == []
    assert resolve(Contract(symbol="AAPL", sec_type="OPT", strike=200.0, right="C")) == []


def test_resolve_futures_and_ambiguity() -> None:
    es = resolve(Future("ES"))
    # ambiguous: the quarterly cycle, five months
    assert [i.local_symbol for i in es] == ["ESZ6", "ESH7", "ESM7", "ESU7", "ESZ7"]
    assert _one(Future("ES", "202612", "CME")) == 649180695
    assert _one(Future("ES", "20270319")) == 672387468
    assert _one(Future("ES", "202612", "GLOBEX")) == 649180695
    assert _one(Contract(sec_type="FUT", local_symbol="ESZ6")) == 649180695
    assert _one(Future("NQ", "202703", multiplier="20")) == 672387412
    assert resolve(Future("NQ", "202703", multiplier="50")) == []
    assert resolve(Future("ES", "202609")) == []
    assert len(resolve(Future("CL"))) == 12  # monthly: CLZ6 (its last day) to CLX7
    assert resolve(Stock("NQ")) == []  # (ES is also a stock: Eversource Energy)
    assert resolve(Stock("ES"))[0].long_name == "EVERSOURCE ENERGY"


def test_resolve_pairs() -> None:
    assert _one(Forex("EURUSD")) == 12087792
    assert _one(Forex("GBP.USD")) == 12087797
    assert _one(Contract(symbol="USD", sec_type="CASH", currency="JPY", exchange="IDEALPRO")) \
        == 15016059
    assert _one(Contract(local_symbol="EUR.USD", sec_type="CASH")) == 12087792
    assert resolve(Forex("JPYEUR")) == []  # the pair is EUR.JPY
    assert len(resolve(Forex("EURJPY"))) == 1


def test_to_contract_is_fully_qualified() -> None:
    c = to_contract(DEFAULT_TABLE[265598])
    assert (c.con_id, c.symbol, c.sec_type, c.exchange, c.primary_exchange, c.currency,
            c.local_symbol, c.trading_class) == (265598, "AAPL", "STK", "SMART", "NASDAQ", "USD",
                                                 "AAPL", "NMS")
    assert to_contract(DEFAULT_TABLE[265598], "ARCA").exchange == "ARCA"
    es = to_contract(DEFAULT_TABLE[649180695])
    assert (es.exchange, es.multiplier, es.last_trade_date_or_contract_month, es.local_symbol) \
        == ("CME", "50", "20261218", "ESZ6")
    eur = to_contract(DEFAULT_TABLE[12087792])
    assert (eur.symbol, eur.currency, eur.exchange, eur.local_symbol) \
        == ("EUR", "USD", "IDEALPRO", "EUR.USD")


def test_session_hours_in_tws_format() -> None:
    friday = date(2026, 11, 20)
    trading, liquid = session_hours(DEFAULT_TABLE[265598], friday, days=4)
    assert trading == ("20261120:0400-20261120:2000;20261121:CLOSED;20261122:CLOSED;"
                       "20261123:0400-20261123:2000")
    assert liquid.startswith("20261120:0930-20261120:1600;20261121:CLOSED")
    trading, liquid = session_hours(DEFAULT_TABLE[649180695], friday, days=1)
    assert (trading, liquid) == ("20261119:1700-20261120:1600", "20261120:0830-20261120:1500")


def test_details() -> None:
    d = to_details(DEFAULT_TABLE[265598], today=date(2026, 11, 20))
    assert d.contract.con_id == 265598 and d.contract.exchange == "SMART"
    assert d.min_tick == 0.01 and d.long_name == "APPLE INC"
    assert d.time_zone_id == "US/Eastern" and d.industry == "Technology"
    assert "SMART" in (d.valid_exchanges or "").split(",")
    assert len((d.market_rule_ids or "").split(",")) == len((d.valid_exchanges or "").split(","))
    assert "LMT" in (d.order_types or "").split(",") and "STP" in (d.order_types or "")
    assert _HOURS.match(d.trading_hours or "") and _HOURS.match(d.liquid_hours or "")
    assert d.stock_type == "COMMON" and d.sec_id_list[0].tag == "ISIN"
    assert d.min_size == 1 and d.size_increment == 1
    es = to_details(DEFAULT_TABLE[649180695], date(2026, 11, 20))
    assert (es.contract_month, es.time_zone_id, es.under_sec_type) == ("202612", "US/Central",
                                                                       "IND")
    assert es.real_expiration_date == "20261218"


@pytest.mark.parametrize(("con_id", "price", "ok"), [
    (265598, 230.01, True), (265598, 230.005, False), (649180695, 6000.25, True),
    (649180695, 6000.1, False), (12087792, 1.08005, True), (12087792, 1.08001, False),
    (15016059, 150.005, True), (15016059, 150.001, False),
])
def test_tick_grid(con_id: int, price: float, ok: bool) -> None:
    assert DEFAULT_TABLE[con_id].on_grid(price) is ok
