"""Live feeds that are not quotes: a scanner subscription's rows, a contract's news headlines,
IB's bulletins. Each is kept current by the event handler as messages arrive, like a Ticker.

A feed counts its ``updates``; the sync Broker waits with :meth:`Feed.wait_update`, the
AsyncBroker with ``await feed.updated()``; both brokers also announce every change as the feed
object itself to listeners and streams (``broker.stream(ScanSubscription)``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..models import Contract
from ..models.news import NewsBulletin, NewsHeadline
from ..models.scanner import ScanData, ScannerSubscription
from ..models.tag_value import TagValue
from .tickets import await_change, refuse_on_loop

__all__ = ["Feed", "ScanSubscription", "NewsFeed", "BulletinFeed"]


@dataclass(eq=False)
class Feed:
    """Base of the live feeds: update count, error, active flag, waiting."""

    req_id: int
    updates: int = 0
    error: Exception | None = None
    active: bool = True
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _waiters: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _broker: Any = field(default=None, repr=False)

    def wait_update(self, timeout: float = 5.0, after: int | None = None) -> bool:
        """Block until the feed changed (after update number ``after``); False on timeout.
        (Sync Broker; with an AsyncBroker: ``await feed.updated()``.)"""
        refuse_on_loop(self, "feed.wait_update()", "await feed.updated()")
        seen = self.updates if after is None else after
        with self._cond:
            return self._cond.wait_for(lambda: self.updates > seen or self.error is not None,
                                       timeout)

    async def updated(self, timeout: float | None = 5.0, after: int | None = None) -> None:
        """Wait on the running loop until the feed changed (after update number ``after``);
        RequestTimeout after ``timeout`` seconds."""
        seen = self.updates if after is None else after
        await await_change(self, lambda: self.updates > seen or self.error is not None, timeout,
                           f"an update of {type(self).__name__} {self.req_id}")

    def _notify(self) -> None:
        self.updates += 1
        with self._cond:
            self._cond.notify_all()
        for waiter in list(self._waiters):
            waiter()


@dataclass(eq=False)
class ScanSubscription(Feed):
    """A live scan: ``rows`` holds the latest result (rank order), replaced at each refresh."""

    subscription: ScannerSubscription = field(default_factory=ScannerSubscription)
    filter_options: list[TagValue] = field(default_factory=list)
    rows: list[ScanData] = field(default_factory=list)

    def __repr__(self) -> str:
        s = self.subscription
        return (f"ScanSubscription({s.scan_code} {s.instrument} {s.location_code}, "
                f"{len(self.rows)} rows, updates={self.updates})")


@dataclass(eq=False)
class NewsFeed(Feed):
    """A contract's news as it happens (TICK_NEWS on generic tick 292): ``headlines`` in arrival
    order, oldest first."""

    contract: Contract = field(default_factory=Contract)
    headlines: list[NewsHeadline] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"NewsFeed({self.contract}, {len(self.headlines)} headlines)"


@dataclass(eq=False)
class BulletinFeed(Feed):
    """IB's news bulletins as they are published, oldest first."""

    bulletins: list[NewsBulletin] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"BulletinFeed({len(self.bulletins)} bulletins)"
