"""Persistence: a paper exchange on a state file resumes where it stopped."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ibwire.gateway.exchange import FillEvent, OrderUpdate, PaperExchange
from ibwire.gateway.store import Store, from_json, to_json
from ibwire.models import Contract, Forex, LimitOrder, MarketOrder, Order, Stock, StopOrder
from ibwire.protocol.codec import TagValue

START = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ACCT = "DU1234567"
AAPL, MSFT = 265598, 272093


class Clock:
    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> datetime:
        return self.t


def _session(path: Path, clock: Clock) -> tuple[PaperExchange, dict[str, object]]:
    ex = PaperExchange(accounts=(ACCT, "DU7654321"), seed=99, clock=clock, state_path=path)
    ex.place_order(1, 5, Stock("AAPL"), MarketOrder("BUY", 300, order_ref="keep"))
    ex.place_order(1, 6, Stock("MSFT"), MarketOrder("SELL", 100))
    ex.place_order(2, 40, Forex("EURUSD"), MarketOrder("BUY", 50_000, account="DU7654321"))
    bid, _, _ = ex.market.touch(AAPL)
    ex.place_order(1, 9, Stock("AAPL"), LimitOrder("BUY", 10, round(bid - 20, 2), tif="GTC",
                                                   order_ref="resting"))
    ex.place_order(3, 2, Stock("AAPL"), StopOrder("SELL", 10, round(bid - 20, 2), tif="GTC"))
    ex.place_order(3, 3, Stock("AAPL"), LimitOrder("BUY", 10, round(bid - 20, 2)))
    ex.cancel_order(3, 3)
    clock.t = START + timedelta(minutes=5)
    ex.step(300)
    seen = {
        "positions": [(p.account, p.contract.con_id, p.position, p.avg_cost)
                      for p in ex.positions()],
        "cash": {c: dict(ex.accounts.state(c).cash) for c in ex.managed_accounts},
        "values": ex.account_summary("NetLiquidation,TotalCashValue,$LEDGER:ALL"),
        "open": [(r.client_id, r.order_id, r.perm_id, r.status, r.order.lmt_price,
                  r.order.aux_price, r.order.tif, r.order.order_ref, r.contract)
                 for r in ex.open_orders()],
        "done": [(r.perm_id, r.status, r.filled, r.avg_fill_price, r.completed_status)
                 for r in ex.completed_orders()],
        "executions": ex.executions(),
        "quote": ex.quote(AAPL),
        "floors": (ex.next_valid_id(1), ex.next_valid_id(2), ex.next_valid_id(3)),
    }
    return ex, seen


def test_restart_resumes_everything(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    clock = Clock()
    ex, seen = _session(path, clock)
    ex.close()

    again = PaperExchange(accounts=(ACCT, "DU7654321"), seed=1234, clock=clock, state_path=path)
    assert [(p.account, p.contract.con_id, p.position, p.avg_cost)
            for p in again.positions()] == seen["positions"]
    assert {c: dict(again.accounts.state(c).cash) for c in again.managed_accounts} \
        == seen["cash"]
    assert again.quote(AAPL) == seen["quote"]  # same seed, start and step
    assert again.account_summary("NetLiquidation,TotalCashValue,$LEDGER:ALL") == seen["values"]
    assert [(r.client_id, r.order_id, r.perm_id, r.status, r.order.lmt_price, r.order.aux_price,
             r.order.tif, r.order.order_ref, r.contract)
            for r in again.open_orders()] == seen["open"]
    assert [(r.perm_id, r.status, r.filled, r.avg_fill_price, r.completed_status)
            for r in again.completed_orders()] == seen["done"]
    assert again.executions() == seen["executions"]
    assert (again.next_valid_id(1), again.next_valid_id(2), again.next_valid_id(3)) \
        == seen["floors"] == (10, 41, 4)

    # the floors, counters and open orders keep working after the restart
    assert again.place_order(1, 9, Stock("AAPL"), MarketOrder("BUY", 1))[0].record.status \
        == "Submitted"  # id 9 is still open: a modify
    assert again.place_order(1, 5, Stock("AAPL"), MarketOrder("BUY", 1))[0].code == 104  # type: ignore[union-attr]
    events = again.place_order(1, 10, Stock("AAPL"), MarketOrder("SELL", 300))
    fill = next(e for e in events if isinstance(e, FillEvent))
    assert fill.record.perm_id > max(p for p, *_ in seen["done"])  # type: ignore[misc]
    assert fill.execution.exec_id not in {e.exec_id for e, _, _ in seen["executions"]}  # type: ignore[attr-defined]
    assert fill.commission.realized_pnl is not None  # closes the resumed position
    cancelled = again.cancel_order(3, 2)
    assert isinstance(cancelled[0], OrderUpdate) and cancelled[0].record.status == "Cancelled"
    again.close()

    third = PaperExchange(state_path=path, clock=clock)
    assert third.managed_accounts == (ACCT, "DU7654321")
    assert third.next_valid_id(1) == 11
    assert [r.order_id for r in third.open_orders()] == []
    assert len(third.executions()) == len(seen["executions"]) + 2  # type: ignore[arg-type]
    third.close()


def test_state_lives_in_real_tables(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    ex, _ = _session(path, Clock())
    ex.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"meta", "accounts", "cash", "positions", "orders", "executions",
                "order_id_floors"} <= tables
        assert db.execute("SELECT max_order_id FROM order_id_floors WHERE client_id=1"
                          ).fetchone() == (9,)
        assert db.execute("SELECT quantity FROM positions WHERE con_id=?", (MSFT,)
                          ).fetchone() == ("-100",)
        rows = db.execute("SELECT order_type, status, order_ref FROM orders WHERE order_id=9 "
                          "AND client_id=1").fetchall()
        assert rows == [("LMT", "Submitted", "resting")]
        assert db.execute("SELECT count(*) FROM executions").fetchone()[0] == 3
        meta = dict(db.execute("SELECT key, value FROM meta"))
        assert meta["seed"] == "99" and meta["market_step"] == "300"
    finally:
        db.close()


def test_save_is_incremental_and_survives_an_unclosed_exchange(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    ex = PaperExchange(state_path=path, clock=Clock())
    ex.place_order(7, 1, Stock("AAPL"), MarketOrder("BUY", 1))
    # no close(): every operation has already committed
    other = Store(path)
    try:
        st = other.load()
        assert st.floors == {7: 1} and len(st.orders) == 1 and len(st.executions) == 1
    finally:
        other.close()
    ex.close()


def test_tagged_json_round_trip() -> None:
    order = LimitOrder("BUY", Decimal("12.5"), 101.25, order_ref="x", account="DU1")
    order.algo_params = [TagValue("maxPctVol", "0.1")]
    assert from_json(to_json(order)) == order
    contract = Contract(con_id=1, symbol="X", sec_type="STK")
    assert from_json(to_json(contract)) == contract
    text = to_json(Order(total_quantity=Decimal(3)))
    assert '"$dec":"3"' in text


def test_state_file_cannot_name_foreign_classes() -> None:
    with pytest.raises(ValueError):
        from_json('{"$cls": "subprocess:Popen", "args": ["true"]}')
    with pytest.raises(ValueError):
        from_json('{"no": "tag"}')
