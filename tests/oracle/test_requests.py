"""Byte for byte: every request ibwire's client writes equals the official client 10.51's frame
for the same arguments, at every version in ORACLE_VERSIONS (fixed examples and hypothesis).

All cases of one test go to the oracle in one subprocess call (see harness.py / driver.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibwire.errors import LocalProtocolError
from ibwire.models.contract import ComboLeg, Contract
from ibwire.models.execution import ExecutionFilter
from ibwire.models.order import Order, OrderComboLeg
from ibwire.protocol.codec import TagValue
from ibwire.protocol.connection import encode_message
from ibwire.protocol.messages import (
    accounts,
    contracts,
    executions,
    historical,
    market_data,
    order_reports,
    orders,
    system,
)
from ibwire.protocol.schema import TO_SERVER, Message
from ibwire.protocol.versions import ORACLE_VERSIONS

from .calls import encode_cmd
from .cases import domain_requests
from .harness import Oracle

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                primary_exchange="NASDAQ")
ES = Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="202612", multiplier="50", local_symbol="ESZ6",
              trading_class="ES")
OPT = Contract(symbol="SPY", sec_type="OPT", exchange="SMART", currency="USD",
               last_trade_date_or_contract_month="20261218", strike=500.0, right="C",
               multiplier="100")
BAG = Contract(symbol="SPY", sec_type="BAG", exchange="SMART", currency="USD",
               combo_legs=[ComboLeg(con_id=1, ratio=1, action="BUY", exchange="SMART"),
                           ComboLeg(con_id=2, ratio=1, action="SELL", exchange="SMART")])


def lmt(qty: str = "100", price: float = 150.25, **kw: Any) -> Order:
    return Order(action="BUY", total_quantity=Decimal(qty), order_type="LMT", lmt_price=price,
                 tif="DAY", **kw)


def mkt(qty: str = "10", **kw: Any) -> Order:
    return Order(action="SELL", total_quantity=Decimal(qty), order_type="MKT", **kw)


FIXED: list[Message] = [
    market_data.ReqMktData(1001, AAPL, "", False, False),
    market_data.ReqMktData(1002, ES, "233,236", False, False),
    market_data.ReqMktData(1003, AAPL, "", True, False),
    market_data.CancelMktData(1001),
    market_data.ReqMarketDataType(3),
    orders.PlaceOrder(11, AAPL, lmt()),
    orders.PlaceOrder(12, AAPL, mkt()),
    orders.PlaceOrder(13, ES, lmt("2", 5001.5, outside_rth=True, order_ref="ref-1",
                                  account="DU123456", transmit=False, parent_id=12)),
    orders.PlaceOrder(14, OPT, mkt("1", tif="GTC", good_till_date="20261231 16:00:00")),
    orders.PlaceOrder(15, AAPL, Order(action="BUY", total_quantity=Decimal(5),
                                      order_type="STP", aux_price=140.0)),
    orders.PlaceOrder(16, BAG, lmt("1", 1.5, order_combo_legs=[OrderComboLeg(1.0), OrderComboLeg(0.5)],
                                   smart_combo_routing_params=[TagValue("NonGuaranteed", "1")])),
    orders.CancelOrder(11),
    orders.CancelOrder(12, ""),
    order_reports.ReqOpenOrders(), order_reports.ReqAllOpenOrders(), order_reports.ReqAutoOpenOrders(True),
    order_reports.ReqAutoOpenOrders(False), orders.ReqGlobalCancel(), order_reports.ReqCompletedOrders(False),
    order_reports.ReqCompletedOrders(True),
    accounts.ReqAcctData(True, "DU123456"), accounts.ReqAcctData(False, ""),
    accounts.ReqPositions(), accounts.CancelPositions(),
    accounts.ReqAccountSummary(7, "All", "NetLiquidation,BuyingPower,$LEDGER:ALL"),
    accounts.CancelAccountSummary(7),
    accounts.ReqPositionsMulti(8, "DU123456", ""), accounts.CancelPositionsMulti(8),
    accounts.ReqAccountUpdatesMulti(9, "DU123456", "", True),
    accounts.CancelAccountUpdatesMulti(9),
    executions.ReqExecutions(4, ExecutionFilter()),
    executions.ReqExecutions(5, ExecutionFilter(client_id=3, acct_code="DU123456",
                                                time="20261204-09:30:00", symbol="AAPL",
                                                sec_type="STK", exchange="SMART", side="BUY")),
    system.ReqIds(-1), system.ReqIds(1), system.ReqManagedAccts(), system.ReqCurrentTime(),
    system.StartApi(5), system.StartApi(0, "+PACEAPI"),
    contracts.ReqContractData(21, AAPL), contracts.ReqContractData(22, ES),
    contracts.ReqContractData(23, Contract(con_id=265598)),
    historical.ReqHistoricalData(31, AAPL, "", "1 hour", "1 D", True, "TRADES", 1, False),
    historical.ReqHistoricalData(32, ES, "20261204 16:00:00 US/Eastern", "1 min", "3600 S",
                                 False, "MIDPOINT", 2, False),
    historical.ReqHistoricalData(33, AAPL, "", "5 mins", "2 D", True, "TRADES", 1, True),
    historical.CancelHistoricalData(31),
]


def _compare(oracle: Oracle, cases: list[tuple[Message, int]], strict: bool = True) -> int:
    """Check each (message, version) against the oracle; return how many were compared.

    Where the official client refuses to send (a message or a field this version cannot carry),
    ibwire must refuse too when ``strict``; generated cases skip them (ibwire leaves a field a
    version cannot carry off the wire instead)."""
    results = oracle.run([encode_cmd(m, v) for m, v in cases])
    compared = refused = 0
    failures: list[str] = []
    for (m, v), res in zip(cases, results):
        if not res["frames"]:
            # the official client refused (a field or message this version cannot carry):
            # ibwire must refuse too
            assert res["errors"], (m, v, res)
            if not strict:
                continue
            try:
                encode_message(m, v)
            except LocalProtocolError:
                refused += 1
                continue
            failures.append(f"{type(m).__name__} at {v}: the official client refuses "
                            f"({res['errors'][0][-2]}), ibwire sends it")
            continue
        assert len(res["frames"]) == 1, (m, v, res)
        ours = encode_message(m, v).hex()
        if ours != res["frames"][0]:
            failures.append(_diff(m, v, _fields(ours), _fields(res["frames"][0])))
        compared += 1
    assert not failures, f"{len(failures)} of {len(cases)} differ:\n" + "\n".join(failures[:40])
    return compared + refused


def _diff(m: Message, v: int, ours: list[str], theirs: list[str]) -> str:
    at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    return (f"{type(m).__name__} at {v} ({len(ours)} vs {len(theirs)} fields), from field {at}: "
            f"ours {ours[at:at + 6]} oracle {theirs[at:at + 6]}")


def _fields(hex_frame: str) -> list[str]:
    return bytes.fromhex(hex_frame)[4:].decode("latin-1").split("\0")[:-1]


def all_fixed() -> list[Message]:
    """The core domains' fixed requests and every domain module's (tests/oracle/cases_*.py)."""
    return [*FIXED, *domain_requests()]


def test_every_request_is_covered() -> None:
    missing = set(TO_SERVER.values()) - _newer_only() - {type(m) for m in all_fixed()}
    assert not missing, f"no oracle case for {sorted(c.__name__ for c in missing)}"


def _newer_only() -> set[type]:
    millis = getattr(system, "ReqCurrentTimeInMillis", None)
    return {millis} if millis is not None else set()


def test_fixed_requests_byte_for_byte(oracle: Oracle) -> None:
    cases = [(m, v) for v in ORACLE_VERSIONS for m in all_fixed()]
    millis = getattr(system, "ReqCurrentTimeInMillis", None)
    if millis is not None:
        cases += [(millis(), v) for v in ORACLE_VERSIONS if v >= 197]
    assert _compare(oracle, cases) == len(cases)


# --- hypothesis -----------------------------------------------------------------------------------

_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=8)
_opt_text = st.one_of(st.none(), _text)
_price = st.one_of(st.none(), st.floats(0.01, 1e6, allow_nan=False).map(lambda x: round(x, 4)))
_opt_bool = st.one_of(st.none(), st.booleans())
_opt_int = st.one_of(st.none(), st.integers(0, 1000))
_qty = st.decimals(1, 100000, places=0).map(lambda d: Decimal(int(d)))
_contracts = st.builds(
    Contract, con_id=st.one_of(st.none(), st.integers(1, 2**31 - 2)),
    symbol=_opt_text, sec_type=st.sampled_from(["STK", "FUT", "OPT", "CASH", "IND"]),
    last_trade_date_or_contract_month=_opt_text, strike=_price,
    right=st.sampled_from([None, "C", "P"]), multiplier=_opt_text, exchange=_opt_text,
    primary_exchange=_opt_text, currency=_opt_text, local_symbol=_opt_text,
    trading_class=_opt_text)
_orders = st.builds(
    Order, action=st.sampled_from(["BUY", "SELL"]), total_quantity=_qty,
    order_type=st.sampled_from(["MKT", "LMT", "STP", "STP LMT", "MOC", "LOC"]),
    lmt_price=_price, aux_price=_price, tif=st.sampled_from(["DAY", "GTC", "IOC", None]),
    account=_opt_text, order_ref=_opt_text, outside_rth=st.booleans(), transmit=st.booleans(),
    parent_id=st.integers(0, 1000), oca_group=_opt_text, hidden=st.booleans(),
    good_after_time=_opt_text, good_till_date=_opt_text, model_code=_opt_text,
    ext_operator=_opt_text, mifid2_decision_maker=_opt_text, mifid2_execution_algo=_opt_text,
    dont_use_auto_price_for_hedge=st.booleans(), is_oms_container=st.booleans(),
    discretionary_up_to_limit_price=st.booleans(), use_price_mgmt_algo=_opt_bool,
    duration=_opt_int, post_to_ats=_opt_int, auto_cancel_parent=st.booleans(),
    advanced_error_override=_opt_text, manual_order_time=_opt_text,
    customer_account=_opt_text, professional_customer=st.booleans(),
    include_overnight=st.booleans(), manual_order_indicator=_opt_int,
    imbalance_only=st.booleans(), what_if=st.booleans(), trailing_percent=_price,
    trail_stop_price=_price, cash_qty=_price, algo_strategy=st.sampled_from([None, "Adaptive"]),
    algo_params=st.lists(st.builds(TagValue, _text, _text), max_size=2))
_ids = st.integers(-1, 2**31 - 2)
_requests = st.one_of(
    st.builds(orders.PlaceOrder, _ids, _contracts, _orders),
    st.builds(orders.CancelOrder, _ids, _opt_text),
    st.builds(market_data.ReqMktData, _ids, _contracts, st.sampled_from(["", "233", "100,101"]),
              st.booleans(), st.booleans()),
    st.builds(contracts.ReqContractData, _ids, _contracts),
    st.builds(historical.ReqHistoricalData, _ids, _contracts, _text, _text, _text, st.booleans(),
              st.sampled_from(["TRADES", "MIDPOINT", "BID", "ASK"]), st.sampled_from([1, 2]),
              st.booleans()),
    st.builds(executions.ReqExecutions, _ids, st.builds(
        ExecutionFilter, client_id=st.one_of(st.none(), st.integers(1, 100)), acct_code=_opt_text,
        time=_opt_text, symbol=_opt_text, sec_type=_opt_text, exchange=_opt_text,
        side=_opt_text, last_n_days=_opt_int,
        specific_dates=st.lists(st.integers(20200101, 20301231), max_size=3))),
    st.builds(orders.CancelOrder, _ids, _opt_text, _opt_text, _opt_int),
    st.builds(orders.ReqGlobalCancel, _opt_text, _opt_int),
    st.builds(accounts.ReqAccountSummary, _ids, _text, _text),
    st.builds(accounts.ReqPositionsMulti, _ids, _text, _text),
    st.builds(accounts.ReqAccountUpdatesMulti, _ids, _text, _text, st.booleans()),
    st.builds(accounts.ReqAcctData, st.booleans(), _text),
    st.builds(system.ReqIds, _ids),
)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(_requests, min_size=30, max_size=30))
def test_generated_requests_byte_for_byte(oracle: Oracle, batch: list[Message]) -> None:
    _compare(oracle, [(m, v) for v in ORACLE_VERSIONS for m in batch], strict=False)
