"""Generic tick lists of REQ_MKT_DATA ("233,236,456"): the extra values TWS adds to a quote stream.

Each generic tick id asks for one group of values, sent as TICK_PRICE / TICK_SIZE / TICK_GENERIC /
TICK_STRING rows under TWS's tick types; all of them derive from the instrument and the price path
the quotes come from:

======  ============================  ===============================================================
id      TWS's name                    what the gateway sends
======  ============================  ===============================================================
100     Option Volume                 29 / 30 call / put volume (TICK_SIZE), stocks and indexes
101     Option Open Interest          27 / 28 call / put open interest (TICK_SIZE)
104     Historical Volatility         23 (TICK_GENERIC, a fraction: the path's annualised volatility)
105     Average Option Volume         87 (TICK_SIZE)
106     Option Implied Volatility     24 (TICK_GENERIC, the historical one plus a premium)
165     Misc. Stats                   15..20 13/26/52-week lows and highs (TICK_PRICE, from daily
                                      bars), 21 average daily volume (TICK_SIZE, 90 days)
221     Mark Price                    37 (TICK_PRICE: the midpoint), streaming
225     Auction values                34 auction volume, 35 auction price, 61 imbalance
233     RTVolume                      48 (TICK_STRING ``price;size;ms;totalVolume;vwap;single``) per
                                      trade of the tape, streaming
236     Shortable                     46 (TICK_GENERIC 3.0: easy to borrow), 89 shares (TICK_SIZE)
258     Fundamental Ratios            47 (TICK_STRING ``TAG=value;...``), stocks
292     News                          TICK_NEWS headlines (``292`` or ``292:BRFG+DJNL``), streaming:
                                      :mod:`.news_api`
293     Trade Count                   54 (TICK_GENERIC), streaming
294     Trade Rate                    55 (TICK_GENERIC, trades per minute), streaming
295     Volume Rate                   56 (TICK_GENERIC, shares per minute), streaming
318     Last RTH Trade                57 (TICK_PRICE)
375     RT Trade Volume               77 (TICK_STRING, as 233), streaming
411     Realtime Historical Vol.      58 (TICK_GENERIC, in percent)
456     IBDividends                   59 (TICK_STRING ``past12m,next12m,nextDate,nextAmount``), stocks
588     Futures Open Interest         86 (TICK_SIZE), futures
595     Short-Term Volume             63 / 64 / 65 volume of the last 3 / 5 / 10 minutes (TICK_SIZE)
======  ============================  ===============================================================

An id the gateway does not know gets TWS's 321 "Incorrect generic tick list" naming the legal ones,
before any tick is sent.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from ..models.market import TickType as T
from ..protocol.messages.market_data import TickGeneric, TickPrice, TickSize, TickString
from ..protocol.schema import Message
from .instruments import Instrument
from .market import BarRequestError, Market, Quote
from .pricepath import mix, uniform

__all__ = ["LEGAL", "STREAMING", "parse", "initial", "update"]

LEGAL: dict[int, str] = {
    100: "Option Volume", 101: "Option Open Interest", 104: "Historical Volatility",
    105: "Average Option Volume", 106: "Option Implied Volatility", 165: "Misc. Stats",
    221: "Mark Price", 225: "Auction values", 233: "RTVolume", 236: "Shortable",
    258: "Fundamental Ratios", 292: "News", 293: "Trade Count", 294: "Trade Rate", 295: "Volume Rate",
    318: "Last RTH Trade", 375: "RT Trade Volume", 411: "Realtime Historical Volatility",
    456: "IBDividends", 588: "Futures Open Interest", 595: "Short-Term Volume X Mins",
}
"""The generic tick ids the gateway serves and TWS's names for them."""

STREAMING = frozenset({221, 233, 293, 294, 295, 375})
"""The ids whose values change as the market moves (sent again by :func:`update`)."""

_EQUITY = ("STK", "IND")
_SECONDS_PER_YEAR_RTH = 252 * 13  # half-hour blocks in a year of regular sessions


def parse(text: str | None, inst: Instrument) -> tuple[frozenset[int], str | None]:
    """The ids of a generic tick list, or the 321 text TWS answers a bad list with."""
    ids: set[int] = set()
    for part in (text or "").split(","):
        p = part.strip()
        if not p:
            continue
        if p.startswith("292:"):  # news from the providers named (news_api checks them)
            p = "292"
        if not p.isdigit() or int(p) not in LEGAL:
            legal = ",".join(f"{k}({v})" for k, v in LEGAL.items())
            return frozenset(), (f"Error validating request.-'bW' : cause - Incorrect generic tick "
                                 f"list of {p}.  Legal ones for ({inst.sec_type}) are: {legal}")
        ids.add(int(p))
    return frozenset(ids), None


