"""Tick-by-tick data, 5-second real-time bars and historical ticks, from the tape (:mod:`.tape`).

* REQ_TICK_BY_TICK_DATA streams TICK_BY_TICK for ``Last`` / ``AllLast`` (every trade of the price
  path, and every paper fill of that instrument: a fill's price appears on the tape at its
  second), ``BidAsk`` (each quote change; ``ignore_size``: price changes only) and ``MidPoint``.
  ``number_of_ticks`` > 0 first sends that many recent ticks as HISTORICAL_TICKS_* (done set);
  without, the stream starts with the last trade (Last / AllLast) or the quote now.
  At most :data:`TBT_LIMIT` tick-by-tick subscriptions run at once in the gateway (TWS derives its
  cap from the account's market-data lines); one more gets 10190.
* REQ_REAL_TIME_BARS sends a REAL_TIME_BARS bar after every 5 seconds of market time inside the
  instrument's session, equal to the historical 5-second bar of that window (TRADES, BID, ASK,
  MIDPOINT); a bar size other than 5 gets 321.
* REQ_HISTORICAL_TICKS answers one HISTORICAL_TICKS_LAST (TRADES), HISTORICAL_TICKS_BID_ASK
  (BID_ASK) or HISTORICAL_TICKS (MIDPOINT), at most 1,000 ticks, with ``done`` set. Exactly one of
  start and end must be given.

Market time only moves forward: each refresh sends the ticks of the seconds since the last one
(at most :data:`MAX_BACKLOG` seconds when the clock jumped).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ..models.ticks import HistoricalTick, HistoricalTickBidAsk, HistoricalTickLast, TickAttribLast
from ..protocol.codec import parse_tws_time
from ..protocol.messages.ticks import (
    TBT_ALL_LAST,
    TBT_BID_ASK,
    TBT_LAST,
    TBT_MID_POINT,
    CancelHistoricalTicks,
    CancelRealTimeBars,
    CancelTickByTickData,
    HistoricalTicks,
    HistoricalTicksBidAsk,
    HistoricalTicksLast,
    RealTimeBars,
    ReqHistoricalTicks,
    ReqRealTimeBars,
    ReqTickByTickData,
    TickByTick,
)
from ..protocol.schema import Message
from . import tape
from .calendar import utc
from .exchange import FillEvent
from .instruments import Instrument
from .market import BarRequestError, no_forex_data
from .market_api import NO_SECDEF
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh", "on_fill", "streaming", "TBT_LIMIT", "MAX_BACKLOG"]

TBT_LIMIT = 5
"""Tick-by-tick subscriptions the gateway serves at once (all clients together)."""

MAX_BACKLOG = 1000
"""Seconds of ticks one refresh sends at most (older ones are skipped after a clock jump)."""

_TBT_TYPES = {"last": TBT_LAST, "alllast": TBT_ALL_LAST, "bidask": TBT_BID_ASK,
              "midpoint": TBT_MID_POINT}
_RTB_WHAT = ("TRADES", "BID", "ASK", "MIDPOINT")


@dataclass(slots=True)
class _TbtSub:
    con_id: int
    tick_type: int
    ignore_size: bool
    exchange: str | None
    next_second: int  # the first second not sent yet
    last_quote: tape.Quote2 | None = None


@dataclass(slots=True)
class _RtbSub:
    con_id: int
    what: str
    use_rth: bool
    next_bar: int  # start of the next bar to send


@dataclass(slots=True)
class TickStreams:
    """The tick-by-tick and real-time bar subscriptions of one session."""

    tbt: dict[int, _TbtSub] = field(default_factory=dict)
    rtb: dict[int, _RtbSub] = field(default_factory=dict)


def _streams(session: Session) -> TickStreams:
    s = session.state.get("ticks")
    if s is None:
        s = session.state["ticks"] = TickStreams()
    assert isinstance(s, TickStreams)
    return s


def streaming(session: Session) -> bool:
    """Whether the session has a tick-by-tick or real-time bar subscription (the clock at speed
    "max" runs while one does)."""
    st = session.state.get("ticks")
    return isinstance(st, TickStreams) and bool(st.tbt or st.rtb)


# paper fills waiting for the tape: core -> con id -> [(second, price, size)]
_FILLS: weakref.WeakKeyDictionary[GatewayCore, dict[int, list[tuple[int, float, Decimal]]]] = \
    weakref.WeakKeyDictionary()


def on_fill(core: GatewayCore, ev: FillEvent) -> None:
    """A paper fill: it prints on the tape of its instrument at the current market second."""
    con_id = ev.contract.con_id
    ex = ev.execution
    if con_id is None or ex.price is None or ex.shares is None:
        return
    second = core.exchange.market.step_second
    _FILLS.setdefault(core, defaultdict(list))[con_id].append((second, ex.price, ex.shares))


def _resolve(session: Session, req_id: int, msg: ReqTickByTickData | ReqRealTimeBars |
             ReqHistoricalTicks) -> Instrument | None:
    found = session.core.exchange.resolve(msg.contract)
    if len(found) != 1:
        text = NO_SECDEF
        if len(found) > 1:
            sym = msg.contract.symbol or msg.contract.local_symbol
            text = f"The contract description specified for {sym} is ambiguous."
        session.error(req_id, 200, text)
        return None
    return found[0]


def _tbt_count(core: GatewayCore) -> int:
    return sum(len(_streams(s).tbt) for s in core.sessions.values() if not s.closed)


def _history_messages(req_id: int, what: str, ticks: list[tape.TapeTick]) -> Message:
    if what == "TRADES":
        return HistoricalTicksLast(req_id, [t for t in ticks if isinstance(t, HistoricalTickLast)],
                                   True)
    if what == "BID_ASK":
        return HistoricalTicksBidAsk(
            req_id, [t for t in ticks if isinstance(t, HistoricalTickBidAsk)], True)
    return HistoricalTicks(req_id, [t for t in ticks if type(t) is HistoricalTick], True)


# --- tick-by-tick -----------------------------------------------------------------------------

@handles(ReqTickByTickData)
def _req_tick_by_tick(session: Session, msg: ReqTickByTickData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    st = _streams(session)
    if req_id in st.tbt:
        session.error(req_id, 322, "Error processing request.-'bX' : cause - Duplicate ticker id")
        return
    kind = _TBT_TYPES.get((msg.tick_type or "").replace(" ", "").lower())
    if kind is None:
        session.error(req_id, 321, "Error validating request.-'bZ' : cause - Invalid tick-by-tick "
                                   f"type '{msg.tick_type or ''}' (Last, AllLast, BidAsk, "
                                   "MidPoint)")
        return
    inst = _resolve(session, req_id, msg)
    if inst is None:
        return
    core = session.core
    if _tbt_count(core) >= TBT_LIMIT:
        session.error(req_id, 10190, "Max number of tick-by-tick requests has been reached.")
        return
    if core.config.mode == "gateway":
        session.farm_notice("market")
    market = core.exchange.market
    now = market.step_second
    sub = _TbtSub(inst.con_id, kind, bool(msg.ignore_size), inst.exchange, now + 1)
    if msg.number_of_ticks:
        what = {TBT_BID_ASK: "BID_ASK", TBT_MID_POINT: "MIDPOINT"}.get(kind, "TRADES")
        ticks = tape.historical_ticks(market, inst.con_id, what, None, now,
                                      msg.number_of_ticks, False, sub.ignore_size, inst.exchange)
        session.send(_history_messages(req_id, what, ticks))
    if kind in (TBT_BID_ASK, TBT_MID_POINT):  # the quote now (the history ended with it)
        sub.last_quote = tape.quote(market, inst.con_id, now)
        if not msg.number_of_ticks:
            session.send(_tbt_quote(req_id, sub, sub.last_quote, now))
    elif not msg.number_of_ticks:  # the last trade (of the last second that had one)
        last = tape.historical_ticks(market, inst.con_id, "TRADES", None, now, 1, False,
                                     exchange=inst.exchange)
        if last and isinstance(last[-1], HistoricalTickLast):
            session.send(TickByTick(req_id, kind, last=last[-1]))
    st.tbt[req_id] = sub


def _tbt_quote(req_id: int, sub: _TbtSub, q: tape.Quote2, second: int) -> TickByTick:
    if sub.tick_type == TBT_MID_POINT:
        return TickByTick(req_id, TBT_MID_POINT, mid_point=HistoricalTick(second, q.mid, Decimal(0)))
    return TickByTick(req_id, TBT_BID_ASK, bid_ask=tape.bid_ask_tick(q, second))


@handles(CancelTickByTickData)
def _cancel_tick_by_tick(session: Session, msg: CancelTickByTickData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).tbt.pop(req_id, None) is None:
        session.error(req_id, 300, f"Can't find EId with tickerId:{req_id}")


def _tbt_ticks(core: GatewayCore, req_id: int, sub: _TbtSub, now: int,
               fills: list[tuple[int, float, Decimal]]) -> list[Message]:
    market = core.exchange.market
    start = max(sub.next_second, now + 1 - MAX_BACKLOG)
    out: list[Message] = []
    cal = market.calendar(sub.con_id)
    pending = sorted(fills)
    late = [f for f in pending if f[0] < sub.next_second]
    pending = [f for f in pending if f[0] >= sub.next_second]
    trade_type = sub.tick_type in (TBT_LAST, TBT_ALL_LAST)
    if trade_type:
        for second, price, size in late:
            out.append(_fill_tick(req_id, sub.tick_type, second, price, size, sub.exchange))
    for s in tape.forward(cal, start, now + 1, False):
        if trade_type:
            for t in tape.trades(market, sub.con_id, s, sub.exchange):
                out.append(TickByTick(req_id, sub.tick_type, last=t))
            while pending and pending[0][0] <= s:
                second, price, size = pending.pop(0)
                out.append(_fill_tick(req_id, sub.tick_type, second, price, size, sub.exchange))
            continue
        q = tape.quote(market, sub.con_id, s)
        what = "MIDPOINT" if sub.tick_type == TBT_MID_POINT else "BID_ASK"
        if tape.changed(sub.last_quote, q, what, sub.ignore_size):
            sub.last_quote = q
            out.append(_tbt_quote(req_id, sub, q, s))
    if trade_type:  # fills outside the session's seconds (the clock stood there) still print
        for second, price, size in pending:
            out.append(_fill_tick(req_id, sub.tick_type, second, price, size, sub.exchange))
    sub.next_second = now + 1
    return out


def _fill_tick(req_id: int, tick_type: int, second: int, price: float, size: Decimal,
               exchange: str | None) -> TickByTick:
    return TickByTick(req_id, tick_type, last=HistoricalTickLast(
        second, TickAttribLast(), price, size, exchange, None))


# --- real-time bars ---------------------------------------------------------------------------

@handles(ReqRealTimeBars)
def _req_real_time_bars(session: Session, msg: ReqRealTimeBars) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    st = _streams(session)
    if req_id in st.rtb:
        session.error(req_id, 322, "Error processing request.-'bX' : cause - Duplicate ticker id")
        return
    if msg.bar_size != 5:
        session.error(req_id, 321, "Error validating request.-'bY' : cause - Invalid bar size "
                                   f"{msg.bar_size}: real-time bars are 5 seconds")
        return
    what = (msg.what_to_show or "TRADES").strip().upper()
    if what not in _RTB_WHAT:
        session.error(req_id, 321, "Error validating request.-'bY' : cause - Invalid what to "
                                   f"show: {msg.what_to_show} (TRADES, BID, ASK, MIDPOINT)")
        return
    inst = _resolve(session, req_id, msg)
    if inst is None:
        return
    forex = no_forex_data(inst, what)
    if forex is not None:
        session.error(req_id, 162, forex)
        return
    core = session.core
    if core.config.mode == "gateway":
        session.farm_notice("hmds")
    now = core.exchange.market.step_second
    st.rtb[req_id] = _RtbSub(inst.con_id, what, bool(msg.use_rth), (now + 1) // 5 * 5)


@handles(CancelRealTimeBars)
def _cancel_real_time_bars(session: Session, msg: CancelRealTimeBars) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).rtb.pop(req_id, None) is None:
        session.error(req_id, 300, f"Can't find EId with tickerId:{req_id}")


def _rt_bars(core: GatewayCore, req_id: int, sub: _RtbSub, now: int) -> list[Message]:
    market = core.exchange.market
    out: list[Message] = []
    if now + 1 - sub.next_bar > MAX_BACKLOG:
        sub.next_bar = (now + 1 - MAX_BACKLOG) // 5 * 5
    cal = market.calendar(sub.con_id)
    while sub.next_bar + 5 <= now + 1:
        t = sub.next_bar
        sub.next_bar += 5
        if cal.session_at(t, sub.use_rth) is None:
            continue
        try:
            bars = market.bars(sub.con_id, utc(t + 5), "5 S", "5 secs", sub.what, sub.use_rth)
        except BarRequestError:
            continue
        bar = next((b for b in bars if int(b.time.timestamp()) == t), None)
        if bar is None:
            continue
        count = bar.bar_count if bar.bar_count >= 0 else -1
        out.append(RealTimeBars(req_id, t, bar.open, bar.high, bar.low, bar.close, bar.volume,
                                bar.wap, count))
    return out


# --- historical ticks -------------------------------------------------------------------------

def _when(text: str | None) -> int | None:
    t = (text or "").strip()
    if not t:
        return None
    return int(parse_tws_time(t).timestamp())


@handles(ReqHistoricalTicks)
def _req_historical_ticks(session: Session, msg: ReqHistoricalTicks) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    core = session.core
    if core.config.mode == "gateway":
        session.farm_notice("hmds")
    what = (msg.what_to_show or "").strip().upper()
    if what not in tape.WHAT:
        session.error(req_id, 321, "Error validating request.-'bQ' : cause - Invalid what to show "
                                   f"'{msg.what_to_show or ''}' (TRADES, BID_ASK, MIDPOINT)")
        return
    try:
        start, end = _when(msg.start_date_time), _when(msg.end_date_time)
    except ValueError as exc:
        session.error(req_id, 321, f"Error validating request.-'bQ' : cause - {exc}")
        return
    if (start is None) == (end is None):
        session.error(req_id, 321, "Error validating request.-'bQ' : cause - Exactly one of start "
                                   "and end date/time must be specified")
        return
    count = msg.number_of_ticks or 0
    if count <= 0:
        session.error(req_id, 321, "Error validating request.-'bQ' : cause - The number of ticks "
                                   "must be positive (at most 1000)")
        return
    inst = _resolve(session, req_id, msg)
    if inst is None:
        return
    forex = no_forex_data(inst, what)
    if forex is not None:
        session.error(req_id, 162, forex)
        return
    ticks = tape.historical_ticks(core.exchange.market, inst.con_id, what, start, end, count,
                                  bool(msg.use_rth), bool(msg.ignore_size), inst.exchange)
    session.send(_history_messages(req_id, what, ticks))


@handles(CancelHistoricalTicks)
def _cancel_historical_ticks(session: Session, msg: CancelHistoricalTicks) -> None:
    pass  # answered at once (one message each): there is nothing left to cancel


# --- streaming ----------------------------------------------------------------------------------

def refresh(core: GatewayCore) -> None:
    """After the market moved: send every tick-by-tick stream the seconds since its last
    refresh, and every real-time bar subscription the bars completed since."""
    fills = _FILLS.pop(core, None) or {}
    now = core.exchange.market.step_second
    for session in list(core.sessions.values()):
        st = session.state.get("ticks")
        if not isinstance(st, TickStreams) or session.closed or not (st.tbt or st.rtb):
            continue
        out: list[Message] = []
        for req_id, sub in list(st.tbt.items()):
            out += _tbt_ticks(core, req_id, sub, now, fills.get(sub.con_id, []))
        for req_id, rsub in list(st.rtb.items()):
            out += _rt_bars(core, req_id, rsub, now)
        if out:
            session.send_all(out)
