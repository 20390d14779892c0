"""Errors that name the culprit, one-shot output, quotes that are states TWS had, fills totals."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest

from ibwire import Broker, MarketOrder, Stock
from ibwire.cli.monitor import Monitor
from ibwire.cli.options import Conn
from ibwire.cli.trade import nearest_ticks
from ibwire.gateway import PaperGateway
from ibwire.models import Forex, Future

from .conftest import Cli, make_cli
from .helpers import as_json, json_lines, render


def test_quote_names_the_unknown_symbol_and_shows_the_others(cli: Cli) -> None:
    r = cli("quote", "AAPL", "XYZQ", "MSFT", "--once")
    assert r.exit_code == 1
    assert [line.split()[0] for line in r.stdout.splitlines()] == ["AAPL", "MSFT"]
    assert "unknown contract XYZQ (error 200)" in r.stderr and "the other symbols were quoted" in r.stderr
    docs = as_json(cli("quote", "AAPL", "XYZQ", "--once", "--json"))
    assert docs[0]["contract"]["con_id"] == 265598 and docs[0]["bid"] > 0
    assert docs[1] == {"contract": {"symbol": "XYZQ"}, "error": {
        "code": 200, "message": docs[1]["error"]["message"]}}


def test_quote_json_carries_the_con_id(cli: Cli) -> None:
    for q in as_json(cli("quote", "AAPL", "EUR.USD", "--once", "--json")):
        assert isinstance(q["contract"]["con_id"], int) and q["contract"]["con_id"] > 0


def test_no_crossed_quote_over_a_burst_of_updates(cli: Cli, gw: PaperGateway) -> None:
    stop = threading.Event()

    def move() -> None:
        while not stop.wait(0.002):
            gw.step(1)

    mover = threading.Thread(target=move, daemon=True)
    mover.start()
    try:
        r = cli("quote", "AAPL", "MSFT", "EUR.USD", "--json", "--count", "150")
    finally:
        stop.set()
        mover.join()
    assert r.exit_code == 0, r.stderr
    docs = json_lines(r)
    assert len(docs) == 150
    crossed = [d for d in docs if d["bid"] is not None and d["ask"] is not None and d["bid"] > d["ask"]]
    assert crossed == []


def test_error_110_gives_the_tick_size_and_the_nearest_prices(cli: Cli) -> None:
    r = cli("buy", "AAPL", "1", "--limit", "230.123")
    assert r.exit_code == 1
    text = " ".join(r.stderr.split())
    assert "error 110" in text
    assert "--limit 230.123 is not a multiple of the tick size 0.01" in text
    assert "the nearest valid prices are 230.12 and 230.13" in text
    completed = " ".join(cli("orders", "--completed").stdout.split())
    assert "LMT 230.123" in completed  # the price as given, not rounded to 230.12
    r = cli("sell", "ES:202612", "1", "--exchange", "CME", "--limit", "6000.1")
    assert "tick size 0.25" in " ".join(r.stderr.split()) and "6000.00 and 6000.25" in r.stderr


def test_nearest_ticks() -> None:
    assert nearest_ticks(230.12, 0.01) is None
    assert [str(p) for p in nearest_ticks(1.080011, 0.00005) or ()] == ["1.08000", "1.08005"]
    assert [str(p) for p in nearest_ticks(6000.3, 0.25) or ()] == ["6000.25", "6000.50"]


@pytest.mark.parametrize("command", ["buy", "sell"])
def test_a_negative_quantity_is_explained(cli: Cli, command: str) -> None:
    r = cli(command, "AAPL", "-5")
    assert r.exit_code == 2
    text = " ".join(r.stderr.split())
    assert "No such option" not in text
    assert "quantities are positive" in text and "BUY or SELL" in text
    other = "sell" if command == "buy" else "buy"
    assert f"ibwire {other} SYMBOL 5" in text


@pytest.fixture
def http_server() -> Iterator[int]:
    """A server that answers like an HTTP server does (not TWS)."""
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield port
    srv.close()
    t.join(5)


def test_a_peer_that_is_not_tws_is_named_as_such(http_server: int) -> None:
    r = make_cli(http_server)("positions")
    assert r.exit_code == 3
    text = " ".join(r.stderr.split())
    assert "does not speak the TWS API" in text and "HTTP/1.1 400" in text
    assert "frame length" not in text and "exceeds" not in text


def test_monitor_keeps_the_reason_of_the_drop_and_counts_attempts(gw: PaperGateway) -> None:
    now = datetime(2026, 11, 20, 10, 0, 0).astimezone()
    mon = Monitor(Conn("127.0.0.1", gw.port, 0, 2.0), retry=5.0, clock=lambda: now)
    try:
        assert mon.connect()
        assert gw.drop_client(0)
        assert mon.broker.wait_until(lambda: mon.state.state == "OFFLINE", 10)
        reason = mon.state.reason
        assert reason and "refused" not in reason.lower()
        gw.stop()  # TWS is gone: the next attempts are refused
        mon.step()
        mon.step()  # (the clock stands still: not yet due)
        assert mon.state.reason == reason and mon.state.attempts == 1
        text = render(mon.snapshot(), 160)
        assert "OFFLINE since" in text and reason[:30] in " ".join(text.split())
        assert "reconnect attempt 1" in text and "Connection refused" in text
        once = render(mon.snapshot(live=False), 160)
        assert "Ctrl-C" not in once and "reconnecting in" not in once
    finally:
        mon.close()


def test_monitor_once_offline_has_no_empty_tables_and_no_ctrl_c(gw: PaperGateway) -> None:
    port = gw.port
    gw.stop()
    r = make_cli(port)("monitor", "--once")
    assert r.exit_code == 3
    assert "OFFLINE" in r.stdout and "error 502" in r.stdout
    assert "Ctrl-C" not in r.stdout and "no positions" not in r.stdout and "account" not in r.stdout


def test_fills_total_is_per_contract(cli: Cli, gw: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gw.port, client_id=1) as b:
        for contract, action, qty in ((Stock("AAPL"), "BUY", 100), (Stock("AAPL"), "SELL", 40),
                                      (Forex("EUR.USD"), "BUY", 20000),
                                      (Future("ES", "202612", "CME"), "BUY", 2)):
            b.submit_order(contract, MarketOrder(action, qty)).wait_done(10)
    r = cli("fills")
    assert r.exit_code == 0, r.stderr
    total = " ".join(r.stdout.splitlines()[-2:]).split("fills:")[-1]
    assert "AAPL bought 100, sold 40" in total and "EUR.USD bought 20,000" in total
    assert "bought 2" in total and "ES" in total
    assert "20,14" not in total and "shares" not in total  # nothing added across contracts
