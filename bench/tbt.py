"""Tick-by-tick (issue 13): a burst of 200,000 TICK_BY_TICK ticks into ibwire, ib_async and the
official client 10.51.

``python -m bench.tbt`` (or ``python bench/tbt.py``); ``--quick``: one repetition; ``--n``,
``--repeat``, ``--clients``, ``--commit REV`` (ibwire's ``src/`` as committed at REV, as in
``bench.protobuf``).

The fake TWS is :mod:`bench.fake_tws`'s text session (handshake at ``min(client max, 178)``,
START_API, the end markers ib_async's connect waits for) plus REQ_TICK_BY_TICK_DATA: once a client
asked for both AAPL streams (``Last`` and ``BidAsk``), it answers with the whole burst of
:mod:`bench.tbt_stream` -- the paper gateway's tape of AAPL, trades and quote changes -- and the
sentinel CURRENT_TIME, in one ``sendall``. Every client gets the same bytes at server version 178,
each in its own subprocess, with its default settings, one at a time, interleaved per repetition;
median of ``--repeat`` (3). Each run is verified: every trade and quote handled (counts, the sum of
the trade sizes) and the last trade and quote right. Prints the table; writes ``bench/out/tbt.json``.
"""

from __future__ import annotations

if __package__ in (None, ""):  # run as a script: import bench from the repository root
    import sys as _sys
    from pathlib import Path as _Path

    _ROOT = _Path(__file__).resolve().parents[1]
    _sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _ROOT / "bench"]
    _sys.path.insert(0, str(_ROOT))

import time
from typing import Any

from bench import tbt_stream
from bench.fake_tws import _Session
from bench.streams import Row, StreamTws, main, measure

ROWS = (
    Row("ibwire_eclient", "ibwire EClient", 5),
    Row("ibwire_broker", "ibwire Broker + LiveStreams", 6),
    Row("ib_async_client", "ib_async Client", 7),
    Row("ib_async_ib", "ib_async IB + Ticker.tickByTicks", 8),
    Row("official1051", "official client 10.51", 9, oracle=True),
)
BY_KEY = {r.key: r for r in ROWS}


class _TbtSession(_Session):
    """The text fake's session; the second REQ_TICK_BY_TICK_DATA gets the whole burst."""

    stream: tbt_stream.Stream
    ids: dict[str, int]

    def _handle(self, f: list[str]) -> None:
        if int(f[0]) == 97:  # REQ_TICK_BY_TICK_DATA: request id, 12 contract fields, tick type
            self.ids[f[14]] = int(f[1])
            if "Last" in self.ids and "BidAsk" in self.ids:
                self.conn.sendall(self.stream.bytes_for(self.ids["Last"], self.ids["BidAsk"]))
            return
        super()._handle(f)


def run(n: int, repeat: int, keys: list[str]) -> dict[str, Any]:
    rows = [BY_KEY[k] for k in keys]
    t0 = time.perf_counter()
    stream = tbt_stream.build(n)
    out: dict[str, Any] = {
        "n": n, "repeat": repeat, "rows": {}, "problems": [],
        "stream": {"bytes": len(stream.bytes_for(tbt_stream.LAST_ID, tbt_stream.BID_ASK_ID)),
                   "trades": stream.trades, "quotes": stream.quotes,
                   "built_s": time.perf_counter() - t0}}

    def setup(session: Any) -> None:
        session.stream = stream
        session.ids = {}

    tws = StreamTws(_TbtSession, setup)
    return measure(rows, tws, "bench.clients.tbt", n, repeat,
                   lambda rep: tbt_stream.check(rep, stream), "tick", t0, out)


def _headline(res: dict[str, Any]) -> str:
    return (f"tick-by-tick: {res['n']:,} TICK_BY_TICK at server version 178 "
          f"({res['stream']['bytes']:,} bytes: {res['stream']['trades']:,} trades, "
          f"{res['stream']['quotes']:,} quotes), median of {res['repeat']}; {res['source']}")


if __name__ == "__main__":
    main(__doc__ or "", "tbt", tbt_stream.N, list(BY_KEY), run, _headline, "tick")
