"""Opt-in tests against a real paper TWS / IB Gateway: IBKR_PAPER_LIVE_TESTS=1 IBKR_HOST=... IBKR_PORT=...

They only read (no orders), so they are safe on any paper account.
"""

from __future__ import annotations

import os

import pytest

from ibwire import Broker

pytestmark = pytest.mark.skipif(os.environ.get("IBKR_PAPER_LIVE_TESTS") != "1",
                                reason="live tests are opt-in: set IBKR_PAPER_LIVE_TESTS=1")


@pytest.fixture()
def broker() -> Broker:
    host = os.environ.get("IBKR_HOST", "127.0.0.1")
    port = int(os.environ.get("IBKR_PORT", "7497"))
    b = Broker.connect(host, port, client_id=int(os.environ.get("IBKR_CLIENT_ID", "917")), timeout=15)
    yield b  # type: ignore[misc]
    b.disconnect()


def test_session(broker: Broker) -> None:
    assert broker.server_version is not None and 157 <= broker.server_version <= 178
    assert broker.accounts


def test_reads(broker: Broker) -> None:
    assert broker.current_time().tzinfo is not None
    values = broker.account_values(broker.accounts[0])
    assert any(v.key == "NetLiquidation" for v in values)
    broker.positions()
    broker.open_orders()
    broker.executions()
