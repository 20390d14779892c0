"""``ibwire demo`` and ``ibwire gateway`` from the command line."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ibwire import Broker, Stock
from ibwire.cli import app
from ibwire.gateway import PaperGateway
from ibwire.gateway.core import GatewayCore
from ibwire.protocol.versions import MAX_CLIENT_VERSION


def test_demo_buys_fills_and_cancels() -> None:
    r = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "paper gateway listening on 127.0.0.1:" in out
    assert f"connected: server version {MAX_CLIENT_VERSION}, accounts DU1234567" in out
    assert "buy 100 AAPL at market" in out and "Filled: 100 at" in out
    assert "BOT" in out and "USD" in out  # the fill with its commission
    assert "cancelled: order" in out and "Cancelled" in out


def test_gateway_command_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ibwire.cli", "gateway", "--port", "0",
                             "--accounts", "DU111,DU222"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        port = int(line.strip().rsplit(":", 1)[1])
        with Broker.connect("127.0.0.1", port, client_id=1, timeout=5) as b:
            assert b.accounts == ["DU111", "DU222"]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0


def test_gateway_command_rejects_a_bad_mode() -> None:
    r = CliRunner().invoke(app, ["gateway", "--mode", "live"])
    assert r.exit_code == 2


def _start_gateway(*extra: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ibwire.cli", "gateway", "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), line
    return proc, int(line.strip().rsplit(":", 1)[1])


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    return err


def test_gateway_logs_only_warnings_and_a_client_going_away_is_not_one() -> None:
    proc, port = _start_gateway()
    try:
        # a client that dies while quotes stream to it (its socket reset, unread data pending)
        code = ("import os; from ibwire import Broker, Stock; "
                f"b = Broker.connect('127.0.0.1', {port}, client_id=5, timeout=5); "
                "t = b.market_data(Stock('AAPL')); t.wait_update(5); t.wait_update(5); os._exit(0)")
        subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
        for _ in range(3):  # the gateway goes on serving; by now it has seen the client go
            with Broker.connect("127.0.0.1", port, client_id=5, timeout=5) as b:
                b.current_time()
    finally:
        err = _stop(proc) if proc.poll() is None else ""
        proc.kill()
    assert "socket.send() raised exception" not in err
    assert " WARNING " not in err and " INFO " not in err, err


def test_gateway_log_level_and_log_file(tmp_path: Path) -> None:
    log = tmp_path / "gw.log"
    proc, port = _start_gateway("--log-level", "info", "--log-file", str(log))
    try:
        with Broker.connect("127.0.0.1", port, client_id=3, timeout=5) as b:
            assert b.accounts
    finally:
        err = _stop(proc) if proc.poll() is None else ""
        proc.kill()
    assert " INFO " not in err
    text = log.read_text()
    assert "INFO ibwire.gateway: client 3 connected from 127.0.0.1" in text
    assert CliRunner().invoke(app, ["gateway", "--log-level", "LOUD"]).exit_code == 2


def test_writes_after_the_peer_went_away_are_not_warnings(caplog: pytest.LogCaptureFixture) -> None:
    """asyncio warns "socket.send() raised exception" when a transport whose connection was lost
    is written to five times or more; the gateway stops writing to it instead."""
    with PaperGateway(port=0, tick_interval=None) as gw:
        with Broker.connect("127.0.0.1", gw.port, client_id=4, timeout=5) as b:
            for symbol in ("AAPL", "MSFT", "SPY", "QQQ"):
                b.market_data(Stock(symbol))

            def peer_gone_then_market_moves(core: GatewayCore) -> int:
                session = next(s for s in core.sessions.values() if s.client_id == 4)
                session.writer.transport.abort()  # as after a reset: the connection is lost
                for _ in range(20):  # ... and the market moves before the reader notices
                    core.advance(1)
                return 0

            with caplog.at_level(logging.DEBUG):
                gw._on_core(peer_gone_then_market_moves)
                gw.step(1)  # (the loop has gone round: any warning is logged by now)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [], [r.getMessage() for r in warnings]
