"""ibwire.compat: an ibapi-style program runs against the fake TWS; conversions; the name tables."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import ibwire.models as m
from ibwire.client.eapi import api_specs, callback_specs
from ibwire.client.ecallbacks import SPECIAL
from ibwire.client.eclient import EClient as TypedEClient
from ibwire.client.ewrapper import EWrapper as TypedEWrapper
from ibwire.compat import _convert
from ibwire.compat.account_summary_tags import AccountSummaryTags
from ibwire.compat.client import EClient
from ibwire.compat.commission_report import CommissionReport
from ibwire.compat.common import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER, BarData, TickAttrib
from ibwire.compat.contract import ComboLeg, Contract, ContractDetails
from ibwire.compat.execution import Execution, ExecutionFilter
from ibwire.compat.order import Order
from ibwire.compat.order_state import OrderState
from ibwire.compat.tag_value import TagValue
from ibwire.compat.ticktype import TickTypeEnum
from ibwire.compat.utils import decimalMaxString, floatMaxString, iswrapper
from ibwire.compat.wrapper import EWrapper
from ibwire.models.market import BarData as TypedBar
from ibwire.models.market import ContractDetails as TypedDetails
from ibwire.protocol.messages.accounts import PositionData, PositionEnd, ReqPositions
from ibwire.protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ibwire.protocol.messages.executions import CommissionReportMsg, ExecutionData, ReqExecutions
from ibwire.protocol.messages.historical import HistoricalData, ReqHistoricalData
from ibwire.protocol.messages.market_data import ReqMktData, TickPrice, TickSize
from ibwire.protocol.messages.order_reports import OpenOrder, OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.schema import TO_CLIENT, TO_SERVER

try:
    from .fakes import FakeTws
except ImportError:  # tests/client is not a package
    from fakes import FakeTws  # type: ignore[no-redef]

ACCOUNT = "DU123456"


def _aapl() -> m.Contract:
    return m.Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART",
                      primary_exchange="NASDAQ", currency="USD", local_symbol="AAPL",
                      trading_class="NMS")


def _script() -> dict[type, object]:
    def place(msg, session):
        order = m.Order(order_id=msg.order_id, client_id=0, perm_id=99, action=msg.order.action,
                        total_quantity=msg.order.total_quantity, order_type=msg.order.order_type,
                        lmt_price=msg.order.lmt_price, tif="DAY", account=ACCOUNT)
        return [
            OpenOrder(order_id=msg.order_id, contract=_aapl(), order=order,
                      order_state=m.OrderState(status="PreSubmitted")),
            OrderStatus(order_id=msg.order_id, status="Filled", filled=Decimal(100),
                        remaining=Decimal(0), avg_fill_price=150.25, perm_id=99, parent_id=0,
                        last_fill_price=150.25, client_id=0, why_held=None, mkt_cap_price=None),
            ExecutionData(req_id=-1, contract=_aapl(), execution=m.Execution(
                exec_id="0000e0d5.01.01", time=datetime(2024, 1, 2, 15, 0, 1, tzinfo=UTC),
                acct_number=ACCOUNT, exchange="ISLAND", side="BOT", shares=Decimal(100),
                price=150.25, perm_id=99, order_id=msg.order_id, cum_qty=Decimal(100),
                avg_price=150.25)),
            CommissionReportMsg(commission_report=m.CommissionReport(
                exec_id="0000e0d5.01.01", commission=1.0, currency="USD")),
        ]

    def positions(msg, session):
        es = m.Future("ES", "20261218", "CME", local_symbol="ESZ6", multiplier="50")
        return [PositionData(account=ACCOUNT, contract=_aapl(), position=Decimal(-100),
                             avg_cost=291.27),
                PositionData(account=ACCOUNT, contract=es, position=Decimal(2), avg_cost=251234.5),
                PositionEnd()]

    def mkt(msg, session):
        return [TickPrice(req_id=msg.req_id, tick_type=1, price=150.1, size=Decimal(3),
                          attr_mask=1),
                TickSize(req_id=msg.req_id, tick_type=8, size=Decimal(12345))]

    def details(msg, session):
        d = TypedDetails(contract=_aapl(), market_name="NMS", min_tick=0.01,
                         long_name="APPLE INC", time_zone_id="US/Eastern",
                         sec_id_list=[m.TagValue("ISIN", "US0378331005")], min_size=Decimal(1))
        return [ContractData(req_id=msg.req_id, details=d), ContractDataEnd(req_id=msg.req_id)]

    def history(msg, session):
        bars = [TypedBar("20240102", 187.15, 188.44, 183.89, 185.64, Decimal(82488), Decimal("185.9"), 1000),
                TypedBar("20240103", 184.22, 185.88, 183.43, 184.25, Decimal(58414), Decimal("184.6"), 800)]
        return HistoricalData(req_id=msg.req_id, start_date_str="20240101 00:00:00",
                              end_date_str="20240104 00:00:00", bars=bars)

    return {PlaceOrder: place, ReqPositions: positions, ReqMktData: mkt,
            ReqContractData: details, ReqHistoricalData: history}


class PortedApp(EWrapper, EClient):
    """Written the way ibapi programs are written (9.81-style three-argument error())."""

    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.nextOrderId: int | None = None
        self.got: dict[str, list[tuple[object, ...]]] = {}
        self.errors: list[tuple[int, int, str]] = []

    def keep(self, name: str, *args: object) -> None:
        self.got.setdefault(name, []).append(args)

    @iswrapper
    def nextValidId(self, orderId: int) -> None:
        super().nextValidId(orderId)
        self.nextOrderId = orderId
        self.start()

    def start(self) -> None:
        contract = Contract()
        contract.symbol = "AAPL"
        contract.secType = "STK"
        contract.exchange = "SMART"
        contract.currency = "USD"
        order = Order()
        order.action = "BUY"
        order.orderType = "LMT"
        order.totalQuantity = 100
        order.lmtPrice = 150.25
        self.placeOrder(self.nextOrderId, contract, order)
        self.reqMktData(1001, contract, "", False, False, [])
        self.reqContractDetails(1002, contract)
        self.reqHistoricalData(1003, contract, "", "3 D", "1 day", "TRADES", 1, 1, False, [])
        self.reqPositions()

    def error(self, reqId, errorCode, errorString):  # type: ignore[override]
        self.errors.append((reqId, errorCode, errorString))

    def openOrder(self, orderId, contract, order, orderState):  # type: ignore[override]
        self.keep("openOrder", orderId, contract, order, orderState)

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId,  # type: ignore[override]
                    parentId, lastFillPrice, clientId, whyHeld, mktCapPrice):
        self.keep("orderStatus", orderId, status, filled, remaining, avgFillPrice, permId,
                  parentId, lastFillPrice, clientId, whyHeld, mktCapPrice)

    def execDetails(self, reqId, contract, execution):  # type: ignore[override]
        self.keep("execDetails", reqId, contract, execution)

    def commissionReport(self, commissionReport):  # type: ignore[override]
        self.keep("commissionReport", commissionReport)

    def tickPrice(self, reqId, tickType, price, attrib):  # type: ignore[override]
        self.keep("tickPrice", reqId, TickTypeEnum.to_str(tickType), price, attrib)

    def tickSize(self, reqId, tickType, size):  # type: ignore[override]
        self.keep("tickSize", reqId, TickTypeEnum.to_str(tickType), size)

    def contractDetails(self, reqId, contractDetails):  # type: ignore[override]
        self.keep("contractDetails", reqId, contractDetails)

    def historicalData(self, reqId, bar):  # type: ignore[override]
        self.keep("historicalData", reqId, bar)

    def historicalDataEnd(self, reqId, start, end):  # type: ignore[override]
        self.keep("historicalDataEnd", reqId, start, end)

    def position(self, account, contract, position, avgCost):  # type: ignore[override]
        self.keep("position", account, contract, position, avgCost)

    def positionEnd(self) -> None:
        self.disconnect()


@pytest.fixture
def ran():
    with FakeTws(_script(), next_valid_id=11) as tws:
        app = PortedApp()
        app.connect("127.0.0.1", tws.port, clientId=0)
        watchdog = threading.Timer(10.0, app.disconnect)  # only if something went wrong
        watchdog.start()
        try:
            app.run()
        finally:
            watchdog.cancel()
        yield app, tws


def test_program_places_an_order_with_compat_objects(ran):
    app, tws = ran
    sent = tws.wait_for(PlaceOrder)
    assert sent.order_id == 11
    assert (sent.contract.symbol, sent.contract.sec_type, sent.contract.currency) == ("AAPL", "STK", "USD")
    assert sent.contract.con_id == 0  # ibapi sends conId 0 when the program leaves it
    assert sent.order.total_quantity == Decimal(100) and isinstance(sent.order.total_quantity, Decimal)
    assert (sent.order.lmt_price, sent.order.aux_price) == (150.25, None)  # UNSET_DOUBLE -> None
    assert sent.order.min_qty is None  # UNSET_INTEGER -> None
    assert app.errors == [(-1, 2104, "Market data farm connection is OK:usfarm"),
                          (-1, 2106, "HMDS data farm connection is OK:ushmds"),
                          (-1, 2158, "Sec-def data farm connection is OK:secdefnj")]


def test_program_receives_camelcase_objects(ran):
    app, _ = ran
    [(order_id, contract, order, state)] = app.got["openOrder"]
    assert order_id == 11
    assert isinstance(contract, Contract) and isinstance(order, Order) and isinstance(state, OrderState)
    assert (contract.conId, contract.symbol, contract.secType, contract.exchange) == (
        265598, "AAPL", "STK", "SMART")
    assert contract.primaryExchange == ""  # OPEN_ORDER does not carry it
    assert contract.strike == 0.0 and contract.right == ""
    assert (order.action, order.totalQuantity, order.orderType, order.lmtPrice) == (
        "BUY", Decimal(100), "LMT", 150.25)
    assert order.auxPrice == UNSET_DOUBLE and order.trailStopPrice == UNSET_DOUBLE
    assert order.permId == 99 and order.account == ACCOUNT and order.orderRef == ""
    assert state.status == "PreSubmitted" and state.commission == UNSET_DOUBLE

    [status] = app.got["orderStatus"]
    assert status == (11, "Filled", Decimal(100), Decimal(0), 150.25, 99, 0, 150.25, 0, "", 0.0)

    [(req_id, contract, execution)] = app.got["execDetails"]
    assert req_id == -1 and contract.symbol == "AAPL" and isinstance(execution, Execution)
    assert (execution.execId, execution.side, execution.shares, execution.price) == (
        "0000e0d5.01.01", "BOT", Decimal(100), 150.25)
    assert execution.orderId == 11 and execution.acctNumber == ACCOUNT
    assert execution.time == "20240102-15:00:01"
    assert execution.orderRef == ""

    [(report,)] = app.got["commissionReport"]
    assert isinstance(report, CommissionReport)
    assert (report.execId, report.commission, report.currency) == ("0000e0d5.01.01", 1.0, "USD")
    assert report.realizedPNL == UNSET_DOUBLE and report.yield_ == UNSET_DOUBLE


def test_program_positions_market_data_details_history(ran):
    app, _ = ran
    (acct, short, qty, cost), (_, fut, fqty, _) = app.got["position"]
    assert (acct, short.symbol, qty, cost) == (ACCOUNT, "AAPL", Decimal(-100), 291.27)
    assert (fut.secType, fut.lastTradeDateOrContractMonth, fut.multiplier, fut.localSymbol) == (
        "FUT", "20261218", "50", "ESZ6")
    assert fqty == Decimal(2)

    [(req_id, tick, price, attrib)] = app.got["tickPrice"]
    assert (req_id, tick, price) == (1001, "BID", 150.1)
    assert isinstance(attrib, TickAttrib) and attrib.canAutoExecute and not attrib.pastLimit
    # the official client's implied BID_SIZE, then the real VOLUME tick
    assert app.got["tickSize"] == [(1001, "BID_SIZE", Decimal(3)), (1001, "VOLUME", Decimal(12345))]

    [(req_id, cd)] = app.got["contractDetails"]
    assert req_id == 1002 and isinstance(cd, ContractDetails)
    assert (cd.contract.conId, cd.longName, cd.minTick, cd.timeZoneId) == (
        265598, "APPLE INC", 0.01, "US/Eastern")
    assert [str(tv) for tv in cd.secIdList] == ["ISIN=US0378331005;"]
    assert cd.minSize == Decimal(1) and cd.sizeIncrement == UNSET_DECIMAL

    bars = app.got["historicalData"]
    assert [b.date for _, b in bars] == ["20240102", "20240103"]
    first = bars[0][1]
    assert isinstance(first, BarData)
    assert (first.open, first.close, first.volume, first.barCount) == (187.15, 185.64, Decimal(82488), 1000)
    assert first.wap == first.average == Decimal("185.9")
    assert app.got["historicalDataEnd"] == [(1003, "20240101 00:00:00", "20240104 00:00:00")]


def test_program_ends_disconnected():
    with FakeTws(_script()) as tws:
        app = PortedApp()
        app.connect("127.0.0.1", tws.port, clientId=0)
        assert app.isConnected() and app.serverVersion() == 178
        app.disconnect()
        assert not app.isConnected()


# --- conversions ------------------------------------------------------------------------------------

def test_snake_names():
    assert _convert.snake_name("lastTradeDateOrContractMonth") == "last_trade_date_or_contract_month"
    assert _convert.snake_name("realizedPNL") == "realized_pnl"
    assert _convert.snake_name("rule80A") == "rule80_a"
    assert _convert.snake_name("eTradeOnly") == "e_trade_only"
    assert _convert.snake_name("mifid2DecisionMaker") == "mifid2_decision_maker"
    assert _convert.snake_name("yield_") == "yield_"


@pytest.mark.parametrize("compat_cls", [Contract, ComboLeg, Order, OrderState, Execution,
                                        ExecutionFilter, CommissionReport, BarData, TagValue])
def test_every_model_field_has_a_camelcase_twin(compat_cls):
    missing_in_model, missing_in_compat = _convert.unmapped(compat_cls)
    assert missing_in_compat == []
    assert missing_in_model == []


def test_contract_details_maps_all_model_fields():
    missing_in_model, missing_in_compat = _convert.unmapped(ContractDetails)
    assert missing_in_compat == []
    assert missing_in_model == []  # the bond fields too (BOND_CONTRACT_DATA, issue 15)


def test_round_trip_contract_with_legs():
    c = Contract(conId=1, symbol="SPREAD", secType="BAG", currency="USD", exchange="SMART",
                 comboLegs=[ComboLeg(conId=2, ratio=1, action="BUY", exchange="SMART"),
                            ComboLeg(conId=3, ratio=1, action="SELL", exchange="SMART")])
    typed = _convert.to_model(c, m.Contract)
    assert typed.sec_type == "BAG" and typed.primary_exchange is None
    assert [leg.con_id for leg in typed.combo_legs] == [2, 3]
    assert _convert.to_compat(typed) == c


def test_order_round_trip_keeps_sentinels_and_tags():
    o = Order(action="SELL", orderType="STP LMT", totalQuantity=Decimal("0.5"), lmtPrice=99.5,
              auxPrice=100.0, algoStrategy="Adaptive",
              algoParams=[TagValue("adaptivePriority", "Normal")])
    typed = _convert.to_model(o, m.Order)
    assert typed.total_quantity == Decimal("0.5") and typed.min_qty is None
    assert typed.algo_params == [m.TagValue("adaptivePriority", "Normal")]
    back = _convert.to_compat(typed)
    assert back.minQty == UNSET_INTEGER and back.percentOffset == UNSET_DOUBLE
    assert (back.lmtPrice, back.auxPrice, back.algoParams) == (99.5, 100.0, o.algoParams)


def test_float_quantity_becomes_exact_decimal():
    typed = _convert.to_model(Order(action="BUY", orderType="MKT", totalQuantity=0.1), m.Order)
    assert typed.total_quantity == Decimal("0.1")


def test_bad_value_names_the_field():
    with pytest.raises(ValueError, match="conId"):
        _convert.to_model(Contract(conId="abc"), m.Contract)  # type: ignore[arg-type]


def test_official_ibapi_objects_convert_too():
    ibapi_contract = pytest.importorskip("ibapi.contract")
    c = ibapi_contract.Contract()
    c.symbol, c.secType, c.exchange, c.currency = "EUR", "CASH", "IDEALPRO", "USD"
    typed = _convert.to_model(c, m.Contract)
    assert (typed.symbol, typed.sec_type, typed.exchange, typed.currency) == (
        "EUR", "CASH", "IDEALPRO", "USD")
    assert typed.strike == 0.0 and typed.local_symbol is None


def test_unknown_objects_are_rejected():
    with pytest.raises(TypeError):
        _convert.to_model(object(), dict)  # type: ignore[arg-type]


# --- names -------------------------------------------------------------------------------------------

def test_every_incoming_message_calls_a_wrapper_callback():
    specs = callback_specs()
    for cls in TO_CLIENT.values():
        assert cls in specs or cls in SPECIAL, f"{cls.__name__} declares no callback"
    for cls, spec in specs.items():
        fields = {f.name for f in dataclasses.fields(cls)}
        assert {p.split(".")[0] for p in spec.paths if not p.startswith("*")} <= fields
        assert callable(getattr(TypedEWrapper, spec.name)), spec.name
        assert callable(getattr(EWrapper, spec.name)), spec.name


_HAND_WRITTEN = {"CancelOrder": "cancelOrder", "ReqGlobalCancel": "reqGlobalCancel",
                 "StartApi": "startApi", "ReqConfig": "reqConfigProtoBuf",
                 "UpdateConfig": "updateConfigProtoBuf"}


def test_every_request_has_its_official_eclient_method():
    declared = {spec.msg_cls: name for name, spec in api_specs().items()}
    for cls in TO_SERVER.values():
        name = declared.get(cls) or _HAND_WRITTEN.get(cls.__name__)
        assert name is not None, f"{cls.__name__} declares no official method"
        assert callable(getattr(EClient, name)), name
        assert callable(getattr(TypedEClient, name)), name


def test_tick_type_enum_and_helpers():
    assert TickTypeEnum.BID == 1 and TickTypeEnum.to_str(2) == "ASK"
    assert TickTypeEnum.toStr(68) == "DELAYED_LAST"
    assert TickTypeEnum.to_str(TickTypeEnum.NOT_SET) == "NOT_SET"
    assert TickTypeEnum.to_str(9999) == "NOTFOUND"
    assert floatMaxString(UNSET_DOUBLE) == "" and floatMaxString(1.50) == "1.5"
    assert decimalMaxString(UNSET_DECIMAL) == "" and decimalMaxString(Decimal("2.50")) == "2.50"
    assert AccountSummaryTags.AllTags.split(",")[:2] == ["AccountType", "NetLiquidation"]


def test_star_imports_bring_what_ibapi_programs_use():
    ns: dict[str, object] = {}
    exec("from ibwire.compat.client import *\nfrom ibwire.compat.wrapper import *", ns)
    for name in ("EClient", "EWrapper", "Contract", "Order", "OrderState", "Execution",
                 "ExecutionFilter", "ContractDetails", "CommissionReport", "BarData", "TickerId",
                 "OrderId", "TickTypeEnum", "TagValue", "iswrapper", "UNSET_DOUBLE"):
        assert name in ns, name


def test_str_shows_what_differs_from_defaults():
    c = Contract(symbol="AAPL", secType="STK")
    assert str(c) == "Contract(symbol='AAPL', secType='STK')"
    assert str(TagValue("a", "b")) == "a=b;"


IBAPI_PROGRAM = '''
from ibapi.client import *
from ibapi.wrapper import *
from ibapi.contract import Contract
from ibapi.order import Order
from ibapi.execution import ExecutionFilter
from ibapi.ticktype import TickTypeEnum
from ibapi.utils import iswrapper


class App(EWrapper, EClient):
    def __init__(self):
        EClient.__init__(self, self)
        self.log = []

    @iswrapper
    def nextValidId(self, orderId: OrderId):
        contract = Contract()
        contract.symbol = "AAPL"
        contract.secType = "STK"
        contract.exchange = "SMART"
        contract.currency = "USD"
        order = Order()
        order.action = "BUY"
        order.orderType = "MKT"
        order.totalQuantity = 100
        self.placeOrder(orderId, contract, order)
        self.reqMktData(1001, contract, "", False, False, [])
        self.reqPositions()

    def error(self, reqId: TickerId, errorCode: int, errorString: str, advancedOrderRejectJson=""):
        self.log.append(("error", reqId, errorCode))

    def openOrder(self, orderId: OrderId, contract: Contract, order: Order, orderState):
        self.log.append(("openOrder", orderId, contract.symbol, order.action, order.totalQuantity,
                         order.lmtPrice == UNSET_DOUBLE, orderState.status))

    def orderStatus(self, orderId, status, filled, remaining, avgFillPrice, permId, parentId,
                    lastFillPrice, clientId, whyHeld, mktCapPrice):
        self.log.append(("orderStatus", orderId, status, filled, avgFillPrice))

    def execDetails(self, reqId, contract, execution):
        self.log.append(("execDetails", reqId, execution.execId, execution.shares))

    def commissionReport(self, commissionReport):
        self.log.append(("commissionReport", commissionReport.execId, commissionReport.commission))

    def tickPrice(self, reqId, tickType, price, attrib):
        self.log.append(("tickPrice", reqId, TickTypeEnum.to_str(tickType), price))

    def position(self, account, contract, position, avgCost):
        self.log.append(("position", account, contract.symbol, position))

    def positionEnd(self):
        self.disconnect()


app = App()
app.connect("127.0.0.1", PORT, 0)
app.run()
'''


@pytest.mark.parametrize("version", [157, 163, 170, 178])
def test_an_ibapi_program_ports_by_renaming_its_imports(version):
    ported = IBAPI_PROGRAM.replace("ibapi.", "ibwire.compat.")
    assert "ibapi" not in ported.replace("ibwire.compat", "")
    with FakeTws(_script(), next_valid_id=21, version=version) as tws:
        ns: dict[str, object] = {"PORT": tws.port, "__name__": "ported"}
        watchdog = threading.Timer(10.0, lambda: ns["app"].disconnect())  # type: ignore[attr-defined]
        watchdog.start()
        try:
            exec(compile(ported, "<ported ibapi program>", "exec"), ns)
        finally:
            watchdog.cancel()
    log = ns["app"].log  # type: ignore[attr-defined]
    assert ("openOrder", 21, "AAPL", "BUY", Decimal(100), True, "PreSubmitted") in log
    assert ("orderStatus", 21, "Filled", Decimal(100), 150.25) in log
    assert ("execDetails", -1, "0000e0d5.01.01", Decimal(100)) in log
    assert ("commissionReport", "0000e0d5.01.01", 1.0) in log
    assert ("tickPrice", 1001, "BID", 150.1) in log
    assert ("position", ACCOUNT, "AAPL", Decimal(-100)) in log
    assert ("error", -1, 2104) in log
    assert not ns["app"].isConnected()  # type: ignore[attr-defined]
    assert tws.sessions[0].version == version


def test_typed_eclient_accepts_camelcase_and_official_objects():
    from ibwire.client.eclient import EClient as TypedEClient

    ibapi_order = pytest.importorskip("ibapi.order")
    with FakeTws() as tws:
        client = TypedEClient(TypedEWrapper())
        client.connect("127.0.0.1", tws.port, 1)
        try:
            official = ibapi_order.Order()
            official.action, official.orderType, official.totalQuantity = "SELL", "MKT", 3
            client.placeOrder(1, Contract(symbol="MSFT", secType="STK", exchange="SMART",
                                          currency="USD"), official)
            sent = tws.wait_for(PlaceOrder)
            assert (sent.contract.symbol, sent.order.action, sent.order.order_type) == (
                "MSFT", "SELL", "MKT")
            assert sent.order.total_quantity == Decimal(3) and sent.order.lmt_price is None
            client.reqExecutions(2, ExecutionFilter(symbol="MSFT"))
            assert tws.wait_for(ReqExecutions).filter.symbol == "MSFT"
        finally:
            client.disconnect()
