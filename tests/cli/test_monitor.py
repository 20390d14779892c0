"""``ibwire monitor``: frames rendered to text, --once, and surviving a disconnect."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from rich.console import Console

from ibwire import Broker, LimitOrder, MarketOrder, Stock
from ibwire.cli.monitor import Monitor, MonitorState, render
from ibwire.cli.options import Conn
from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_CLIENT_VERSION

from .conftest import Cli, make_cli
from .helpers import as_json


def frame_text(mon: Monitor, width: int = 200) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(mon.snapshot())
    text = console.export_text()
    console.file.close()
    return text


def wait_for(mon: Monitor, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Wait on the monitor's change event until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        mon.changed.wait(left)
        mon.changed.clear()
    return True


@pytest.fixture
def trades(gw: PaperGateway) -> None:
    """Client 1 buys 100 AAPL (filled) and rests a limit buy of MSFT."""
    with Broker.connect("127.0.0.1", gw.port, client_id=1) as b:
        b.submit_order(Stock("AAPL"), MarketOrder("BUY", 100), client_order_id="m-1").wait_done(10)
        b.submit_order(Stock("MSFT"), LimitOrder("BUY", 5, 10.0), client_order_id="rest-1")


@pytest.fixture
def mon(gw: PaperGateway) -> Iterator[Monitor]:
    m = Monitor(Conn("127.0.0.1", gw.port, 0, 5.0), refresh=1.0, retry=0.5)
    yield m
    m.close()


def test_once_shows_connection_account_positions_orders_fills_notices(cli: Cli, trades: None) -> None:
    r = cli("monitor", "--once")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "CONNECTED" in out and f"server v{MAX_CLIENT_VERSION}" in out and "accounts DU1234567" in out
    assert "client 0" in out
    assert "NetLiquidation" in out and "UnrealizedPnL" in out
    positions = next(line for line in out.splitlines() if "AAPL" in line and "DU1234567" in line)
    assert "100" in positions
    assert "MSFT" in out and "LMT 10.00" in out and "rest-1" in out  # client 1's order, seen by 0
    assert "last fills" in out and "BOT" in out
    assert "2104" in out and "Market data farm connection is OK" in out


def test_once_json(cli: Cli, trades: None) -> None:
    state = as_json(cli("monitor", "--once", "--json"))
    assert state["state"] == "CONNECTED" and state["server_version"] == MAX_CLIENT_VERSION
    assert state["accounts"] == ["DU1234567"]
    assert float(state["values"]["DU1234567"]["NetLiquidation"]["value"]) > 0
    assert [p["contract"]["symbol"] for p in state["positions"]] == ["AAPL"]
    assert state["positions"][0]["position"] == 100
    assert [o["ref"] for o in state["orders"]] == ["rest-1"]
    assert [f["shares"] for f in state["fills"]] == [100]
    assert {n["code"] for n in state["notices"]} >= {2104, 2106, 2158}


def test_once_when_tws_is_down_shows_offline_and_exits_3(gw: PaperGateway) -> None:
    port = gw.port
    gw.stop()
    r = make_cli(port)("monitor", "--once")
    assert r.exit_code == 3
    assert "OFFLINE" in r.stdout and "error 502" in r.stdout and f"127.0.0.1:{port}" in r.stdout


def test_monitor_survives_a_disconnect_and_reconnects(gw: PaperGateway, trades: None,
                                                      mon: Monitor) -> None:
    assert mon.connect()
    text = frame_text(mon)
    assert "CONNECTED" in text and "AAPL" in text and "OFFLINE" not in text
    assert gw.drop_client(0)
    assert wait_for(mon, lambda: mon.state.state == "OFFLINE")
    text = frame_text(mon)
    assert "OFFLINE since" in text and "closed" in text
    assert "may be stale" in text
    assert "AAPL" in text  # the last data stays on screen
    mon.step()  # due at once: reconnects
    assert mon.state.state == "CONNECTED"
    text = frame_text(mon)
    assert "CONNECTED" in text and "OFFLINE" not in text and "stale" not in text


def test_offline_view_counts_down_to_the_next_attempt(gw: PaperGateway) -> None:
    port = gw.port
    gw.stop()
    now = datetime(2024, 5, 3, 12, 0, 0).astimezone()
    m = Monitor(Conn("127.0.0.1", port, 0, 2.0), retry=5.0, clock=lambda: now)
    try:
        m.step()
        assert m.state.state == "OFFLINE"
        text = frame_text(m)
        assert "OFFLINE since 12:00:00" in text and "reconnecting in 5 s" in text
        assert "Couldn't connect to TWS" in text
    finally:
        m.close()


def test_fills_reach_the_frame(gw: PaperGateway, mon: Monitor) -> None:
    assert mon.connect()
    assert "no fills yet" in frame_text(mon)
    with Broker.connect("127.0.0.1", gw.port, client_id=3) as b:  # another client trades
        b.submit_order(Stock("AAPL"), MarketOrder("BUY", 7)).wait_done(10)
    mon.step()
    line = next(line for line in frame_text(mon).splitlines() if "BOT" in line)
    assert "AAPL" in line and "3/1" in line
    assert [p["position"] for p in mon.state.positions] == [7]
    # the monitor's own client id gets its fills pushed, without a refresh
    mon.broker.submit_order(Stock("MSFT"), MarketOrder("SELL", 2))
    assert wait_for(mon, lambda: len(mon.state.fills) == 2)
    assert "SLD" in frame_text(mon)


def test_degraded_state_is_shown(gw: PaperGateway, mon: Monitor) -> None:
    assert mon.connect()
    gw.send_connectivity(1100)
    assert wait_for(mon, lambda: mon.state.state == "DEGRADED")
    text = frame_text(mon)
    assert "DEGRADED" in text and "TWS lost its connection to IB" in text
    gw.send_connectivity(1102)
    assert wait_for(mon, lambda: mon.state.state == "CONNECTED")


def render_text(s: MonitorState, now: datetime, width: int = 160, live: bool = True) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render(s, now, live))
    text = console.export_text()
    console.file.close()
    return text


def test_render_before_the_first_connection_shows_only_why() -> None:
    s = MonitorState("127.0.0.1:7497", 0)
    now = datetime(2024, 5, 3, 12, 0, 0).astimezone()
    s.state, s.reason, s.since, s.retry_at = "OFFLINE", "connection refused", now, now + timedelta(seconds=3)
    text = render_text(s, now)
    assert "OFFLINE since 12:00:00" in text and ": connection refused" in text
    assert "reconnecting in 3 s" in text
    assert "positions" not in text and "no open orders" not in text  # no empty tables


def test_render_of_a_connected_state_without_data() -> None:
    s = MonitorState("127.0.0.1:7497", 0)
    now = datetime(2024, 5, 3, 12, 0, 0).astimezone()
    s.state, s.updated = "CONNECTED", now
    text = render_text(s, now)
    assert "no positions" in text and "no open orders" in text and "no fills yet" in text
