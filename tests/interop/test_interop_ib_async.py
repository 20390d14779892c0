"""ib_async 2.1.0 against the paper gateway (it negotiates server version 178).

ib_async runs its own asyncio loop; here it runs in a dedicated thread under ``asyncio.run`` with
``IB.connectAsync``, so nothing patches the test process's loop (no ``util.startLoop``, no
nest_asyncio). Its log records are captured to prove the connect finished without a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

ib_async = pytest.importorskip("ib_async")

from ib_async import IB, LimitOrder, MarketOrder, Stock  # noqa: E402

WAIT_S = 15.0


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run_in_thread(coro_fn: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 60.0) -> Any:
    """Run ``coro_fn()`` under asyncio.run in a fresh thread; return its result or raise."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro_fn())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            box["error"] = exc

    t = threading.Thread(target=target, name="ib_async-test", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise AssertionError("the ib_async scenario did not finish")
    if "error" in box:
        raise box["error"]
    return box["result"]


async def until(ib: IB, pred: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Wait for ib_async's updateEvent until ``pred()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not pred():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"ib_async never saw: {what}")
        try:
            await asyncio.wait_for(ib.updateEvent, remaining)
        except TimeoutError:
            pass


@pytest.fixture
def ib_log():
    handler = _Records()
    logger = logging.getLogger("ib_async")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def _no_timeouts(records: list[logging.LogRecord]) -> None:
    bad = [r.getMessage() for r in records if "timeout" in r.getMessage().lower()
           or "timed out" in r.getMessage().lower()]
    assert not bad, bad


def test_ib_async_connects_without_timeouts(gateway, ib_log):
    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=11, timeout=10)
        try:
            return {"version": ib.client.serverVersion(), "accounts": ib.managedAccounts(),
                    "values": len(ib.accountValues()), "ready": ib.isConnected()}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert out["version"] == 178
    assert out["accounts"] == ["DU1234567"]
    assert out["values"] > 10 and out["ready"]
    _no_timeouts(ib_log)
    assert not [r for r in ib_log if r.levelno >= logging.ERROR], \
        [r.getMessage() for r in ib_log if r.levelno >= logging.ERROR]


def test_ib_async_trades_against_the_gateway(gateway, ib_log):
    bid = gateway.call(lambda ex: ex.quote(265598).bid)
    resting_price = round(bid * 0.9, 2)

    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=12, timeout=10)
        try:
            account = ib.managedAccounts()[0]

            def cash() -> float:
                return next(float(v.value) for v in ib.accountValues(account)
                            if v.tag == "TotalCashValue" and v.currency == "USD")

            cash_before = cash()
            contract = Stock("AAPL", "SMART", "USD")

            # a market order fills, with its execution and commission report
            trade = ib.placeOrder(contract, MarketOrder("BUY", 100))
            await until(ib, lambda: trade.isDone() and bool(trade.fills)
                        and all(f.commissionReport.commission > 0 for f in trade.fills),
                        "the market order filled with a commission report")
            fill = trade.fills[0]
            # the position and the account values change
            await until(ib, lambda: any(p.contract.symbol == "AAPL" and p.position == 100
                                        for p in ib.positions()), "the AAPL position")
            await until(ib, lambda: cash() < cash_before, "the cash going down")
            await until(ib, lambda: any(p.contract.symbol == "AAPL" and p.position == 100
                                        for p in ib.portfolio()), "the portfolio row")

            # a limit order rests, shows in the open orders, and is cancelled
            resting = ib.placeOrder(contract, LimitOrder("BUY", 10, resting_price))
            await until(ib, lambda: resting.orderStatus.status == "Submitted", "the resting limit")
            open_trades = await ib.reqOpenOrdersAsync()
            open_ids = [t.order.orderId for t in open_trades]
            ib.cancelOrder(resting.order)
            await until(ib, lambda: resting.orderStatus.status == "Cancelled", "the cancel")

            what_if = await ib.whatIfOrderAsync(contract, MarketOrder("SELL", 50))
            fills = await ib.reqExecutionsAsync()
            completed = await ib.reqCompletedOrdersAsync(False)
            return {
                "status": trade.orderStatus.status, "filled": trade.orderStatus.filled,
                "exec_side": fill.execution.side, "exec_shares": fill.execution.shares,
                "commission": fill.commissionReport.commission,
                "currency": fill.commissionReport.currency,
                "open_ids": open_ids, "resting_id": resting.order.orderId,
                "cancel_log": [e.status for e in resting.log],
                "exec_ids": {f.execution.execId for f in fills},
                "first_exec": fill.execution.execId,
                "completed": sorted(t.orderStatus.status for t in completed),
                "errors": [e.message for e in resting.log if e.errorCode],
                "what_if_commission": getattr(what_if, "commission", None),
                "what_if_min_max": (getattr(what_if, "minCommission", None),
                                    getattr(what_if, "maxCommission", None)),
                "open_after": len(ib.openTrades()),
            }
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert out["status"] == "Filled" and out["filled"] == 100
    assert out["exec_side"] == "BOT" and out["exec_shares"] == 100
    assert out["commission"] == 1.0 and out["currency"] == "USD"
    assert out["resting_id"] in out["open_ids"]
    assert "Cancelled" in out["cancel_log"]
    assert out["first_exec"] in out["exec_ids"]
    assert out["completed"] == ["Cancelled", "Filled"]
    assert out["what_if_commission"] == 1.0 and out["open_after"] == 0
    unset = 1.7976931348623157e308  # ib_async's UNSET_DOUBLE: TWS gave no range
    assert out["what_if_min_max"] == (unset, unset)
    _no_timeouts(ib_log)


