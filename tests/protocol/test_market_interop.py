"""Market data, contract details and historical bars against the two reference clients.

What ibwire writes TWS -> client reads the same in ib_async 2.1.0's Decoder (server version 178)
and in the official ibapi 9.81's Decoder (157); what their request builders write over a fake
connection (no sockets) decodes with ibwire's schemas to the same request, and ibwire writes it
back the same way.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ibwire.models import (
    BarData,
    ComboLeg,
    Contract,
    ContractDetails,
    DeltaNeutralContract,
    TagValue,
    TickType,
)
from ibwire.protocol.connection import encode_message
from ibwire.protocol.framing import FrameBuffer, split_fields
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
from ibwire.protocol.schema import TO_SERVER, Message


def wire(msg: Message, sv: int) -> list[str]:
    """The fields of ``msg`` as a peer reads them off the socket."""
    return split_fields(encode_message(msg, sv)[4:])


def _es_details() -> ContractDetails:
    return ContractDetails(
        contract=Contract(con_id=620731015, symbol="ES", sec_type="FUT",
                          last_trade_date_or_contract_month="20250620", exchange="CME",
                          currency="USD", local_symbol="ESM5", trading_class="ES", multiplier="50",
                          primary_exchange="CME"),
        market_name="ES", min_tick=0.25, md_size_multiplier=1, order_types="LMT,MKT",
        valid_exchanges="CME,QBALGO", price_magnifier=1, under_con_id=11004968,
        long_name="Société E-mini", contract_month="202506", industry="Index",
        category="Equity", subcategory="Large", time_zone_id="US/Central",
        trading_hours="20250521:1700-20250522:1600", liquid_hours="20250522:0830-20250522:1600",
        ev_rule="aapl", ev_multiplier=2,
        sec_id_list=[TagValue("ISIN", "US0000000000"), TagValue("CUSIP", "000000000")],
        agg_group=7, under_symbol="ES", under_sec_type="IND", market_rule_ids="67,67",
        real_expiration_date="20250620", last_trade_time="08:30", stock_type="COMMON",
        min_size=Decimal("0.0001"), size_increment=Decimal("0.01"),
        suggested_size_increment=Decimal(100))



class _Recorder:
    """A stand-in ib_async wrapper: records every callback as (name, args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("_"):
            raise AttributeError(name)

        def record(*args: Any) -> None:
            self.calls.append((name, args))
        return record


def ib_async_reads(msg: Message, sv: int = 178) -> list[tuple[str, tuple[Any, ...]]]:
    """Feed one frame ibwire wrote to ib_async's Decoder the way its Client splits frames."""
    decoder_mod = pytest.importorskip("ib_async.decoder")
    recorder = _Recorder()
    payload = encode_message(msg, sv)[4:]
    fields = payload.decode(errors="backslashreplace").split("\0")
    fields.pop()
    decoder_mod.Decoder(recorder, sv).interpret(fields)
    return recorder.calls


_IBAPI_CALLBACKS = ("tickPrice", "tickSize", "tickString", "tickGeneric", "tickReqParams",
                    "tickSnapshotEnd", "marketDataType", "contractDetails", "contractDetailsEnd",
                    "historicalData", "historicalDataEnd", "historicalDataUpdate", "error")


def ibapi_reads(msg: Message, sv: int = 157) -> list[tuple[str, tuple[Any, ...]]]:
    """Feed one frame ibwire wrote to the official ibapi 9.81 Decoder (its own framing code)."""
    decoder_mod = pytest.importorskip("ibapi.decoder")
    comm = pytest.importorskip("ibapi.comm")
    wrapper_mod = pytest.importorskip("ibapi.wrapper")
    calls: list[tuple[str, tuple[Any, ...]]] = []

    def recorder(name: str) -> Callable[..., None]:
        def record(self: Any, *args: Any) -> None:
            calls.append((name, args))
        return record

    rec_cls = type("Recorder", (wrapper_mod.EWrapper,),
                   {name: recorder(name) for name in _IBAPI_CALLBACKS})
    size, text, rest = comm.read_msg(encode_message(msg, sv))
    assert rest == b"" and size == len(text)
    decoder_mod.Decoder(rec_cls(), sv).interpret(comm.read_fields(text))
    return calls


def test_ticks_read_the_same_in_ib_async_at_178() -> None:
    assert ib_async_reads(TickPrice(5, TickType.BID, 189.25, Decimal("300.5"), 3)) == [
        ("priceSizeTick", (5, 1, 189.25, 300.5))]
    assert ib_async_reads(TickSize(5, TickType.DELAYED_VOLUME, Decimal(312894))) == [
        ("tickSize", (5, 74, 312894.0))]
    assert ib_async_reads(TickString(5, TickType.LAST_TIMESTAMP, "1700000000")) == [
        ("tickString", (5, 45, "1700000000"))]
    assert ib_async_reads(TickGeneric(5, TickType.HALTED, 1.0)) == [("tickGeneric", (5, 49, 1.0))]
    assert ib_async_reads(TickReqParams(5, 0.01, "9c0001", 3)) == [
        ("tickReqParams", (5, 0.01, "9c0001", 3))]
    assert ib_async_reads(TickSnapshotEnd(5)) == [("tickSnapshotEnd", (5,))]
    assert ib_async_reads(MarketDataType(5, 3)) == [("marketDataType", (5, 3))]
    assert ib_async_reads(ContractDataEnd(6)) == [("contractDetailsEnd", (6,))]


def test_ticks_read_the_same_in_ibapi_981_at_157() -> None:
    calls = ibapi_reads(TickPrice(5, TickType.ASK, 189.25, Decimal(300), 6))
    assert [(n, a[:3]) for n, a in calls] == [("tickPrice", (5, 2, 189.25)),
                                            ("tickSize", (5, 3, 300))]
    attrib = calls[0][1][3]
    assert (attrib.canAutoExecute, attrib.pastLimit, attrib.preOpen) == (False, True, True)
    assert ibapi_reads(TickSize(5, TickType.VOLUME, Decimal(312894))) == [
        ("tickSize", (5, 8, 312894))]
    assert ibapi_reads(TickString(5, TickType.LAST_TIMESTAMP, "1700000000")) == [
        ("tickString", (5, 45, "1700000000"))]
    assert ibapi_reads(TickGeneric(5, TickType.HALTED, 0.0)) == [("tickGeneric", (5, 49, 0.0))]
    assert ibapi_reads(TickReqParams(5, 0.01, "9c0001", 3)) == [
        ("tickReqParams", (5, 0.01, "9c0001", 3))]
    assert ibapi_reads(TickSnapshotEnd(5)) == [("tickSnapshotEnd", (5,))]
    assert ibapi_reads(MarketDataType(5, 2)) == [("marketDataType", (5, 2))]
    assert ibapi_reads(ContractDataEnd(6)) == [("contractDetailsEnd", (6,))]


def _assert_common_details(cd: Any, details: ContractDetails) -> None:
    """Fields ib_async and ibapi name the same way (camelCase of ours)."""
    c = details.contract
    assert (cd.contract.symbol, cd.contract.secType, cd.contract.conId) == (
        c.symbol, c.sec_type, c.con_id)
    assert cd.contract.lastTradeDateOrContractMonth == c.last_trade_date_or_contract_month
    assert cd.lastTradeTime == details.last_trade_time
    assert (cd.contract.exchange, cd.contract.currency, cd.contract.localSymbol) == (
        c.exchange, c.currency, c.local_symbol)
    assert (cd.contract.tradingClass, cd.contract.multiplier, cd.contract.primaryExchange) == (
        c.trading_class, c.multiplier, c.primary_exchange)
    assert (cd.marketName, cd.minTick, cd.orderTypes, cd.validExchanges) == (
        details.market_name, details.min_tick, details.order_types, details.valid_exchanges)
    assert (cd.priceMagnifier, cd.underConId, cd.longName, cd.contractMonth) == (
        details.price_magnifier, details.under_con_id, details.long_name, details.contract_month)
    assert (cd.industry, cd.category, cd.subcategory, cd.timeZoneId) == (
        details.industry, details.category, details.subcategory, details.time_zone_id)
    assert (cd.tradingHours, cd.liquidHours, cd.evRule, cd.evMultiplier) == (
        details.trading_hours, details.liquid_hours, details.ev_rule, details.ev_multiplier)
    assert [(t.tag, t.value) for t in cd.secIdList] == [
        (t.tag, t.value) for t in details.sec_id_list]
    assert (cd.aggGroup, cd.underSymbol, cd.underSecType, cd.marketRuleIds) == (
        details.agg_group, details.under_symbol, details.under_sec_type, details.market_rule_ids)
    assert (cd.realExpirationDate, cd.stockType) == (
        details.real_expiration_date, details.stock_type)


def test_contract_data_reads_the_same_in_ib_async_at_178() -> None:
    details = _es_details()
    calls = ib_async_reads(ContractData(req_id=8, details=details))
    assert [(name, args[0]) for name, args in calls] == [("contractDetails", 8)]
    cd = calls[0][1][1]
    _assert_common_details(cd, details)
    assert (cd.minSize, cd.sizeIncrement, cd.suggestedSizeIncrement) == (0.0001, 0.01, 100.0)


def test_contract_data_reads_the_same_in_ibapi_981_at_157() -> None:
    details = _es_details()
    calls = ibapi_reads(ContractData(req_id=8, details=details))
    assert [(name, args[0]) for name, args in calls] == [("contractDetails", 8)]
    cd = calls[0][1][1]
    _assert_common_details(cd, details)
    assert cd.mdSizeMultiplier == details.md_size_multiplier == 1


def _bars() -> list[BarData]:
    return [BarData("20240102 09:30:00 US/Eastern", 150.25, 151.0, 149.5, 150.75, Decimal(1200),
                    Decimal("150.4"), 35),
            BarData("20240102", 2603.0, 2616.0, 2577.0, 2596.0, Decimal(-1), Decimal(-1), -1)]


def test_historical_data_reads_the_same_in_ib_async_at_178() -> None:
    msg = HistoricalData(req_id=3, start_date_str="20240101 00:00:00",
                         end_date_str="20240102 00:00:00", bars=_bars())
    calls = ib_async_reads(msg)
    assert [name for name, _ in calls] == ["historicalData", "historicalData", "historicalDataEnd"]
    for (_, (req_id, bar)), ours in zip(calls, msg.bars):
        assert req_id == 3
        assert (bar.date, bar.open, bar.high, bar.low, bar.close) == (
            ours.date, ours.open, ours.high, ours.low, ours.close)
        assert (bar.volume, bar.average, bar.barCount) == (
            float(ours.volume or 0), float(ours.wap or 0), ours.bar_count)
    assert calls[-1] == ("historicalDataEnd", (3, "20240101 00:00:00", "20240102 00:00:00"))

    update = HistoricalDataUpdate(req_id=4, bar=_bars()[0])
    (name, (req_id, bar)), = ib_async_reads(update)
    assert (name, req_id) == ("historicalDataUpdate", 4)
    assert (bar.barCount, bar.date, bar.open, bar.close, bar.high, bar.low, bar.average,
            bar.volume) == (35, "20240102 09:30:00 US/Eastern", 150.25, 150.75, 151.0, 149.5,
                            150.4, 1200.0)


def test_historical_data_reads_the_same_in_ibapi_981_at_157() -> None:
    msg = HistoricalData(req_id=3, start_date_str="20240101 00:00:00",
                         end_date_str="20240102 00:00:00", bars=_bars())
    calls = ibapi_reads(msg)
    assert [name for name, _ in calls] == ["historicalData", "historicalData", "historicalDataEnd"]
    for (_, (req_id, bar)), ours in zip(calls, msg.bars):
        assert req_id == 3
        assert (bar.date, bar.open, bar.high, bar.low, bar.close) == (
            ours.date, ours.open, ours.high, ours.low, ours.close)
        assert (bar.volume, bar.average, bar.barCount) == (
            int(ours.volume or 0), float(ours.wap or 0), ours.bar_count)
    assert calls[-1] == ("historicalDataEnd", (3, "20240101 00:00:00", "20240102 00:00:00"))

    (name, (req_id, bar)), = ibapi_reads(HistoricalDataUpdate(req_id=4, bar=_bars()[0]))
    assert (name, req_id) == ("historicalDataUpdate", 4)
    assert (bar.barCount, bar.date, bar.open, bar.close, bar.high, bar.low, bar.average,
            bar.volume) == (35, "20240102 09:30:00 US/Eastern", 150.25, 150.75, 151.0, 149.5,
                            150.4, 1200)


# requests written by the other clients


def _frames(data: bytes) -> list[list[str]]:
    return [split_fields(p) for p in FrameBuffer().feed(data)]


def ib_async_writes(call: Callable[[Any], None]) -> list[list[str]]:
    """Run ib_async's request builder at 178 over a fake connection; the frames it wrote."""
    client_mod = pytest.importorskip("ib_async.client")
    sent: list[bytes] = []

    class FakeConnection:
        numBytesSent = 0
        numMsgSent = 0

        def sendMsg(self, data: bytes) -> None:  # noqa: N802 - ib_async's name
            sent.append(data)

    client = client_mod.Client(_Recorder())
    client.conn = FakeConnection()
    client._serverVersion = 178
    client.connState = client_mod.Client.CONNECTED

    async def run() -> None:  # ib_async's throttle reads the running loop's clock
        call(client)

    asyncio.run(run())
    return _frames(b"".join(sent))


def ibapi_writes(call: Callable[[Any], None]) -> list[list[str]]:
    """Run the official ibapi 9.81 request builder at 157 over a fake connection."""
    client_mod = pytest.importorskip("ibapi.client")
    wrapper_mod = pytest.importorskip("ibapi.wrapper")
    sent: list[bytes] = []

    class FakeConnection:
        def isConnected(self) -> bool:  # noqa: N802 - ibapi's name
            return True

        def sendMsg(self, data: bytes) -> int:  # noqa: N802
            sent.append(data)
            return len(data)

    client = client_mod.EClient(wrapper_mod.EWrapper())
    client.conn = FakeConnection()
    client.serverVersion_ = 157
    client.connState = client_mod.EClient.CONNECTED
    call(client)
    return _frames(b"".join(sent))


def _ib_async_contracts() -> tuple[Any, Any]:
    contract_mod = pytest.importorskip("ib_async.contract")
    stock = contract_mod.Contract(conId=265598, symbol="AAPL", secType="STK", exchange="SMART",
                                  primaryExchange="NASDAQ", currency="USD", localSymbol="AAPL",
                                  tradingClass="NMS")
    bag = contract_mod.Contract(
        symbol="SPY", secType="BAG", exchange="SMART", currency="USD",
        comboLegs=[contract_mod.ComboLeg(conId=11, ratio=1, action="BUY", exchange="SMART"),
                   contract_mod.ComboLeg(conId=12, ratio=2, action="SELL", exchange="SMART")],
        deltaNeutralContract=contract_mod.DeltaNeutralContract(conId=756733, delta=0.5,
                                                               price=450.0))
    return stock, bag


_OUR_STOCK = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART",
                      primary_exchange="NASDAQ", currency="USD", local_symbol="AAPL",
                      trading_class="NMS")
