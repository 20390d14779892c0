"""Decoding: every message ibwire's gateway role writes, fed to the official client 10.51's
decoder at the same server version, gives the same callbacks (names and arguments, field by
field) as ibwire's own client decodes from the same frame, at every version in ORACLE_VERSIONS.

All cases go to the oracle in one subprocess call (see harness.py / driver.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibwire.compat.client import EClient as CompatEClient
from ibwire.errors import LocalProtocolError
from ibwire.models.contract import Contract
from ibwire.models.execution import CommissionReport, Execution
from ibwire.models.market import BarData, ContractDetails, IneligibilityReason
from ibwire.models.order import Order, OrderAllocation, OrderState, SoftDollarTier
from ibwire.protocol.codec import TagValue, parse_tws_time
from ibwire.protocol.connection import Role, decode_fields, encode_message
from ibwire.protocol.framing import split_fields
from ibwire.protocol.messages import (
    accounts,
    contracts,
    executions,
    historical,
    market_data,
    order_reports,
    system,
)
from ibwire.protocol.schema import TO_CLIENT, Message
from ibwire.protocol.versions import ORACLE_VERSIONS, Feature

from .calls import dump_compat
from .cases import domain_incoming
from .harness import Oracle

AAPL = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD",
                local_symbol="AAPL", trading_class="NMS", primary_exchange="NASDAQ")
ES = Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME", currency="USD",
              last_trade_date_or_contract_month="20261218", multiplier="50", local_symbol="ESZ6",
              trading_class="ES")


def _order(**kw: Any) -> Order:
    base: dict[str, Any] = dict(order_id=11, client_id=5, perm_id=900001, action="BUY",
                                total_quantity=Decimal(100), order_type="LMT", lmt_price=150.25,
                                tif="DAY", account="DU1234567", order_ref="r1",
                                delta_neutral_order_type="None")
    base.update(kw)
    return Order(**base)


_STATE = OrderState(status="Submitted", commission=1.0, min_commission=0.5, max_commission=2.0,
                    commission_currency="USD")
_PREVIEW = OrderState(status="PreSubmitted", init_margin_before="1000", maint_margin_before="900",
                      equity_with_loan_before="5000", init_margin_after="2000",
                      maint_margin_after="1800", equity_with_loan_after="4900",
                      margin_currency="USD", init_margin_before_outside_rth=1.5,
                      suggested_size=Decimal("10"), reject_reason="",
                      order_allocations=[OrderAllocation("DU1", Decimal(1), Decimal(2), Decimal(3),
                                                         Decimal(4), Decimal(5), True)])
_DETAILS = ContractDetails(
    contract=Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="SMART",
                      currency="USD", local_symbol="AAPL", trading_class="NMS",
                      primary_exchange="NASDAQ", multiplier=""),
    market_name="NMS", min_tick=0.01, order_types="LMT,MKT,STP", valid_exchanges="SMART,NASDAQ",
    price_magnifier=1, under_con_id=0, long_name="APPLE INC", contract_month="",
    industry="Technology", category="Computers", subcategory="Computers",
    time_zone_id="US/Eastern", trading_hours="20261204:0400-20261204:2000",
    liquid_hours="20261204:0930-20261204:1600", ev_rule="", ev_multiplier=0,
    sec_id_list=[TagValue("ISIN", "US0378331005")], agg_group=1, under_symbol="",
    under_sec_type="", market_rule_ids="26,26", real_expiration_date="", stock_type="COMMON",
    min_size=Decimal("0.0001"), size_increment=Decimal("0.0001"),
    suggested_size_increment=Decimal(100),
    ineligibility_reason_list=[IneligibilityReason("1", "not allowed")])
_FUT_DETAILS = ContractDetails(
    contract=Contract(con_id=495512563, symbol="ES", sec_type="FUT", exchange="CME",
                      currency="USD", local_symbol="ESZ6", trading_class="ES", multiplier="50",
                      last_trade_date_or_contract_month="20261218", last_trade_date="20261218"),
    market_name="ES", min_tick=0.25, long_name="E-mini S&P 500", contract_month="202612",
    time_zone_id="US/Central", real_expiration_date="20261218", agg_group=2147483647)
_BARS = [BarData("20261204 09:30:00", 150.0, 151.0, 149.5, 150.5, Decimal(1000), Decimal("150.2"), 12),
         BarData("20261204 10:30:00", 150.5, 152.0, 150.0, 151.5, Decimal(2000), Decimal("151.1"), 20)]
_EXEC = Execution(exec_id="0001f4e8.65b2.01.01", time=datetime(2026, 12, 4, 15, 30, tzinfo=UTC),
                  acct_number="DU1234567", exchange="ISLAND", side="BOT", shares=Decimal(100),
                  price=150.25, perm_id=900001, client_id=5, order_id=11, cum_qty=Decimal(100),
                  avg_price=150.25, order_ref="r1", model_code="", last_liquidity=1)

FIXED: list[Message] = [
    market_data.TickPrice(1001, 1, 150.25, Decimal(300), 3),
    market_data.TickPrice(1001, 4, 150.3, Decimal(100), 1),
    market_data.TickPrice(1001, 9, 149.0, Decimal(0), 0),
    market_data.TickSize(1001, 8, Decimal(123456)),
    market_data.TickString(1001, 45, "1796534591"),
    market_data.TickGeneric(1001, 49, 0.0),
    market_data.TickReqParams(1001, 0.01, "9c0001", 3),
    market_data.TickSnapshotEnd(1001),
    market_data.MarketDataType(1001, 3),
    order_reports.OrderStatus(11, "Submitted", Decimal(0), Decimal(100), 0.0, 900001, 0, 0.0, 5, "", 0.0),
    order_reports.OrderStatus(11, "Filled", Decimal(100), Decimal(0), 150.25, 900001, 0, 150.25, 5, "",
                       0.0),
    order_reports.OpenOrder(11, AAPL, _order(), _STATE),
    order_reports.OpenOrder(12, ES, _order(order_id=12, order_type="MKT", lmt_price=None,
                                    outside_rth=True, soft_dollar_tier=SoftDollarTier("a", "b", "c"),
                                    customer_account="C1", professional_customer=True,
                                    include_overnight=True, submitter="me",
                                    manual_order_indicator=1, ext_operator="op"), _PREVIEW),
    order_reports.OpenOrderEnd(),
    order_reports.CompletedOrder(AAPL, _order(filled_quantity=Decimal(100), customer_account="C",
                                       submitter="s"),
                          OrderState(status="Filled", completed_time="20261204 15:30:00",
                                     completed_status="Filled")),
    order_reports.CompletedOrdersEnd(),
    system.NextValidId(12), system.ManagedAccts("DU1234567,DU7654321"),
    system.ErrMsg(-1, 2104, "Market data farm connection is OK:usfarm", "", 1775425766350),
    system.ErrMsg(11, 202, "Order Canceled - reason:", "", 1775425766351),
    system.ErrMsg(12, 201, "Order rejected - reason: no", '{"k":1}', 1775425766352),
    system.CurrentTime(1796534591),
    accounts.AcctValue("NetLiquidation", "1000000.00", "USD", "DU1234567"),
    accounts.PortfolioValue(AAPL, Decimal(100), 150.5, 15050.0, 150.25, 25.0, 0.0, "DU1234567"),
    accounts.AcctUpdateTime("15:30"), accounts.AcctDownloadEnd("DU1234567"),
    accounts.PositionData("DU1234567", AAPL, Decimal(100), 150.25), accounts.PositionEnd(),
    accounts.AccountSummary(7, "DU1234567", "NetLiquidation", "1000000.00", "USD"),
    accounts.AccountSummaryEnd(7),
    accounts.PositionMulti(8, "DU1234567", "", AAPL, Decimal(100), 150.25),
    accounts.PositionMultiEnd(8),
    accounts.AccountUpdateMulti(9, "DU1234567", "", "NetLiquidation", "1000000.00", "USD"),
    accounts.AccountUpdateMultiEnd(9),
    contracts.ContractData(21, _DETAILS), contracts.ContractData(22, _FUT_DETAILS),
    contracts.ContractDataEnd(21),
    executions.ExecutionData(4, AAPL, _EXEC), executions.ExecutionData(-1, ES, _EXEC),
    executions.ExecutionDataEnd(4),
    executions.CommissionReportMsg(CommissionReport("0001f4e8.65b2.01.01", 1.0, "USD", None,
                                                    None, None)),
    historical.HistoricalData(31, "20261204 09:30:00", "20261204 16:00:00", _BARS),
    historical.HistoricalDataUpdate(33, _BARS[1]),
]
NEWER: list[tuple[Feature, Message]] = [
    (Feature.HISTORICAL_DATA_END,
     historical.HistoricalDataEnd(31, "20261204 09:30:00", "20261204 16:00:00")),
    (Feature.CURRENT_TIME_IN_MILLIS, system.CurrentTimeInMillis(1796534591123)),
]

# What ibwire.compat names differently from the official 10.51 objects (10.51 renamed them).
_CALLBACK_RENAMES = {"commissionReport": "commissionAndFeesReport"}
_ATTR_RENAMES = {"commission": "commissionAndFees", "minCommission": "minCommissionAndFees",
                 "maxCommission": "maxCommissionAndFees",
                 "commissionCurrency": "commissionAndFeesCurrency"}


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[list[Any]] = []

    def error(self, reqId: Any, errorTime: Any, errorCode: Any, errorString: Any,  # noqa: N803
              advancedOrderRejectJson: Any = "") -> None:  # noqa: N803
        self.calls.append(["error", [reqId, errorTime, errorCode, errorString,
                                     advancedOrderRejectJson]])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append([name, list(args)])


def ours(msg: Message, version: int) -> list[list[Any]]:
    """The callbacks ibwire's client (ibwire.compat's EClient) makes for the frame ibwire's
    gateway role writes."""
    frame = encode_message(msg, version)
    decoded = decode_fields(split_fields(frame[4:]), version, Role.CLIENT)
    assert type(decoded) is type(msg)
    return callbacks(decoded, version)


def callbacks(decoded: Message, version: int) -> list[list[Any]]:
    """The callbacks ibwire.compat's EClient makes for a decoded message at ``version``."""
    rec = _Recorder()
    client = CompatEClient(rec)
    client._transport = SimpleNamespace(server_version=version)  # type: ignore[assignment]
    handler = CompatEClient._make_handler(type(decoded))
    assert handler is not None, type(decoded).__name__
    handler(client, decoded)
    return [[_CALLBACK_RENAMES.get(n, n), dump_compat(a)] for n, a in rec.calls]


