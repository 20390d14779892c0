"""Positions, account values and portfolio rows, as the Broker returns them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .contract import Contract

__all__ = ["Position", "AccountValue", "PortfolioItem"]


@dataclass(slots=True)
class Position:
    account: str | None = None
    contract: Contract = field(default_factory=Contract)
    position: Decimal | None = None  # negative when short
    avg_cost: float | None = None


@dataclass(slots=True)
class AccountValue:
    key: str | None = None
    value: str | None = None
    currency: str | None = None
    account: str | None = None


@dataclass(slots=True)
class PortfolioItem:
    contract: Contract = field(default_factory=Contract)
    position: Decimal | None = None
    market_price: float | None = None
    market_value: float | None = None
    average_cost: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None
    account: str | None = None
