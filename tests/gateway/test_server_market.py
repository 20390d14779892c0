"""Market data, contract details and historical bars through the paper gateway's wire."""

from __future__ import annotations

from decimal import Decimal

from ibwire import Stock
from ibwire.gateway import PaperGateway
from ibwire.models.contract import Contract
from ibwire.protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ibwire.protocol.messages.historical import (
    CancelHistoricalData,
    HistoricalData,
    HistoricalDataUpdate,
    ReqHistoricalData,
)
from ibwire.protocol.messages.market_data import (
    CancelMktData,
    MarketDataType,
    ReqMarketDataType,
    ReqMktData,
    TickGeneric,
    TickPrice,
    TickReqParams,
    TickSize,
    TickSnapshotEnd,
    TickString,
)
from ibwire.protocol.messages.system import ErrMsg

from ..conftest import WireClient

AAPL = 265598


def _prices(events: list[object]) -> dict[int, float]:
    return {e.tick_type: e.price for e in events if isinstance(e, TickPrice)}


def _mkt(req_id: int, contract: Contract | None = None, snapshot: bool = False,
         generic: str = "") -> ReqMktData:
    return ReqMktData(req_id=req_id, contract=contract or Stock("AAPL"), generic_tick_list=generic,
                      snapshot=snapshot, regulatory_snapshot=False)


# --- REQ_MKT_DATA --------------------------------------------------------------------------------

def test_market_data_first_picture_matches_the_market(gateway, wire):
    c = wire(1)
    q = gateway.call(lambda ex: ex.quote(AAPL))
    c.send(_mkt(1, generic="236"))
    params = c.expect(TickReqParams)
    assert params.req_id == 1 and params.min_tick == 0.01
    assert c.expect(MarketDataType).market_data_type == 1
    first = c.sync()
    prices = _prices(first)
    assert prices[1] == q.bid and prices[2] == q.ask and prices[4] == q.last
    assert prices[6] == q.high and prices[7] == q.low and prices[9] == q.close and prices[14] == q.open
    sizes = {e.tick_type: e.size for e in first if isinstance(e, TickPrice)}
    assert sizes[1] == q.bid_size and sizes[2] == q.ask_size
    assert {e.tick_type: e.size for e in first if isinstance(e, TickSize)}[8] == q.volume
    stamp = next(e for e in first if isinstance(e, TickString))
    assert stamp.tick_type == 45 and int(stamp.value) == int(q.time.timestamp())
    generic = {e.tick_type: e.value for e in first if isinstance(e, TickGeneric)}
    assert generic == {49: 0.0, 46: 3.0}
    assert q.bid < q.ask


def test_market_data_streams_until_cancelled(gateway, wire):
    c = wire(1)
    c.send(_mkt(1))
    c.drain()
    gateway.step(60)
    moved = c.sync()
    assert any(isinstance(e, (TickPrice, TickSize)) and e.req_id == 1 for e in moved)
    q = gateway.call(lambda ex: ex.quote(AAPL))
    bids = [e.price for e in moved if isinstance(e, TickPrice) and e.tick_type == 1]
    assert not bids or bids[-1] == q.bid
    c.send(CancelMktData(req_id=1))
    c.drain()
    gateway.step(60)
    assert not [e for e in c.sync() if isinstance(e, (TickPrice, TickSize))]


def test_snapshot_ends_with_tick_snapshot_end_and_does_not_stream(gateway, wire):
    c = wire(1)
    answer = c.ask(_mkt(2, snapshot=True), TickSnapshotEnd, lambda m: m.req_id == 2)
    assert {1, 2, 4} <= set(_prices(answer))
    gateway.step(60)
    assert not [e for e in c.sync() if isinstance(e, TickPrice)]


