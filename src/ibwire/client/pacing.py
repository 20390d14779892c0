"""Client-side pacing: keep every connection under TWS's message rate, queue only the excess.

TWS accepts at most 50 messages per second from one API client and answers more with error 100
(PROTOCOL.md section 5); sustained excess gets the connection dropped. A :class:`Pacer` sits between
the request flows and the socket of one connection. It is a sliding window: at most ``max_rate``
messages in any ``interval`` (45 in any second by default). A client under that rate sends at once
-- the first 45 messages of a quiet second never wait -- and only an excess waits, in order, in a
FIFO queue that the front end drains as slots free up (the sync Transport with a writer thread, the
AsyncBroker with ``loop.call_later``). ``queue_depth`` shows how many messages wait; ``delayed``
counts the messages that had to wait.

A written message holds its slot for ``interval + margin`` (0.1 s by default): TWS counts messages
when it reads them, and a TWS reader that stalls while reading one second's messages and not the
next one's could otherwise count two windows' worth in one. With the margin, 45 messages in any
second stay under TWS's 50 for relative stalls up to the margin; the sustained rate of a long burst
is then ``max_rate / (interval + margin)`` (about 41 per second).

The queue is bounded (``max_queue`` messages): the pacer itself never blocks or drops (it is pure
bookkeeping); a front end that finds it ``full`` makes the sending thread wait for room.

Historical data requests are additionally paced by TWS's historical rules (error 162 otherwise):
no identical request within 15 seconds, at most five requests for the same contract, exchange and
data type within two seconds (six is a violation), at most 60 requests in any ten minutes. Each
historical request gets the earliest release time that breaks none of these rules when it is
queued; once released it joins the main queue.

Theory of operation: the pacer is pure bookkeeping (the caller passes the clock), so its rules are
unit-tested without sleeping; an internal lock makes it safe to read ``queue_depth`` or take a
:meth:`mark` from any thread while the front end sends and drains.
"""

from __future__ import annotations

import bisect
import collections
import heapq
import itertools
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..protocol.messages.historical import ReqHistoricalData
from ..protocol.schema import Message

__all__ = ["Pacer", "HistoricalPacer", "DEFAULT_MAX_RATE", "DEFAULT_MARGIN", "DEFAULT_MAX_QUEUE",
           "TWS_MAX_RATE", "historical_keys"]

T = TypeVar("T")

TWS_MAX_RATE = 50
"""The documented TWS limit: messages per second from one API client."""

DEFAULT_MAX_RATE = 45.0
"""ibwire's default: a margin under TWS's limit for network jitter (ib_async uses 45 too)."""

DEFAULT_MARGIN = 0.1
"""Seconds a written message holds its slot beyond the window (TWS counts on arrival)."""

DEFAULT_MAX_QUEUE = 10_000
"""Messages the pacer's queue holds at most; a sender finding it full waits for room."""


def historical_keys(msg: Message) -> tuple[Hashable, Hashable] | None:
    """``(identical-request key, contract/exchange/data-type key)`` of a historical data request,
    or None for any other message."""
    if not isinstance(msg, ReqHistoricalData):
        return None
    c = msg.contract
    contract_key = (c.con_id, c.symbol, c.sec_type, c.last_trade_date_or_contract_month, c.strike,
                    c.right, c.multiplier, c.currency, c.local_symbol)
    series = (contract_key, c.exchange, c.primary_exchange, msg.what_to_show)
    identical = (series, msg.end_date_time, msg.bar_size_setting, msg.duration_str, msg.use_rth,
                 msg.format_date, msg.keep_up_to_date)
    return identical, series


def _earliest(times: list[float], t: float, most: int, window: float) -> float:
    """The earliest time >= ``t`` at which one more event can be added to ``times`` (sorted)
    while no interval of length ``window`` holds more than ``most`` events."""
    candidates = [t] + sorted(x + window for x in times if x + window > t)
    for c in candidates:
        merged = times[:]
        bisect.insort(merged, c)
        j = 0
        ok = True
        for i, x in enumerate(merged):
            while merged[j] <= x - window:
                j += 1
            if i - j + 1 > most:
                ok = False
                break
        if ok:
            return c
    return candidates[-1]  # pragma: no cover - the last candidate always fits


