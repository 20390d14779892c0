"""``run_gateway`` (what ``ibwire gateway`` runs): prints its address, serves, saves on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

from ibwire import MarketOrder, Stock
from ibwire.gateway import PaperGateway
from ibwire.protocol.messages.order_reports import OrderStatus
from ibwire.protocol.messages.orders import PlaceOrder

from ..conftest import WireClient

_SCRIPT = """
import sys
from ibwire.cli.gateway_cmd import run_gateway
sys.exit(run_gateway("127.0.0.1", 0, ["DU7654321"], sys.argv[1], 3, "tws"))
"""


def test_run_gateway_serves_until_sigterm_and_saves(tmp_path):
    state = tmp_path / "cli.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(state)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on 127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1])
        c = WireClient(port)
        try:
            c.handshake()
            assert c.start(2).accounts == ["DU7654321"]
            c.send(PlaceOrder(order_id=8, contract=Stock("AAPL"), order=MarketOrder("BUY", 1)))
            c.expect(OrderStatus, lambda m: m.status == "Filled")
        finally:
            c.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with PaperGateway(port=0, accounts=("DU7654321",), state_path=state, tick_interval=None) as gw:
        assert gw.call(lambda ex: ex.next_valid_id(2)) == 9