def test_delayed_market_data(gateway, wire):
    c = wire(1)
    gateway.step(1200)  # leave some history behind
    c.send(ReqMarketDataType(market_data_type=3))
    c.send(_mkt(3))
    note = c.expect(ErrMsg, lambda e: e.req_id == 3)
    assert note.error_code == 10167
    assert c.expect(MarketDataType).market_data_type == 3
    prices = _prices(c.sync())
    assert {66, 67, 68} <= set(prices) and not {1, 2, 4} & set(prices)
    past = gateway.call(lambda ex: ex.market.quote_at(AAPL, int(ex.now().timestamp()) - 900))
    assert prices[66] == past.bid and prices[67] == past.ask


def test_frozen_market_data_is_one_picture(gateway, wire):
    c = wire(1)
    c.send(ReqMarketDataType(market_data_type=2))
    c.send(_mkt(4))
    assert c.expect(MarketDataType).market_data_type == 2
    assert {1, 2} <= set(_prices(c.sync()))
    gateway.step(120)
    assert not [e for e in c.sync() if isinstance(e, TickPrice)]


def test_market_data_errors(gateway, wire):
    c = wire(1)
    c.send(_mkt(5, Stock("NOPE")))
    err = c.expect(ErrMsg, lambda e: e.req_id == 5)
    assert err.error_code == 200
    assert err.error_string == "No security definition has been found for the request"
    c.send(_mkt(6))
    c.send(_mkt(6))
    assert c.expect(ErrMsg, lambda e: e.req_id == 6).error_code == 322
    c.send(CancelMktData(req_id=99))
    assert c.expect(ErrMsg, lambda e: e.req_id == 99).error_code == 300


def test_stock_sizes_in_lots_below_159(gateway, wire):
    c = wire(None, min_version=100, max_version=157)
    assert c.handshake() == 157
    c.start(1)
    q = gateway.call(lambda ex: ex.quote(AAPL))
    c.send(_mkt(1))
    c.expect(MarketDataType)
    sizes = {e.tick_type: e.size for e in c.sync() if isinstance(e, TickPrice)}
    assert sizes[1] == q.bid_size // 100


def test_gateway_mode_sends_farm_notices_on_first_use():
    with PaperGateway(port=0, mode="gateway", tick_interval=None) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            c.send(_mkt(1))
            assert c.expect(ErrMsg).error_code == 2104
            c.send(_mkt(2))
            assert not [e for e in c.sync() if isinstance(e, ErrMsg)]
            c.send(ReqContractData(req_id=3, contract=Stock("AAPL")))
            assert c.expect(ErrMsg).error_code == 2158
        finally:
            c.close()


# --- REQ_CONTRACT_DATA ---------------------------------------------------------------------------

def test_contract_data_for_a_stock(gateway, wire):
    c = wire(1)
    rows = c.ask(ReqContractData(req_id=7, contract=Stock("AAPL")), ContractDataEnd)
    details = [r.details for r in rows if isinstance(r, ContractData)]
    assert len(details) == 1
    d = details[0]
    assert d.contract.con_id == AAPL and d.contract.symbol == "AAPL"
    assert d.min_tick == 0.01 and d.long_name


def test_contract_data_lists_every_match(gateway, wire):
    c = wire(1)
    es = Contract(symbol="ES", sec_type="FUT", exchange="CME", currency="USD")
    rows = c.ask(ReqContractData(req_id=8, contract=es), ContractDataEnd)
    months = {r.details.contract.last_trade_date_or_contract_month for r in rows
              if isinstance(r, ContractData)}
    assert len(months) >= 2


def test_contract_data_unknown_is_200(gateway, wire):
    c = wire(1)
    c.send(ReqContractData(req_id=9, contract=Stock("NOSUCH")))
    err = c.expect(ErrMsg, lambda e: e.req_id == 9)
    assert err.error_code == 200
    assert not c.take(ContractDataEnd)


# --- REQ_HISTORICAL_DATA -------------------------------------------------------------------------

def _hist(req_id: int, duration: str = "1 D", bar_size: str = "1 hour", what: str = "TRADES",
          end: str = "", keep: bool = False, contract: Contract | None = None) -> ReqHistoricalData:
    return ReqHistoricalData(req_id=req_id, contract=contract or Stock("AAPL"), end_date_time=end,
                             bar_size_setting=bar_size, duration_str=duration, use_rth=False,
                             what_to_show=what, format_date=1, keep_up_to_date=keep)