_UNSET_INT, _UNSET_LONG, _UNSET_DOUBLE = 2147483647, 9223372036854775807, 1.7976931348623157e308
_UNSET_DECIMAL = {"$dec": "170141183460469231731687303715884105727"}
# Values that mean "not set" on each side. ibwire decodes every unset wire form to None and
# ibwire.compat shows None as the official class default; the official decoder keeps the wire
# text ("?", "None", "0") or its own sentinel. Both unset = equal; a layout shift still shows
# (it puts a real value where the other side has none, or makes a decoder raise).
_UNSET_OURS = (None, "", 0, 0.0, False, _UNSET_INT, _UNSET_LONG, _UNSET_DOUBLE, [], _UNSET_DECIMAL)
_UNSET_THEIRS = _UNSET_OURS + ("?", "0", "None", "1.7976931348623157E308", {"$enum": "FundDistributionPolicyIndicator.NoneItem"},
                               {"$enum": "FundAssetType.NoneItem"})


def _unset(v: Any, forms: tuple[Any, ...]) -> bool:
    return any(type(v) is type(f) and v == f for f in forms) or (
        isinstance(v, float) and v == _UNSET_DOUBLE)


def _time(v: Any) -> datetime | None:
    if not isinstance(v, str) or len(v) < 17 or not v[:8].isdigit():
        return None
    try:
        return parse_tws_time(v)
    except ValueError:
        return None


