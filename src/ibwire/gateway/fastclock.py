"""The market clock at ``speed="max"``: as fast as every connected client keeps up.

Instead of following wall time, the gateway steps market time itself, and takes each step only
when every connected client has drained what it was sent (its transport's write buffer is below
:data:`DRAIN_MARK` bytes), so a slow client holds the market back instead of falling behind: it
receives every tick it would have received at speed 1 (every market second's changes).

A step is one market second while some client streams market data (REQ_MKT_DATA, tick-by-tick,
real-time bars), else up to the last second of the minute and then to the next minute (and never
past the start of a keepUpToDate bar shorter than a minute), so keepUpToDate bars are sent
complete before the next bar begins. Orders are matched at every second of a step all the same
(see :meth:`~ibwire.gateway.exchange.PaperExchange.step`).

**Decision points and the hold.** The first update of a new keepUpToDate bar is a *decision
point*: the bar before it is complete, and a bar-driven bot decides now. After a step that sent a
decision point to some client, the clock *holds* at that second (the bar's first second) until
the clients have reacted, and an order arriving meanwhile is matched at the held second -- a
market order at the new bar's opening quote (see :data:`~ibwire.gateway.replay.BAR_SPREAD`): the
classic "next bar's open" rule, which a user can compute by hand from the data. When the hold
ends is ``react`` (``PaperGateway(react=...)``, ``ibwire gateway --react``):

* seconds (default :data:`REACT_S`): when every client has drained and no client has sent
  anything for that long (wall time; every message restarts the window, so a bracket's three
  orders all land in the held second; clients that never stop sending end it after
  :data:`HOLD_CAP_S`). A bot that takes longer than the window to answer has its order matched
  where the clock then is, as at speed 1;
* ``"sync"``: when every client that was sent the decision point has answered it with
  REQ_CURRENT_TIME (``reqCurrentTime``), sent after its orders: the orders come first on the
  socket, so they are matched at the held second however long the bot took -- exact on any
  machine, no wall time involved. A client that does not answer within :data:`SYNC_TIMEOUT_S`
  is logged and the clock goes on.

Only keepUpToDate bars make decision points: market data, tick-by-tick and 5-second real-time
bars are streams a bot watches every second; holding the clock at each of them would cost the
window every few market seconds (a trading day of real-time bars is 4,680 of them), so orders of
such bots are matched at the second they arrive, as at speed 1.

The clock stands still while no client has a streaming subscription (market data, tick-by-tick,
real-time bars or keepUpToDate bars), so a program that connects and subscribes sees the market from where it started, and it
stops for good at the end of the replayed data (see :mod:`.replay`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import ticks_api
from .calendar import utc
from .market import BAR_SIZES
from .market_api import MarketStreams

if TYPE_CHECKING:
    from .core import GatewayCore
    from .session import Session

__all__ = ["run_max", "DRAIN_MARK", "REACT_S", "HOLD_CAP_S", "SYNC_TIMEOUT_S", "Holds",
           "parse_react"]

log = logging.getLogger("ibwire.gateway")

DRAIN_MARK = 16 * 1024
"""Bytes a client may have unread in the gateway's write buffer before the clock waits for it."""

REACT_S = 0.010
"""The default reaction window (seconds of wall time) of a hold at a decision point."""

HOLD_CAP_S = 2.0
"""The longest a ``react`` window hold lasts (or four windows, if longer) when clients keep
sending: a client that talks all the time must not stop the clock."""

SYNC_TIMEOUT_S = 10.0
"""How long (wall seconds) a ``react="sync"`` hold waits for a client's REQ_CURRENT_TIME."""

_IDLE = 0.02  # seconds between looks while nobody watches or the data has ended


def parse_react(value: float | str) -> float | str:
    """``react`` as given to the gateway: seconds > 0 or ``"sync"``; ValueError otherwise."""
    if isinstance(value, str):
        if value.strip().lower() == "sync":
            return "sync"
        raise ValueError(f"react is a number of seconds or 'sync', not {value!r}")
    if isinstance(value, bool) or not value > 0:
        raise ValueError(f"react must be a positive number of seconds or 'sync', not {value!r}")
    return float(value)


@dataclass(slots=True)
class Holds:
    """What the max-speed clock knows of the clients' reactions (kept on the gateway core)."""

    heard: asyncio.Event = field(default_factory=asyncio.Event)  # set by every message received
    marks: dict[Session, int] = field(default_factory=dict)  # REQ_CURRENT_TIME received
    decisions: dict[Session, int] = field(default_factory=dict)  # sent a decision point: marks then
    count: int = 0  # holds taken
    capped: bool = False  # a hold ran into HOLD_CAP_S (logged once)

    def message(self, session: Session, is_mark: bool) -> None:
        """A message from ``session`` was handled (``is_mark``: it was REQ_CURRENT_TIME)."""
        if is_mark:
            self.marks[session] = self.marks.get(session, 0) + 1
        self.heard.set()

    def forget(self, session: Session) -> None:
        """``session`` closed."""
        self.marks.pop(session, None)
        self.decisions.pop(session, None)

    def decision(self, session: Session) -> None:
        """``session`` was just sent a decision point (a new keepUpToDate bar)."""
        self.decisions.setdefault(session, self.marks.get(session, 0))