def _h(inst: Instrument, what: int) -> float:
    return uniform(mix(inst.con_id, 0x6E4E, what))


def _volatility(inst: Instrument) -> float:
    """The path's annualised volatility (its per-half-hour log sigma, over a year of sessions)."""
    return round(inst.volatility * math.sqrt(_SECONDS_PER_YEAR_RTH), 4)


def _stats(market: Market, inst: Instrument, r: int) -> list[Message]:
    """13 / 26 / 52-week lows and highs and the 90-day average volume, from daily bars."""
    what = "MIDPOINT" if inst.sec_type == "CASH" else "TRADES"
    try:
        bars = market.bars(inst.con_id, None, "1 Y", "1 day", what, True)
    except BarRequestError:
        return []
    out: list[Message] = []
    for weeks, lo_t, hi_t in ((13, T.LOW_13_WEEK, T.HIGH_13_WEEK), (26, T.LOW_26_WEEK,
                                                                     T.HIGH_26_WEEK),
                              (52, T.LOW_52_WEEK, T.HIGH_52_WEEK)):
        span = bars[-weeks * 5:]
        out.append(TickPrice(r, lo_t, min(b.low for b in span), Decimal(0), 0))
        out.append(TickPrice(r, hi_t, max(b.high for b in span), Decimal(0), 0))
    if what == "TRADES":
        recent = bars[-90:]
        avg = sum((b.volume for b in recent), Decimal(0)) / len(recent)
        out.append(TickSize(r, T.AVG_VOLUME, avg.quantize(Decimal(1))))
    return out