# 10.51's OptionExerciseType members (Execution.optExerciseOrLapseType) by their code, which is
# what ibwire.compat holds
_EXERCISE_CODES = {"NoneItem": -1, "Exercise": 1, "Lapse": 2, "DoNothing": 3, "Assigned": 100,
                   "AutoexerciseClearing": 101, "Expired": 102, "Netting": 103,
                   "AutoexerciseTrading": 200}


def _same(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(b, dict) and str(b.get("$enum", "")).startswith("OptionExerciseType."):
        b = _EXERCISE_CODES.get(b["$enum"].split(".", 1)[1], b)
    if isinstance(a, bool) and b in ("true", "false"):
        # VERIFY_COMPLETED's isSuccessful: 10.51's text decoder passes the wire text on
        b = b == "true"
    if _unset(a, _UNSET_OURS) and _unset(b, _UNSET_THEIRS):
        return
    if path.endswith(".exemptCode") and a == -1 and b == 0:
        return  # unset: the official Order's default is -1, its decoder reads "" as 0
    ta, tb = _time(a), _time(b)
    if ta is not None and ta == tb:
        return
    if isinstance(a, dict) and isinstance(b, dict) and "$" in a and "$" in b:
        for k, va in a["a"].items():
            kb = _ATTR_RENAMES.get(k, k)
            if kb in b["a"]:
                _same(va, b["a"][kb], f"{path}.{k}", out)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} vs {len(b)} items")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]", out)
        return
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return
    if a != b and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                       and not isinstance(a, bool) and float(a) == float(b)):
        out.append(f"{path}: ours {a!r} oracle {b!r}")


