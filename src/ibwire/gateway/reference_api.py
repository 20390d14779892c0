"""Reference data from the paper market: head timestamps, histograms, market rules and trading
schedules, all from the same calendar and price path as the historical bars.

* REQ_HEAD_TIMESTAMP -> HEAD_TIMESTAMP: where the instrument's history begins
  (:meth:`~ibwire.gateway.market.Market.history_start`: the open of its first session, the first
  regular-hours open with useRTH); a historical request for the bars there returns them and one
  before it returns none. ``formatDate`` 1 answers ``yyyyMMdd-HH:mm:ss`` in UTC, 2 epoch seconds.
* REQ_HISTOGRAM_DATA -> HISTOGRAM_DATA: volume by price over ``"N days"`` (N sessions, as a
  ``"N D"`` duration counts them), ``"N weeks"`` (5N sessions), ``"N months"`` or ``"1 year"``:
  each half hour's traded volume spread over the prices it traded between. The sizes add up to
  the TRADES bars' volume of the same sessions, and every price lies inside their range.
* REQ_MARKET_RULE -> MARKET_RULE: the rule's price bands (:mod:`.rules`); every id CONTRACT_DATA
  names in ``marketRuleIds`` has one.
* REQ_HISTORICAL_DATA with whatToShow ``SCHEDULE`` -> HISTORICAL_SCHEDULE: the calendar's
  sessions of the duration before the end time, in the exchange's time zone.
* CANCEL_HEAD_TIMESTAMP / CANCEL_HISTOGRAM_DATA: the gateway answers at once, so a cancel always
  names a request that has ended. One the session asked is taken in stride (ib_async cancels
  every head timestamp after its answer, and TWS does not object); an id it never used gets 366,
  as CANCEL_HISTORICAL_DATA does. CANCEL_CONTRACT_DATA likewise: quiet for a request id of the
  session, 300 otherwise.

Errors as TWS words them: 200 for an unknown or ambiguous contract, 321 for a malformed request
(what to show, format date, time period, rule id), 162 (Historical Market Data Service) for data
that does not exist (TRADES of a currency pair, a period before the history, too long a period).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..models.reference import HistogramData, HistoricalSession
from ..protocol.codec import parse_tws_time
from ..protocol.messages.historical import ReqHistoricalData
from ..protocol.messages.reference import (
    CancelContractData,
    CancelHeadTimestamp,
    CancelHistogramData,
    HeadTimestamp,
    HistogramDataMsg,
    HistoricalSchedule,
    MarketRuleMsg,
    ReqHeadTimestamp,
    ReqHistogramData,
    ReqMarketRule,
)
from ..protocol.versions import Feature, supports
from .instruments import Instrument
from .market import HMDS, BarRequestError, Market, no_forex_data, parse_duration
from .pricepath import BLOCK, aggregate
from .rules import market_rules
from .session import Session, handles

__all__ = ["head_timestamp", "histogram", "schedule", "parse_period", "answer_schedule",
           "remember_contract_request", "RequestRefused"]

NO_SECDEF = "No security definition has been found for the request"
_WHAT = ("TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST")
_PERIOD_RE = re.compile(r"^\s*(\d+)\s*(day|days|d|week|weeks|w|month|months|m|year|years|y)\s*$",
                        re.IGNORECASE)
_PERIOD_UNITS = {"d": "D", "w": "W", "m": "M", "y": "Y"}
_PERIOD_MAX = {"D": 366, "W": 52, "M": 12, "Y": 1}


class RequestRefused(ValueError):
    """A request TWS would refuse: ``code`` and ``text`` as TWS words them."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


def _invalid(what: str) -> RequestRefused:
    return RequestRefused(321, f"Error validating request.-'bX' : cause - {what}")


# --- pure parts (a Market in, values out) ---------------------------------------------------------

def head_timestamp(market: Market, inst: Instrument, what_to_show: str, use_rth: bool) -> int:
    """The first second (epoch) of ``inst``'s ``what_to_show`` data, regular hours only with
    ``use_rth``; raises :class:`RequestRefused` where TWS answers an error."""
    what = what_to_show.strip().upper()
    if what not in _WHAT:
        raise _invalid(f"Invalid what to show: {what_to_show}")
    _check_kind(inst, what)
    head = market.history_start(inst.con_id)
    if use_rth:
        head = max(head, market.calendar(inst.con_id).next_session(head, liquid=True).open)
    if head > market.step_second:
        raise RequestRefused(162, HMDS + f"HMDS query returned no data: {inst.symbol}@"
                                   f"{inst.exchange} {what.title()}")
    return head


