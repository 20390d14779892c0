"""A combo (BAG) of two stocks through the Broker: one ticket, filled, with a fill per leg and
one for the combo; the legs' positions and PnL follow."""

from __future__ import annotations

from ibwire import LimitOrder, MarketOrder
from ibwire.models.contract import ComboLeg, Contract

from .conftest import AAPL, MSFT, WAIT_S


def _pair() -> Contract:
    return Contract(symbol="AAPL,MSFT", sec_type="BAG", exchange="SMART", currency="USD",
                    combo_legs=[ComboLeg(con_id=AAPL, ratio=1, action="BUY", exchange="SMART"),
                                ComboLeg(con_id=MSFT, ratio=1, action="SELL", exchange="SMART")])


def test_broker_combo_order(gateway, broker):
    ticket = broker.submit_order(_pair(), MarketOrder("BUY", 3))
    ticket.wait_done(WAIT_S)
    assert ticket.status == "Filled" and ticket.filled == 3
    assert broker.wait_until(lambda: len(ticket.fills) == 3, WAIT_S)
    kinds = [(f.contract.sec_type, f.contract.con_id, f.execution.side) for f in ticket.fills]
    assert kinds == [("STK", AAPL, "BOT"), ("STK", MSFT, "SLD"), ("BAG", 28812380, "BOT")]
    net = ticket.fills[0].execution.price - ticket.fills[1].execution.price
    assert ticket.avg_fill_price == round(net, 6) == ticket.fills[2].execution.price
    positions = {p.contract.con_id: p.position for p in broker.positions()}
    assert positions == {AAPL: 3, MSFT: -3}
    pnl = broker.pnl_single(None, MSFT)
    assert pnl.position == -3 and pnl.realized_pnl == 0.0


def test_broker_combo_limit_rests(gateway, broker):
    ticket = broker.submit_order(_pair(), LimitOrder("BUY", 1, -10_000.0))
    assert broker.wait_until(lambda: ticket.status == "Submitted", WAIT_S)
    gateway.step(60)
    broker.current_time()
    assert ticket.status == "Submitted" and not ticket.fills
    broker.cancel_order(ticket.order_id)
    assert broker.wait_until(lambda: ticket.status == "Cancelled", WAIT_S)