_OUR_BAG = Contract(symbol="SPY", sec_type="BAG", exchange="SMART", currency="USD",
                    combo_legs=[ComboLeg(con_id=11, ratio=1, action="BUY", exchange="SMART"),
                                ComboLeg(con_id=12, ratio=2, action="SELL", exchange="SMART")],
                    delta_neutral_contract=DeltaNeutralContract(756733, 0.5, 450.0))


def test_ib_async_requests_decode_the_same_at_178() -> None:
    objects = pytest.importorskip("ib_async.objects")
    stock, bag = _ib_async_contracts()

    def calls(c: Any) -> None:
        c.reqMktData(7, stock, "233,236", False, False, [])
        c.reqMktData(8, bag, "", True, False, [objects.TagValue("a", "b")])
        c.cancelMktData(7)
        c.reqMarketDataType(3)
        c.reqContractDetails(9, stock)
        c.reqHistoricalData(10, stock, "20240102 16:00:00 UTC", "1 D", "1 hour", "TRADES", True,
                            2, False, [])
        c.reqHistoricalData(11, bag, "", "2 W", "1 day", "MIDPOINT", False, 1, True,
                            [objects.TagValue("x", "1")])
        c.cancelHistoricalData(10)

    frames = ib_async_writes(calls)
    decoded = [TO_SERVER[int(f[0])].SCHEMA.decoder(178)(f) for f in frames]
    bag_without_dn = Contract(**{**_fields(_OUR_BAG), "delta_neutral_contract": None})
    assert decoded == [
        ReqMktData(7, _OUR_STOCK, "233,236", False, False, []),
        ReqMktData(8, _OUR_BAG, None, True, False, [TagValue("a", "b")]),
        CancelMktData(7),
        ReqMarketDataType(3),
        ReqContractData(9, _OUR_STOCK),
        ReqHistoricalData(10, _OUR_STOCK, "20240102 16:00:00 UTC", "1 hour", "1 D", True,
                          "TRADES", 2, False, []),
        ReqHistoricalData(11, bag_without_dn, None, "1 day", "2 W", False, "MIDPOINT", 1, True,
                          [TagValue("x", "1")]),
        CancelHistoricalData(10),
    ]
    # and ibwire writes what ib_async wrote, but for the unset strike ("0.0" there, "" here)
    for frame, msg in zip(frames, decoded):
        ours = wire(msg, 178)
        diffs = [(i, a, b) for i, (a, b) in enumerate(zip(ours, frame)) if a != b]
        assert len(ours) == len(frame)
        assert all((a, b) == ("", "0.0") for _, a, b in diffs), diffs


