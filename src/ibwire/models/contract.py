"""Contracts: what is traded. Field names are IB's, in snake_case."""

from __future__ import annotations

from dataclasses import dataclass, field

from .tag_value import TagValue

__all__ = ["Contract", "ComboLeg", "DeltaNeutralContract", "TagValue", "Stock", "Future", "Forex",
           "Option", "FuturesOption"]


@dataclass(slots=True)
class ComboLeg:
    con_id: int | None = 0
    ratio: int | None = 0
    action: str | None = None  # BUY / SELL / SSHORT
    exchange: str | None = None
    open_close: int | None = 0
    short_sale_slot: int | None = 0
    designated_location: str | None = None
    exempt_code: int | None = -1


@dataclass(slots=True)
class DeltaNeutralContract:
    con_id: int | None = 0
    delta: float | None = 0.0
    price: float | None = 0.0


@dataclass(slots=True)
class Contract:
    con_id: int | None = None
    symbol: str | None = None
    sec_type: str | None = None  # STK, FUT, CASH, OPT, IND, BAG ...
    last_trade_date_or_contract_month: str | None = None
    last_trade_date: str | None = None  # CONTRACT_DATA from server version 182
    strike: float | None = None
    right: str | None = None  # C / P; TWS sends "?" or "0" for non-options (decoded to None)
    multiplier: str | None = None
    exchange: str | None = None
    primary_exchange: str | None = None
    currency: str | None = None
    local_symbol: str | None = None
    trading_class: str | None = None
    include_expired: bool | None = False
    sec_id_type: str | None = None
    sec_id: str | None = None
    description: str | None = None
    issuer_id: str | None = None
    combo_legs_descrip: str | None = None
    combo_legs: list[ComboLeg] = field(default_factory=list)
    delta_neutral_contract: DeltaNeutralContract | None = None

    def __str__(self) -> str:
        parts = [self.symbol or (str(self.con_id) if self.con_id else "?")]
        if self.sec_type and self.sec_type != "STK":
            parts.append(self.sec_type)
        if self.last_trade_date_or_contract_month:
            parts.append(self.last_trade_date_or_contract_month)
        if self.sec_type in ("OPT", "FOP") and self.strike is not None:
            parts.append(f"{self.strike:g}{self.right or ''}")
        if self.currency and self.sec_type == "CASH":
            parts = [f"{self.symbol}.{self.currency}"]
        return " ".join(parts)


def Stock(symbol: str, exchange: str = "SMART", currency: str = "USD",
          primary_exchange: str | None = None) -> Contract:
    """A stock or ETF, routed SMART in USD unless told otherwise."""
    return Contract(symbol=symbol, sec_type="STK", exchange=exchange, currency=currency,
                    primary_exchange=primary_exchange)


def Future(symbol: str, last_trade_date_or_contract_month: str | None = None,
           exchange: str | None = None, currency: str = "USD",
           local_symbol: str | None = None, multiplier: str | None = None) -> Contract:
    """A futures contract, e.g. ``Future("ES", "202612", "CME")``."""
    return Contract(symbol=symbol, sec_type="FUT",
                    last_trade_date_or_contract_month=last_trade_date_or_contract_month,
                    exchange=exchange, currency=currency, local_symbol=local_symbol,
                    multiplier=multiplier)


def Forex(pair: str, exchange: str = "IDEALPRO") -> Contract:
    """A currency pair: ``Forex("EURUSD")`` or ``Forex("EUR.USD")``."""
    p = pair.replace(".", "").replace("/", "").upper()
    if len(p) != 6 or not p.isalpha():
        raise ValueError(f"a forex pair is six letters such as EURUSD or EUR.USD, not {pair!r}")
    return Contract(symbol=p[:3], sec_type="CASH", currency=p[3:], exchange=exchange)


def _right(right: str) -> str:
    r = right.strip().upper()
    if r in ("C", "CALL"):
        return "C"
    if r in ("P", "PUT"):
        return "P"
    raise ValueError(f"an option's right is C (call) or P (put), not {right!r}")


def Option(symbol: str, last_trade_date_or_contract_month: str, strike: float, right: str,
           exchange: str = "SMART", multiplier: str | None = None, currency: str = "USD",
           trading_class: str | None = None, local_symbol: str | None = None) -> Contract:
    """A listed option on a stock, ETF or index: ``Option("SPY", "20261218", 500, "C")``.

    ``right`` is ``C`` / ``CALL`` or ``P`` / ``PUT``; the expiry is ``YYYYMMDD`` (or ``YYYYMM``
    for the month's expirations). ``trading_class`` picks a class when several list the same
    expiry (``SPX`` monthlies, ``SPXW`` weeklies)."""
    return Contract(symbol=symbol, sec_type="OPT",
                    last_trade_date_or_contract_month=last_trade_date_or_contract_month,
                    strike=float(strike), right=_right(right), multiplier=multiplier,
                    exchange=exchange, currency=currency, trading_class=trading_class,
                    local_symbol=local_symbol)


def FuturesOption(symbol: str, last_trade_date_or_contract_month: str, strike: float,
                  right: str, exchange: str | None = None, multiplier: str | None = None,
                  currency: str = "USD", trading_class: str | None = None,
                  local_symbol: str | None = None) -> Contract:
    """An option on a future: ``FuturesOption("ES", "20261218", 6000, "P", "CME")``."""
    return Contract(symbol=symbol, sec_type="FOP",
                    last_trade_date_or_contract_month=last_trade_date_or_contract_month,
                    strike=float(strike), right=_right(right), multiplier=multiplier,
                    exchange=exchange, currency=currency, trading_class=trading_class,
                    local_symbol=local_symbol)
