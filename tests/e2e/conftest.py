"""End-to-end fixtures: every front end against a deterministic paper gateway.

``gateway`` is a :class:`~ibwire.gateway.PaperGateway` on 127.0.0.1:0 with a fixed seed and the
market clock stopped (``tick_interval=None``): the market moves only when a test calls
``gateway.step(n)``, so what a client shows can be compared exactly with ``gateway.call(...)``.

Front ends: ``broker`` (the sync :class:`~ibwire.Broker`), ``eapp`` (ibwire's :class:`~ibwire.EClient`
with a recording :class:`~ibwire.EWrapper`, its dispatcher in a thread), ``ibapi_app`` (the official
ibapi 9.81, reusing the interop tests' recording App) and ``ib_async_tools`` (ib_async 2.1.0 run in a
thread of its own under ``asyncio.run``, with the interop tests' helpers). AsyncBroker tests run their
coroutine with :func:`run` on a fresh loop in the test's thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest

from ibwire import Broker, EClient, EWrapper
from ibwire.gateway import PaperGateway
from ibwire.gateway.market import Quote

T = TypeVar("T")

SEED = 20240607
WAIT_S = 10.0
"""Upper bound for any wait (never reached when things work)."""

AAPL, MSFT, SPY = 265598, 272093, 756733
ESZ6, ESH7 = 649180695, 672387468
EURUSD = 12087792


def quote(gateway: PaperGateway, con_id: int) -> Quote:
    """The gateway's quote for ``con_id`` now."""
    return gateway.call(lambda ex: ex.quote(con_id))