def _fields(contract: Contract) -> dict[str, Any]:
    return {name: getattr(contract, name) for name in contract.__dataclass_fields__}


def test_ibapi_981_requests_decode_the_same_at_157() -> None:
    contract_mod = pytest.importorskip("ibapi.contract")
    tag_mod = pytest.importorskip("ibapi.tag_value")
    stock = contract_mod.Contract()
    stock.conId, stock.symbol, stock.secType, stock.exchange = 265598, "AAPL", "STK", "SMART"
    stock.primaryExchange, stock.currency, stock.localSymbol = "NASDAQ", "USD", "AAPL"
    stock.tradingClass = "NMS"
    bag = contract_mod.Contract()
    bag.symbol, bag.secType, bag.exchange, bag.currency = "SPY", "BAG", "SMART", "USD"
    bag.comboLegs = []
    for con_id, ratio, action in ((11, 1, "BUY"), (12, 2, "SELL")):
        leg = contract_mod.ComboLeg()
        leg.conId, leg.ratio, leg.action, leg.exchange = con_id, ratio, action, "SMART"
        bag.comboLegs.append(leg)
    dn = contract_mod.DeltaNeutralContract()
    dn.conId, dn.delta, dn.price = 756733, 0.5, 450.0
    bag.deltaNeutralContract = dn

    def calls(c: Any) -> None:
        c.reqMktData(7, stock, "233,236", False, False, [])
        c.reqMktData(8, bag, "", True, True, [])
        c.cancelMktData(7)
        c.reqMarketDataType(4)
        c.reqContractDetails(9, stock)
        c.reqHistoricalData(10, stock, "20240102 16:00:00 US/Eastern", "1 D", "1 hour",
                            "TRADES", 1, 1, False, [])
        c.reqHistoricalData(11, bag, "", "2 W", "1 day", "BID", 0, 2, True,
                            [tag_mod.TagValue("x", "1")])
        c.cancelHistoricalData(10)

    frames = ibapi_writes(calls)
    decoded = [TO_SERVER[int(f[0])].SCHEMA.decoder(157)(f) for f in frames]
    bag_without_dn = Contract(**{**_fields(_OUR_BAG), "delta_neutral_contract": None})
    assert decoded == [
        ReqMktData(7, _OUR_STOCK, "233,236", False, False, []),
        ReqMktData(8, _OUR_BAG, None, True, True, []),
        CancelMktData(7),
        ReqMarketDataType(4),
        ReqContractData(9, _OUR_STOCK),
        ReqHistoricalData(10, _OUR_STOCK, "20240102 16:00:00 US/Eastern", "1 hour", "1 D", True,
                          "TRADES", 1, False, []),
        ReqHistoricalData(11, bag_without_dn, None, "1 day", "2 W", False, "BID", 2, True,
                          [TagValue("x", "1")]),
        CancelHistoricalData(10),
    ]
    for frame, msg in zip(frames, decoded):
        ours = wire(msg, 157)
        diffs = [(i, a, b) for i, (a, b) in enumerate(zip(ours, frame)) if a != b]
        assert len(ours) == len(frame)
        assert all((a, b) == ("", "0.0") for _, a, b in diffs), diffs


def test_no_float_in_these_frames_is_written_in_a_form_the_peers_cannot_parse() -> None:
    # repr() of very small / large floats uses an exponent; both peers parse it with float()
    msg = TickReqParams(1, 5e-05, "", 1)
    assert wire(msg, 178)[2] == "5e-05" and math.isclose(float("5e-05"), 0.00005)
    assert ib_async_reads(msg) == [("tickReqParams", (1, 5e-05, "", 1))]
