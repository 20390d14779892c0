"""Broker and EClient against replays of real TWS traffic (shared/vectors/captured.json).

sv 173: handshake, accounts, positions (a short stock and a future), an order acknowledged and
then filled with its execution. sv 164: an order acknowledged, filled, its execution and its
commission report (same exec id). The frames are sent exactly as captured.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeSession, FakeTws

from ibwire import Broker, EClient, EWrapper, MarketOrder, Stock
from ibwire.protocol.messages.accounts import ReqPositions
from ibwire.protocol.messages.orders import PlaceOrder

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "captured.json"


def captured() -> list[dict[str, Any]]:
    if not VECTORS.exists():
        pytest.skip("golden vectors not found: they are in the project's shared/ folder beside this repository (../shared/vectors/), which CI has; see README, Tests")
    data: list[dict[str, Any]] = json.loads(VECTORS.read_text())
    return data


def frames(version: int, name: str, source_part: str) -> list[list[str]]:
    return [m["fields"] for m in captured()
            if m.get("server_version") == version and m.get("name") == name
            and source_part in m.get("source", "") and m.get("direction") == "server->client"]


def replay_173() -> FakeTws:
    positions = frames(173, "POSITION_DATA", "tws_interactions") + frames(173, "POSITION_END", "tws_interactions")
    order_flow = [m["fields"] for m in captured()
                  if m.get("server_version") == 173 and "sync.rs:105" in m.get("source", "")
                  and m.get("direction") == "server->client"]
    assert len(positions) == 3 and len(order_flow) == 5

    def on_positions(msg: Any, session: FakeSession) -> None:
        for f in positions:
            session.send_raw(f)

    def on_place(msg: Any, session: FakeSession) -> None:
        for f in order_flow:
            session.send_raw(f)

    tws = FakeTws(version=173, accounts=("DU1234567",), next_valid_id=5)
    return tws.on(ReqPositions, on_positions).on(PlaceOrder, on_place)


def test_broker_against_sv173_replay() -> None:
    with replay_173() as tws, Broker.connect(tws.host, tws.port, client_id=100, timeout=5) as broker:
        assert broker.server_version == 173
        assert broker.accounts == ["DU1234567"]
        positions = {p.contract.symbol: p for p in broker.positions()}
        aapl, es = positions["AAPL"], positions["ES"]
        assert aapl.position == Decimal(-110) and aapl.avg_cost == pytest.approx(201.8829709)
        assert aapl.contract.sec_type == "STK" and aapl.contract.con_id == 265598
        assert es.position == Decimal(1) and es.contract.sec_type == "FUT"
        assert es.contract.last_trade_date_or_contract_month == "20250919"
        assert es.contract.multiplier == "50" and es.contract.local_symbol == "ESU5"

        ticket = broker.submit_order(Stock("AAPL"), MarketOrder("BUY", 100))
        assert ticket.order_id == 5
        ticket.wait_done(5)
        assert ticket.status == "Filled"
        assert ticket.filled == Decimal(100) and ticket.avg_fill_price == pytest.approx(201.94)
        assert ticket.perm_id == 600745656
        assert ticket.wait_for(lambda t: len(t.fills) == 1, 5)
        fill = ticket.fills[0]
        assert fill.execution.exec_id == "0000e0d5.67fe667b.01.01"
        assert fill.execution.side == "BOT" and fill.execution.shares == Decimal(100)
        assert fill.execution.price == pytest.approx(201.94)
        sent = tws.wait_for(PlaceOrder)
        assert sent.contract.symbol == "AAPL" and sent.order.total_quantity == Decimal(100)


def test_broker_pairs_execution_and_commission_at_sv164() -> None:
    flow = [m["fields"] for m in captured()
            if m.get("server_version") == 164 and m.get("name") in
            ("OPEN_ORDER", "ORDER_STATUS", "EXECUTION_DATA", "COMMISSION_REPORT")
            and "orders/sync.rs" in m.get("source", "") and m["fields"][1] in ("13", "-1", "1")]
    names = [f[0] for f in flow]
    assert "59" in names and "11" in names

    def on_place(msg: Any, session: FakeSession) -> None:
        for f in flow:
            session.send_raw(f)

    tws = FakeTws({PlaceOrder: on_place}, version=164, accounts=("DU1234567",), next_valid_id=13)
    with tws, Broker.connect(tws.host, tws.port, client_id=100, timeout=5) as broker:
        ticket = broker.submit_order(Stock("TSLA"), MarketOrder("BUY", 100))
        assert ticket.order_id == 13
        assert ticket.wait_for(lambda t: bool(t.fills) and t.fills[0].commission_report is not None, 5)
        fill = ticket.fills[0]
        assert fill.execution.exec_id == "00025b46.63f8f39c.01.01"
        assert fill.commission_report is not None
        assert fill.commission_report.commission == pytest.approx(1.0)
        assert fill.commission_report.currency == "USD"
        assert fill.commission_report.realized_pnl is None  # TWS's unset 1.797e308


class Recorder(EWrapper):
    def __init__(self) -> None:
        super().__init__()
        self.positions: list[tuple[str, Any, Any, float]] = []
        self.position_end = threading.Event()
        self.statuses: list[tuple[int, str]] = []
        self.execs: list[Any] = []
        self.filled = threading.Event()
        self.next_id: int | None = None
        self.ready = threading.Event()

    def nextValidId(self, orderId: int) -> None:
        self.next_id = orderId
        self.ready.set()

    def position(self, account: str, contract: Any, position: Any, avgCost: float) -> None:
        self.positions.append((account, contract, position, avgCost))

    def positionEnd(self) -> None:
        self.position_end.set()

    def orderStatus(self, orderId: int, status: str, *args: Any) -> None:
        self.statuses.append((orderId, status))
        if status == "Filled":
            self.filled.set()

    def execDetails(self, reqId: int, contract: Any, execution: Any) -> None:
        self.execs.append(execution)


def test_eclient_against_sv173_replay() -> None:
    with replay_173() as tws:
        wrapper = Recorder()
        client = EClient(wrapper)
        client.connect(tws.host, tws.port, 100)
        thread = threading.Thread(target=client.run, daemon=True)
        thread.start()
        try:
            assert wrapper.ready.wait(5)
            assert client.serverVersion() == 173
            client.reqPositions()
            assert wrapper.position_end.wait(5)
            by_symbol = {c.symbol: (pos, cost) for _, c, pos, cost in wrapper.positions}
            assert by_symbol["AAPL"][0] == Decimal(-110)
            assert by_symbol["ES"][0] == Decimal(1)
            assert wrapper.next_id == 5
            client.placeOrder(5, Stock("AAPL"), MarketOrder("BUY", 100))
            assert wrapper.filled.wait(5)
            assert (5, "PreSubmitted") in wrapper.statuses and (5, "Filled") in wrapper.statuses
            assert wrapper.execs and wrapper.execs[0].exec_id == "0000e0d5.67fe667b.01.01"
        finally:
            client.disconnect()
            thread.join(5)
