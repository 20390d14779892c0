"""Pinning the server version: ``max_version`` on the client connect paths (Broker, AsyncBroker,
EClient) and on the paper gateway (``PaperGateway(max_version=)``, ``ibwire gateway
--max-version``); by default both speak up to MAX_VERSION."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import pytest

from ibwire import AsyncBroker, Broker, EClient, EWrapper
from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import IB_ASYNC_VERSION, MAX_VERSION, MIN_VERSION

from ..conftest import WireClient


def test_broker_offers_up_to_max_version_and_can_pin_lower(gateway):
    with Broker.connect("127.0.0.1", gateway.port, client_id=51) as broker:
        assert broker.server_version == MAX_VERSION
    with Broker.connect("127.0.0.1", gateway.port, client_id=52,
                        max_version=IB_ASYNC_VERSION) as broker:
        assert broker.server_version == IB_ASYNC_VERSION
        assert broker.positions() == []
    with pytest.raises(ValueError, match="max_version"):
        Broker("127.0.0.1", gateway.port, max_version=MIN_VERSION - 1)


def test_async_broker_max_version(gateway):
    async def main() -> int | None:
        broker = await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=53,
                                           max_version=163)
        try:
            return broker.server_version
        finally:
            await broker.disconnect()

    assert asyncio.run(main()) == 163


def test_eclient_max_version(gateway):
    ready = threading.Event()

    class App(EWrapper, EClient):
        def __init__(self) -> None:
            EWrapper.__init__(self)
            EClient.__init__(self, self)

        def nextValidId(self, orderId: int) -> None:  # noqa: N802, N803
            ready.set()

    app = App()
    app.connect("127.0.0.1", gateway.port, 54, max_version=157)
    try:
        app.start_dispatcher()
        assert ready.wait(10)
        assert app.serverVersion() == 157
    finally:
        app.disconnect()


def test_gateway_max_version_flag_lowers_the_answer():
    script = ("import sys\nfrom ibwire.cli import main\nsys.argv = ['ibwire', 'gateway', "
              "'--port', '0', '--max-version', '170']\nmain()\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on 127.0.0.1:"), line
        c = WireClient(int(line.rsplit(":", 1)[1]), min_version=MIN_VERSION, max_version=226)
        try:
            assert c.handshake() == 170
        finally:
            c.close()
    finally:
        proc.terminate()
        proc.wait(30)
    bad = subprocess.run([sys.executable, "-c", script.replace("'170'", "'250'")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "--max-version" in bad.stderr


def test_paper_gateway_refuses_a_max_version_it_does_not_speak():
    with pytest.raises(ValueError, match="max_version"):
        PaperGateway(port=0, max_version=MAX_VERSION + 1)


def test_eclient_cancels_with_the_official_order_cancel_object(gateway):
    """10.51 programs call cancelOrder(orderId, OrderCancel()) and reqGlobalCancel(OrderCancel())."""
    from ibwire.compat.order_cancel import OrderCancel
    from ibwire.models.contract import Stock
    from ibwire.models.order import LimitOrder

    errors: list[tuple[int, int]] = []
    ready, cancelled = threading.Event(), threading.Event()

    class App(EWrapper, EClient):
        def __init__(self) -> None:
            EWrapper.__init__(self)
            EClient.__init__(self, self)
            self.next_id = 0

        def nextValidId(self, orderId: int) -> None:  # noqa: N802, N803
            self.next_id = orderId
            ready.set()

        def error(self, reqId, errorCode, errorString, advancedOrderRejectJson="") -> None:  # noqa: N802, N803
            errors.append((reqId, errorCode))
            if errorCode == 202:
                cancelled.set()

    app = App()
    app.connect("127.0.0.1", gateway.port, 55)
    try:
        app.start_dispatcher()
        assert ready.wait(10) and app.serverVersion() == MAX_VERSION
        bid = gateway.call(lambda ex: ex.quote(265598).bid)
        app.placeOrder(app.next_id, Stock("AAPL"), LimitOrder("BUY", 1, round(bid * 0.9, 2)))
        app.cancelOrder(app.next_id, OrderCancel())
        assert cancelled.wait(10), errors
        app.reqGlobalCancel(OrderCancel())
        app.reqCurrentTime()
    finally:
        app.disconnect()


def test_current_time_in_millis_from_197(gateway):
    from ibwire.protocol.messages.system import (
        CurrentTime,
        CurrentTimeInMillis,
        ReqCurrentTime,
        ReqCurrentTimeInMillis,
    )

    c = WireClient(gateway.port, min_version=MIN_VERSION, max_version=MAX_VERSION)
    try:
        assert c.handshake() == MAX_VERSION
        c.start(56)
        c.send(ReqCurrentTimeInMillis(), ReqCurrentTime())
        ms = c.expect(CurrentTimeInMillis).time_ms
        s = c.expect(CurrentTime).time
        assert ms is not None and s is not None and abs(ms // 1000 - s) <= 1
    finally:
        c.close()
