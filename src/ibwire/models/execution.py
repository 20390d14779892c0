"""Executions (fills) and their commission reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

__all__ = ["Execution", "CommissionReport", "ExecutionFilter"]


@dataclass(slots=True)
class Execution:
    exec_id: str | None = None
    time: datetime | None = None
    acct_number: str | None = None
    exchange: str | None = None
    side: str | None = None  # BOT / SLD
    shares: Decimal | None = None
    price: float | None = None
    perm_id: int | None = 0
    client_id: int | None = 0
    order_id: int | None = 0
    liquidation: int | None = 0
    cum_qty: Decimal | None = None
    avg_price: float | None = None
    order_ref: str | None = None
    ev_rule: str | None = None
    ev_multiplier: float | None = None
    model_code: str | None = None
    last_liquidity: int | None = 0
    pending_price_revision: bool | None = False
    submitter: str | None = None  # server version >= 198
    opt_exercise_or_lapse_type: int | None = None
    """Protobuf only: what an option execution was (-1 none, 1 exercise, 2 lapse, 3 do nothing,
    100 assigned, 101 auto-exercise clearing, 102 expired, 103 netting, 200 auto-exercise
    trading)."""


@dataclass(slots=True)
class CommissionReport:
    exec_id: str | None = None
    commission: float | None = None
    currency: str | None = None
    realized_pnl: float | None = None
    yield_: float | None = None
    yield_redemption_date: int | None = None  # YYYYMMDD


@dataclass(slots=True)
class ExecutionFilter:
    """Which executions REQ_EXECUTIONS returns; unset fields match everything."""

    client_id: int | None = None
    acct_code: str | None = None
    time: str | None = None  # "yyyyMMdd-HH:mm:ss" (UTC) or "yyyyMMdd HH:mm:ss TZ": executions after it
    symbol: str | None = None
    sec_type: str | None = None
    exchange: str | None = None
    side: str | None = None  # BUY / SELL
    last_n_days: int | None = None  # server version >= 200
    specific_dates: list[int] = field(default_factory=list)  # yyyyMMdd, server version >= 200
