"""ib_async 2.1.0 (server version 178) trades a combo of two stocks on the paper gateway: the
trade fills, its fills hold one execution per leg and one for the combo, and ib_async's own
accounting of a combo (it counts the BAG fills only) gives the combo quantity."""

from __future__ import annotations

from typing import Any

import pytest

ib_async = pytest.importorskip("ib_async")

from ib_async import IB, Bag, ComboLeg, MarketOrder  # noqa: E402

from .test_interop_ib_async import run_in_thread, until  # noqa: E402

AAPL, MSFT = 265598, 272093


def test_ib_async_combo_fills_leg_by_leg(gateway):
    async def scenario() -> dict[str, Any]:
        ib = IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=16, timeout=10)
        try:
            combo = Bag(symbol="AAPL,MSFT", exchange="SMART", currency="USD",
                        comboLegs=[ComboLeg(conId=AAPL, ratio=1, action="BUY", exchange="SMART"),
                                   ComboLeg(conId=MSFT, ratio=1, action="SELL",
                                            exchange="SMART")])
            trade = ib.placeOrder(combo, MarketOrder("BUY", 5))
            await until(ib, lambda: trade.orderStatus.status == "Filled" and len(trade.fills) == 3
                        and all(f.commissionReport.execId for f in trade.fills), "the combo's fills")
            # positions arrive as their own updates after the fills: wait for both legs'
            await until(ib, lambda: len({p.contract.conId for p in ib.positions()
                                         if p.position} & {AAPL, MSFT}) == 2, "the legs' positions")
            return {"fills": [(f.contract.secType, f.contract.conId, f.execution.side,
                               float(f.execution.shares), f.commissionReport.commission)
                              for f in trade.fills],
                    "filled": float(trade.filled()), "remaining": float(trade.remaining()),
                    "positions": sorted((p.contract.conId, float(p.position))
                                        for p in ib.positions())}
        finally:
            ib.disconnect()

    out = run_in_thread(scenario)
    assert [f[:4] for f in out["fills"]] == [("STK", AAPL, "BOT", 5.0), ("STK", MSFT, "SLD", 5.0),
                                             ("BAG", 28812380, "BOT", 5.0)]
    assert out["fills"][2][4] == 0.0 and out["fills"][0][4] > 0
    assert out["filled"] == 5.0 and out["remaining"] == 0.0
    assert out["positions"] == [(AAPL, 5.0), (MSFT, -5.0)]