def _watching(core: GatewayCore) -> tuple[bool, bool, int]:
    """(some client streams, some client streams every second, the shortest keepUpToDate bar
    in seconds): market data, tick-by-tick and real-time bars every second; keepUpToDate bars by
    the minute, or by their size when shorter."""
    watching = per_second = False
    shortest = 60
    for session in core.sessions.values():
        if session.closed:
            continue
        st = session.state.get("market")
        if ticks_api.streaming(session):
            watching = per_second = True
        if isinstance(st, MarketStreams) and (st.ticks or st.bars):
            watching = True
            per_second = per_second or bool(st.ticks)
            for sub in st.bars.values():
                shortest = min(shortest, max(1, BAR_SIZES.get(sub.bar_size, 60)))
    return watching, per_second, shortest


async def _drained(core: GatewayCore) -> None:
    for session in list(core.sessions.values()):
        transport = session.writer.transport
        if session.closed or transport.is_closing():
            continue
        transport.set_write_buffer_limits(high=DRAIN_MARK)
        if transport.get_write_buffer_size() > DRAIN_MARK:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.writer.drain()


async def _hold(core: GatewayCore) -> None:
    """Hold the clock at a decision point until the clients have reacted (see the module)."""
    holds = core.holds
    waiting = dict(holds.decisions)
    holds.decisions.clear()
    holds.count += 1
    react = core.config.react
    await _drained(core)
    if react == "sync":
        deadline = time.monotonic() + SYNC_TIMEOUT_S
        while True:
            late = [s for s, m in waiting.items() if not s.closed and holds.marks.get(s, 0) <= m]
            if not late:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                log.warning("speed max, react sync: client(s) %s did not answer the new bar at "
                            "%s with reqCurrentTime within %g s; the clock goes on",
                            ", ".join(str(s.client_id) for s in late), core.market_time(),
                            SYNC_TIMEOUT_S)
                break
            holds.heard.clear()
            await _heard(holds, left)
        await _drained(core)
        return
    assert isinstance(react, float)
    deadline = time.monotonic() + max(HOLD_CAP_S, 4 * react)
    while True:  # until nobody has said anything for `react` seconds
        holds.heard.clear()
        if not await _heard(holds, react):
            break
        await _drained(core)  # (what the reaction was answered)
        if time.monotonic() >= deadline:
            if not holds.capped:
                holds.capped = True
                log.warning("speed max: the clients kept sending for %g s at %s; the clock goes "
                            "on (a hold lasts at most that long; see --react)",
                            max(HOLD_CAP_S, 4 * react), core.market_time())
            break


async def _heard(holds: Holds, seconds: float) -> bool:
    """Wait up to ``seconds`` for a client's message; whether one came. (asyncio.timeout, not
    wait_for: with 3.11's wait_for the clock task's cancellation was lost now and then, and the
    gateway's stop waited for it forever.)"""
    try:
        async with asyncio.timeout(seconds):
            await holds.heard.wait()
    except TimeoutError:
        return False
    return True


async def run_max(core: GatewayCore) -> None:
    """The gateway's clock task at speed "max" (instead of the wall-clock tick loop)."""
    end = max((p.end_second for p in core.replay.values()), default=None)
    while True:
        now = core.exchange.market.step_second
        watching, per_second, shortest = _watching(core)
        if not watching or (end is not None and now >= end):
            if end is not None and now >= end:
                core.replay_tick(now)  # (clients connecting after the end hear it too)
            await asyncio.sleep(_IDLE)
            continue
        await _drained(core)
        # market data: every second; else to the last second of each minute and on to the next
        # (so a keepUpToDate bar is sent complete before the next one begins), and to the start
        # of every bar shorter than a minute
        seconds = 1 if per_second else (59 - now % 60 or 1)
        if shortest < 60:
            seconds = min(seconds, shortest - now % shortest)
        if end is not None:
            seconds = min(seconds, end - now)
        try:
            target = core.clock.step(seconds)
            core.deliver(core.exchange.advance_to(utc(target)))
            core.market_tick()
        except Exception:  # pragma: no cover - must never kill the clock
            log.exception("market clock step failed")
        if core.holds.decisions:
            await _hold(core)
        await asyncio.sleep(0)
