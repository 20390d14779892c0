"""ib_async 2.1.0 (server version 178) reads PnL from the paper gateway: reqPnL / reqPnLSingle
objects get real values (no NaN) and follow the position's price as the market clock moves,
consistent with the gateway's portfolio."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterator
from typing import Any

import pytest

ib_async = pytest.importorskip("ib_async")

from ib_async import IB, MarketOrder, Stock  # noqa: E402

from .test_interop_ib_async import _no_timeouts, _Records, run_in_thread, until  # noqa: E402

AAPL = 265598


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """ib_async's log records during the test."""
    handler = _Records()
    logger = logging.getLogger("ib_async")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(old)


def _step_until_moved(gateway: Any, before: float) -> float:
    for _ in range(60):
        gateway.step(60)
        mark = gateway.call(lambda ex: ex.market.mark(AAPL))
        if mark != before:
            return float(mark)
    raise AssertionError("the market did not move")


def test_ib_async_pnl_is_not_nan_and_follows_the_market(gateway, records):
    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=15, timeout=10)
        try:
            account = ib.managedAccounts()[0]
            pnl = ib.reqPnL(account)
            await until(ib, lambda: not math.isnan(pnl.dailyPnL), "a first PnL")
            first = (pnl.dailyPnL, pnl.unrealizedPnL, pnl.realizedPnL)

            trade = ib.placeOrder(Stock("AAPL", "SMART", "USD"), MarketOrder("BUY", 100))
            await until(ib, lambda: trade.orderStatus.status == "Filled", "the fill")
            single = ib.reqPnLSingle(account, "", AAPL)
            await until(ib, lambda: single.position == 100 and pnl.unrealizedPnL != 0,
                        "the position's PnL")
            opened = pnl.unrealizedPnL

            mark = gateway.call(lambda ex: ex.market.mark(AAPL))
            moved = await asyncio.to_thread(_step_until_moved, gateway, mark)
            await until(ib, lambda: single.value == pytest.approx(100 * moved)
                        and pnl.unrealizedPnL != opened, "a PnL update after the price moved")
            portfolio = await asyncio.to_thread(
                lambda: [i.unrealized_pnl for i in gateway.call(lambda ex: ex.portfolio(account))])
            ib.cancelPnL(account)
            ib.cancelPnLSingle(account, "", AAPL)
            return {"first": first, "pnl": (pnl.dailyPnL, pnl.unrealizedPnL, pnl.realizedPnL),
                    "single": (float(single.position), single.dailyPnL, single.unrealizedPnL,
                               single.realizedPnL, single.value),
                    "portfolio": portfolio}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert out["first"] == (0.0, 0.0, 0.0)
    daily, unrealized, realized = out["pnl"]
    assert not any(math.isnan(v) for v in out["pnl"])
    assert daily == pytest.approx(unrealized) and realized == 0.0  # bought today
    assert unrealized == pytest.approx(sum(out["portfolio"]), abs=0.01)
    position, s_daily, s_unrealized, s_realized, value = out["single"]
    assert position == 100 and s_unrealized == pytest.approx(unrealized)
    assert s_realized == 0.0 and s_daily == pytest.approx(daily) and value > 0
    _no_timeouts(records)
