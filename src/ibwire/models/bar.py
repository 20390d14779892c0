"""Historical bars as the Broker returns them: aware datetimes (daily and longer bars as dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

__all__ = ["Bar", "AccountSummaryItem"]


@dataclass(slots=True)
class Bar:
    time: datetime | date
    open: float
    high: float
    low: float
    close: float
    volume: Decimal | None = None  # None for BID / ASK / MIDPOINT bars (TWS sends -1)
    wap: Decimal | None = None
    bar_count: int | None = None


@dataclass(slots=True)
class AccountSummaryItem:
    account: str
    tag: str
    value: str
    currency: str | None = None
