"""The market clock at ``speed="max"``: as fast as every connected client keeps up.

Instead of following wall time, the gateway steps market time itself, and takes each step only
when every connected client has drained what it was sent (its transport's write buffer is below
:data:`DRAIN_MARK` bytes), so a slow client holds the market back instead of falling behind: it
receives every tick it would have received at speed 1 (every market second's changes).

A step is one market second while some client streams market data (REQ_MKT_DATA, tick-by-tick,
real-time bars), else up to the
last second of the minute and then to the next minute (so keepUpToDate bars are sent complete
before the next bar begins). Orders are matched at every
second of a step all the same (see :meth:`~ibwire.gateway.exchange.PaperExchange.step`).

The clock stands still while no client has a streaming subscription (market data, tick-by-tick,
real-time bars or keepUpToDate bars), so a program that connects and subscribes sees the market from where it started, and it
stops for good at the end of the replayed data (see :mod:`.replay`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from . import ticks_api
from .calendar import utc
from .market_api import MarketStreams

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["run_max", "DRAIN_MARK"]

log = logging.getLogger("ibwire.gateway")

DRAIN_MARK = 16 * 1024
"""Bytes a client may have unread in the gateway's write buffer before the clock waits for it."""

_IDLE = 0.02  # seconds between looks while nobody watches or the data has ended


def _watching(core: GatewayCore) -> tuple[bool, bool]:
    """(some client streams, some client streams every second): market data, tick-by-tick and
    real-time bars every second; keepUpToDate bars by the minute."""
    watching = per_second = False
    for session in core.sessions.values():
        if session.closed:
            continue
        st = session.state.get("market")
        if ticks_api.streaming(session):
            watching = per_second = True
        elif isinstance(st, MarketStreams) and (st.ticks or st.bars):
            watching = True
            per_second = per_second or bool(st.ticks)
    return watching, per_second


async def _drained(core: GatewayCore) -> None:
    for session in list(core.sessions.values()):
        transport = session.writer.transport
        if session.closed or transport.is_closing():
            continue
        transport.set_write_buffer_limits(high=DRAIN_MARK)
        if transport.get_write_buffer_size() > DRAIN_MARK:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.writer.drain()


async def run_max(core: GatewayCore) -> None:
    """The gateway's clock task at speed "max" (instead of the wall-clock tick loop)."""
    end = max((p.end_second for p in core.replay.values()), default=None)
    while True:
        now = core.exchange.market.step_second
        watching, per_second = _watching(core)
        if not watching or (end is not None and now >= end):
            if end is not None and now >= end:
                core.replay_tick(now)  # (clients connecting after the end hear it too)
            await asyncio.sleep(_IDLE)
            continue
        await _drained(core)
        # market data: every second; else to the last second of each minute and on to the next
        # (so a keepUpToDate bar is sent complete before the next one begins)
        seconds = 1 if per_second else (59 - now % 60 or 1)
        if end is not None:
            seconds = min(seconds, end - now)
        try:
            target = core.clock.step(seconds)
            core.deliver(core.exchange.advance_to(utc(target)))
            core.market_tick()
        except Exception:  # pragma: no cover - must never kill the clock
            log.exception("market clock step failed")
        await asyncio.sleep(0)
