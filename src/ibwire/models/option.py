"""Options: the option parameters of an underlying (its chains) and one option computation.

Field names are IB's in snake_case (``SECURITY_DEFINITION_OPTION_PARAMETER``'s ``tradingClass``,
``TICK_OPTION_COMPUTATION``'s ``impliedVol``, ``optPrice``, ``pvDividend``, ``undPrice``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["OptionChain", "OptionComputation", "OPTION_COMPUTATION_TICKS"]

OPTION_COMPUTATION_TICKS: dict[int, str] = {
    10: "bid", 11: "ask", 12: "last", 13: "model", 53: "custom",
    80: "bid", 81: "ask", 82: "last", 83: "model",
}
"""The tick types TICK_OPTION_COMPUTATION carries: BID / ASK / LAST_OPTION_COMPUTATION (10..12),
MODEL_OPTION (13), CUST_OPTION_COMPUTATION (53: the answer to an implied-volatility or
option-price calculation) and the delayed twins 80..83, with the quote each one is about."""


@dataclass(slots=True)
class OptionChain:
    """The options listed on one underlying at one exchange under one trading class
    (one SECURITY_DEFINITION_OPTION_PARAMETER): expirations (``YYYYMMDD``) and strikes, sorted."""

    exchange: str | None = None
    underlying_con_id: int | None = None
    trading_class: str | None = None
    multiplier: str | None = None
    expirations: list[str] = field(default_factory=list)
    strikes: list[float] = field(default_factory=list)


@dataclass(slots=True)
class OptionComputation:
    """One option computation (TICK_OPTION_COMPUTATION): the implied volatility of a price and
    the greeks at it. Every value is None when TWS could not compute it (it sends -1 or -2)."""

    tick_attrib: int | None = None  # 0 return-based, 1 price-based (server version >= 156)
    implied_vol: float | None = None
    delta: float | None = None
    opt_price: float | None = None
    pv_dividend: float | None = None
    gamma: float | None = None
    vega: float | None = None
    theta: float | None = None
    und_price: float | None = None
