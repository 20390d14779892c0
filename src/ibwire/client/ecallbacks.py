"""The EClient's dispatch table and edge conversions: which callback each TWS message calls.

:data:`CALLBACKS` maps a message class name to its EWrapper callback and the message attributes
passed, in the official argument order, with a value kind per argument (ibwire.compat uses the
kinds to apply the official unset forms). TICK_PRICE (which also reports the implied size tick),
HISTORICAL_DATA (one call per bar, then the end) and ERR_MSG have hand-written handlers on the
EClient; connection events, unknown and undecodable messages have the functions below.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..models import Contract, ExecutionFilter, Order, TagValue
from ..models.market import TickType
from ..protocol.connection import BadMessage
from ..protocol.schema import UnknownMessage
from ..protocol.versions import Feature, supports
from .ewrapper import TickAttrib

if TYPE_CHECKING:
    from .eclient import EClient

__all__ = [
    "CALLBACKS", "SPECIAL", "IMPLIED_SIZE_TICK", "ATTRIBS", "Handler", "OBJ", "DEC", "FLT", "INT",
    "STR", "NO_VALID_ID", "ALREADY_CONNECTED", "CONNECT_FAIL", "NOT_CONNECTED", "UNKNOWN_ID",
    "BAD_MESSAGE", "FAIL_SEND", "INVALID_SYMBOL", "ignore", "on_closed", "on_unknown", "on_bad",
    "on_unhandled", "error_arity", "as_contract", "as_order", "as_filter", "as_tags",
]

log = logging.getLogger("ibwire.eclient")

NO_VALID_ID = -1

# Client-side codes, as the official client uses them.
ALREADY_CONNECTED = 501
CONNECT_FAIL = 502
NOT_CONNECTED = 504
UNKNOWN_ID = 505
BAD_MESSAGE = 508
FAIL_SEND = 509
INVALID_SYMBOL = 579

IMPLIED_SIZE_TICK: dict[int, int] = {int(t): int(s) for t in TickType
                                     if (s := t.size_type) is not None}
"""TICK_PRICE tick type -> the size tick type the official client derives from it
(BID -> BID_SIZE, ASK -> ASK_SIZE, LAST -> LAST_SIZE and their delayed forms)."""

# Value kinds of callback arguments (used by ibwire.compat to apply the official unset forms).
OBJ, DEC, FLT, INT, STR = "obj", "dec", "flt", "int", "str"

CALLBACKS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "NextValidId": ("nextValidId", (("order_id", INT),)),
    "ManagedAccts": ("managedAccounts", (("accounts_list", STR),)),
    "CurrentTime": ("currentTime", (("time", INT),)),
    "OpenOrder": ("openOrder", (("order_id", INT), ("contract", OBJ), ("order", OBJ),
                                ("order_state", OBJ))),
    "OpenOrderEnd": ("openOrderEnd", ()),
    "OrderStatus": ("orderStatus", (("order_id", INT), ("status", STR), ("filled", DEC),
                                    ("remaining", DEC), ("avg_fill_price", FLT), ("perm_id", INT),
                                    ("parent_id", INT), ("last_fill_price", FLT),
                                    ("client_id", INT), ("why_held", STR),
                                    ("mkt_cap_price", FLT))),
    "CompletedOrder": ("completedOrder", (("contract", OBJ), ("order", OBJ), ("order_state", OBJ))),
    "CompletedOrdersEnd": ("completedOrdersEnd", ()),
    "ExecutionData": ("execDetails", (("req_id", INT), ("contract", OBJ), ("execution", OBJ))),
    "ExecutionDataEnd": ("execDetailsEnd", (("req_id", INT),)),
    "CommissionReportMsg": ("commissionReport", (("commission_report", OBJ),)),
    "PositionData": ("position", (("account", STR), ("contract", OBJ), ("position", DEC),
                                  ("avg_cost", FLT))),
    "PositionEnd": ("positionEnd", ()),
    "AcctValue": ("updateAccountValue", (("key", STR), ("value", STR), ("currency", STR),
                                         ("account_name", STR))),
    "PortfolioValue": ("updatePortfolio", (("contract", OBJ), ("position", DEC),
                                           ("market_price", FLT), ("market_value", FLT),
                                           ("average_cost", FLT), ("unrealized_pnl", FLT),
                                           ("realized_pnl", FLT), ("account_name", STR))),
    "AcctUpdateTime": ("updateAccountTime", (("time_stamp", STR),)),
    "AcctDownloadEnd": ("accountDownloadEnd", (("account_name", STR),)),
    "AccountSummary": ("accountSummary", (("req_id", INT), ("account", STR), ("tag", STR),
                                          ("value", STR), ("currency", STR))),
    "AccountSummaryEnd": ("accountSummaryEnd", (("req_id", INT),)),
    "PositionMulti": ("positionMulti", (("req_id", INT), ("account", STR), ("model_code", STR),
                                        ("contract", OBJ), ("position", DEC), ("avg_cost", FLT))),
    "PositionMultiEnd": ("positionMultiEnd", (("req_id", INT),)),
    "AccountUpdateMulti": ("accountUpdateMulti", (("req_id", INT), ("account", STR),
                                                  ("model_code", STR), ("key", STR),
                                                  ("value", STR), ("currency", STR))),
    "AccountUpdateMultiEnd": ("accountUpdateMultiEnd", (("req_id", INT),)),
    "TickSize": ("tickSize", (("req_id", INT), ("tick_type", INT), ("size", DEC))),
    "TickString": ("tickString", (("req_id", INT), ("tick_type", INT), ("value", STR))),
    "TickGeneric": ("tickGeneric", (("req_id", INT), ("tick_type", INT), ("value", FLT))),
    "TickReqParams": ("tickReqParams", (("req_id", INT), ("min_tick", FLT),
                                        ("bbo_exchange", STR), ("snapshot_permissions", INT))),
    "TickSnapshotEnd": ("tickSnapshotEnd", (("req_id", INT),)),
    "MarketDataType": ("marketDataType", (("req_id", INT), ("market_data_type", INT))),
    "ContractData": ("contractDetails", (("req_id", INT), ("details", OBJ))),
    "ContractDataEnd": ("contractDetailsEnd", (("req_id", INT),)),
    "HistoricalDataUpdate": ("historicalDataUpdate", (("req_id", INT), ("bar", OBJ))),
    "HistoricalDataEnd": ("historicalDataEnd", (("req_id", INT), ("start_date_str", STR),
                                                ("end_date_str", STR))),
    "CurrentTimeInMillis": ("currentTimeInMillis", (("time_ms", INT),)),
}
"""Message class name -> (EWrapper callback, (message attribute, value kind) in argument order).
TICK_PRICE, HISTORICAL_DATA and ERR_MSG have hand-written handlers."""

Handler = Callable[["EClient", Any], None]

ATTRIBS = tuple(TickAttrib.from_mask(m) for m in range(8))


# --- module-level handlers (plain functions: the dispatch table maps class -> function) ---------

def ignore(self: EClient, ev: Any) -> None:
    pass


def on_closed(self: EClient, ev: Any) -> None:
    """The reader's last event; the dispatcher then calls ``connectionClosed()`` (once)."""
    cause = getattr(ev, "cause", None)
    if cause is not None:
        log.warning("connection closed: %s", cause)


