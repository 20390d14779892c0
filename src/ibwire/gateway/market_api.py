"""Market data, contract details and historical bars, from the exchange's seeded market.

REQ_MKT_DATA answers TICK_REQ_PARAMS, MARKET_DATA_TYPE, then TICK_PRICE (bid / ask / last with
their sizes, high, low, close, open), TICK_SIZE (volume), TICK_STRING 45 (last trade time, epoch
seconds) and TICK_GENERIC 49 (halted = 0); afterwards, at every market step, only what changed.
All of it comes from the same price path the exchange fills orders on.

Market data types (REQ_MARKET_DATA_TYPE): 1 live (streams); 2 frozen (one picture, no stream);
3 delayed (the quote of 15 minutes ago under the delayed tick types 66..76 / 88, streaming, with
the 10167 notice); 4 delayed-frozen (one delayed picture). A snapshot request sends one picture and
TICK_SNAPSHOT_END. Below server version 159 (MARKET_DATA_IN_SHARES) stock sizes go out in round
lots of 100, as TWS sent them then.

Historical bars: REQ_HISTORICAL_DATA answers HISTORICAL_DATA from :meth:`Market.bars` (162 / 321 as
TWS words them), keepUpToDate streams HISTORICAL_DATA_UPDATE for the current bar. Historical pacing
(per gateway, like TWS): an identical request within 15 s, or more than 60 requests in 10 minutes,
gets 162 "Historical data request pacing violation".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ..models.contract import Contract
from ..models.market import BarData, TickType
from ..protocol.codec import parse_tws_time
from ..protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ..protocol.messages.historical import (
    CancelHistoricalData,
    HistoricalData,
    HistoricalDataEnd,
    HistoricalDataUpdate,
    ReqHistoricalData,
)
from ..protocol.messages.market_data import (
    CancelMktData,
    MarketDataType,
    ReqMarketDataType,
    ReqMktData,
    TickGeneric,
    TickPrice,
    TickReqParams,
    TickSize,
    TickSnapshotEnd,
    TickString,
)
from ..protocol.schema import Message
from ..protocol.versions import Feature, supports
from . import combos, discovery_api, generic_ticks, news_api, options_api
from .instruments import Instrument
from .market import BAR_SIZES, BarRequestError, Quote
from .reference_api import answer_schedule, remember_contract_request
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh", "DELAY_S"]

DELAY_S = 15 * 60
"""How far delayed market data lags."""

NO_SECDEF = "No security definition has been found for the request"
PACING_TEXT = "Historical Market Data Service error message:Historical data request pacing violation"

_LIVE = {"bid": TickType.BID, "ask": TickType.ASK, "last": TickType.LAST,
         "bid_size": TickType.BID_SIZE, "ask_size": TickType.ASK_SIZE,
         "last_size": TickType.LAST_SIZE, "high": TickType.HIGH, "low": TickType.LOW,
         "volume": TickType.VOLUME, "close": TickType.CLOSE, "open": TickType.OPEN,
         "time": TickType.LAST_TIMESTAMP}
_DELAYED = {"bid": TickType.DELAYED_BID, "ask": TickType.DELAYED_ASK,
            "last": TickType.DELAYED_LAST, "bid_size": TickType.DELAYED_BID_SIZE,
            "ask_size": TickType.DELAYED_ASK_SIZE, "last_size": TickType.DELAYED_LAST_SIZE,
            "high": TickType.DELAYED_HIGH, "low": TickType.DELAYED_LOW,
            "volume": TickType.DELAYED_VOLUME, "close": TickType.DELAYED_CLOSE,
            "open": TickType.DELAYED_OPEN, "time": TickType.DELAYED_LAST_TIMESTAMP}


@dataclass(slots=True)
class _Sub:
    con_id: int
    data_type: int  # 1..4
    in_lots: bool  # stock sizes in round lots (server version < 159)
    sent: dict[str, object] = field(default_factory=dict)
    combo: Contract | None = None  # a combo (BAG): quoted from its legs (see .combos)
    generic: frozenset[int] = frozenset()  # streaming generic ticks (see .generic_ticks)

    @property
    def delayed(self) -> bool:
        return self.data_type in (3, 4)

    @property
    def streams(self) -> bool:
        return self.data_type in (1, 3)


@dataclass(slots=True)
class _BarSub:
    con_id: int
    bar_size: str
    what_to_show: str
    use_rth: bool
    format_date: int
    last: object = None


@dataclass(slots=True)
class MarketStreams:
    """The market-data and historical subscriptions of one session."""

    data_type: int = 1
    ticks: dict[int, _Sub] = field(default_factory=dict)
    bars: dict[int, _BarSub] = field(default_factory=dict)


def _streams(session: Session) -> MarketStreams:
    s = session.state.get("market")
    if s is None:
        s = session.state["market"] = MarketStreams()
    assert isinstance(s, MarketStreams)
    return s


def _resolve(session: Session, req_id: int, contract: Contract) -> Instrument | None:
    found = session.core.exchange.resolve(contract)
    if len(found) != 1:
        text = NO_SECDEF
        if len(found) > 1:
            sym = contract.symbol or contract.local_symbol
            text = f"The contract description specified for {sym} is ambiguous."
        session.error(req_id, 200, text)
        return None
    return found[0]


# --- market data --------------------------------------------------------------------------------

def _quote(core: GatewayCore, sub: _Sub, cache: dict[tuple[int, bool], Quote]) -> Quote:
    market = core.exchange.market
    if sub.combo is not None:
        now = int(market.now().timestamp())
        return combos.quote_at(core.exchange, sub.combo, now - DELAY_S if sub.delayed else now)
    key = (sub.con_id, sub.delayed)
    q = cache.get(key)
    if q is None:
        if sub.delayed:
            q = market.quote_at(sub.con_id, int(market.now().timestamp()) - DELAY_S)
        else:
            q = market.quote(sub.con_id)
        cache[key] = q
    return q


def _ticks(session: Session, req_id: int, sub: _Sub, q: Quote, sec_type: str) -> None:
    """Send what changed in ``q`` since ``sub.sent`` (everything the first time)."""
    names = _DELAYED if sub.delayed else _LIVE
    lots = sub.in_lots and sec_type == "STK"

    def size(x: Decimal) -> Decimal:
        return (x // 100) if lots else x

    sent = sub.sent
    out: list[Message] = []  # written at once: a read never ends between the bid and the ask
    forex = sec_type == "CASH"  # IDEALPRO quotes have no last trade and no volume (as on TWS)
    index = sec_type == "IND"  # an index has a value (last), no bid, ask or volume
    sides = ("bid", "ask") if forex else ("last",) if index else ("bid", "ask", "last")
    for side in sides:
        price: float = getattr(q, side)
        sz = size(getattr(q, side + "_size"))
        key = (price, sz) if side != "last" else (price, sz, q.volume)
        old = sent.get(side)
        if old == key:
            continue
        sent[side] = key
        if not isinstance(old, tuple) or old[0] != price or side == "last":
            out.append(TickPrice(req_id=req_id, tick_type=names[side], price=price, size=sz,
                                 attr_mask=0))
            if side == "last":
                out.append(TickString(req_id=req_id, tick_type=names["time"],
                                      value=str(int(q.time.timestamp()))))
        else:
            out.append(TickSize(req_id=req_id, tick_type=names[side + "_size"], size=sz))
    for name in ("high", "low", "close", "open"):
        value: float = getattr(q, name)
        if sent.get(name) != value:
            sent[name] = value
            out.append(TickPrice(req_id=req_id, tick_type=names[name], price=value,
                                 size=Decimal(0), attr_mask=0))
    volume = size(q.volume)
    if not (forex or index) and sent.get("volume") != volume:
        sent["volume"] = volume
        out.append(TickSize(req_id=req_id, tick_type=names["volume"], size=volume))
    session.send_all(out)


@handles(ReqMarketDataType)
def _req_market_data_type(session: Session, msg: ReqMarketDataType) -> None:
    t = msg.market_data_type or 1
    if t not in (1, 2, 3, 4):
        session.error(-1, 321, f"Error validating request.-'bX' : cause - Invalid market data "
                               f"type {t}")
        return
    _streams(session).data_type = t


@handles(ReqMktData)
def _req_mkt_data(session: Session, msg: ReqMktData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    st = _streams(session)
    if req_id in st.ticks:
        session.error(req_id, 322, "Error processing request.-'bX' : cause - Duplicate ticker id")
        return
    if combos.is_combo(msg.contract):
        _req_combo_data(session, req_id, msg)
        return
    inst = _resolve(session, req_id, msg.contract)
    if inst is None:
        return
    generic, bad = generic_ticks.parse(msg.generic_tick_list, inst)
    if bad is not None:
        session.error(req_id, 321, bad)
        return
    if session.core.config.mode == "gateway":
        session.farm_notice("market")
    snapshot = bool(msg.snapshot or msg.regulatory_snapshot)
    sub = _Sub(inst.con_id, st.data_type,
               in_lots=not supports(session.version, Feature.MARKET_DATA_IN_SHARES))
    if sub.delayed:
        session.error(req_id, 10167, "Requested market data is not subscribed. Displaying "
                                     "delayed market data.")
    session.send(TickReqParams(req_id=req_id, min_tick=inst.min_tick, bbo_exchange="9c0001",
                               snapshot_permissions=3))
    session.send(MarketDataType(req_id=req_id, market_data_type=sub.data_type))
    q = _quote(session.core, sub, {})
    _ticks(session, req_id, sub, q, inst.sec_type)
    if inst.right is not None:  # an option: its computations (see .options_api)
        options_api.send_computations(session, req_id, sub.sent, q, sub.delayed)
    session.send(TickGeneric(req_id=req_id, tick_type=TickType.HALTED, value=0.0))
    if generic:  # the generic tick list's values (see .generic_ticks)
        session.send_all(generic_ticks.initial(session.core.exchange.market, inst, generic, q,
                                               req_id))
        sub.generic = generic & generic_ticks.STREAMING
    if snapshot:
        session.send(TickSnapshotEnd(req_id=req_id))
    elif sub.streams:
        st.ticks[req_id] = sub
        try:
            news = news_api.wanted_providers(msg.generic_tick_list or "")
        except news_api.NewsError as exc:
            session.error(req_id, 321, f"Error validating request.-'bW' : cause - {exc}")
            news = None
        if news is not None:  # generic tick 292: TICK_NEWS on this subscription
            news_api.subscribe(session, req_id, inst, news)


def _req_combo_data(session: Session, req_id: int, msg: ReqMktData) -> None:
    """Market data for a combo (BAG): its legs' quotes summed (see :func:`.combos.quote_at`)."""
    found = combos.legs(session.core.exchange, msg.contract)
    if isinstance(found, tuple):
        session.error(req_id, *found)
        return
    st = _streams(session)
    combo = combos.combo_contract(msg.contract)
    sub = _Sub(combo.con_id or combos.BAG_CON_ID, st.data_type, in_lots=False, combo=combo)
    if sub.delayed:
        session.error(req_id, 10167, "Requested market data is not subscribed. Displaying "
                                     "delayed market data.")
    session.send(TickReqParams(req_id=req_id, min_tick=0.01, bbo_exchange="9c0001",
                               snapshot_permissions=3))
    session.send(MarketDataType(req_id=req_id, market_data_type=sub.data_type))
    _ticks(session, req_id, sub, _quote(session.core, sub, {}), "BAG")
    if msg.snapshot or msg.regulatory_snapshot:
        session.send(TickSnapshotEnd(req_id=req_id))
    elif sub.streams:
        st.ticks[req_id] = sub


