"""Executions (fills) and their commission reports.

PROTOCOL.md sections 4.4, 4.5 and 4.16. EXECUTION_DATA has had no version field since
LAST_LIQUIDITY (136), so at every version ibwire speaks it is 31 fields, 32 from
PENDING_PRICE_REVISION (178). ``orderId`` sits before the contract on the wire and lands in
``execution.order_id``, as in both official clients.

The execution time is an aware datetime. TWS writes it as ``yyyyMMdd HH:mm:ss <zone>``
(``20231115 09:20:44 US/Eastern``); older TWS builds write ``yyyyMMdd  HH:mm:ss`` (two spaces,
no zone, TWS's local time), which decodes as UTC because the message does not name the zone.
ibwire always writes the zone form -- a time in UTC as ``... UTC`` -- since ib_async reads a
time without a zone in TWS's local zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from ...models.contract import Contract
from ...models.execution import CommissionReport, Execution, ExecutionFilter
from ..api import Api, Callback, Request
from ..codec import UNSET_DOUBLE_STR, UNSET_INT, Kind, dec_datetime, enc_datetime
from ..elements import P, Proto, W
from ..ids import In, Out
from ..schema import Custom, F, Message, Version, to_client, to_server
from ..versions import Feature
from .accounts import contract_fields
from .blocks import COMMISSION_AND_FEES_REPORT, CONTRACT, EXECUTION, EXECUTION_FILTER

__all__ = ["ReqExecutions", "ExecutionData", "ExecutionDataEnd", "CommissionReportMsg"]

INT, FLOAT, DECIMAL, BOOL, STR = Kind.INT, Kind.FLOAT, Kind.DECIMAL, Kind.BOOL, Kind.STR

_INT_UNSET = str(UNSET_INT)
_UTC = ZoneInfo("UTC")


def _decode_time(fields: list[str], i: int) -> tuple[datetime | None, int]:
    # " ".join(split()) folds the two-space form ("20250415  19:38:31") into the usual one.
    return dec_datetime(" ".join(fields[i].split())), i + 1


def _encode_time(value: object, append: Callable[[str], None]) -> None:
    if isinstance(value, datetime) and value.tzinfo is not None \
            and not isinstance(value.tzinfo, ZoneInfo):
        value = value.astimezone(_UTC)  # a named zone, so the text is "... UTC"
    append(enc_datetime(value))


def _decode_dates(fields: list[str], i: int) -> tuple[list[int], int]:
    n = int(fields[i]) if fields[i] else 0
    if not 0 <= n <= 10000:
        raise ValueError(f"implausible count of dates {n}")
    return [int(d) for d in fields[i + 1:i + 1 + n]], i + 1 + n


def _encode_dates(value: object, append: Callable[[str], None]) -> None:
    dates = list(value or [])  # type: ignore[call-overload]
    append(str(len(dates)))
    for d in dates:
        append(str(int(d)))


# --- client -> TWS -----------------------------------------------------------------------------

@to_server(Out.REQ_EXECUTIONS, Version(3), F("req_id", INT),
           # ibapi and ib_async send clientId 0 for "any client"; that is the filter's None.
           F("filter.client_id", INT, unset="0", none=("0",)),
           F("filter.acct_code", STR),
           F("filter.time", STR),
           F("filter.symbol", STR),
           F("filter.sec_type", STR),
           F("filter.exchange", STR),
           F("filter.side", STR),
           F("filter.last_n_days", INT, unset=_INT_UNSET,
             since=Feature.PARAMETRIZED_DAYS_OF_EXECUTIONS),
           Custom("filter.specific_dates", _decode_dates, _encode_dates,
                  since=Feature.PARAMETRIZED_DAYS_OF_EXECUTIONS),
           Proto("ExecutionRequest", Feature.PROTOBUF), P(1, "req_id"),
           P(2, "filter", sub=EXECUTION_FILTER),
           request=Request(replies=(In.EXECUTION_DATA,), end=In.EXECUTION_DATA_END),
           api=Api("reqExecutions", "reqId", "execFilter:filter"))
@dataclass(slots=True)
class ReqExecutions(Message):
    """REQ_EXECUTIONS (7, v3): EXECUTION_DATA* (with COMMISSION_REPORTs) then EXECUTION_DATA_END.

    ``filter.time`` is ``yyyyMMdd-HH:mm:ss`` (UTC) or ``yyyyMMdd HH:mm:ss <zone>``.
    """

    req_id: int | None = None
    filter: ExecutionFilter = field(default_factory=ExecutionFilter)


# --- TWS -> client -----------------------------------------------------------------------------

@to_client(In.EXECUTION_DATA,
           Version(10, until=Feature.LAST_LIQUIDITY),
           F("req_id", INT, unset=_INT_UNSET),  # ib_async parses it with a bare int()
           F("execution.order_id", INT),
           *contract_fields(),
           F("execution.exec_id", STR),
           Custom("execution.time", _decode_time, _encode_time),
           F("execution.acct_number", STR),
           F("execution.exchange", STR),
           F("execution.side", STR),
           F("execution.shares", DECIMAL),
           F("execution.price", FLOAT),
           F("execution.perm_id", INT),
           F("execution.client_id", INT),
           F("execution.liquidation", INT),
           F("execution.cum_qty", DECIMAL),
           F("execution.avg_price", FLOAT),
           F("execution.order_ref", STR),
           F("execution.ev_rule", STR),
           F("execution.ev_multiplier", FLOAT),
           F("execution.model_code", STR, since=Feature.MODELS_SUPPORT),
           F("execution.last_liquidity", INT, since=Feature.LAST_LIQUIDITY),
           F("execution.pending_price_revision", BOOL, since=Feature.PENDING_PRICE_REVISION),
           F("execution.submitter", STR, since=Feature.SUBMITTER),
           Proto("ExecutionDetails", Feature.PROTOBUF), P(1, "req_id"), P(2, "contract", sub=CONTRACT),
           P(3, "execution", sub=EXECUTION),
           callback=Callback("execDetails", "reqId", "contract", "execution"))
@dataclass(slots=True)
class ExecutionData(Message):
    """EXECUTION_DATA (11, no version since 136): one fill.

    ``req_id`` is -1 for a fill TWS pushes on its own, else the REQ_EXECUTIONS id. TWS always
    sends ``execution.time``; a sender must set it too (ib_async drops a fill without one).
    """

    req_id: int | None = -1
    contract: Contract = field(default_factory=Contract)
    execution: Execution = field(default_factory=Execution)


@to_client(In.EXECUTION_DATA_END, Version(1), "req_id",
           Proto("ExecutionDetailsEnd", Feature.PROTOBUF),
           callback=Callback("execDetailsEnd", "reqId"))
@dataclass(slots=True)
class ExecutionDataEnd(Message):
    """EXECUTION_DATA_END (55, v1): the REQ_EXECUTIONS answer is complete."""

    req_id: Annotated[int | None, W(INT, pb=1, unset=_INT_UNSET)] = None


@to_client(In.COMMISSION_AND_FEES_REPORT, Version(1),
           F("commission_report.exec_id", STR),
           F("commission_report.commission", FLOAT, unset=UNSET_DOUBLE_STR),
           F("commission_report.currency", STR),
           F("commission_report.realized_pnl", FLOAT, unset=UNSET_DOUBLE_STR),
           F("commission_report.yield_", FLOAT, unset=UNSET_DOUBLE_STR),
           F("commission_report.yield_redemption_date", INT),
           Proto("CommissionAndFeesReport", Feature.PROTOBUF_COMPLETED_ORDER),
           *COMMISSION_AND_FEES_REPORT.fields_at("commission_report."),
           callback=Callback("commissionReport", "commissionReport"))
@dataclass(slots=True)
class CommissionReportMsg(Message):
    """COMMISSION_AND_FEES_REPORT (59, v1): commission of one execution; exactly 8 fields.

    TWS writes an unset realizedPNL / yield as ``1.7976931348623157E308`` and an unset
    yieldRedemptionDate as ``""``; both decode to ``None``.
    """

    commission_report: CommissionReport = field(default_factory=CommissionReport)
