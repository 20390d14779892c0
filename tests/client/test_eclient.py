"""EClient / EWrapper against an in-process scripted TWS (tests/client/fakes.py)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ibwire.client.eclient import EClient
from ibwire.client.ewrapper import EWrapper, TickAttrib
from ibwire.models import (
    CommissionReport,
    Contract,
    Execution,
    ExecutionFilter,
    Future,
    LimitOrder,
    Order,
    OrderState,
    Stock,
)
from ibwire.protocol.messages.accounts import (
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    PortfolioValue,
    PositionData,
    PositionEnd,
    ReqAcctData,
    ReqPositions,
)
from ibwire.protocol.messages.executions import (
    CommissionReportMsg,
    ExecutionData,
    ExecutionDataEnd,
    ReqExecutions,
)
from ibwire.protocol.messages.order_reports import OpenOrder, OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder
from ibwire.protocol.messages.system import (
    CurrentTime,
    NextValidId,
    ReqCurrentTime,
    ReqIds,
    StartApi,
)

try:
    from .fakes import FakeTws, Recorder, free_port
except ImportError:  # tests/client is not a package
    from fakes import FakeTws, Recorder, free_port  # type: ignore[no-redef]

ACCOUNT = "DU123456"


def _current_time(msg: ReqCurrentTime, session: object) -> CurrentTime:
    return CurrentTime(1704207600)


@pytest.fixture
def tws():
    with FakeTws({ReqCurrentTime: _current_time}, next_valid_id=7) as fake:
        yield fake


@pytest.fixture
def client(tws):
    rec = Recorder()
    c = EClient(rec)
    c.connect(tws.host, tws.port, 3)
    assert c.isConnected()
    th = c.start_dispatcher()
    yield c, rec
    c.disconnect()
    th.join(timeout=5)
    assert not th.is_alive()


# --- connecting ------------------------------------------------------------------------------

def test_handshake_then_next_valid_id_and_managed_accounts(tws, client):
    c, rec = client
    assert rec.wait("connectAck") == ()
    assert rec.wait("managedAccounts") == (ACCOUNT,)
    assert rec.wait("nextValidId") == (7,)
    assert c.serverVersion() == 178
    assert c.twsConnectionTime()
    assert tws.wait_for(StartApi).client_id == 3
    # the farm notices arrive as error(-1, 2104 ...) with an empty advancedOrderRejectJson
    req_id, code, text, advanced = rec.wait("error", where=lambda *a: a[1] == 2104)
    assert (req_id, advanced) == (-1, "")
    assert "farm" in text


def test_connect_negotiates_down_to_an_older_server(tmp_path):
    with FakeTws(version=163) as fake:
        rec = Recorder()
        c = EClient(rec)
        c.connect(fake.host, fake.port, 0)
        try:
            assert c.serverVersion() == 163
            c.start_dispatcher()
            assert rec.wait("nextValidId") == (1,)
        finally:
            c.disconnect()


def test_refused_port_reports_502_without_hanging():
    rec = Recorder()
    c = EClient(rec)
    c.connect("127.0.0.1", free_port(), 1)
    [(req_id, code, text, _)] = rec.all("error")  # reported before connect() returned
    assert (req_id, code) == (-1, 502)
    assert "API" in text and "port" in text  # the advice: enable the API, check the port ...
    assert not c.isConnected()
    assert c.serverVersion() is None
    assert "connectAck" not in rec.names()
    assert "connectionClosed" not in rec.names()
    c.run()  # returns at once: nothing to dispatch


def test_silent_peer_times_out_with_502():
    with FakeTws(answer_handshake=False) as fake:
        rec = Recorder()
        c = EClient(rec)
        c.connect_timeout = 0.2
        c.connect(fake.host, fake.port, 1)
        [(_, code, text, _)] = rec.all("error")
        assert code == 502
        assert not c.isConnected()


def test_connect_twice_reports_501(client, tws):
    c, rec = client
    c.connect(tws.host, tws.port, 3)
    assert rec.wait("error", where=lambda *a: a[1] == 501)[0] == -1
    assert c.isConnected()


def test_requests_while_not_connected_report_504():
    rec = Recorder()
    c = EClient(rec)
    c.reqCurrentTime()
    c.reqMktData(42, Stock("AAPL"), "", False, False, [])
    c.placeOrder(5, Stock("AAPL"), LimitOrder("BUY", 1, 1.0))
    errors = rec.all("error")
    assert [(e[0], e[1]) for e in errors] == [(-1, 504), (42, 504), (5, 504)]
    assert errors[0][2] == "Not connected"


# --- threading designs and closing -----------------------------------------------------------------

def test_two_thread_design_run_in_the_callers_thread(tws):
    class App(EWrapper, EClient):
        def __init__(self) -> None:
            EClient.__init__(self, self)
            self.times: list[int | None] = []
            self.closed = 0
            self.callback_threads: set[str] = set()

        def nextValidId(self, orderId: int | None) -> None:
            self.callback_threads.add(threading.current_thread().name)
            self.reqCurrentTime()

        def currentTime(self, time: int | None) -> None:
            self.callback_threads.add(threading.current_thread().name)
            self.times.append(time)
            self.disconnect()

        def connectionClosed(self) -> None:
            self.closed += 1

    app = App()
    app.connect(tws.host, tws.port, 1)
    app.run()  # returns when currentTime disconnects
    assert app.times == [1704207600]
    assert app.closed == 1
    assert not app.isConnected()
    assert app.callback_threads == {threading.current_thread().name}


def test_three_thread_design_dispatcher_thread(client, tws):
    c, rec = client
    rec.wait("nextValidId")
    c.reqCurrentTime()  # from the test's thread while the dispatcher runs
    assert rec.wait("currentTime") == (1704207600,)
    assert rec.threads["currentTime"] == {"ibwire-dispatcher"}


def test_run_in_a_user_started_thread(tws):
    rec = Recorder()
    c = EClient(rec)
    c.connect(tws.host, tws.port, 1)
    th = threading.Thread(target=c.run, name="user-dispatcher")
    th.start()
    c.reqCurrentTime()
    assert rec.wait("currentTime") == (1704207600,)
    c.disconnect()
    th.join(timeout=5)
    assert not th.is_alive()
    assert rec.threads["currentTime"] == {"user-dispatcher"}
    assert rec.names().count("connectionClosed") == 1


def test_peer_closing_calls_connection_closed_once(client, tws):
    c, rec = client
    rec.wait("nextValidId")
    tws.session().close()
    assert rec.wait("connectionClosed") == ()
    assert not c.isConnected()
    c.disconnect()  # a later disconnect does not report it again
    c.reqCurrentTime()
    assert rec.wait("error", where=lambda *a: a[1] == 504)
    assert rec.names().count("connectionClosed") == 1


def test_disconnect_calls_connection_closed_once_and_ends_run(tws):
    rec = Recorder()
    c = EClient(rec)
    c.connect(tws.host, tws.port, 1)
    th = c.start_dispatcher()
    rec.wait("nextValidId")
    c.disconnect()
    th.join(timeout=5)
    assert not th.is_alive()
    assert not c.isConnected()
    assert rec.names().count("connectionClosed") == 1
    c.disconnect()
    assert rec.names().count("connectionClosed") == 1


def test_reconnect_after_disconnect(tws):
    rec = Recorder()
    c = EClient(rec)
    for _ in range(2):
        c.connect(tws.host, tws.port, 1)
        th = c.start_dispatcher()
        rec.wait("nextValidId")
        c.disconnect()
        th.join(timeout=5)
    assert rec.names().count("connectionClosed") == 2


def test_asynchronous_connect_does_not_send_start_api():
    with FakeTws() as fake:
        acks: list[bool] = []

        class App(Recorder):
            def connectAck(self) -> None:
                acks.append(client.isConnected())
                super().connectAck()

        rec = App()
        client = EClient(rec)
        client.asynchronous = True
        client.connect(fake.host, fake.port, 9)
        assert acks == [True]
        session = fake.session()
        client.disconnect()
        # the fake reads to the end of the stream before it marks the session closed
        assert session.closed.wait(5)
        assert [m for s, m in fake.received if s is session] == []
        assert session.client_id is None
        assert rec.names().count("connectionClosed") == 1


def test_asynchronous_connect_program_style():
    with FakeTws() as fake:
        class App(Recorder):
            def connectAck(self) -> None:
                super().connectAck()
                if client.asynchronous:
                    client.startApi()

        rec = App()
        client = EClient(rec)
        client.asynchronous = True
        client.connect(fake.host, fake.port, 2)
        client.start_dispatcher()
        assert rec.wait("nextValidId") == (1,)
        assert fake.wait_for(StartApi).client_id == 2
        client.disconnect()


# --- errors, unknown and bad messages ----------------------------------------------------------

def test_unknown_message_is_reported_and_kept(client, tws):
    c, rec = client
    rec.wait("nextValidId")
    tws.session().send_raw(["999", "1", "hello"])
    req_id, code, text, _ = rec.wait("error", where=lambda *a: a[1] == 505)
    assert req_id == -1 and "999" in text
    kept = c.unhandled[-1]
    assert kept.msg_id == 999 and kept.fields == ["999", "1", "hello"]


def test_bad_message_is_reported_and_kept(client, tws):
    c, rec = client
    rec.wait("nextValidId")
    tws.session().send_raw(["49", "1", "not-a-time"])
    req_id, code, text, _ = rec.wait("error", where=lambda *a: a[1] == 508)
    assert req_id == -1 and "not-a-time" in text
    assert c.unhandled[-1].fields == ["49", "1", "not-a-time"]
    c.reqCurrentTime()  # the connection goes on
    assert rec.wait("currentTime") == (1704207600,)


def test_error_signature_adapts_to_the_program(tws):
    got: dict[str, tuple[object, ...]] = {}

    class Old(EWrapper):  # ibapi 9.81 style
        def error(self, reqId, errorCode, errorString):  # type: ignore[override]
            got["old"] = (reqId, errorCode, errorString)

    class New(EWrapper):  # recent ibapi style, errorTime second
        def error(self, reqId, errorTime, errorCode, errorString,  # type: ignore[override]
                  advancedOrderRejectJson=""):
            got["new"] = (reqId, errorTime, errorCode, errorString, advancedOrderRejectJson)

    EClient(Old()).reqIds(1)
    EClient(New()).reqIds(1)
    assert got["old"] == (-1, 504, "Not connected")
    assert got["new"][0] == -1 and got["new"][2:] == (504, "Not connected", "")
    assert isinstance(got["new"][1], int)


def test_a_callback_that_raises_does_not_stop_dispatch(tws, caplog):
    class App(Recorder):
        def managedAccounts(self, accountsList):  # type: ignore[override]
            raise RuntimeError("boom")

    caplog.set_level(logging.ERROR, logger="ibwire.eclient")
    rec = App()
    c = EClient(rec)
    c.connect(tws.host, tws.port, 1)
    th = c.start_dispatcher()
    assert rec.wait("nextValidId") == (7,)  # delivered after the failing managedAccounts
    c.disconnect()
    th.join(timeout=5)
    assert "boom" in caplog.text


def test_raise_callback_errors_ends_run(tws):
    class App(Recorder):
        def nextValidId(self, orderId):  # type: ignore[override]
            raise RuntimeError("stop here")

    rec = App()
    c = EClient(rec)
    c.raise_callback_errors = True
    c.connect(tws.host, tws.port, 1)
    with pytest.raises(RuntimeError, match="stop here"):
        c.run()
    assert not c.isConnected()
    assert rec.names().count("connectionClosed") == 1


def test_non_ascii_symbol_reports_579(client):
    c, rec = client
    rec.wait("nextValidId")
    c.reqMktData(11, Stock("ÄPPL"), "", False, False, [])
    req_id, code, _, _ = rec.wait("error", where=lambda *a: a[1] == 579)
    assert req_id == 11


# --- orders, executions, positions, account ---------------------------------------------------------

def _contract_aapl() -> Contract:
    return Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART",
                    currency="USD", local_symbol="AAPL", trading_class="NMS")


def test_place_order_callbacks(tws, client):
    c, rec = client

    def place(msg: PlaceOrder, session):
        exec_time = datetime(2024, 1, 2, 15, 0, 1, tzinfo=UTC)
        order = Order(order_id=msg.order_id, client_id=3, perm_id=1234567, action=msg.order.action,
                      total_quantity=msg.order.total_quantity, order_type="LMT",
                      lmt_price=msg.order.lmt_price, tif="DAY", account=ACCOUNT,
                      order_ref=msg.order.order_ref)
        return [
            OpenOrder(order_id=msg.order_id, contract=_contract_aapl(), order=order,
                      order_state=OrderState(status="Submitted")),
            OrderStatus(order_id=msg.order_id, status="Filled", filled=Decimal(10),
                        remaining=Decimal(0), avg_fill_price=150.25, perm_id=1234567, parent_id=0,
                        last_fill_price=150.25, client_id=3, why_held=None, mkt_cap_price=0.0),
            ExecutionData(req_id=-1, contract=_contract_aapl(),
                          execution=Execution(exec_id="0001f4e8.6588.01.01", time=exec_time,
                                              acct_number=ACCOUNT, exchange="ISLAND", side="BOT",
                                              shares=Decimal(10), price=150.25, perm_id=1234567,
                                              client_id=3, order_id=msg.order_id,
                                              cum_qty=Decimal(10), avg_price=150.25,
                                              order_ref="ref-1")),
            CommissionReportMsg(commission_report=CommissionReport(
                exec_id="0001f4e8.6588.01.01", commission=1.0, currency="USD")),
        ]

    tws.on(PlaceOrder, place)
    (order_id,) = rec.wait("nextValidId")
    c.placeOrder(order_id, Stock("AAPL"), LimitOrder("BUY", 10, 150.25, order_ref="ref-1"))
    sent = tws.wait_for(PlaceOrder)
    assert (sent.order_id, sent.contract.symbol, sent.order.action) == (7, "AAPL", "BUY")
    assert sent.order.total_quantity == Decimal(10) and sent.order.lmt_price == 150.25

    oid, contract, order, state = rec.wait("openOrder")
    assert oid == 7
    assert (contract.con_id, contract.symbol, contract.sec_type) == (265598, "AAPL", "STK")
    assert (order.action, order.total_quantity, order.order_type) == ("BUY", Decimal(10), "LMT")
    assert order.lmt_price == 150.25 and order.perm_id == 1234567 and order.order_ref == "ref-1"
    assert state.status == "Submitted"

    status = rec.wait("orderStatus")
    assert status[:8] == (7, "Filled", Decimal(10), Decimal(0), 150.25, 1234567, 0, 150.25)
    assert status[8] == 3

    req_id, contract, execution = rec.wait("execDetails")
    assert req_id == -1 and contract.symbol == "AAPL"
    assert (execution.exec_id, execution.side, execution.shares, execution.price) == (
        "0001f4e8.6588.01.01", "BOT", Decimal(10), 150.25)
    assert execution.order_id == 7 and execution.acct_number == ACCOUNT
    assert execution.time == datetime(2024, 1, 2, 15, 0, 1, tzinfo=UTC)

    (report,) = rec.wait("commissionReport")
    assert (report.exec_id, report.commission, report.currency) == (
        "0001f4e8.6588.01.01", 1.0, "USD")
    assert report.realized_pnl is None  # unset in the typed API


def test_req_executions_with_filter(tws, client):
    c, rec = client
    tws.on(ReqExecutions, lambda msg, s: [
        ExecutionData(req_id=msg.req_id, contract=_contract_aapl(),
                      execution=Execution(exec_id="e1", side="SLD", shares=Decimal(5), price=10.0)),
        ExecutionDataEnd(req_id=msg.req_id)])
    rec.wait("nextValidId")
    c.reqExecutions(21, ExecutionFilter(symbol="AAPL"))
    assert tws.wait_for(ReqExecutions).filter.symbol == "AAPL"
    req_id, _, execution = rec.wait("execDetails")
    assert (req_id, execution.exec_id, execution.side) == (21, "e1", "SLD")
    assert rec.wait("execDetailsEnd") == (21,)


def test_positions_short_stock_and_future(tws, client):
    c, rec = client
    es = Future("ES", "20261218", "CME", local_symbol="ESZ6", multiplier="50")
    es.con_id, es.trading_class = 649180695, "ES"
    tws.on(ReqPositions, lambda msg, s: [
        PositionData(account=ACCOUNT, contract=_contract_aapl(), position=Decimal(-100),
                     avg_cost=291.266),
        PositionData(account=ACCOUNT, contract=es, position=Decimal(2), avg_cost=251234.5),
        PositionEnd()])
    rec.wait("nextValidId")
    c.reqPositions()
    account, contract, position, avg_cost = rec.wait("position")
    assert (account, contract.symbol, position, avg_cost) == (ACCOUNT, "AAPL", Decimal(-100), 291.266)
    account, contract, position, avg_cost = rec.wait("position")
    assert (contract.symbol, contract.sec_type, contract.last_trade_date_or_contract_month) == (
        "ES", "FUT", "20261218")
    assert (contract.multiplier, contract.local_symbol, contract.con_id) == ("50", "ESZ6", 649180695)
    assert (position, avg_cost) == (Decimal(2), 251234.5)
    assert rec.wait("positionEnd") == ()


def test_account_updates_flow(tws, client):
    c, rec = client

    def acct(msg: ReqAcctData, s):
        if not msg.subscribe:
            return None
        return [
            AcctValue(key="NetLiquidation", value="100000.00", currency="USD",
                      account_name=msg.acct_code),
            AcctValue(key="AccountCode", value=msg.acct_code, currency=None,
                      account_name=msg.acct_code),
            PortfolioValue(contract=_contract_aapl(), position=Decimal(-100),
                           market_price=291.62, market_value=-29162.34, average_cost=291.27,
                           unrealized_pnl=-35.74, realized_pnl=-71.44, account_name=msg.acct_code),
            AcctUpdateTime(time_stamp="15:04"),
            AcctDownloadEnd(account_name=msg.acct_code),
        ]

    tws.on(ReqAcctData, acct)
    rec.wait("nextValidId")
    c.reqAccountUpdates(True, ACCOUNT)
    assert rec.wait("updateAccountValue") == ("NetLiquidation", "100000.00", "USD", ACCOUNT)
    key, val, currency, name = rec.wait("updateAccountValue")
    assert (key, val, name) == ("AccountCode", ACCOUNT, ACCOUNT)
    contract, *values = rec.wait("updatePortfolio")
    assert contract.symbol == "AAPL"
    assert values == [Decimal(-100), 291.62, -29162.34, 291.27, -35.74, -71.44, ACCOUNT]
    assert rec.wait("updateAccountTime") == ("15:04",)
    assert rec.wait("accountDownloadEnd") == (ACCOUNT,)
    c.reqAccountUpdates(False, ACCOUNT)
    unsub = tws.wait_for(ReqAcctData, where=lambda m: not m.subscribe)
    assert unsub.acct_code == ACCOUNT


def test_req_ids(tws, client):
    c, rec = client
    tws.on(ReqIds, lambda msg, s: NextValidId(50))
    rec.wait("nextValidId")
    c.reqIds(-1)
    assert rec.wait("nextValidId") == (50,)


def test_tick_attrib_from_mask():
    assert TickAttrib.from_mask(5) == TickAttrib(True, False, True)
    assert TickAttrib.from_mask(None) == TickAttrib()


def test_bad_port_value_reports_502():
    rec = Recorder()
    c = EClient(rec)
    c.connect("127.0.0.1", 70000, 1)  # not a port: must be reported, not raised
    [(req_id, code, _, _)] = rec.all("error")
    assert (req_id, code) == (-1, 502)
    assert not c.isConnected()


# --- every request reaches TWS as the right message ---------------------------------------------------

def _requests():
    from ibwire.protocol.messages import accounts as a
    from ibwire.protocol.messages import contracts as ct
    from ibwire.protocol.messages import historical as h
    from ibwire.protocol.messages import market_data as md
    from ibwire.protocol.messages import order_reports as r
    from ibwire.protocol.messages import orders as o
    from ibwire.protocol.messages import system as sy

    aapl = Stock("AAPL")
    return [
        (lambda c: c.cancelOrder(12, ""), o.CancelOrder, {"order_id": 12}),
        (lambda c: c.reqOpenOrders(), r.ReqOpenOrders, {}),
        (lambda c: c.reqAllOpenOrders(), r.ReqAllOpenOrders, {}),
        (lambda c: c.reqAutoOpenOrders(True), r.ReqAutoOpenOrders, {"auto_bind": True}),
        (lambda c: c.reqGlobalCancel(), o.ReqGlobalCancel, {}),
        (lambda c: c.reqCompletedOrders(False), r.ReqCompletedOrders, {"api_only": False}),
        (lambda c: c.reqManagedAccts(), sy.ReqManagedAccts, {}),
        (lambda c: c.cancelPositions(), a.CancelPositions, {}),
        (lambda c: c.reqAccountSummary(9001, "All", "NetLiquidation,BuyingPower"),
         a.ReqAccountSummary, {"req_id": 9001, "group_name": "All",
                               "tags": "NetLiquidation,BuyingPower"}),
        (lambda c: c.cancelAccountSummary(9001), a.CancelAccountSummary, {"req_id": 9001}),
        (lambda c: c.reqPositionsMulti(5, ACCOUNT, ""), a.ReqPositionsMulti,
         {"req_id": 5, "account": ACCOUNT, "model_code": None}),
        (lambda c: c.cancelPositionsMulti(5), a.CancelPositionsMulti, {"req_id": 5}),
        (lambda c: c.reqAccountUpdatesMulti(6, ACCOUNT, "", True), a.ReqAccountUpdatesMulti,
         {"req_id": 6, "account": ACCOUNT, "ledger_and_nlv": True}),
        (lambda c: c.cancelAccountUpdatesMulti(6), a.CancelAccountUpdatesMulti, {"req_id": 6}),
        (lambda c: c.reqMktData(1001, aapl, "233,236", True, False, []), md.ReqMktData,
         {"req_id": 1001, "generic_tick_list": "233,236", "snapshot": True,
          "regulatory_snapshot": False}),
        (lambda c: c.cancelMktData(1001), md.CancelMktData, {"req_id": 1001}),
        (lambda c: c.reqMarketDataType(3), md.ReqMarketDataType, {"market_data_type": 3}),
        (lambda c: c.reqContractDetails(7, aapl), ct.ReqContractData, {"req_id": 7}),
        (lambda c: c.reqHistoricalData(8, aapl, "20240102 16:00:00 US/Eastern", "2 D", "1 hour",
                                       "MIDPOINT", 0, 2, False, []), h.ReqHistoricalData,
         {"req_id": 8, "end_date_time": "20240102 16:00:00 US/Eastern", "duration_str": "2 D",
          "bar_size_setting": "1 hour", "what_to_show": "MIDPOINT", "use_rth": False,
          "format_date": 2, "keep_up_to_date": False}),
        (lambda c: c.cancelHistoricalData(8), h.CancelHistoricalData, {"req_id": 8}),
    ]


def test_every_request_is_sent(tws, client):
    c, rec = client
    rec.wait("nextValidId")
    for call, msg_cls, expected in _requests():
        call(c)
        msg = tws.wait_for(msg_cls)
        assert {k: getattr(msg, k) for k in expected} == expected, msg_cls.__name__
        if hasattr(msg, "contract"):
            assert msg.contract.symbol == "AAPL"
    assert not rec.all("error") or all(e[1] in (2104, 2106, 2158) for e in rec.all("error"))


# --- every TWS message reaches its callback ----------------------------------------------------------

def _pushes():
    from ibwire.models.market import BarData, ContractDetails
    from ibwire.protocol.messages import accounts as a
    from ibwire.protocol.messages import contracts as ct
    from ibwire.protocol.messages import historical as h
    from ibwire.protocol.messages import market_data as md
    from ibwire.protocol.messages import order_reports as r

    bar = BarData("20240102 10:00:00", 1.5, 2.5, 1.0, 2.0, Decimal(100), Decimal("1.75"), 12)
    return [
        (md.TickSize(req_id=1, tick_type=8, size=Decimal(1500)), "tickSize", (1, 8, Decimal(1500))),
        (md.TickString(req_id=1, tick_type=45, value="1704207600"), "tickString",
         (1, 45, "1704207600")),
        (md.TickGeneric(req_id=1, tick_type=49, value=0.0), "tickGeneric", (1, 49, 0.0)),
        (md.TickReqParams(req_id=1, min_tick=0.01, bbo_exchange="9c0001", snapshot_permissions=3),
         "tickReqParams", (1, 0.01, "9c0001", 3)),
        (md.TickSnapshotEnd(req_id=1), "tickSnapshotEnd", (1,)),
        (md.MarketDataType(req_id=1, market_data_type=3), "marketDataType", (1, 3)),
        (a.AccountSummary(req_id=9, account=ACCOUNT, tag="BuyingPower", value="300000.00",
                          currency="USD"), "accountSummary",
         (9, ACCOUNT, "BuyingPower", "300000.00", "USD")),
        (a.AccountSummaryEnd(req_id=9), "accountSummaryEnd", (9,)),
        (a.AccountUpdateMulti(req_id=6, account=ACCOUNT, model_code=None, key="CashBalance",
                              value="1000", currency="USD"), "accountUpdateMulti",
         (6, ACCOUNT, None, "CashBalance", "1000", "USD")),
        (a.AccountUpdateMultiEnd(req_id=6), "accountUpdateMultiEnd", (6,)),
        (a.PositionMultiEnd(req_id=5), "positionMultiEnd", (5,)),
        (r.OpenOrderEnd(), "openOrderEnd", ()),
        (r.CompletedOrdersEnd(), "completedOrdersEnd", ()),
        (ct.ContractDataEnd(req_id=7), "contractDetailsEnd", (7,)),
        (ct.ContractData(req_id=7, details=ContractDetails(contract=_contract_aapl(),
                                                           long_name="APPLE INC", min_tick=0.01)),
         "contractDetails", None),
        (h.HistoricalDataUpdate(req_id=8, bar=bar), "historicalDataUpdate", (8, bar)),
    ]


def test_every_message_reaches_its_callback(tws, client):
    c, rec = client
    rec.wait("nextValidId")
    session = tws.session()
    for msg, callback, expected in _pushes():
        session.send(msg)
        got = rec.wait(callback)
        if expected is not None:
            assert got == expected, callback
    req_id, details = rec.all("contractDetails")[0]
    assert (req_id, details.long_name, details.contract.con_id) == (7, "APPLE INC", 265598)


def test_tick_price_with_implied_size_and_historical_data(tws, client):
    from ibwire.models.market import BarData
    from ibwire.protocol.messages.historical import HistoricalData
    from ibwire.protocol.messages.market_data import TickPrice

    c, rec = client
    rec.wait("nextValidId")
    session = tws.session()
    session.send(TickPrice(req_id=1, tick_type=2, price=101.25, size=Decimal(7), attr_mask=6),
                 TickPrice(req_id=1, tick_type=9, price=99.0, size=Decimal(0), attr_mask=0))
    assert rec.wait("tickPrice") == (1, 2, 101.25, TickAttrib(False, True, True))
    assert rec.wait("tickSize") == (1, 3, Decimal(7))  # ASK -> the implied ASK_SIZE
    assert rec.wait("tickPrice") == (1, 9, 99.0, TickAttrib())
    bars = [BarData("20240102", 1.0, 2.0, 0.5, 1.5, Decimal(10), Decimal("1.2"), 3)]
    session.send(HistoricalData(req_id=4, start_date_str="20240101 00:00:00",
                                end_date_str="20240103 00:00:00", bars=bars))
    assert rec.wait("historicalData") == (4, bars[0])
    assert rec.wait("historicalDataEnd") == (4, "20240101 00:00:00", "20240103 00:00:00")
    assert rec.all("tickSize") == [(1, 3, Decimal(7))]  # CLOSE has no implied size
