"""Every script in examples/ runs against the paper gateway (as CI runs them) and says what it did."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ibwire import Broker, LimitOrder, Stock
from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def gw() -> Iterator[PaperGateway]:
    with PaperGateway(port=0) as g:  # the market clock runs: quotes move
        yield g


def run(name: str, gw: PaperGateway | None, env: dict[str, str] | None = None,
        argv: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    for key in ("IBWIRE_HOST", "IBWIRE_CLIENT_ID"):
        full.pop(key, None)
    if gw is not None:
        full["IBWIRE_PORT"] = str(gw.port)
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *argv], env=full, text=True,
                          capture_output=True, timeout=120, cwd=EXAMPLES.parent)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def test_there_are_at_least_six_examples() -> None:
    scripts = [p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")]
    assert len(scripts) >= 6


def test_positions(gw: PaperGateway) -> None:
    out = run("positions.py", gw).stdout
    assert f"server version {MAX_VERSION}" in out and "no positions" in out
    assert "DU1234567 net liquidation 1000000.00 USD" in out


def test_host_and_port_from_argv(gw: PaperGateway) -> None:
    out = run("positions.py", None, {"IBWIRE_PORT": "1"}, ("127.0.0.1", str(gw.port))).stdout
    assert f"server version {MAX_VERSION}" in out


def test_buy_and_wait_then_positions(gw: PaperGateway) -> None:
    out = run("buy_and_wait.py", gw, {"IBWIRE_QUANTITY": "25"}).stdout
    assert "order 1 acknowledged" in out and "Filled: 25 at" in out
    assert "BOT 25 AAPL" in out and "commission 1.00 USD" in out
    out = run("positions.py", gw).stdout
    assert "AAPL" in out and " 25 " in out


def test_stream_quotes(gw: PaperGateway) -> None:
    out = run("stream_quotes.py", gw, {"IBWIRE_UPDATES": "4", "IBWIRE_SYMBOLS": "AAPL,MSFT"}).stdout
    lines = out.splitlines()
    assert len(lines) == 4 and all(" bid " in line and " ask " in line for line in lines)
    assert {line.split()[0] for line in lines} <= {"AAPL", "MSFT"}


def test_bars_to_csv(gw: PaperGateway, tmp_path: Path) -> None:
    target = tmp_path / "bars.csv"
    proc = run("bars_to_csv.py", gw, {"IBWIRE_CSV": str(target), "IBWIRE_SYMBOL": "MSFT"})
    rows = list(csv.DictReader(target.open()))
    assert rows and list(rows[0]) == ["time", "open", "high", "low", "close", "volume"]
    assert f"{len(rows)} bars of MSFT written to {target}" in proc.stderr


def test_async_account_watcher(gw: PaperGateway) -> None:
    out = run("async_account_watcher.py", gw, {"IBWIRE_WATCH_SECONDS": "1"}).stdout
    assert f"watching DU1234567 (server version {MAX_VERSION})" in out
    assert "DU1234567: net liquidation 1000000.00, cash 1000000.00" in out
    assert out.rstrip().endswith("done")


def test_async_account_watcher_shows_other_clients_orders(gw: PaperGateway) -> None:
    """An order of another client: listed at the start while it rests, then its cancel live."""
    full = {**os.environ, "PYTHONUNBUFFERED": "1", "IBWIRE_PORT": str(gw.port),
            "IBWIRE_WATCH_SECONDS": "60"}
    for key in ("IBWIRE_HOST", "IBWIRE_CLIENT_ID"):
        full.pop(key, None)
    with Broker.connect("127.0.0.1", gw.port, client_id=7, timeout=10) as other:
        ticket = other.submit_order(Stock("AAPL"), LimitOrder("BUY", 3, 1.00))  # rests
        proc = subprocess.Popen([sys.executable, str(EXAMPLES / "async_account_watcher.py")],
                                env=full, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=EXAMPLES.parent)
        assert proc.stdout is not None
        seen: list[str] = []
        try:
            for line in proc.stdout:  # (ends at the latest when the watcher stops by itself)
                seen.append(line)
                if line.startswith("DU1234567: net liquidation"):  # past its start
                    other.cancel_order(ticket.order_id)
                if "Cancelled" in line:
                    break
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)
    out = "".join(seen)
    assert "open: client 7 order 1 BUY 3 AAPL LMT: Submitted" in out, out
    assert "client 7 order 1 (BUY 3 AAPL): Cancelled, filled 0" in out, out


def test_eclient_ported(gw: PaperGateway) -> None:
    out = run("eclient_ported.py", gw).stdout
    assert "currentTime" in out
    assert "accountSummary DU1234567 NetLiquidation" in out
    assert "orderStatus 1 Filled 1" in out and "execDetails AAPL BOT 1" in out


def test_offline_gateway() -> None:
    out = run("offline_gateway.py", None).stdout
    assert "paper gateway on 127.0.0.1:" in out
    assert "bought 50 MSFT at" in out and "Cancelled" in out and "position: 50 MSFT" in out


def test_backtest_ma_cross(tmp_path: Path) -> None:
    report = tmp_path / "run.csv"
    out = run("backtest_ma_cross.py", None, {"IBWIRE_REPORT": str(report)}).stdout
    assert "replaying AAPL.csv from" in out and "at max speed" in out
    seen = re.search(r"(\d+) of (\d+) bars seen", out)
    assert seen is not None and seen.group(1) == seen.group(2) and int(seen.group(1)) > 200
    fills = list(csv.DictReader((tmp_path / "run.fills.csv").open()))
    assert f"{len(fills)} fills" in out
    assert "fills as computed by hand from the file (open +/- one tick): " in out
    total = next(r for r in csv.DictReader(report.open()) if r["symbol"] == "TOTAL")
    assert float(total["total_pnl"]) == round(
        sum(float(f["price"]) * float(f["quantity"]) * (1 if f["side"] == "SLD" else -1)
            for f in fills) - sum(float(f["commission"]) for f in fills), 2)