def run(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an AsyncBroker scenario on a fresh event loop in this thread."""
    return asyncio.run(asyncio.wait_for(coro_fn(), 60))


@pytest.fixture
def gateway() -> Iterator[PaperGateway]:
    with PaperGateway(port=0, seed=SEED, tick_interval=None) as gw:
        yield gw


@pytest.fixture
def broker(gateway: PaperGateway) -> Iterator[Broker]:
    with Broker.connect("127.0.0.1", gateway.port, client_id=1, timeout=WAIT_S) as b:
        yield b


# --- ibwire's EClient with a recording wrapper ----------------------------------------------------

_RECORDED = (
    "nextValidId", "managedAccounts", "error", "currentTime", "orderStatus", "openOrder",
    "execDetails", "tickPrice", "tickSize", "tickString", "tickGeneric", "tickReqParams",
    "tickSnapshotEnd", "marketDataType", "contractDetails", "contractDetailsEnd", "historicalData",
    "historicalDataEnd", "accountSummary", "accountSummaryEnd", "completedOrder",
    "completedOrdersEnd", "pnl", "pnlSingle", "softDollarTiers",
)


class EApp(EWrapper, EClient):
    """Records every callback as ``(name, args)``; tests wait on conditions over the record."""

    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, self)
        self.cond = threading.Condition()
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _record(self, name: str, args: tuple[Any, ...]) -> None:
        with self.cond:
            self.calls.append((name, args))
            self.cond.notify_all()

    def of(self, name: str, req_id: int | None = None) -> list[tuple[Any, ...]]:
        """The arguments of every ``name`` callback so far (those for ``req_id`` when given)."""
        with self.cond:
            return [a for n, a in self.calls if n == name and (req_id is None or a[0] == req_id)]

    def errors(self, req_id: int | None = None) -> list[tuple[int, int, str]]:
        return [(a[0], a[1], a[2]) for a in self.of("error", req_id)]

    def wait(self, pred: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        with self.cond:
            if not self.cond.wait_for(pred, timeout):
                raise AssertionError(f"the EClient never saw: {what}; errors {self.errors()}")

    def sync(self) -> None:
        """Round trip a REQ_CURRENT_TIME: whatever the gateway wrote before its answer has been
        delivered when this returns (how a test shows that something did *not* happen)."""
        n = len(self.of("currentTime"))
        self.reqCurrentTime()
        self.wait(lambda: len(self.of("currentTime")) > n, "currentTime")


def _recorder(name: str) -> Callable[..., None]:
    def callback(self: EApp, *args: Any) -> None:
        self._record(name, args)
    callback.__name__ = name
    return callback


for _name in _RECORDED:
    setattr(EApp, _name, _recorder(_name))


@pytest.fixture
def eapp(gateway: PaperGateway) -> Iterator[EApp]:
    app = EApp()
    app.connect("127.0.0.1", gateway.port, 2)
    assert app.isConnected()
    thread = app.start_dispatcher()
    app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
    yield app
    app.disconnect()
    thread.join(WAIT_S)


# --- the official ibapi 9.81 ----------------------------------------------------------------------

@pytest.fixture
def ibapi_app(gateway: PaperGateway, caplog: pytest.LogCaptureFixture) -> Iterator[Any]:
    """The interop tests' recording ibapi App, plus the callbacks issue 4 adds, connected as client
    id 21 with ``run()`` in a thread. ibapi drops a frame it cannot decode with a log line: the
    test fails if there is one."""
    pytest.importorskip("ibapi")
    caplog.set_level(logging.INFO, logger="ibapi")
    from ..interop.test_interop_ibapi import App

    class IssueFourApp(App):
        def __init__(self) -> None:
            super().__init__()
            self.summary: list[tuple[int, str, str, str, str]] = []
            self.summary_end: list[int] = []
            self.completed: list[tuple[Any, Any, Any]] = []
            self.completed_end = 0
            self.data_types: list[tuple[int, int]] = []
            self.strings: list[tuple[int, int, str]] = []
            self.times: list[int] = []

        def accountSummary(self, reqId, account, tag, value, currency) -> None:
            self._note(lambda: self.summary.append((reqId, account, tag, value, currency)))

        def accountSummaryEnd(self, reqId) -> None:
            self._note(lambda: self.summary_end.append(reqId))

        def completedOrder(self, contract, order, orderState) -> None:
            self._note(lambda: self.completed.append((contract, order, orderState)))

        def completedOrdersEnd(self) -> None:
            self._note(lambda: setattr(self, "completed_end", self.completed_end + 1))

        def marketDataType(self, reqId, marketDataType) -> None:
            self._note(lambda: self.data_types.append((reqId, marketDataType)))

        def tickString(self, reqId, tickType, value) -> None:
            self._note(lambda: self.strings.append((reqId, tickType, value)))

        def currentTime(self, time) -> None:
            self._note(lambda: self.times.append(time))

        def sync(self) -> None:
            n = len(self.times)
            self.reqCurrentTime()
            self.wait(lambda: len(self.times) > n, "currentTime")

    app = IssueFourApp()
    app.connect("127.0.0.1", gateway.port, clientId=21)
    runner = threading.Thread(target=app.run, name="ibapi-run", daemon=True)
    runner.start()
    app.wait(lambda: app.next_id is not None, "nextValidId")
    yield app
    app.disconnect()
    runner.join(WAIT_S)
    bad = [r.getMessage() for r in caplog.records if r.name.startswith("ibapi")
           and ("diff len fields" in r.getMessage() or "BadMessage" in r.getMessage())]
    assert not bad, bad


# --- ib_async 2.1.0 -------------------------------------------------------------------------------

@pytest.fixture
def ib_async_tools() -> Iterator[SimpleNamespace]:
    """``ib_async`` (the module), ``run(coro_fn)`` (asyncio.run in a thread of its own),
    ``until(ib, pred, what)`` (wait on ib_async's updateEvent) and ``records`` (ib_async's log),
    from the interop tests. The test fails if ib_async logged a timeout."""
    module = pytest.importorskip("ib_async")
    from ..interop.test_interop_ib_async import _no_timeouts, _Records, run_in_thread, until

    handler = _Records()
    logger = logging.getLogger("ib_async")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield SimpleNamespace(ib_async=module, run=run_in_thread, until=until,
                              records=handler.records)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    _no_timeouts(handler.records)