def on_unknown(self: EClient, ev: UnknownMessage) -> None:
    self.unhandled.append(ev)
    self._client_error(NO_VALID_ID, UNKNOWN_ID,
                       f"Unknown message id {ev.msg_id}: ibwire has no decoder for it; the frame "
                       f"({len(ev.fields)} fields) is kept in EClient.unhandled")


def on_bad(self: EClient, ev: BadMessage) -> None:
    self.unhandled.append(ev)
    self._client_error(NO_VALID_ID, BAD_MESSAGE, f"Bad message - {ev.error}")


def on_unhandled(self: EClient, ev: Any) -> None:
    self.unhandled.append(ev)
    self._client_error(NO_VALID_ID, UNKNOWN_ID,
                       f"No EWrapper callback for {type(ev).__name__}; the message is kept in "
                       f"EClient.unhandled")


SPECIAL = {"TickPrice": "_on_tick_price", "HistoricalData": "_on_historical_data",
           "ErrMsg": "_on_err_msg"}
"""Message class name -> the EClient method that handles it by hand."""


def tick_attr_mask(mask: int | None, server_version: int | None) -> int:
    """TICK_PRICE's attribute bits as the official client reads them at ``server_version``:
    only ``canAutoExecute`` (mask == 1) below PAST_LIMIT, no ``preOpen`` below PRE_OPEN_BID_ASK."""
    if not mask:
        return 0
    if server_version is not None and not supports(server_version, Feature.PAST_LIMIT):
        return 1 if mask == 1 else 0
    if server_version is not None and not supports(server_version, Feature.PRE_OPEN_BID_ASK):
        return mask & 3
    return mask & 7


def historical_data_ends(server_version: int | None) -> bool:
    """HISTORICAL_DATA ends the request itself (below 196; later HISTORICAL_DATA_END does)."""
    return server_version is None or not supports(server_version, Feature.HISTORICAL_DATA_END)


def error_arity(fn: Callable[..., Any]) -> int:
    """How many positional arguments a program's ``error`` takes: 3 (ibapi 9.81), 4 (10.x) or
    5 (recent releases, ``errorTime`` second)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return 4
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 4
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2 and positional[1].name == "errorTime":
        return 5
    if len(positional) <= 3:
        return 3
    return 4


# --- conversion at the edge ---------------------------------------------------------------------

def as_contract(c: Any) -> Contract:
    if isinstance(c, Contract):
        return c
    from ..models.camel import to_model
    return to_model(c, Contract)


def as_order(o: Any) -> Order:
    if isinstance(o, Order):
        return o
    from ..models.camel import to_model
    return to_model(o, Order)


def as_filter(f: Any) -> ExecutionFilter:
    if f is None:
        return ExecutionFilter()
    if isinstance(f, ExecutionFilter):
        return f
    from ..models.camel import to_model
    return to_model(f, ExecutionFilter)


def as_tags(items: Sequence[Any] | None) -> list[TagValue]:
    if not items:
        return []
    out: list[TagValue] = []
    for tv in items:
        if isinstance(tv, TagValue):
            out.append(tv)
        else:
            out.append(TagValue(str(tv.tag), str(tv.value)))
    return out