def _dividends(market: Market, inst: Instrument) -> str:
    """``past12,next12,nextDate,nextAmount``: a quarterly dividend of a seeded yield."""
    price = inst.base_price
    yearly = round(price * (0.004 + 0.026 * _h(inst, 1)), 2)
    quarter = round(yearly / 4, 4)
    today = market.now().date()
    day = 10 + int(_h(inst, 2) * 15)
    nxt = date(today.year, ((today.month - 1) // 3) * 3 + 1, day)
    while nxt <= today:
        m = nxt.month + 3
        nxt = date(nxt.year + (m > 12), (m - 1) % 12 + 1, day)
    return f"{yearly:g},{round(quarter * 4, 2):g},{nxt:%Y%m%d},{quarter:g}"


def _ratios(inst: Instrument, q: Quote) -> str:
    eps = round(inst.base_price / (12 + 18 * _h(inst, 3)), 2)
    shares = round(1e3 + 1.5e4 * _h(inst, 4), 1)  # millions
    return (f"MKTCAP={round(q.last * shares, 1)};TTMEPSXCLX={eps};"
            f"PEEXCLXOR={round(q.last / eps, 2) if eps else 0};"
            f"YIELD={round(100 * 0.015 * _h(inst, 1) + 0.4, 3)};BETA={round(0.6 + _h(inst, 5), 2)};"
            f"NLOW={q.low};NHIGH={q.high}")


def _volume_since(market: Market, con_id: int, now: int, seconds: int) -> Decimal:
    return sum((size for s in range(now - seconds + 1, now + 1)
                for _, size in market.trades_at(con_id, s)), Decimal(0))


def _session_minutes(market: Market, con_id: int, now: int) -> float:
    session = market.calendar(con_id).previous_session(now)
    start = session.open if session is not None else now - 60
    return max(1.0, (now - start) / 60)


def _rates(market: Market, inst: Instrument, q: Quote, ids: frozenset[int], now: int,
           r: int) -> list[Message]:
    out: list[Message] = []
    lot = max(1, inst.lot)
    trades = float(q.volume) / lot if q.volume else 0.0
    minutes = _session_minutes(market, inst.con_id, now)
    if 221 in ids:
        out.append(TickPrice(r, T.MARK_PRICE, q.mid, Decimal(0), 0))
    if 293 in ids:
        out.append(TickGeneric(r, T.TRADE_COUNT, round(trades)))
    if 294 in ids:
        out.append(TickGeneric(r, T.TRADE_RATE, round(trades / minutes, 2)))
    if 295 in ids:
        out.append(TickGeneric(r, T.VOLUME_RATE, round(float(q.volume) / minutes, 2)))
    return out


def _rt_volume(market: Market, con_id: int, q: Quote, second: int) -> list[str]:
    """One RT volume text per trade of ``second``."""
    vwap = round((q.high + q.low + q.last) / 3, 6)  # the day's typical price
    trades = market.trades_at(con_id, second)
    single = "true" if len(trades) == 1 else "false"
    return [f"{price};{size};{second * 1000};{q.volume};{vwap};{single}" for price, size in trades]


def initial(market: Market, inst: Instrument, ids: frozenset[int], q: Quote,
            r: int) -> list[Message]:
    """The first values of every requested group, for request ``r``."""
    out: list[Message] = []
    now = int(q.time.timestamp())
    equity = inst.sec_type in _EQUITY
    vol = _volatility(inst)
    seed_size = Decimal(int(inst.block_volume * (0.05 + 0.2 * _h(inst, 6))))
    if 100 in ids and equity:
        out += [TickSize(r, T.OPTION_CALL_VOLUME, seed_size),
                TickSize(r, T.OPTION_PUT_VOLUME, (seed_size * Decimal("0.8")).quantize(1))]
    if 101 in ids and equity:
        out += [TickSize(r, T.OPTION_CALL_OPEN_INTEREST, seed_size * 20),
                TickSize(r, T.OPTION_PUT_OPEN_INTEREST, seed_size * 17)]
    if 104 in ids:
        out.append(TickGeneric(r, T.OPTION_HISTORICAL_VOL, vol))
    if 105 in ids and equity:
        out.append(TickSize(r, T.AVG_OPT_VOLUME, seed_size))
    if 106 in ids:
        out.append(TickGeneric(r, T.OPTION_IMPLIED_VOL, round(vol * 1.1, 4)))
    if 165 in ids:
        out += _stats(market, inst, r)
    if 225 in ids:
        out += [TickSize(r, T.AUCTION_VOLUME, Decimal(0)),
                TickPrice(r, T.AUCTION_PRICE, q.close, Decimal(0), 0),
                TickSize(r, T.AUCTION_IMBALANCE, Decimal(0))]
    if 236 in ids:
        out += [TickGeneric(r, T.SHORTABLE, 3.0),
                TickSize(r, T.SHORTABLE_SHARES, seed_size * 100)]
    if 258 in ids and inst.sec_type == "STK":
        out.append(TickString(r, T.FUNDAMENTAL_RATIOS, _ratios(inst, q)))
    if 318 in ids:
        out.append(TickPrice(r, T.LAST_RTH_TRADE, q.last, Decimal(0), 0))
    if 411 in ids:
        out.append(TickGeneric(r, T.RT_HISTORICAL_VOL, round(vol * 100, 2)))
    if 456 in ids and inst.sec_type == "STK":
        out.append(TickString(r, T.IB_DIVIDENDS, _dividends(market, inst)))
    if 588 in ids and inst.sec_type == "FUT":
        out.append(TickSize(r, T.FUTURES_OPEN_INTEREST, seed_size * 5))
    if 595 in ids:
        out += [TickSize(r, T.SHORT_TERM_VOLUME_3_MIN, _volume_since(market, inst.con_id, now, 180)),
                TickSize(r, T.SHORT_TERM_VOLUME_5_MIN, _volume_since(market, inst.con_id, now, 300)),
                TickSize(r, T.SHORT_TERM_VOLUME_10_MIN,
                         _volume_since(market, inst.con_id, now, 600))]
    out += _rates(market, inst, q, ids, now, r)
    for tick_type, wanted in ((T.RT_VOLUME, 233), (T.RT_TRD_VOLUME, 375)):
        if wanted in ids:
            out += [TickString(r, tick_type, v) for v in _rt_volume(market, inst.con_id, q, now)]
    return out


def update(market: Market, inst: Instrument, ids: frozenset[int], q: Quote,
           sent: dict[str, object], r: int) -> list[Message]:
    """What changed since ``sent`` (the subscription's memory): the streaming groups."""
    now = int(q.time.timestamp())
    out: list[Message] = []
    last = sent.get("generic_second")
    first = now if not isinstance(last, int) else max(last + 1, now - 600)
    sent["generic_second"] = now
    if ids & {233, 375}:
        for s in range(first, now + 1):
            texts = _rt_volume(market, inst.con_id, q, s)
            for tick_type, wanted in ((T.RT_VOLUME, 233), (T.RT_TRD_VOLUME, 375)):
                if wanted in ids:
                    out += [TickString(r, tick_type, v) for v in texts]
    for m in _rates(market, inst, q, ids, now, r):
        key = f"generic_{m.tick_type}"  # type: ignore[attr-defined]
        value = m.price if isinstance(m, TickPrice) else m.value  # type: ignore[attr-defined]
        if sent.get(key) != value:
            sent[key] = value
            out.append(m)
    return out
