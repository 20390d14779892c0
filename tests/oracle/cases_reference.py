"""Oracle cases of the reference-data messages (protocol/messages/reference.py): head timestamps,
histograms, market rules, trading schedules and CANCEL_CONTRACT_DATA (see cases.py)."""

from __future__ import annotations

from decimal import Decimal

from ibwire.models.contract import Contract
from ibwire.models.reference import HistogramData, HistoricalSession, PriceIncrement
from ibwire.protocol.messages import historical, reference
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                primary_exchange="NASDAQ")
ES = Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="202612", multiplier="50", local_symbol="ESZ6",
              trading_class="ES", include_expired=True)
EURUSD = Contract(symbol="EUR", sec_type="CASH", exchange="IDEALPRO", currency="USD")

REQUESTS: list[Message] = [
    reference.ReqHeadTimestamp(41, AAPL, "TRADES", True, 1),
    reference.ReqHeadTimestamp(42, ES, "MIDPOINT", False, 2),
    reference.ReqHeadTimestamp(43, EURUSD, "BID", True, 1),
    reference.CancelHeadTimestamp(41),
    reference.ReqHistogramData(44, AAPL, True, "3 days"),
    reference.ReqHistogramData(45, ES, False, "1 week"),
    reference.CancelHistogramData(44),
    reference.ReqMarketRule(26),
    reference.ReqMarketRule(67),
    reference.CancelContractData(21),
    # the schedule: refused below 165 (HISTORICAL_SCHEDULE), like the official client
    historical.ReqHistoricalData(46, AAPL, "", "1 day", "1 M", True, "SCHEDULE", 1, False),
    historical.ReqHistoricalData(47, ES, "20261204 16:00:00 US/Eastern", "1 day", "5 D", False,
                                 "SCHEDULE", 2, False),
]

INCOMING: list[tuple[Feature | None, Message]] = [
    (Feature.REQ_HEAD_TIMESTAMP, reference.HeadTimestamp(41, "19801212-14:30:00")),
    (Feature.REQ_HEAD_TIMESTAMP, reference.HeadTimestamp(42, "1734036600")),
    (Feature.REQ_HISTOGRAM, reference.HistogramDataMsg(44, [
        HistogramData(150.25, Decimal(1200)), HistogramData(150.26, Decimal(300)),
        HistogramData(150.5, Decimal("2.5"))])),
    (Feature.REQ_HISTOGRAM, reference.HistogramDataMsg(45, [])),
    (Feature.MARKET_RULES, reference.MarketRuleMsg(26, [PriceIncrement(0.0, 0.01)])),
    (Feature.MARKET_RULES, reference.MarketRuleMsg(1, [
        PriceIncrement(0.0, 0.005), PriceIncrement(0.5, 0.01)])),
    (Feature.HISTORICAL_SCHEDULE, reference.HistoricalSchedule(
        46, "20261130-09:30:00", "20261204-16:00:00", "US/Eastern", [
            HistoricalSession("20261130-09:30:00", "20261130-16:00:00", "20261130"),
            HistoricalSession("20261201-09:30:00", "20261201-16:00:00", "20261201")])),
]