def compare_calls(name: str, v: int, mine: list[list[Any]], theirs: list[list[Any]]) -> str | None:
    """None when ibwire's callbacks equal the official decoder's, else what differs."""
    if [c[0] for c in mine] != [c[0] for c in theirs]:
        return f"{name} at {v}: callbacks {[c[0] for c in mine]} vs {[c[0] for c in theirs]}"
    diffs: list[str] = []
    for (cb, a), (_, b) in zip(mine, theirs):
        if cb == "error" and v < Feature.ERROR_TIME:
            a, b = a[:1] + a[2:], b[:1] + b[2:]  # no errorTime on the wire before 194
        _same(a, b, cb, diffs)
    return f"{name} at {v}: " + "; ".join(diffs[:6]) if diffs else None


def _check(oracle: Oracle, cases: list[tuple[Message, int]]) -> None:
    results = oracle.run([{"op": "decode", "v": v, "frame": encode_message(m, v).hex()}
                          for m, v in cases])
    failures = []
    for (m, v), res in zip(cases, results):
        name = type(m).__name__
        if res["exception"]:
            failures.append(f"{name} at {v}: the official decoder raised {res['exception']}")
            continue
        problem = compare_calls(name, v, ours(m, v), res["calls"])
        if problem:
            failures.append(problem)
    assert not failures, f"{len(failures)} of {len(cases)} differ:\n" + "\n".join(failures[:40])


def all_cases(versions: tuple[int, ...]) -> list[tuple[Message, int]]:
    """Every incoming case (the core domains' and tests/oracle/cases_*.py's) at ``versions``."""
    newer = [*NEWER, *domain_incoming()]
    return ([(m, v) for v in versions for m in FIXED]
            + [(m, v) for f, m in newer for v in versions if f is None or v >= f])


def test_every_incoming_message_is_covered() -> None:
    covered = {type(m) for m, _ in all_cases((max(ORACLE_VERSIONS),))}
    covered |= {type(m) for _, m in [*NEWER, *domain_incoming()]}
    missing = set(TO_CLIENT.values()) - covered
    assert not missing, f"no oracle case for {sorted(c.__name__ for c in missing)}"


def test_incoming_decodes_like_the_official_client(oracle: Oracle) -> None:
    _check(oracle, all_cases(ORACLE_VERSIONS))


def test_every_message_round_trips_at_every_version() -> None:
    """Encode, decode, encode again: the same fields, for both directions, 100..200."""
    from .test_requests import all_fixed

    REQUESTS = all_fixed()

    for v in ORACLE_VERSIONS:
        for m in [*REQUESTS, *(m for m, _ in all_cases((v,)))]:
            try:
                fields = m.SCHEMA.encoder(v)(m)
            except LocalProtocolError:
                continue  # a request that does not exist at v (the official client refuses too)
            role = Role.CLIENT if type(m) in TO_CLIENT.values() else Role.SERVER
            again = decode_fields(fields, v, role)
            assert again.SCHEMA.encoder(v)(again) == fields, (type(m).__name__, v)


# --- generated: every order field the version carries, drawn ----------------------------------

_GENERATED = (order_reports.OpenOrder, order_reports.CompletedOrder, order_reports.OrderStatus)


_GENERATED_VERSIONS = (151, 163, 170, 187, 195, 200)  # each order-layout era (from 101)


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_order_messages_decode_like_the_official_client(oracle: Oracle,
                                                                  data: st.DataObject) -> None:
    from tests.protocol.test_orders_messages import messages

    cases = [(data.draw(messages(cls, v), label=f"{cls.__name__}@{v}"), v)
             for v in _GENERATED_VERSIONS for cls in _GENERATED]
    _check(oracle, cases)
