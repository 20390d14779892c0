"""Margin rules of what-if previews, and the commission schedule every fill pays: pure functions.

(The paper accounts' running values -- InitMarginReq, AvailableFunds, BuyingPower -- use the
intraday rates of :data:`ibwire.gateway.accounts.MARGIN_RATES`, 25% / 20% for stocks, not Reg T's
50% below: a what-if shows the Reg T requirement of the order, the account the intraday one.)

Per position (``quantity`` signed, ``value`` = |quantity| x price x multiplier in USD):

* Stocks, Reg T: initial 50% of the position value, long or short (a short's 150% deposit is its
  proceeds plus 50%); maintenance 25% of a long's value, 30% of a short's.
* Futures, a simple SPAN-like rule: the scan risk of one contract is its notional times the
  instrument class's scan range (equity-index futures 6%, energy 10%, metals 7%, rates 2%,
  currencies 3%, others 8%); maintenance is the scan risk, initial 110% of it (the exchanges'
  ratio for speculators). Long and short are alike.
* Currency pairs: 3% initial / 2.5% maintenance of the notional (in USD).
* Options, premium rules (CBOE / Reg T): a long option is paid in full and needs no margin; a
  short option needs its premium plus 20% of the underlying's value (15% for an index) less the
  amount it is out of the money, at least the premium plus 10% of the underlying's value (of the
  strike for a put), for initial and maintenance alike. Futures options follow the futures
  rule on their underlying: the premium plus the scan risk, less the out-of-the-money amount.

Commissions (fixed rate, USD): stocks 0.005 per share, at least 1.00 and at most 1% of the trade
value; futures 2.25 per contract; options 0.65 per contract, at least 1.00; futures options
0.85 per contract; currency pairs 0.2 basis points of the value, at least 2.00. A what-if preview gives the commission at the price it
expects and its min / max over the prices the order can fill at.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Margin", "requirement", "scan_range", "commission", "REG_T_INITIAL",
           "REG_T_MAINT_LONG", "REG_T_MAINT_SHORT", "SPAN_INITIAL_RATIO"]

REG_T_INITIAL = 0.50
REG_T_MAINT_LONG = 0.25
REG_T_MAINT_SHORT = 0.30
SPAN_INITIAL_RATIO = 1.10
FX_INITIAL, FX_MAINT = 0.03, 0.025
SHORT_OPTION_UNDERLYING = 0.20

_SCAN = {"equity": 0.06, "energy": 0.10, "metal": 0.07, "rate": 0.02, "currency": 0.03}
_SCAN_BY_SYMBOL = {
    "ES": "equity", "MES": "equity", "NQ": "equity", "MNQ": "equity", "YM": "equity",
    "MYM": "equity", "RTY": "equity", "M2K": "equity", "NKD": "equity", "FESX": "equity",
    "FDAX": "equity", "CL": "energy", "MCL": "energy", "NG": "energy", "RB": "energy",
    "HO": "energy", "BZ": "energy", "GC": "metal", "MGC": "metal", "SI": "metal", "HG": "metal",
    "PL": "metal", "ZN": "rate", "ZB": "rate", "ZF": "rate", "ZT": "rate", "UB": "rate",
    "GE": "rate", "SR3": "rate", "6E": "currency", "6J": "currency", "6B": "currency",
    "6A": "currency", "6C": "currency", "6S": "currency", "EUR": "currency",
}


@dataclass(frozen=True, slots=True)
class Margin:
    """Initial and maintenance margin in USD."""

    init: float = 0.0
    maint: float = 0.0

    def __add__(self, other: Margin) -> Margin:
        return Margin(self.init + other.init, self.maint + other.maint)

    def __sub__(self, other: Margin) -> Margin:
        return Margin(self.init - other.init, self.maint - other.maint)


def scan_range(symbol: str) -> float:
    """The SPAN-like scan range of a future (a fraction of its notional)."""
    return _SCAN.get(_SCAN_BY_SYMBOL.get(symbol.upper(), ""), 0.08)


def requirement(sec_type: str, symbol: str, quantity: float, price: float, multiplier: float,
                fx_to_usd: float, strike: float = 0.0, right: str = "",
                underlying: float | None = None, index: bool = False) -> Margin:
    """The margin of a position of ``quantity`` (signed) at ``price`` (instrument currency); for a
    currency pair ``price`` is ignored and ``fx_to_usd`` converts the base currency. An option
    also needs its ``strike``, ``right`` and the ``underlying``'s price (``index``: an index
    option)."""
    if quantity == 0:
        return Margin()
    q = abs(quantity)
    if sec_type == "CASH":
        notional = q * fx_to_usd
        return Margin(notional * FX_INITIAL, notional * FX_MAINT)
    value = q * price * multiplier * fx_to_usd
    if sec_type == "FUT":
        maint = value * scan_range(symbol)
        return Margin(maint * SPAN_INITIAL_RATIO, maint)
    if sec_type in ("OPT", "FOP"):
        if quantity > 0:
            return Margin()
        under = underlying if underlying is not None else (strike or price)
        otm = max(0.0, strike - under) if right == "C" else max(0.0, under - strike)
        unit = q * multiplier * fx_to_usd
        if sec_type == "FOP":
            need = value + max(0.0, under * scan_range(symbol) - otm) * unit
        else:
            rate = 0.15 if index else SHORT_OPTION_UNDERLYING
            floor = 0.10 * (strike if right == "P" else under)
            need = value + max(rate * under - otm, floor) * unit
        return Margin(need, need)
    maint = REG_T_MAINT_LONG if quantity > 0 else REG_T_MAINT_SHORT
    return Margin(value * REG_T_INITIAL, value * maint)


def commission(sec_type: str, quantity: float, price: float, multiplier: float,
               fx_to_usd: float) -> float:
    """The fixed-rate commission in USD of a trade of ``quantity`` at ``price`` (for a currency
    pair ``quantity`` is in the base currency and ``fx_to_usd`` converts it)."""
    q = abs(quantity)
    if sec_type == "FUT":
        return round(2.25 * q, 2)
    if sec_type == "OPT":
        return round(max(1.0, 0.65 * q), 2)
    if sec_type == "FOP":
        return round(0.85 * q, 2)
    if sec_type == "CASH":
        return round(max(2.0, 0.00002 * q * fx_to_usd), 2)
    value = q * price * multiplier * fx_to_usd
    return round(min(max(0.005 * q, 1.0), 0.01 * value), 2)
