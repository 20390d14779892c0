"""The official client 10.51 (``ibapi-latest==10.51.1``, negotiates up to 226): EReader thread + ``run()``.

Run only in its own subprocess with the oracle directory (``tests/oracle/harness.py`` installs it with
``pip install --target``) first on ``PYTHONPATH``: it installs the module ``ibapi``, like ibapi 9.81 in
the venv, and its licence forbids redistribution (nothing of it is copied into the project). At 226 its
decoder parses TICK_PRICE / TICK_SIZE (ids 201 / 202) with the ``protobuf`` package (the upb C
extension), then calls ``tickPrice`` / ``tickSize`` in Python, adding the implied ``tickSize`` after
each BID/ASK/LAST ``tickPrice`` as 9.81 does; the runner accepts that exact total.

Same program shape as ``ibapi981.py``: requests sent from ``nextValidId``, the window closed by the
sentinel ``currentTime``. The report carries the negotiated version and the protobuf implementation
(``upb`` is the C extension).
"""

from __future__ import annotations

import logging
from typing import Any

from bench import burst
from bench.clients.common import Meter, bids_in_order, emit, parse_args, rss_now_mb

try:
    from google.protobuf.internal import api_implementation
    from ibapi.client import EClient
    from ibapi.contract import Contract
    from ibapi.server_versions import MAX_CLIENT_VER
    from ibapi.wrapper import EWrapper
except Exception as exc:  # the runner reports the row as unavailable, never a number
    emit({"unavailable": f"{type(exc).__name__}: {exc}"})
    raise SystemExit(3) from None

if MAX_CLIENT_VER < 226:  # the 9.81 of the venv, not the oracle: never report it as 10.51
    emit({"unavailable": f"ibapi with MAX_CLIENT_VER {MAX_CLIENT_VER} is not 10.51 (PYTHONPATH?)"})
    raise SystemExit(3)


def stock(symbol: str) -> Contract:
    c = Contract()
    c.symbol = symbol
    c.secType = "STK"
    c.exchange = "SMART"
    c.currency = "USD"
    return c


class App(EWrapper, EClient):  # type: ignore[misc]
    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, self)
        self.meter = Meter()
        self.n_price = 0
        self.n_size = 0
        self.bids: dict[int, float] = {}
        self.got_sentinel = False
        self.version: int | None = None
        self.errors: list[tuple[Any, ...]] = []
        self.idle_rss = 0.0

    def nextValidId(self, orderId: int) -> None:  # noqa: N802,N803
        self.version = self.serverVersion()
        self.idle_rss = rss_now_mb()  # VmRSS just before subscribing
        self.meter.start()
        for r, s in zip(burst.DEFAULT_REQ_IDS, burst.SYMBOLS):
            self.reqMktData(r, stock(s), "", False, False, [])

    def error(self, *args: Any, **kwargs: Any) -> None:
        self.errors.append(tuple(str(a) for a in args))

    def tickPrice(self, reqId: int, tickType: int, price: float, attrib: Any) -> None:  # noqa: N802,N803
        self.n_price += 1
        if tickType == 1:
            self.bids[reqId] = price

    def tickSize(self, reqId: int, tickType: int, size: Any) -> None:  # noqa: N802,N803
        self.n_size += 1

    def currentTime(self, time_: int) -> None:  # noqa: N802
        if time_ == burst.SENTINEL_EPOCH:
            self.meter.stop()
            self.got_sentinel = True
            self.disconnect()


def main() -> None:
    logging.disable(logging.CRITICAL)  # as the ibapi 9.81 script: no log records on the hot path
    a = parse_args("official1051")
    if a.mode != "burst":
        raise SystemExit("only the burst is offered for the official client 10.51")
    app = App()
    app.connect(a.host, a.port, a.client_id)
    app.run()
    if not app.got_sentinel:
        raise SystemExit(f"connection ended before the sentinel; errors: {app.errors[:5]}")
    emit(app.meter.burst_report(a.n, {"1": app.n_price, "2": app.n_size},
                                bids_in_order(app.bids, list(burst.DEFAULT_REQ_IDS)),
                                client="official 10.51", mode="burst", server_version=app.version,
                                protobuf_impl=api_implementation.Type(),
                                idle_rss_mb=app.idle_rss, errors=app.errors[:5]))


if __name__ == "__main__":
    main()
