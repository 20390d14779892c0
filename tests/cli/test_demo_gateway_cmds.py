"""``ibwire demo`` and ``ibwire gateway`` from the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from typer.testing import CliRunner

from ibwire import Broker
from ibwire.cli import app


def test_demo_buys_fills_and_cancels() -> None:
    r = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "paper gateway listening on 127.0.0.1:" in out
    assert "connected: server version 178, accounts DU1234567" in out
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