def test_historical_bars(gateway, wire):
    c = wire(1)
    c.send(_hist(1))  # "1 D" of "1 hour" bars, extended hours, at Friday 10:00 New York
    data = c.expect(HistoricalData)
    assert data.req_id == 1
    assert [b.date[9:14] for b in data.bars] == ["04:00", "05:00", "06:00", "07:00", "08:00",
                                                 "09:00", "10:00"]  # the session so far
    for b in data.bars:
        assert b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high
        assert b.volume is not None and b.volume >= 0
    assert data.start_date_str and data.end_date_str


def test_historical_bars_agree_with_the_market(gateway, wire):
    c = wire(1)
    c.send(_hist(1, duration="300 S", bar_size="1 min", what="MIDPOINT"))
    data = c.expect(HistoricalData)
    q = gateway.call(lambda ex: ex.quote(AAPL))
    assert abs(data.bars[-1].close - q.mid) <= 0.01 + 1e-9
    assert data.bars[-1].volume == Decimal(-1)


def test_historical_invalid_combination_is_162(gateway, wire):
    c = wire(1)
    c.send(_hist(2, duration="1 D", bar_size="1 secs"))
    err = c.expect(ErrMsg, lambda e: e.req_id == 2)
    assert err.error_code == 162 and "Historical Market Data Service error message" in err.error_string


def test_historical_invalid_bar_size_is_321(gateway, wire):
    c = wire(1)
    c.send(_hist(3, bar_size="7 mins"))
    assert c.expect(ErrMsg, lambda e: e.req_id == 3).error_code == 321


def test_historical_unknown_contract_is_200(gateway, wire):
    c = wire(1)
    c.send(_hist(4, contract=Stock("NOSUCH")))
    assert c.expect(ErrMsg, lambda e: e.req_id == 4).error_code == 200


def test_historical_identical_request_within_15_s_is_162(gateway, wire):
    c = wire(1)
    c.send(_hist(5))
    c.expect(HistoricalData)
    c.send(_hist(6))
    err = c.expect(ErrMsg, lambda e: e.req_id == 6)
    assert err.error_code == 162 and "pacing violation" in err.error_string


def test_historical_more_than_60_requests_in_10_minutes_is_162():
    with PaperGateway(port=0, tick_interval=None, max_msg_rate=None) as gw:
        c = WireClient(gw.port)
        try:
            c.handshake()
            c.start(1)
            durations = [f"{n} S" for n in range(60, 60 + 61)]
            c.send(*[_hist(100 + i, duration=d, bar_size="1 min")
                     for i, d in enumerate(durations)])
            for i in range(60):
                c.expect(HistoricalData, lambda m, r=100 + i: m.req_id == r)
            err = c.expect(ErrMsg, lambda e: e.req_id == 160)
            assert err.error_code == 162 and "pacing violation" in err.error_string
        finally:
            c.close()


def test_historical_keep_up_to_date_streams_updates(gateway, wire):
    c = wire(1)
    c.send(_hist(7, duration="600 S", bar_size="1 min", what="MIDPOINT", keep=True))
    c.expect(HistoricalData)
    gateway.step(90)
    update = c.expect(HistoricalDataUpdate)
    assert update.req_id == 7
    assert update.bar.low <= update.bar.close <= update.bar.high
    c.send(CancelHistoricalData(req_id=7))
    c.drain()
    gateway.step(90)
    assert not [e for e in c.sync() if isinstance(e, HistoricalDataUpdate)]


def test_historical_keep_up_to_date_refuses_an_end_date(gateway, wire):
    c = wire(1)
    c.send(_hist(8, end="20260101 12:00:00 UTC", keep=True))
    assert c.expect(ErrMsg, lambda e: e.req_id == 8).error_code == 321


def test_cancel_unknown_historical_is_366(gateway, wire):
    c = wire(1)
    c.send(CancelHistoricalData(req_id=55))
    assert c.expect(ErrMsg, lambda e: e.req_id == 55).error_code == 366
