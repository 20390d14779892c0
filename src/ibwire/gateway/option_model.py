"""The one option model of the paper gateway: Black-Scholes (options on stocks, ETFs and indices)
and Black-76 (options on futures), with a volatility smile and a term structure.

Pure functions of their arguments. Conventions follow what TWS reports in TICK_OPTION_COMPUTATION:
``vega`` is the price change for one volatility point (0.01), ``theta`` the price change per
calendar day, ``pv_dividend`` the present value of the dividends to expiry (zero here: the
gateway's underlyings pay no dividends), ``delta`` and ``gamma`` per unit of the underlying.

American equity options are priced as European ones: without dividends an American call is
worth the European call, and the early-exercise premium of a put is left out (documented
simplification), so put-call parity holds exactly on every chain: ``C - P = S - K e^(-rT)``
(Black-Scholes) or ``e^(-rT) (F - K)`` (Black-76).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RATE", "YEAR_S", "Greeks", "price", "greeks", "implied_vol", "smile_vol",
           "atm_vol", "annual_vol"]

RATE = 0.04
"""The risk-free rate (continuously compounded, every maturity)."""

YEAR_S = 365.0 * 86400.0
"""Seconds in a year of time to expiry (calendar time, as TWS counts it)."""

_MIN_T = 1.0 / YEAR_S  # one second: below it an option is worth its intrinsic value
_SQRT2 = math.sqrt(2.0)


def _cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@dataclass(frozen=True, slots=True)
class Greeks:
    """An option's value and sensitivities at one volatility."""

    price: float
    delta: float
    gamma: float
    vega: float  # per volatility point
    theta: float  # per calendar day


def _d1d2(fwd: float, strike: float, t: float, vol: float) -> tuple[float, float]:
    sd = vol * math.sqrt(t)
    d1 = (math.log(fwd / strike) + 0.5 * sd * sd) / sd
    return d1, d1 - sd


def greeks(right: str, under: float, strike: float, t: float, vol: float, futures: bool,
           rate: float = RATE) -> Greeks:
    """Value and greeks of a call (``right`` C) or put (P). ``under`` is the spot (Black-Scholes)
    or the futures price (Black-76, ``futures``); ``t`` years to expiry."""
    call = right == "C"
    if t <= _MIN_T or vol <= 0.0:
        intrinsic = max(0.0, under - strike) if call else max(0.0, strike - under)
        itm = (under > strike) if call else (under < strike)
        return Greeks(intrinsic, (1.0 if call else -1.0) if itm else 0.0, 0.0, 0.0, 0.0)
    disc = math.exp(-rate * t)
    fwd = under if futures else under / disc
    d1, d2 = _d1d2(fwd, strike, t, vol)
    sqt = math.sqrt(t)
    if call:
        value = disc * (fwd * _cdf(d1) - strike * _cdf(d2))
        delta = (disc if futures else 1.0) * _cdf(d1)
    else:
        value = disc * (strike * _cdf(-d2) - fwd * _cdf(-d1))
        delta = -(disc if futures else 1.0) * _cdf(-d1)
    scale = disc if futures else 1.0
    gamma = scale * _pdf(d1) / (under * vol * sqt)
    vega = scale * under * _pdf(d1) * sqt
    decay = -scale * under * _pdf(d1) * vol / (2.0 * sqt)
    if futures:
        theta = decay + rate * value
    elif call:
        theta = decay - rate * strike * disc * _cdf(d2)
    else:
        theta = decay + rate * strike * disc * _cdf(-d2)
    return Greeks(value, delta, gamma, vega / 100.0, theta / 365.0)


def price(right: str, under: float, strike: float, t: float, vol: float, futures: bool,
          rate: float = RATE) -> float:
    """The option's value (see :func:`greeks`)."""
    return greeks(right, under, strike, t, vol, futures, rate).price


def implied_vol(right: str, value: float, under: float, strike: float, t: float, futures: bool,
                rate: float = RATE) -> float | None:
    """The volatility at which the option is worth ``value``; None when no volatility gives it
    (a price at or below intrinsic value, or above the underlying's)."""
    if t <= _MIN_T or value <= 0.0 or under <= 0.0 or strike <= 0.0:
        return None
    lo, hi = 1e-4, 5.0
    if not price(right, under, strike, t, lo, futures, rate) < value \
            < price(right, under, strike, t, hi, futures, rate):
        return None
    vol = 0.3
    for _ in range(60):  # Newton, kept inside the bracket (bisection when it leaves it)
        g = greeks(right, under, strike, t, vol, futures, rate)
        diff = g.price - value
        if abs(diff) < 1e-10:
            return vol
        if diff > 0:
            hi = vol
        else:
            lo = vol
        step = diff / (g.vega * 100.0) if g.vega > 1e-12 else 0.0
        nxt = vol - step
        vol = nxt if lo < nxt < hi and step else 0.5 * (lo + hi)
        if hi - lo < 1e-12:
            break
    return vol


def annual_vol(per_half_hour: float) -> float:
    """An instrument's volatility (log standard deviation per half hour, the price walk's) as an
    annual volatility: 13 half hours a day, 252 days a year."""
    return per_half_hour * math.sqrt(13.0 * 252.0)


def atm_vol(base: float, t: float) -> float:
    """The at-the-money volatility of maturity ``t`` (years): the term structure rises from 90%
    of the underlying's volatility at the shortest maturities to 105% beyond a year."""
    return base * (0.90 + 0.15 * (1.0 - math.exp(-t / 0.5)))


def smile_vol(base: float, fwd: float, strike: float, t: float, skew: float = 0.35,
              curve: float = 0.6) -> float:
    """The volatility of ``strike`` at maturity ``t``: the term structure's at-the-money level
    times a smile in the standardized moneyness ``x = ln(K/F) / sqrt(t)`` (lower strikes higher
    for equities: ``skew``; both wings up: ``curve``), bounded to [0.5, 3] times that level."""
    atm = atm_vol(base, t)
    x = math.log(strike / fwd) / math.sqrt(max(t, 1.0 / 52.0))
    x = max(-2.0, min(2.0, x))
    return atm * max(0.5, min(3.0, 1.0 - skew * x + curve * x * x))
