"""A burst of 1,000 requests against the paper gateway, which enforces TWS's 50 messages per
second: every request is answered and the gateway never sends error 100.

At the default pacing (45 in any second, each slot held 1.1 s) this takes about 24 seconds: the pace
is the point.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ibwire import AsyncBroker, Broker, Notice, Stock
from ibwire.gateway import PaperGateway

BURST = 1000


def pacing_errors(events: list[Any]) -> list[Any]:
    return [e for e in events if isinstance(e, Notice) and e.code == 100]


def test_a_burst_of_1000_requests_gets_no_error_100(gateway: PaperGateway,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ibwire.gateway")

    async def main() -> tuple[int, int, list[Any]]:
        events: list[Any] = []
        async with await AsyncBroker.connect("127.0.0.1", gateway.port, client_id=31,
                                             timeout=10) as broker:
            broker.add_listener(events.append)
            symbols = ["AAPL", "MSFT", "SPY", "QQQ", "NVDA"]
            answers = await asyncio.gather(*(broker.contract_details(Stock(symbols[i % 5]))
                                             for i in range(BURST)))
            return len(answers), broker.pacer.max_queue_depth, events

    answered, deepest, events = asyncio.run(main())
    assert answered == BURST
    assert deepest > BURST // 2  # most of the burst waited in the client's queue ...
    assert pacing_errors(events) == []  # ... so the gateway never saw more than 50 a second
    assert not [r for r in caplog.records if "error 100" in r.getMessage()]


def test_sync_broker_from_many_threads_stays_under_the_limit(gateway: PaperGateway) -> None:
    events: list[Any] = []
    with Broker.connect("127.0.0.1", gateway.port, client_id=32, timeout=10) as broker:
        broker.add_listener(events.append)
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(lambda i: broker.contract_details(Stock("AAPL")), range(200)))
        assert len(results) == 200 and all(r for r in results)
        assert broker.pacer.max_queue_depth > 0
    assert pacing_errors(events) == []
