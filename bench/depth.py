"""Market depth (issue 13): a stream of 100,000 MARKET_DEPTH_L2 rows into ibwire, ib_async and the
official client 10.51.

``python -m bench.depth`` (or ``python bench/depth.py``); ``--quick``: one repetition; ``--n``,
``--repeat``, ``--clients``, ``--commit REV`` (ibwire's ``src/`` as committed at REV, as in
``bench.protobuf``).

The fake TWS here is :mod:`bench.fake_tws`'s text session (handshake at ``min(client max, 178)``,
START_API, the end markers ib_async's connect waits for) plus REQ_MKT_DEPTH: it answers with the
whole stream of :mod:`bench.depth_stream` -- the rows the paper gateway's ladder produces for
AAPL's SMART book, 10 rows a side, as its market moves -- and the sentinel CURRENT_TIME, in one
``sendall``. Every client gets the same bytes at server version 178 (the highest ib_async 2.1
speaks; the official client 10.51 and ibwire are pinned there by the server's answer), each in its
own subprocess, with its default settings, one at a time, interleaved per repetition; median of
``--repeat`` (3). Each run is verified: every row handled and the final book (both sides, every
row's price, size and exchange) equal to the one the stream builds. Prints the table; writes
``bench/out/depth.json``.
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

from bench import depth_stream
from bench.fake_tws import _Session
from bench.streams import Row, StreamTws, main, measure

ROWS = (
    Row("ibwire_eclient", "ibwire EClient", 5),
    Row("ibwire_broker", "ibwire Broker + OrderBook", 6),
    Row("ib_async_client", "ib_async Client", 7),
    Row("ib_async_ib", "ib_async IB + Ticker.dom", 8),
    Row("official1051", "official client 10.51", 9, oracle=True),
)
BY_KEY = {r.key: r for r in ROWS}


class _DepthSession(_Session):
    """The text fake's session; REQ_MKT_DEPTH gets the whole depth stream and the sentinel."""

    stream: depth_stream.Stream

    def _handle(self, f: list[str]) -> None:
        if int(f[0]) == 10:  # REQ_MKT_DEPTH: version, request id, ...
            self.conn.sendall(self.stream.bytes_for(int(f[2])))
            return
        super()._handle(f)


def run(n: int, repeat: int, keys: list[str]) -> dict[str, Any]:
    rows = [BY_KEY[k] for k in keys]
    t0 = time.perf_counter()
    stream = depth_stream.build(n)
    ops = [o[1] for o in stream.ops]
    out: dict[str, Any] = {
        "n": n, "repeat": repeat, "rows": {}, "problems": [],
        "stream": {"bytes": len(stream.bytes_for(depth_stream.REQ_ID)),
                   "inserts": ops.count(0), "updates": ops.count(1), "deletes": ops.count(2),
                   "built_s": time.perf_counter() - t0}}

    def setup(session: Any) -> None:
        session.stream = stream

    tws = StreamTws(_DepthSession, setup)
    return measure(rows, tws, "bench.clients.depth", n, repeat,
                   lambda rep: depth_stream.check(rep, stream), "row", t0, out)


def _headline(res: dict[str, Any]) -> str:
    return (f"market depth: {res['n']:,} MARKET_DEPTH_L2 rows at server version 178 "
          f"({res['stream']['bytes']:,} bytes: {res['stream']['updates']:,} updates, "
          f"{res['stream']['inserts']:,} inserts, {res['stream']['deletes']:,} deletes), "
          f"median of {res['repeat']}; {res['source']}")


if __name__ == "__main__":
    main(__doc__ or "", "depth", depth_stream.N, list(BY_KEY), run, _headline, "row")
