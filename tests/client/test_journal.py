"""The order journal on its own: what it records, what survives a reopen, who may open it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ibwire import LimitOrder, Stock
from ibwire.client.journal import (
    IntentRecord,
    JournalError,
    MemoryJournal,
    SqliteJournal,
    from_json,
    to_json,
)
from ibwire.models import CommissionReport, Execution, Future, Order, TagValue


def intent(order_id: int, ref: str | None = "k1", client_id: int = 1) -> IntentRecord:
    order = LimitOrder("BUY", 10, 100.25)
    order.order_ref, order.order_id, order.client_id = ref, order_id, client_id
    return IntentRecord(client_id, order_id, Stock("AAPL"), order, ref, remaining=Decimal(10))


def execution(exec_id: str, order_id: int = 5, shares: int = 10) -> Execution:
    return Execution(exec_id=exec_id, time=datetime(2026, 1, 5, 15, 0, tzinfo=UTC), side="BOT",
                     shares=Decimal(shares), price=100.25, perm_id=77, client_id=1,
                     order_id=order_id, order_ref="k1")


@pytest.fixture(params=["memory", "sqlite"])
def journal(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    j = MemoryJournal() if request.param == "memory" else SqliteJournal(tmp_path / "orders.db")
    yield j
    j.close()


def test_models_round_trip_through_tagged_json() -> None:
    order = LimitOrder("SELL", Decimal("1.5"), 99.5)
    order.algo_params = [TagValue("maxPctVol", "0.1")]
    order.order_ref = "x"
    contract = Future("ES", "202612", exchange="CME")
    assert from_json(to_json(order)) == order
    assert from_json(to_json(contract)) == contract
    ex = execution("e1")
    assert from_json(to_json(ex)) == ex


def test_tagged_json_refuses_classes_outside_the_models() -> None:
    with pytest.raises(JournalError):
        from_json('{"$dc": "subprocess:Popen", "args": "ls"}')


def test_intent_is_unique_per_client_order_id(journal) -> None:  # type: ignore[no-untyped-def]
    first = journal.record_intent(intent(5))
    again = journal.record_intent(intent(6))  # same client order id: nothing new is recorded
    assert again is first
    assert [r.order_id for r in journal.intents()] == [5]
    assert journal.lookup("k1") is first
    assert journal.max_order_id(1) == 5


def test_updates_are_applied_and_state_never_goes_back(journal) -> None:  # type: ignore[no-untyped-def]
    rec = journal.record_intent(intent(5))
    assert journal.update(rec, state="acknowledged", status="Submitted", perm_id=77)
    assert not journal.update(rec, status="Submitted")  # nothing changed
    journal.update(rec, state="recorded")  # an acknowledged order never becomes "recorded" again
    assert rec.state == "acknowledged" and rec.perm_id == 77


def test_executions_are_unique_by_exec_id_and_pair_early_commissions(journal) -> None:  # type: ignore[no-untyped-def]
    report = CommissionReport("e1", 1.25, "USD")
    assert journal.record_commission(report)  # before its execution: kept aside
    assert not journal.record_commission(report)
    stored = journal.record_execution(Stock("AAPL"), execution("e1"))
    assert stored is not None and stored.commission_report == report
    assert journal.record_execution(Stock("AAPL"), execution("e1")) is None
    assert len(journal.fills()) == 1
    assert journal.last_execution_time() == datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def test_forget_removes_an_unsent_intent(journal) -> None:  # type: ignore[no-untyped-def]
    rec = journal.record_intent(intent(5))
    journal.forget(rec)
    assert journal.lookup("k1") is None and journal.intents() == []
    assert journal.max_order_id(1) == 5  # the id is still never reused


def test_sqlite_journal_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    j = SqliteJournal(path)
    rec = j.record_intent(intent(41))
    j.update(rec, state="acknowledged", status="Submitted", perm_id=77, filled=Decimal(4))
    j.record_commission(CommissionReport("e2", 1.0, "USD"))  # its execution never came
    j.record_execution(Stock("AAPL"), execution("e1", 41, 4))
    j.note_order_id(1, 50)
    j.close()
    again = SqliteJournal(path)
    try:
        [back] = again.intents()
        assert (back.order_id, back.state, back.status, back.perm_id, back.filled) == (
            41, "acknowledged", "Submitted", 77, Decimal(4))
        assert back.order.lmt_price == 100.25 and back.order.order_ref == "k1"
        assert back.contract == Stock("AAPL")
        assert [f.execution.exec_id for f in again.fills()] == ["e1"]
        assert again.max_order_id(1) == 50
        # the parked commission meets its execution after the reopen
        stored = again.record_execution(Stock("AAPL"), execution("e2", 41, 6))
        assert stored is not None and stored.commission_report is not None
        changes = [c for _, c in again.status_log(1, 41)]
        assert changes[0]["state"] == "recorded" and changes[-1]["filled"] == Decimal(4)
    finally:
        again.close()


def test_intent_is_on_disk_when_record_intent_returns(tmp_path: Path) -> None:
    """Another process (sqlite3 directly) sees the intent before the journal is closed."""
    path = tmp_path / "orders.db"
    j = SqliteJournal(path)
    j.record_intent(intent(7))
    j.close()  # releases the exclusive lock; the row was committed by record_intent already
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT order_id, client_order_id, state FROM intents").fetchall()
    assert rows == [(7, "k1", "recorded")]


def test_a_journal_is_exclusive_to_one_process(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    j = SqliteJournal(path)
    try:
        with pytest.raises(JournalError) as info:
            SqliteJournal(path)
        assert "in use" in str(info.value)
        code = ("import sys; from ibwire.client.journal import SqliteJournal, JournalError\n"
                "try:\n    SqliteJournal(sys.argv[1])\nexcept JournalError as e:\n"
                "    print(e); sys.exit(3)\n")
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 3 and "in use" in out.stdout
    finally:
        j.close()
    SqliteJournal(path).close()  # free again once closed


def test_journal_of_a_killed_process_opens_at_once(tmp_path: Path) -> None:
    path = tmp_path / "orders.db"
    code = ("import os, sys\nfrom ibwire.client.journal import SqliteJournal, IntentRecord\n"
            "from ibwire import Stock, MarketOrder\n"
            "j = SqliteJournal(sys.argv[1])\n"
            "j.record_intent(IntentRecord(1, 9, Stock('AAPL'), MarketOrder('BUY', 1), 'dead'))\n"
            "os.kill(os.getpid(), 9)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=60)
    assert out.returncode == -9
    j = SqliteJournal(path)
    try:
        rec = j.lookup("dead")
        assert rec is not None and rec.order_id == 9 and rec.state == "recorded"
        assert isinstance(rec.order, Order)
    finally:
        j.close()