class HistoricalPacer:
    """TWS's historical data pacing rules as release times (seconds on the caller's clock).

    Each request gets the earliest release time that breaks no rule given every release already
    granted (past and future), so a request held back by one rule does not hold back requests for
    other data.
    """

    def __init__(self, identical_gap: float = 15.0, same_series_max: int = 5,
                 same_series_window: float = 2.0, max_requests: int = 60,
                 window: float = 600.0, margin: float = 0.5) -> None:
        # TWS measures from when a request arrives, not when it left: a margin keeps a request
        # released "exactly 15 s later" from landing a hair early.
        self.identical_gap = identical_gap + margin
        self.same_series_max = same_series_max
        self.same_series_window = same_series_window + margin
        self.max_requests = max_requests
        self.window = window + margin
        self._releases: list[float] = []  # every release time, ascending
        self._by_series: dict[Hashable, list[float]] = collections.defaultdict(list)
        self._by_request: dict[Hashable, list[float]] = collections.defaultdict(list)

    def schedule(self, identical: Hashable, series: Hashable, now: float) -> float:
        """Reserve and return the earliest time >= ``now`` a request may go out."""
        self._forget(now)
        same_request = self._by_request[identical]
        same_series = self._by_series[series]
        t = now
        while True:
            start = t
            t = _earliest(same_request, t, 1, self.identical_gap)
            t = _earliest(same_series, t, self.same_series_max, self.same_series_window)
            t = _earliest(self._releases, t, self.max_requests, self.window)
            if t == start:
                break
        bisect.insort(self._releases, t)
        bisect.insort(same_series, t)
        bisect.insort(same_request, t)
        return t

    def _forget(self, now: float) -> None:
        horizon = now - max(self.window, self.identical_gap, self.same_series_window)
        if not self._releases or self._releases[0] >= horizon:
            return
        del self._releases[:bisect.bisect_left(self._releases, horizon)]
        for table in (self._by_series, self._by_request):
            for key in list(table):
                times = table[key]
                del times[:bisect.bisect_left(times, horizon)]
                if not times:
                    del table[key]


@dataclass(slots=True)
class _Queued(Generic[T]):
    seq: int
    item: T


