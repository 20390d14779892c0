"""Head timestamps, histograms, market rules and trading schedules through the paper gateway's
wire: consistent with its bars and calendar, the rules with its instruments' tick grids, and
TWS's errors for bad requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ibwire import Forex, Future, Stock
from ibwire.errors import LocalProtocolError
from ibwire.gateway import PaperGateway
from ibwire.gateway.calendar import Calendar
from ibwire.gateway.rules import check_rules, market_rules, rule_ids
from ibwire.models.contract import Contract
from ibwire.protocol.connection import encode_message
from ibwire.protocol.messages.contracts import ContractData, ReqContractData
from ibwire.protocol.messages.historical import HistoricalData, ReqHistoricalData
from ibwire.protocol.messages.reference import (
    CancelContractData,
    CancelHeadTimestamp,
    CancelHistogramData,
    HeadTimestamp,
    HistogramDataMsg,
    HistoricalSchedule,
    MarketRuleMsg,
    ReqHeadTimestamp,
    ReqHistogramData,
    ReqMarketRule,
)
from ibwire.protocol.messages.system import ErrMsg
from ibwire.protocol.messages.ticks import (
    HistoricalTicks,
    RealTimeBars,
    ReqHistoricalTicks,
    ReqRealTimeBars,
)
from ibwire.protocol.versions import MAX_VERSION

from ..conftest import WireClient

AAPL = 265598


def _one(c: WireClient, cls: type) -> Any:
    got = [m for m in c.sync() if isinstance(m, (cls, ErrMsg)) and not (
        isinstance(m, ErrMsg) and m.req_id == -1 and (m.error_code or 0) >= 2100)]
    assert len(got) == 1, got
    assert isinstance(got[0], cls), got[0]
    return got[0]


def _error(c: WireClient) -> ErrMsg:
    err: ErrMsg = _one(c, ErrMsg)
    return err


def _bars(gateway: PaperGateway, con_id: int, end: datetime | None, duration: str,
          bar_size: str, use_rth: bool) -> list[Any]:
    return gateway.call(lambda ex: ex.bars(con_id, end, duration, bar_size, "TRADES", use_rth))


# --- head timestamp -----------------------------------------------------------------------------

@pytest.mark.parametrize("use_rth", [True, False])
def test_head_timestamp_is_where_the_bars_begin(gateway, wire, use_rth):
    c = wire(1)
    c.send(ReqHeadTimestamp(1, Stock("AAPL"), "TRADES", use_rth, 2))
    head = int(_one(c, HeadTimestamp).head_timestamp)
    at = datetime.fromtimestamp(head, UTC)
    # the bars of the hour after the head start at the head; none end at it
    bars = _bars(gateway, AAPL, at + timedelta(hours=1), "3600 S", "1 min", use_rth)
    assert bars[0].time == at
    with pytest.raises(Exception, match="no data"):
        _bars(gateway, AAPL, at, "1 D", "1 hour", use_rth)
    # it opens a session of the calendar (regular hours with useRTH)
    session = Calendar.of("stock").session_at(head, liquid=use_rth)
    assert session is not None and session.open == head


def test_head_timestamp_text_format_is_utc_and_same_instant(gateway, wire):
    c = wire(1)
    c.send(ReqHeadTimestamp(1, Stock("AAPL"), "MIDPOINT", True, 1))
    text = _one(c, HeadTimestamp).head_timestamp
    c.send(ReqHeadTimestamp(2, Stock("AAPL"), "MIDPOINT", True, 2))
    epoch = int(_one(c, HeadTimestamp).head_timestamp)
    assert text == datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%d-%H:%M:%S")


def test_a_future_begins_on_its_listing_day(gateway, wire):
    c = wire(1)
    c.send(ReqContractData(1, Future("ES", "202612", "CME")))
    es = _one(c, ContractData).details.contract
    c.sync()
    c.send(ReqHeadTimestamp(2, es, "TRADES", False, 2))
    head = int(_one(c, HeadTimestamp).head_timestamp)
    # listed the day after the September 2025 contract's last trade date (5 quarters out)
    assert datetime.fromtimestamp(head, UTC).date() == datetime(2025, 9, 21).date()
    assert head <= gateway.call(lambda ex: ex.market.step_second)


def test_an_option_begins_at_most_two_years_before_its_expiry(gateway, wire):
    c = wire(1)
    opt = Contract(symbol="SPY", sec_type="OPT", exchange="SMART", currency="USD",
                   last_trade_date_or_contract_month="20261218", strike=600.0, right="C")
    c.send(ReqHeadTimestamp(1, opt, "TRADES", False, 2))
    head = datetime.fromtimestamp(int(_one(c, HeadTimestamp).head_timestamp), UTC)
    assert head.date() >= datetime(2024, 12, 18).date()
    assert head <= datetime.fromtimestamp(gateway.call(lambda ex: ex.market.step_second), UTC)


def test_head_timestamp_errors(wire):
    c = wire(1)
    c.send(ReqHeadTimestamp(1, Stock("NOPE"), "TRADES", True, 1))
    assert _error(c).error_code == 200
    c.send(ReqHeadTimestamp(2, Stock("AAPL"), "VOLUME", True, 1))
    err = _error(c)
    assert (err.req_id, err.error_code) == (2, 321) and "what to show" in (err.error_string or "")
    c.send(ReqHeadTimestamp(3, Forex("EURUSD"), "TRADES", True, 1))
    assert _error(c).error_code == 162
    c.send(ReqHeadTimestamp(4, Stock("AAPL"), "TRADES", True, 3))
    assert _error(c).error_code == 321
    c.send(CancelHeadTimestamp(9))
    err = _error(c)
    assert (err.req_id, err.error_code) == (9, 366)


def test_cancelling_an_answered_request_is_quiet(wire):
    # ib_async cancels every head timestamp after its answer; TWS takes it in stride
    c = wire(1, max_version=MAX_VERSION)
    c.send(ReqHeadTimestamp(1, Stock("AAPL"), "TRADES", True, 1))
    _one(c, HeadTimestamp)
    c.send(ReqHistogramData(2, Stock("AAPL"), True, "1 day"))
    _one(c, HistogramDataMsg)
    c.send(ReqContractData(3, Stock("AAPL")))
    assert c.sync()
    c.send(CancelHeadTimestamp(1), CancelHistogramData(2), CancelContractData(3))
    assert c.sync() == []


# --- histogram ----------------------------------------------------------------------------------

@pytest.mark.parametrize("use_rth", [True, False])
def test_histogram_adds_up_to_the_bars_of_the_period(gateway, wire, use_rth):
    c = wire(1)
    c.send(ReqHistogramData(1, Stock("AAPL"), use_rth, "3 days"))
    items = _one(c, HistogramDataMsg).items
    days = _bars(gateway, AAPL, None, "3 D", "1 day", use_rth)
    assert len(days) == 3
    assert sum(i.size for i in items) == sum(b.volume for b in days)
    low, high = min(b.low for b in days), max(b.high for b in days)
    prices = [i.price for i in items]
    assert prices == sorted(prices) and len(set(prices)) == len(prices)
    assert low <= prices[0] and prices[-1] <= high
    assert all(i.size > 0 and abs(i.price / 0.01 - round(i.price / 0.01)) < 1e-6 for i in items)


def test_histogram_periods_count_sessions_like_durations(gateway, wire):
    c = wire(1)
    totals = {}
    for n, period in enumerate(("1 week", "5 days", "1 month", "1 day"), 1):
        c.send(ReqHistogramData(n, Stock("AAPL"), True, period))
        totals[period] = sum(i.size for i in _one(c, HistogramDataMsg).items)
    assert totals["1 week"] == totals["5 days"]
    assert totals["1 day"] < totals["5 days"] < totals["1 month"]
    month = _bars(gateway, AAPL, None, "1 M", "1 day", True)
    assert totals["1 month"] == sum(b.volume for b in month)


def test_histogram_errors(wire):
    c = wire(1)
    c.send(ReqHistogramData(1, Stock("AAPL"), True, "3 fortnights"))
    err = _error(c)
    assert (err.req_id, err.error_code) == (1, 321) and "3 fortnights" in (err.error_string or "")
    c.send(ReqHistogramData(2, Stock("AAPL"), True, "2 years"))
    assert _error(c).error_code == 162
    c.send(ReqHistogramData(3, Forex("EURUSD"), True, "1 day"))
    assert _error(c).error_code == 162
    c.send(ReqHistogramData(4, Stock("NOPE"), True, "1 day"))
    assert _error(c).error_code == 200
    c.send(CancelHistogramData(14))
    assert _error(c).error_code == 366


# --- market rules -------------------------------------------------------------------------------

def test_every_instrument_ticks_on_its_market_rule(gateway):
    table = gateway.call(lambda ex: ex.instruments)
    assert check_rules(table) == []
    rules = market_rules(table)
    for inst in table:
        for rid in rule_ids(inst.market_rule_ids):
            rule = rules.get(rid)
            assert rule is not None
            assert rule.increment_at(inst.base_price) == inst.min_tick
            assert rule.is_valid(inst.base_price)


@pytest.mark.parametrize("contract, grid", [
    (Stock("AAPL"), [(0.0, 0.01)]),
    (Future("ES", "202612", "CME"), [(0.0, 0.25)]),
    (Future("RTY", "202612", "CME"), [(0.0, 0.1)]),
    (Forex("EURUSD"), [(0.0, 0.00005)]),
    (Stock("RY", "SMART", "CAD"), [(0.0, 0.005), (0.5, 0.01)]),
    # options are made on demand (not iterated in the table): their rules are known too
    (Contract(symbol="SPY", sec_type="OPT", exchange="SMART", currency="USD",
              last_trade_date_or_contract_month="20261218", strike=600.0, right="C"),
     [(0.0, 0.01)]),
    (Contract(symbol="ES", sec_type="FOP", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="20261218", strike=6000.0, right="P"),
     [(0.0, 0.25)]),
])
def test_contract_details_name_the_rules_of_their_tick_grid(wire, contract, grid):
    c = wire(1)
    c.send(ReqContractData(1, contract))
    details = _one(c, ContractData).details
    c.sync()
    ids = rule_ids(details.market_rule_ids)
    assert len((details.market_rule_ids or "").split(",")) == \
        len((details.valid_exchanges or "").split(","))
    for rid in ids:
        c.send(ReqMarketRule(rid))
        msg = _one(c, MarketRuleMsg)
        assert msg.market_rule_id == rid
        assert [(p.low_edge, p.increment) for p in msg.price_increments] == grid
        assert any(p.increment == details.min_tick for p in msg.price_increments)


def test_xetra_shares_follow_the_mifid_tick_table(wire):
    c = wire(1)
    c.send(ReqContractData(1, Stock("SAP", "IBIS", "EUR")))
    details = _one(c, ContractData).details
    c.sync()
    [rid] = rule_ids(details.market_rule_ids)
    c.send(ReqMarketRule(rid))
    bands = [(p.low_edge, p.increment) for p in _one(c, MarketRuleMsg).price_increments]
    assert bands[0] == (0.0, 0.0001) and (200.0, 0.05) in bands and (50000.0, 10.0) in bands
    assert details.min_tick == 0.05  # SAP trades around 240 EUR


def test_an_unknown_rule_id_is_an_error(wire):
    c = wire(1)
    c.send(ReqMarketRule(987654))
    err = _error(c)
    assert (err.req_id, err.error_code) == (-1, 321) and "987654" in (err.error_string or "")


def test_cancel_contract_data_names_no_running_request(wire):
    c = wire(1, max_version=MAX_VERSION)
    c.send(CancelContractData(5))
    err = _error(c)
    assert (err.req_id, err.error_code) == (5, 300)


# --- historical schedule ------------------------------------------------------------------------

def test_schedule_lists_the_calendar_sessions(gateway, wire):
    c = wire(1, max_version=MAX_VERSION)
    c.send(ReqHistoricalData(1, Stock("AAPL"), "", "1 day", "1 W", True, "SCHEDULE", 1, False))
    sched = _one(c, HistoricalSchedule)
    assert sched.time_zone == "US/Eastern"
    assert len(sched.sessions) == 5
    days = _bars(gateway, AAPL, None, "1 W", "1 day", True)
    assert [s.ref_date for s in sched.sessions] == [b.time.strftime("%Y%m%d") for b in days]
    assert all(s.start_date_time.endswith("-09:30:00") for s in sched.sessions)
    assert sched.start_date_time == sched.sessions[0].start_date_time
    assert sched.end_date_time == sched.sessions[-1].end_date_time
    # the current session is listed whole (the market clock stands inside it)
    assert sched.sessions[-1].end_date_time.endswith("-16:00:00")


def test_schedule_with_an_end_time_and_extended_hours(wire):
    c = wire(1, max_version=MAX_VERSION)
    c.send(ReqHistoricalData(1, Future("ES", "202612", "CME"), "20261113 12:00:00 US/Eastern",
                             "1 day", "2 D", False, "SCHEDULE", 1, False))
    sched = _one(c, HistoricalSchedule)
    assert sched.time_zone == "US/Central"
    assert [(s.ref_date, s.start_date_time, s.end_date_time) for s in sched.sessions] == [
        ("20261112", "20261111-17:00:00", "20261112-16:00:00"),
        ("20261113", "20261112-17:00:00", "20261113-16:00:00")]


def test_schedule_needs_server_version_165():
    msg = ReqHistoricalData(1, Stock("AAPL"), "", "1 day", "1 W", True, "SCHEDULE", 1, False)
    with pytest.raises(LocalProtocolError, match="165"):
        encode_message(msg, 164)
    assert encode_message(msg, 165)


def test_schedule_errors(wire):
    c = wire(1, max_version=MAX_VERSION)
    c.send(ReqHistoricalData(1, Stock("AAPL"), "", "1 day", "1 X", True, "SCHEDULE", 1, False))
    assert _error(c).error_code == 321
    c.send(ReqHistoricalData(2, Contract(symbol="NOPE", sec_type="STK"), "", "1 day", "1 W", True,
                             "SCHEDULE", 1, False))
    assert _error(c).error_code == 200
    c.send(ReqHistoricalData(3, Stock("AAPL"), "", "1 day", "1 W", True, "TRADES", 1, False))
    assert isinstance(_one(c, HistoricalData), HistoricalData)


def test_histogram_sizes_are_whole_shares(wire):
    c = wire(1)
    c.send(ReqHistogramData(1, Stock("AAPL"), False, "1 day"))
    assert all(i.size == i.size.to_integral_value() and isinstance(i.size, Decimal)
               for i in _one(c, HistogramDataMsg).items)


def test_a_currency_pair_has_no_trades_in_any_historical_request(gateway, wire) -> None:
    """TWS's 162 for TRADES of a currency pair (it has quotes only), the same text from bars,
    real-time bars, head timestamps and historical ticks; MIDPOINT is served."""
    c = wire(1)
    pair = Forex("EURUSD")
    end = gateway.market_time().astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")
    requests = [
        ReqHistoricalData(req_id=1, contract=pair, end_date_time="", duration_str="1 D",
                          bar_size_setting="1 hour", what_to_show="TRADES", use_rth=False,
                          format_date=2),
        ReqRealTimeBars(req_id=2, contract=pair, what_to_show="TRADES"),
        ReqHeadTimestamp(req_id=3, contract=pair, what_to_show="TRADES", use_rth=False),
        ReqHistoricalTicks(req_id=4, contract=pair, end_date_time=end, number_of_ticks=10,
                           what_to_show="TRADES"),
    ]
    for msg in requests:
        c.send(msg)
        err = c.expect(ErrMsg, lambda m, r=msg.req_id: m.req_id == r)
        assert (err.error_code, err.error_string) == (
            162, "Historical Market Data Service error message:No data of type TRADES is "
                 "available for the exchange 'IDEALPRO' and the security type 'Forex'")
    c.send(ReqHistoricalData(req_id=5, contract=pair, end_date_time="", duration_str="1 D",
                             bar_size_setting="1 hour", what_to_show="MIDPOINT", use_rth=False,
                             format_date=2),
           ReqRealTimeBars(req_id=6, contract=pair, what_to_show="MIDPOINT"),
           ReqHistoricalTicks(req_id=7, contract=pair, end_date_time=end, number_of_ticks=10,
                              what_to_show="MIDPOINT"))
    assert c.expect(HistoricalData, lambda m: m.req_id == 5).bars
    gateway.step(6)
    assert c.expect(RealTimeBars, lambda m: m.req_id == 6)
    assert c.expect(HistoricalTicks, lambda m: m.req_id == 7).ticks
