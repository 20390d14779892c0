"""Message pacing, as TWS enforces it: at most 50 messages per second per connection (and the
historical-data pacing at the end of this module).

TWS answers a client that sends faster than that with error 100 ("Max rate of messages per second
has been exceeded") and, if the client keeps it up, drops the connection. The exact TWS policy is
not published (PROTOCOL.md section 5); the paper gateway's policy is:

* every incoming message is counted in a sliding one-second window;
* a message over the limit is **not processed**; the first such message in a window earns one
  error 100 (id -1), later ones in the same window are dropped silently;
* the connection is closed when the excess inside one window exceeds ``close_after_excess``
  (default 10 x the limit) or when ``close_after_windows`` consecutive windows (default 3) each
  saw excess -- "sustained abuse".

:class:`Pacer` is pure (the clock is passed in), so its rules are unit-tested without sleeping.
"""

from __future__ import annotations

from collections import deque
from enum import Enum

__all__ = ["PaceVerdict", "Pacer", "MAX_MESSAGES_PER_SECOND", "HistoricalPacing"]

MAX_MESSAGES_PER_SECOND = 50
"""The documented TWS limit on messages from one API client."""


class PaceVerdict(Enum):
    OK = "ok"  # process the message
    REJECT = "reject"  # do not process; send error 100
    DROP = "drop"  # do not process; error 100 was already sent in this window
    CLOSE = "close"  # sustained abuse: close the connection


class Pacer:
    """Sliding-window rate limiter for one connection."""

    __slots__ = ("limit", "window", "close_after_excess", "close_after_windows", "_times",
                 "_window_start", "_excess", "_strikes", "_last_violation_window")

    def __init__(self, limit: int = MAX_MESSAGES_PER_SECOND, *, window: float = 1.0,
                 close_after_excess: int | None = None, close_after_windows: int = 3) -> None:
        if limit < 1:
            raise ValueError("the pacing limit must be at least 1 message per window")
        self.limit = limit
        self.window = window
        self.close_after_excess = close_after_excess if close_after_excess is not None else 10 * limit
        self.close_after_windows = close_after_windows
        self._times: deque[float] = deque()
        self._window_start: float | None = None  # start of the current violation window
        self._excess = 0  # messages over the limit in the current violation window
        self._strikes = 0  # consecutive violation windows
        self._last_violation_window: float | None = None

    def check(self, now: float) -> PaceVerdict:
        """Count one message received at ``now`` (seconds, monotonic) and judge it."""
        times = self._times
        horizon = now - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            if self._window_start is not None and now - self._window_start >= 2 * self.window:
                # a whole quiet window passed since the last violation: forgive
                self._strikes = 0
            return PaceVerdict.OK
        # over the limit
        if self._window_start is None or now - self._window_start >= self.window:
            previous = self._window_start
            self._window_start = now
            self._excess = 0
            consecutive = previous is not None and now - previous < 2 * self.window
            self._strikes = self._strikes + 1 if consecutive else 1
            first = True
        else:
            first = False
        self._excess += 1
        if self._excess > self.close_after_excess or self._strikes >= self.close_after_windows:
            return PaceVerdict.CLOSE
        return PaceVerdict.REJECT if first else PaceVerdict.DROP


class HistoricalPacing:
    """TWS's historical pacing: no identical request within 15 s, at most 60 in 10 minutes."""

    def __init__(self, identical_s: float = 15.0, window_s: float = 600.0, limit: int = 60) -> None:
        self.identical_s = identical_s
        self.window_s = window_s
        self.limit = limit
        self._recent: dict[tuple[object, ...], float] = {}
        self._times: deque[float] = deque()

    def check(self, key: tuple[object, ...], now: float) -> bool:
        """Count a request; False if it violates pacing (then it is not counted)."""
        times = self._times
        while times and times[0] <= now - self.window_s:
            times.popleft()
        last = self._recent.get(key)
        if last is not None and now - last < self.identical_s:
            return False
        if len(times) >= self.limit:
            return False
        times.append(now)
        self._recent[key] = now
        if len(self._recent) > 4 * self.limit:
            self._recent = {k: t for k, t in self._recent.items() if now - t < self.identical_s}
        return True