@handles(CancelMktData)
def _cancel_mkt_data(session: Session, msg: CancelMktData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).ticks.pop(req_id, None) is None:
        session.error(req_id, 300, f"Can't find EId with tickerId:{req_id}")
    news_api.unsubscribe(session, req_id)


# --- contract details ---------------------------------------------------------------------------

@handles(ReqContractData)
def _req_contract_data(session: Session, msg: ReqContractData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    remember_contract_request(session, req_id)
    if session.core.config.mode == "gateway":
        session.farm_notice("secdef")
    if (msg.contract.sec_type or "").upper() == "BOND" or (
            msg.contract.con_id and discovery_api.find_bonds(msg.contract)):
        if not discovery_api.answer_bond_details(session, req_id, msg.contract):  # issue 15
            session.error(req_id, 200, NO_SECDEF)
        return
    details = session.core.exchange.contract_details(msg.contract)
    if not details:
        session.error(req_id, 200, NO_SECDEF)
        return
    for d in details:
        session.send(ContractData(req_id=req_id, details=d))
    session.send(ContractDataEnd(req_id=req_id))


# --- historical bars ----------------------------------------------------------------------------

def _hist_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")


@handles(ReqHistoricalData)
def _req_historical_data(session: Session, msg: ReqHistoricalData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    core = session.core
    if core.config.mode == "gateway":
        session.farm_notice("hmds")
    if (msg.what_to_show or "").strip().upper() == "SCHEDULE":
        answer_schedule(session, msg)  # the sessions, not bars: HISTORICAL_SCHEDULE
        return
    inst = _resolve(session, req_id, msg.contract)
    if inst is None:
        return
    end_text = (msg.end_date_time or "").strip()
    end: datetime | None = None
    if end_text:
        if msg.keep_up_to_date:
            session.error(req_id, 321, "Error validating request.-'bC' : cause - End date not "
                                       "supported with live updates")
            return
        try:
            end = parse_tws_time(end_text)
        except ValueError:
            session.error(req_id, 321, "Error validating request.-'bC' : cause - Invalid end "
                                       f"date/time: {end_text}")
            return
    bar_size = (msg.bar_size_setting or "").strip()
    what = (msg.what_to_show or "TRADES").strip().upper()
    use_rth = bool(msg.use_rth)
    key = (inst.con_id, end_text, bar_size, (msg.duration_str or "").strip(), what, use_rth)
    if not core.historical_pacing.check(key, time.monotonic()):
        session.error(req_id, 162, PACING_TEXT)
        return
    try:
        bars = core.exchange.bars(inst.con_id, end, msg.duration_str or "", bar_size, what,
                                  use_rth)
    except BarRequestError as exc:
        session.error(req_id, exc.code, exc.text)
        return
    fmt = msg.format_date or 1
    now = core.exchange.now()
    stop = min(end, now) if end is not None else now
    start_text, stop_text = _hist_time(bars[0].time), _hist_time(stop)
    session.send(HistoricalData(req_id=req_id, start_date_str=start_text, end_date_str=stop_text,
                                bars=[b.to_bar_data(fmt) for b in bars]))
    version = session.conn.server_version
    if version is not None and supports(version, Feature.HISTORICAL_DATA_END):
        session.send(HistoricalDataEnd(req_id=req_id, start_date_str=start_text,
                                       end_date_str=stop_text))
    if msg.keep_up_to_date:
        sub = _BarSub(inst.con_id, bar_size, what, use_rth, fmt, last=bars[-1].to_bar_data(fmt))
        _streams(session).bars[req_id] = sub


@handles(CancelHistoricalData)
def _cancel_historical_data(session: Session, msg: CancelHistoricalData) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).bars.pop(req_id, None) is None:
        session.error(req_id, 366, f"No historical data query found for ticker id:{req_id}")


def _bar_update(session: Session, req_id: int, sub: _BarSub) -> None:
    try:
        # the current bar from its start (labelled by it, as TWS does), not its last second;
        # none outside the session (an "S" window there would start a bar at its own edge)
        if not session.core.exchange.market.in_session(sub.con_id, liquid=sub.use_rth):
            return
        span = min(BAR_SIZES.get(sub.bar_size, 1), 86400)
        bars = session.core.exchange.bars(sub.con_id, None, f"{span} S", sub.bar_size,
                                          sub.what_to_show, sub.use_rth)
    except BarRequestError:
        return  # outside the session (use_rth) or no data: nothing to update
    bar = bars[-1].to_bar_data(sub.format_date)
    if bar != sub.last:
        new_bar = not isinstance(sub.last, BarData) or sub.last.date != bar.date
        sub.last = bar
        session.send(HistoricalDataUpdate(req_id=req_id, bar=bar))
        if new_bar and session.core.clock.max:  # a decision point (see .fastclock)
            session.core.holds.decision(session)


# --- streaming ----------------------------------------------------------------------------------

def refresh(core: GatewayCore) -> None:
    """After the market moved: send every streaming subscription what changed."""
    cache: dict[tuple[int, bool], Quote] = {}
    for session in list(core.sessions.values()):
        st = session.state.get("market")
        if not isinstance(st, MarketStreams) or session.closed:
            continue
        for req_id, sub in list(st.ticks.items()):
            if sub.combo is not None:
                _ticks(session, req_id, sub, _quote(core, sub, cache), "BAG")
                continue
            inst = core.exchange.instruments.get(sub.con_id)
            if inst is not None:
                q = _quote(core, sub, cache)
                _ticks(session, req_id, sub, q, inst.sec_type)
                if inst.right is not None:
                    options_api.send_computations(session, req_id, sub.sent, q, sub.delayed)
                if sub.generic:
                    session.send_all(generic_ticks.update(core.exchange.market, inst, sub.generic,
                                                          q, sub.sent, req_id))
        for req_id, bsub in list(st.bars.items()):
            _bar_update(session, req_id, bsub)
