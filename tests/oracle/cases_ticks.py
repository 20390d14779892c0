"""Oracle cases for tick-level market data (protocol/messages/ticks.py): tick-by-tick, real-time
bars, historical ticks, TICK_EFP and DELTA_NEUTRAL_VALIDATION (see cases.py)."""

from __future__ import annotations

from decimal import Decimal

from ibwire.models.contract import Contract, DeltaNeutralContract
from ibwire.models.ticks import (
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    TickAttribBidAsk,
    TickAttribLast,
)
from ibwire.protocol.codec import TagValue
from ibwire.protocol.messages import ticks
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                primary_exchange="NASDAQ")
ES = Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="202612", multiplier="50", local_symbol="ESZ6",
              trading_class="ES")
T0 = 1796396400  # 2026-12-04 14:20:00 UTC

REQUESTS: list[Message] = [
    ticks.ReqTickByTickData(41, AAPL, "Last", 0, False),
    ticks.ReqTickByTickData(42, AAPL, "BidAsk", 10, True),
    ticks.ReqTickByTickData(43, ES, "AllLast", 0, False),
    ticks.ReqTickByTickData(44, AAPL, "MidPoint", 0, False),
    ticks.CancelTickByTickData(41),
    ticks.ReqRealTimeBars(51, AAPL, 5, "TRADES", True, []),
    ticks.ReqRealTimeBars(52, ES, 5, "MIDPOINT", False, [TagValue("XYZ", "1")]),
    ticks.CancelRealTimeBars(51),
    ticks.ReqHistoricalTicks(61, AAPL, "20261204 09:30:00 US/Eastern", None, 1000, "TRADES", True,
                             False, []),
    ticks.ReqHistoricalTicks(62, ES, None, "20261204-15:00:00", 100, "BID_ASK", False, True, []),
    ticks.ReqHistoricalTicks(63, AAPL, "20261204 09:30:00 US/Eastern", None, 10, "MIDPOINT", True,
                             False, []),
    ticks.CancelHistoricalTicks(61),
]

INCOMING: list[tuple[Feature | None, Message]] = [
    (Feature.TICK_BY_TICK, ticks.TickByTick(41, 1, last=HistoricalTickLast(
        T0, TickAttribLast(False, False), 150.25, Decimal(100), "NASDAQ", None))),
    (Feature.TICK_BY_TICK, ticks.TickByTick(43, 2, last=HistoricalTickLast(
        T0 + 1, TickAttribLast(True, True), 5001.5, Decimal(2), "CME", "I"))),
    (Feature.TICK_BY_TICK, ticks.TickByTick(42, 3, bid_ask=HistoricalTickBidAsk(
        T0, TickAttribBidAsk(True, False), 150.24, 150.26, Decimal(300), Decimal(500)))),
    (Feature.TICK_BY_TICK, ticks.TickByTick(42, 3, bid_ask=HistoricalTickBidAsk(
        T0 + 2, TickAttribBidAsk(False, True), 150.2, 150.3, Decimal(1), Decimal(2)))),
    (Feature.TICK_BY_TICK, ticks.TickByTick(44, 4, mid_point=HistoricalTick(
        T0, 150.255, Decimal(0)))),
    (None, ticks.RealTimeBars(51, T0, 150.0, 150.5, 149.75, 150.25, Decimal(1200),
                              Decimal("150.1"), 17)),
    (Feature.HISTORICAL_TICKS, ticks.HistoricalTicks(63, [
        HistoricalTick(T0, 150.25, Decimal(0)), HistoricalTick(T0 + 1, 150.26, Decimal(0))],
        True)),
    (Feature.HISTORICAL_TICKS, ticks.HistoricalTicksBidAsk(62, [
        HistoricalTickBidAsk(T0, TickAttribBidAsk(False, True), 5001.25, 5001.5, Decimal(10),
                             Decimal(12)),
        HistoricalTickBidAsk(T0 + 1, TickAttribBidAsk(True, False), 5001.0, 5001.75,
                             Decimal(3), Decimal(4))], True)),
    (Feature.HISTORICAL_TICKS, ticks.HistoricalTicksLast(61, [
        HistoricalTickLast(T0, TickAttribLast(False, False), 150.25, Decimal(100), "NASDAQ",
                           None),
        HistoricalTickLast(T0 + 1, TickAttribLast(True, True), 150.3, Decimal(5), "ARCA",
                           "I")], False)),
    (None, ticks.TickEFP(71, 38, 12.5, "12.50", 0.35, 14, "20261218", 0.02, 0.4)),
    (None, ticks.DeltaNeutralValidation(72, DeltaNeutralContract(756733, 0.5, 450.25))),
]
