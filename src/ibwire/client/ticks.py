"""Tick-level market data for the Broker and AsyncBroker: tick-by-tick streams, 5-second
real-time bars and historical ticks (issue 13).

* ``tick_by_tick(contract, "Last" | "AllLast" | "BidAsk" | "MidPoint")`` -> a
  :class:`~ibwire.client.livestream.LiveStream` of :class:`~ibwire.models.ticks.LastTick`,
  :class:`~ibwire.models.ticks.BidAskTick` or :class:`~ibwire.models.ticks.MidPointTick` (aware UTC
  times). With ``number_of_ticks`` the recent ticks TWS sends first come first.
* ``realtime_bars(contract, what_to_show)`` -> a LiveStream of
  :class:`~ibwire.models.ticks.RealtimeBar` (one per 5 seconds, aware UTC start times).
* ``historical_ticks(contract, start=... | end=..., count=...)`` -> the ticks, oldest first; more
  than TWS's 1,000 per request are fetched page by page (whole seconds: a page goes on from the
  last second of the one before, without repeating its ticks).

Both subscriptions join the resubscribe registry: after 1101 ("connectivity restored, data lost")
or a reconnect they are requested again under new request ids, and their streams go on.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import Any, ClassVar

from ..errors import ConnectionLost, RequestTimeout, classify
from ..models import Contract
from ..models.ticks import (
    TICK_BY_TICK_TYPES,
    BidAskTick,
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    LastTick,
    MidPointTick,
    RealtimeBar,
    Tick,
    epoch_time,
)
from ..protocol.messages.ticks import (
    TBT_ALL_LAST,
    HistoricalTicks,
    HistoricalTicksBidAsk,
    HistoricalTicksLast,
    RealTimeBars,
    ReqHistoricalTicks,
    ReqRealTimeBars,
    ReqTickByTickData,
    TickByTick,
)
from .core import BrokerCore, Flow, Wait, request_error
from .flows import front_method
from .livestream import LiveStream
from .requests import Pending

__all__ = ["TicksMixin", "MAX_TICKS_PER_REQUEST", "to_ticks"]

log = logging.getLogger("ibwire.broker")

MAX_TICKS_PER_REQUEST = 1000
"""TWS's limit of ticks per REQ_HISTORICAL_TICKS."""

_WHAT_TICKS = {"TRADES": "TRADES", "BID_ASK": "BID_ASK", "MIDPOINT": "MIDPOINT"}


def to_ticks(msg: HistoricalTicks | HistoricalTicksBidAsk | HistoricalTicksLast,
             all_last: bool = False) -> list[Tick]:
    """The typed ticks of a HISTORICAL_TICKS* message."""
    out: list[Tick] = []
    for t in msg.ticks:
        if isinstance(t, HistoricalTickLast):
            out.append(LastTick.of(t, all_last))
        elif isinstance(t, HistoricalTickBidAsk):
            out.append(BidAskTick.of(t))
        elif isinstance(t, HistoricalTick):
            out.append(MidPointTick.of(t))
    return out


def _tws_time(t: datetime) -> str:
    if t.tzinfo is None:
        raise ValueError("give an aware datetime (with a time zone)")
    return t.astimezone(UTC).strftime("%Y%m%d-%H:%M:%S")


class TicksMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        TickByTick: "_on_tick_by_tick",
        RealTimeBars: "_on_real_time_bar",
        HistoricalTicks: "_on_historical_ticks",
        HistoricalTicksBidAsk: "_on_historical_ticks",
        HistoricalTicksLast: "_on_historical_ticks",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._live_subs: dict[int, LiveStream[Any]] = {}

    # --- incoming -------------------------------------------------------------------------------

    def _on_tick_by_tick(self, msg: TickByTick) -> None:
        stream = self._live_subs.get(msg.req_id) if msg.req_id is not None else None
        if stream is None:
            return
        tick: Tick
        if msg.last is not None:
            tick = LastTick.of(msg.last, msg.tick_type == TBT_ALL_LAST)
        elif msg.bid_ask is not None:
            tick = BidAskTick.of(msg.bid_ask)
        elif msg.mid_point is not None:
            tick = MidPointTick.of(msg.mid_point)
        else:
            return
        stream._push(tick)
        self._emit(tick)

    def _on_real_time_bar(self, msg: RealTimeBars) -> None:
        stream = self._live_subs.get(msg.req_id) if msg.req_id is not None else None
        if stream is None:
            return
        volume = msg.volume if msg.volume is not None and msg.volume >= 0 else None
        wap = msg.wap if msg.wap is not None and msg.wap >= 0 else None
        count = msg.count if msg.count is not None and msg.count >= 0 else None
        bar = RealtimeBar(epoch_time(msg.time), msg.open or 0.0, msg.high or 0.0, msg.low or 0.0,
                          msg.close or 0.0, volume, wap, count)
        stream._push(bar)
        self._emit(bar)

    def _on_historical_ticks(self, msg: HistoricalTicks | HistoricalTicksBidAsk |
                             HistoricalTicksLast) -> None:
        if msg.req_id is None:
            return
        stream = self._live_subs.get(msg.req_id)
        if stream is not None:  # the recent ticks a tick-by-tick request asked for first
            for tick in to_ticks(msg, stream.kind == "AllLast"):
                stream._push(tick)
            return
        p = self._registry.get(msg.req_id)
        if p is not None:
            p.rows.extend(to_ticks(msg))
            if msg.done:
                p.finish(list(p.rows))

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        stream = self._live_subs.get(req_id)
        if stream is None:
            return super()._route_error(req_id, code, text, advanced)
        if classify(code).is_error:
            del self._live_subs[req_id]
            self._subs.drop(req_id)  # TWS ended it: nothing to cancel
            stream._end(request_error(code, text, req_id, advanced))
        self._notice(code, text, req_id)
        return True

    def _connection_lost(self, lost: ConnectionLost) -> None:
        super()._connection_lost(lost)
        if not self.reconnect:
            for stream in list(self._live_subs.values()):
                stream._end()
            self._live_subs.clear()

    # --- subscriptions --------------------------------------------------------------------------

    def _cancel_live(self, stream: LiveStream[Any]) -> None:
        self._live_subs.pop(stream.req_id, None)
        cancel = self._subs.drop(stream.req_id)
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    def _live_renewed(self, stream: LiveStream[Any], request: object) -> None:
        """A live stream asked for again (after 1101 or a reconnect) under a new request id."""
        new = getattr(request, "req_id", None)
        assert isinstance(new, int)
        self._live_subs.pop(stream.req_id, None)
        log.info("%s for %s goes on under request id %d", stream.kind, stream.contract, new)
        stream.req_id = new
        self._live_subs[new] = stream

    def _start_live(self, stream: LiveStream[Any],
                    request: ReqTickByTickData | ReqRealTimeBars) -> None:
        self._live_subs[stream.req_id] = stream
        self._subs.add(request, functools.partial(self._live_renewed, stream))
        try:
            self._send(request)
        except BaseException:
            self._live_subs.pop(stream.req_id, None)
            self._subs.drop(stream.req_id)
            raise

    def flow_tick_by_tick(self, contract: Contract, tick_type: str = "Last",
                          number_of_ticks: int = 0, ignore_size: bool = False,
                          timeout: float | None = None) -> Flow[LiveStream[Tick]]:
        """Stream every trade (``"Last"``; ``"AllLast"`` with the trades off the NBBO too), quote
        (``"BidAsk"``; ``ignore_size``: price changes only) or midpoint (``"MidPoint"``) of
        ``contract`` as typed ticks with aware UTC times. ``number_of_ticks`` > 0 first delivers
        that many recent ticks. Returns a LiveStream at once (iterate it; ``close()`` or ``with``
        cancels it); a TWS error for it (unknown contract, 10190 too many tick-by-tick streams)
        is raised from the iteration and kept in ``stream.error``."""
        self._ensure_connected()
        if tick_type not in TICK_BY_TICK_TYPES:
            raise ValueError(f"tick_type is one of {', '.join(TICK_BY_TICK_TYPES)}, "
                             f"not {tick_type!r}")
        req_id = self._registry.next_id()
        stream: LiveStream[Tick] = LiveStream(tick_type, contract, req_id, self._cancel_live)
        self._start_live(stream, ReqTickByTickData(req_id, contract, tick_type, number_of_ticks,
                                                   ignore_size))
        return stream
        yield  # a flow: generator (returns without waiting)

    def flow_realtime_bars(self, contract: Contract, what_to_show: str = "TRADES",
                           use_rth: bool = False,
                           timeout: float | None = None) -> Flow[LiveStream[RealtimeBar]]:
        """Stream 5-second bars (TRADES, BID, ASK or MIDPOINT) of ``contract`` as
        :class:`RealtimeBar` (aware UTC start time; volume / wap / count None where TWS sends
        -1). Returns a LiveStream at once (see ``tick_by_tick``)."""
        self._ensure_connected()
        req_id = self._registry.next_id()
        stream: LiveStream[RealtimeBar] = LiveStream("realtime bars", contract, req_id,
                                                     self._cancel_live)
        self._start_live(stream, ReqRealTimeBars(req_id, contract, 5, what_to_show, use_rth, []))
        return stream
        yield  # a flow: generator (returns without waiting)

    @property
    def live_streams(self) -> list[LiveStream[Any]]:
        """Active tick-by-tick and real-time bar subscriptions (local state)."""
        return list(self._live_subs.values())

    # --- historical ticks -----------------------------------------------------------------------

    def _ticks_page(self, contract: Contract, start: str, end: str, count: int, what: str,
                    use_rth: bool, ignore_size: bool, total: float) -> Flow[list[Tick]]:
        req_id = self._registry.next_id()
        p: Pending[Any] = Pending("historical ticks", req_id)
        self._registry.add(p)
        try:
            self._send(ReqHistoricalTicks(req_id, contract, start or None, end or None, count,
                                          what, use_rth, ignore_size, []))
            if not (yield Wait(p, total)):
                raise RequestTimeout("historical ticks", total)
            result: list[Tick] = p.check()
        finally:
            self._registry.discard(p)
        return result

    def flow_historical_ticks(self, contract: Contract, start: datetime | None = None,
                              end: datetime | None = None, count: int = 1000,
                              what_to_show: str = "TRADES", use_rth: bool = False,
                              ignore_size: bool = False,
                              timeout: float | None = None) -> Flow[list[Tick]]:
        """Up to ``count`` historical ticks from ``start`` on, or before ``end`` (give one; both
        aware datetimes), oldest first: :class:`LastTick` for TRADES, :class:`BidAskTick` for
        BID_ASK, :class:`MidPointTick` for MIDPOINT. TWS answers at most 1,000 ticks per request:
        a larger ``count`` is fetched page by page. Raises HistoricalDataError (162 ...)."""
        what = _WHAT_TICKS.get(what_to_show.strip().upper())
        if what is None:
            raise ValueError("what_to_show is TRADES, BID_ASK or MIDPOINT")
        if (start is None) == (end is None):
            raise ValueError("give exactly one of start and end")
        if count <= 0:
            raise ValueError("count must be positive")
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        out: list[Tick] = []
        forward = start is not None
        edge = start if forward else end
        assert edge is not None
        while len(out) < count:
            # the ticks of the edge second come again (whole seconds): ask for them too
            repeat = sum(1 for t in (out if forward else out[:MAX_TICKS_PER_REQUEST])
                         if t.time == edge) if out else 0
            want = min(MAX_TICKS_PER_REQUEST, count - len(out) + repeat)
            text = _tws_time(edge)
            page = yield from self._ticks_page(contract, text if forward else "",
                                               "" if forward else text, want, what, use_rth,
                                               ignore_size, total)
            ended = len(page) < want  # TWS had no more
            # whole seconds: the edge second of the page before is complete already
            if out:
                page = [t for t in page if (t.time > edge if forward else t.time < edge)]
            if not page:
                break
            if forward:
                out += page
                edge = page[-1].time
            else:
                out[:0] = page
                edge = page[0].time
            if ended:
                break
        if len(out) > count:
            out = out[:count] if forward else out[-count:]
        return out

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    tick_by_tick = front_method(flow_tick_by_tick)
    realtime_bars = front_method(flow_realtime_bars)
    historical_ticks = front_method(flow_historical_ticks)