def test_ib_async_client_id_in_use(gateway, ib_log):
    async def scenario() -> str:
        first = IB()
        await first.connectAsync("127.0.0.1", gateway.port, clientId=13, timeout=10)
        second = IB()
        try:
            # ib_async notices the close but still waits for its timeout: keep it short
            await second.connectAsync("127.0.0.1", gateway.port, clientId=13, timeout=1)
        except (TimeoutError, ConnectionError, OSError) as exc:
            return type(exc).__name__
        finally:
            second.disconnect()
            still = first.isConnected()
            first.disconnect()
            assert still
        return "connected"

    assert run_in_thread(scenario) != "connected"
    assert any("326" in r.getMessage() or "already in use" in r.getMessage() for r in ib_log)


def test_ib_async_market_data_contracts_and_history(gateway, ib_log):
    q = gateway.call(lambda ex: ex.quote(265598))

    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=14, timeout=10)
        try:
            aapl, spy = await ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD"),
                                                       Stock("SPY", "SMART", "USD"))
            details = await ib.reqContractDetailsAsync(Stock("MSFT", "SMART", "USD"))
            ticker = ib.reqMktData(aapl, "", False, False)
            await until(ib, lambda: ticker.bid == ticker.bid and ticker.ask == ticker.ask
                        and ticker.bid > 0 and ticker.last > 0, "the first quote")
            bars = await ib.reqHistoricalDataAsync(aapl, "", "2 D", "1 hour", "TRADES", False)
            snap_ticker = ib.reqMktData(spy, "", True, False)
            await until(ib, lambda: snap_ticker.bid > 0, "the snapshot")
            ib.cancelMktData(aapl)
            return {"con_id": aapl.conId, "details": [d.contract.conId for d in details],
                    "long_name": details[0].longName if details else None,
                    "bid": ticker.bid, "ask": ticker.ask, "bidSize": ticker.bidSize,
                    "bars": [(b.open, b.high, b.low, b.close) for b in bars]}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert out["con_id"] == 265598
    assert out["details"] == [272093] and out["long_name"]
    assert out["bid"] == q.bid and out["ask"] == q.ask and out["bidSize"] == float(q.bid_size)
    assert len(out["bars"]) == 16 + 7  # Thursday's extended session and Friday's until 10:00
    assert all(lo <= min(o, c) and max(o, c) <= hi for o, hi, lo, c in out["bars"])
    _no_timeouts(ib_log)
    assert not [r for r in ib_log if r.levelno >= logging.ERROR], \
        [r.getMessage() for r in ib_log if r.levelno >= logging.ERROR]