def _check_kind(inst: Instrument, what: str) -> None:
    forex = no_forex_data(inst, what)
    if forex is not None:
        raise RequestRefused(162, forex)


def parse_period(period: str) -> tuple[int, str]:
    """``"3 days"`` -> ``(3, "D")``; weeks W, months M, years Y (as a bar duration counts them)."""
    m = _PERIOD_RE.match(period or "")
    if m is None or int(m.group(1)) <= 0:
        raise _invalid(f"Invalid time period: '{period}' (e.g. 3 days, 1 week, 1 month)")
    n, unit = int(m.group(1)), _PERIOD_UNITS[m.group(2)[0].lower()]
    if n > _PERIOD_MAX[unit]:
        raise RequestRefused(162, HMDS + "Time length exceed max.")
    return n, unit


def histogram(market: Market, inst: Instrument, period: str, use_rth: bool
              ) -> list[HistogramData]:
    """Volume by price over ``period`` up to now, lowest price first: each half hour's TRADES
    volume spread evenly over the ticks between its low and high (the remainder on its close)."""
    n, unit = parse_period(period)
    _check_kind(inst, "TRADES")
    pieces = market.pieces(inst.con_id, None, n, unit, use_rth)
    path = market._path(inst.con_id)
    by_tick: dict[int, int] = defaultdict(int)
    for a, b, _d in pieces:
        t = a
        while t < b:
            hi_t = min(b, (t // BLOCK + 1) * BLOCK)
            _o, high, low, close, vol = aggregate(path, [(t, hi_t)], "TRADES")
            if vol > 0:
                lo_k, hi_k = math.ceil(low - 1e-9), math.floor(high + 1e-9)
                if hi_k < lo_k:
                    lo_k = hi_k = round(close)
                count = hi_k - lo_k + 1
                share, rest = divmod(int(vol), count)
                if share:
                    for k in range(lo_k, hi_k + 1):
                        by_tick[k] += share
                by_tick[min(hi_k, max(lo_k, round(close)))] += rest
            t = hi_t
    if not by_tick:
        raise RequestRefused(162, HMDS + f"HMDS query returned no data: {inst.symbol}@"
                                   f"{inst.exchange} Trades")
    return [HistogramData(price=market._px(inst, k), size=Decimal(v))
            for k, v in sorted(by_tick.items()) if v > 0]


def schedule(market: Market, inst: Instrument, end: datetime | None, duration: str,
             use_rth: bool) -> tuple[str, str, str, list[HistoricalSession]]:
    """``(start, end, time zone, sessions)`` of HISTORICAL_SCHEDULE: the sessions the duration
    before ``end`` covers, times ``yyyyMMdd-HH:mm:ss`` in the instrument's time zone."""
    n, unit = parse_duration(duration)
    found = market.sessions(inst.con_id, end, n, unit, use_rth)
    if not found:
        raise RequestRefused(162, HMDS + f"HMDS query returned no data: {inst.symbol}@"
                                   f"{inst.exchange} Schedule")
    tz = ZoneInfo(inst.time_zone_id)

    def local(second: int) -> str:
        return datetime.fromtimestamp(second, tz).strftime("%Y%m%d-%H:%M:%S")

    sessions = [HistoricalSession(local(s.open), local(s.close), f"{s.date:%Y%m%d}")
                for s in found]
    return local(found[0].open), local(found[-1].close), inst.time_zone_id, sessions


# --- handlers -----------------------------------------------------------------------------------

def _resolve(session: Session, req_id: int, contract: object) -> Instrument | None:
    found = session.core.exchange.resolve(contract)  # type: ignore[arg-type]
    if len(found) != 1:
        text = NO_SECDEF
        if len(found) > 1:
            sym = getattr(contract, "symbol", None) or getattr(contract, "local_symbol", None)
            text = f"The contract description specified for {sym} is ambiguous."
        session.error(req_id, 200, text)
        return None
    return found[0]


def _rid(req_id: int | None) -> int:
    return req_id if req_id is not None else 0


_ASKED_MAX = 10_000


def _asked(session: Session, kind: str) -> set[int]:
    """The request ids of ``kind`` this session has sent (answered at once; a later cancel of one
    is taken in stride)."""
    key = f"reference.{kind}"
    got = session.state.get(key)
    if not isinstance(got, set):
        got = session.state[key] = set()
    if len(got) > _ASKED_MAX:
        got.clear()
    return got


def remember_contract_request(session: Session, req_id: int) -> None:
    """REQ_CONTRACT_DATA ``req_id`` was answered (a later CANCEL_CONTRACT_DATA is quiet)."""
    _asked(session, "contract").add(req_id)


@handles(ReqHeadTimestamp)
def _req_head_timestamp(session: Session, msg: ReqHeadTimestamp) -> None:
    req_id = _rid(msg.req_id)
    _asked(session, "head").add(req_id)
    if session.core.config.mode == "gateway":
        session.farm_notice("hmds")
    inst = _resolve(session, req_id, msg.contract)
    if inst is None:
        return
    fmt = msg.format_date if msg.format_date is not None else 1
    try:
        if fmt not in (1, 2):
            raise _invalid(f"Invalid format date: {fmt}")
        head = head_timestamp(session.core.exchange.market, inst, msg.what_to_show or "TRADES",
                              bool(msg.use_rth))
    except RequestRefused as exc:
        session.error(req_id, exc.code, exc.text)
        return
    text = str(head) if fmt == 2 else datetime.fromtimestamp(head, UTC).strftime("%Y%m%d-%H:%M:%S")
    session.send(HeadTimestamp(req_id=req_id, head_timestamp=text))


@handles(ReqHistogramData)
def _req_histogram_data(session: Session, msg: ReqHistogramData) -> None:
    req_id = _rid(msg.req_id)
    _asked(session, "histogram").add(req_id)
    if session.core.config.mode == "gateway":
        session.farm_notice("hmds")
    inst = _resolve(session, req_id, msg.contract)
    if inst is None:
        return
    try:
        items = histogram(session.core.exchange.market, inst, msg.time_period or "",
                          bool(msg.use_rth))
    except RequestRefused as exc:
        session.error(req_id, exc.code, exc.text)
        return
    session.send(HistogramDataMsg(req_id=req_id, items=items))


@handles(ReqMarketRule)
def _req_market_rule(session: Session, msg: ReqMarketRule) -> None:
    rule_id = msg.market_rule_id
    rule = market_rules(session.core.exchange.instruments).get(rule_id) \
        if rule_id is not None else None
    if rule is None:
        session.error(-1, 321, f"Error validating request.-'bY' : cause - Invalid market rule "
                               f"id: {rule_id}")
        return
    session.send(MarketRuleMsg(market_rule_id=rule_id, price_increments=rule.increments))


def answer_schedule(session: Session, msg: ReqHistoricalData) -> None:
    """REQ_HISTORICAL_DATA with whatToShow SCHEDULE (called by the historical-data handler)."""
    req_id = _rid(msg.req_id)
    if not supports(session.version, Feature.HISTORICAL_SCHEDULE):
        session.error(req_id, 321, "Error validating request.-'bS' : cause - Invalid what to "
                                   "show: SCHEDULE")
        return
    inst = _resolve(session, req_id, msg.contract)
    if inst is None:
        return
    end_text = (msg.end_date_time or "").strip()
    try:
        end = parse_tws_time(end_text) if end_text else None
    except ValueError:
        session.error(req_id, 321, "Error validating request.-'bC' : cause - Invalid end "
                                   f"date/time: {end_text}")
        return
    try:
        start, stop, zone, sessions = schedule(session.core.exchange.market, inst, end,
                                               msg.duration_str or "", bool(msg.use_rth))
    except (RequestRefused, BarRequestError) as exc:
        session.error(req_id, exc.code, exc.text)
        return
    session.send(HistoricalSchedule(req_id=req_id, start_date_time=start, end_date_time=stop,
                                    time_zone=zone, sessions=sessions))


def _cancel(session: Session, kind: str, req_id: int, code: int, text: str) -> None:
    if req_id not in _asked(session, kind):
        session.error(req_id, code, text)


@handles(CancelHeadTimestamp)
def _cancel_head_timestamp(session: Session, msg: CancelHeadTimestamp) -> None:
    req_id = _rid(msg.req_id)
    _cancel(session, "head", req_id, 366, f"No historical data query found for ticker id:{req_id}")


@handles(CancelHistogramData)
def _cancel_histogram_data(session: Session, msg: CancelHistogramData) -> None:
    req_id = _rid(msg.req_id)
    _cancel(session, "histogram", req_id, 366,
            f"No historical data query found for ticker id:{req_id}")


@handles(CancelContractData)
def _cancel_contract_data(session: Session, msg: CancelContractData) -> None:
    req_id = _rid(msg.req_id)
    _cancel(session, "contract", req_id, 300, f"Can't find EId with tickerId:{req_id}")