class Pacer(Generic[T]):
    """Rate limiter and send queue for one connection (items are whatever the front end writes).

    At most ``max_rate`` messages in any ``interval`` seconds (a sliding window; each written
    message holds its slot ``interval + margin`` seconds); ``max_queue`` messages wait at most
    (``full`` tells a front end to make its sender wait); ``historical=False`` turns the historical
    data rules off.
    """

    def __init__(self, max_rate: float = DEFAULT_MAX_RATE, interval: float = 1.0, *,
                 margin: float = DEFAULT_MARGIN, max_queue: int = DEFAULT_MAX_QUEUE,
                 historical: bool | HistoricalPacer = True) -> None:
        if max_rate <= 0 or interval <= 0 or margin < 0 or max_queue < 1:
            raise ValueError("the pacing rate, interval and queue bound must be positive")
        self.max_rate = max_rate
        self.interval = interval
        self.margin = margin
        self.max_queue = max_queue
        """Messages the queue holds at most before senders wait (may be changed at any time)."""
        # ``max_rate`` per ``interval`` as a whole number of slots per window: 45/1 s -> 45 in 1 s;
        # 0.5/1 s -> 1 in 2 s; 2.5/1 s -> 2 in 0.8 s.
        self._slots = max(1, int(max_rate))
        self._window = interval * self._slots / max_rate + margin
        self._times: collections.deque[float] = collections.deque()  # recent writes, ascending
        self.historical: HistoricalPacer | None = (
            historical if isinstance(historical, HistoricalPacer)
            else HistoricalPacer() if historical else None)
        self._lock = threading.Lock()
        self._queue: collections.deque[_Queued[T]] = collections.deque()
        self._held: list[tuple[float, int, _Queued[T]]] = []  # historical lane: (release, seq, item)
        self._seq = itertools.count(1)
        self._last_seq = 0
        self.sent = 0
        """Messages written through this pacer."""
        self.delayed = 0
        """Messages that had to wait (for a slot or for the historical rules)."""
        self.max_queue_depth = 0
        """The deepest the queue has been."""

    def __repr__(self) -> str:
        return (f"<Pacer {self.max_rate:g}/{self.interval:g}s queue_depth={self.queue_depth} "
                f"sent={self.sent} delayed={self.delayed}>")

    @property
    def queue_depth(self) -> int:
        """Messages waiting to be written (historical requests waiting for their turn included)."""
        return len(self._queue) + len(self._held)

    @property
    def full(self) -> bool:
        """True when the queue holds ``max_queue`` messages: a sender should wait for room."""
        return len(self._queue) + len(self._held) >= self.max_queue

    # --- sending -------------------------------------------------------------------------------

    def submit(self, item: T, now: float, msg: Message | None = None) -> bool:
        """Offer one message. True: write it now (counted as written). False: it was queued; the
        front end writes it when :meth:`take_due` returns it."""
        with self._lock:
            seq = next(self._seq)
            self._last_seq = seq
            keys = historical_keys(msg) if msg is not None and self.historical is not None else None
            if keys is not None:
                assert self.historical is not None
                release = self.historical.schedule(keys[0], keys[1], now)
                if release > now:
                    heapq.heappush(self._held, (release, seq, _Queued(seq, item)))
                    self.delayed += 1
                    self._note_depth()
                    return False
            if not self._queue and self._free(now):
                self._record(now)
                return True
            self._queue.append(_Queued(seq, item))
            self.delayed += 1
            self._note_depth()
            return False

    def take_due(self, now: float) -> list[T]:
        """Remove and return the queued messages that may be written now (counted as written)."""
        out: list[T] = []
        with self._lock:
            self._release_held(now)
            while self._queue and self._free(now):
                out.append(self._queue.popleft().item)
                self._record(now)
        return out

    def next_due(self, now: float) -> float | None:
        """Seconds until the next queued message may go (0: now); None when nothing waits."""
        with self._lock:
            self._release_held(now)
            if self._queue:
                if self._free(now):
                    return 0.0
                return max(0.0, self._times[0] + self._window - now)
            if self._held:
                return max(0.0, self._held[0][0] - now)
            return None

    def clear(self) -> int:
        """Drop everything queued (the connection closed); return how many were dropped."""
        with self._lock:
            n = len(self._queue) + len(self._held)
            self._queue.clear()
            self._held.clear()
            self._times.clear()
            return n

    # --- waiting -------------------------------------------------------------------------------

    def mark(self) -> int:
        """A mark for :meth:`written_through`: the last message submitted so far."""
        return self._last_seq

    def written_through(self, mark: int) -> bool:
        """True when every message submitted up to ``mark`` has been written (or dropped)."""
        with self._lock:
            waiting = [q.seq for _, _, q in self._held]  # (the lane is ordered by release time)
            if self._queue:
                waiting.append(self._queue[0].seq)
            return not waiting or min(waiting) > mark

    # --- internals -----------------------------------------------------------------------------

    def _free(self, now: float) -> bool:
        times = self._times
        horizon = now - self._window
        while times and times[0] <= horizon:
            times.popleft()
        return len(times) < self._slots

    def _record(self, now: float) -> None:
        self._times.append(now)
        self.sent += 1

    def _release_held(self, now: float) -> None:
        held = self._held
        while held and held[0][0] <= now:
            self._queue.append(heapq.heappop(held)[2])

    def _note_depth(self) -> None:
        depth = len(self._queue) + len(self._held)
        if depth > self.max_queue_depth:
            self.max_queue_depth = depth

    def stats(self) -> dict[str, Any]:
        """Counters for monitoring: rate, queue depth and bound, sent, delayed, max queue depth."""
        return {"max_rate": self.max_rate, "interval": self.interval, "margin": self.margin,
                "queue_depth": self.queue_depth, "max_queue": self.max_queue, "sent": self.sent,
                "delayed": self.delayed, "max_queue_depth": self.max_queue_depth}
