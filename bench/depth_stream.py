"""The market depth stream every depth benchmark client receives, and the book it must end with.

100,000 MARKET_DEPTH_L2 (13, v1) rows of one SMART book (AAPL, 10 rows a side), the operations the
paper gateway's ladder (:mod:`ibwire.gateway.ladder`) produces as its seeded market moves one
second at a time: what ``ibwire gateway`` sends a client that asked for that book. Text frames at
server version 178 (the highest every client here speaks: ib_async 2.1 offers v157..178), built by
hand from the operations, so the bytes do not depend on the encoder being measured. The request
id is written zero-padded to ten digits (``0000001001``): every client reads it as the integer it
sent, and the stream for another id is the same bytes with those ten digits replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench.burst import SENTINEL_EPOCH, frame_of  # the CURRENT_TIME sent after the last row

N = 100_000
ROWS = 10
SEED = 20261206
AAPL = 265598
REQ_ID = 1001
_TOKEN = b"@@@@@@@@@@"  # the request id's place, ten bytes


def _price(p: float) -> bytes:
    return repr(p).encode()


@dataclass
class Stream:
    """The rows (as operations) and the final book they build."""

    ops: list[tuple[int, int, int, float, Decimal, str]] = field(default_factory=list)
    # (position, operation, side, price, size, market maker)
    final_bids: list[list[Any]] = field(default_factory=list)
    final_asks: list[list[Any]] = field(default_factory=list)
    template: bytes = b""

    def bytes_for(self, req_id: int) -> bytes:
        """The whole stream for request ``req_id``, the sentinel CURRENT_TIME after it."""
        return self.template.replace(_TOKEN, f"{req_id:010d}".encode())


def build(n: int = N, rows: int = ROWS) -> Stream:
    """``n`` row operations of AAPL's SMART book as the gateway's market moves."""
    from ibwire.gateway.instruments import universe
    from ibwire.gateway.ladder import SMART_VENUES, Ladder, Row, diff
    from ibwire.gateway.market import Market

    table = universe()
    inst = table.get(AAPL)
    assert inst is not None
    market = Market(table, seed=SEED)
    ladder = Ladder(inst, rows, [v for v in SMART_VENUES if v in inst.valid_exchanges.split(",")])
    out = Stream()
    asks: list[Row] = []
    bids: list[Row] = []
    while len(out.ops) < n:
        bid, ask, _ = market.touch(AAPL)
        bid_size, ask_size = market.touch_sizes(AAPL)
        new_asks, new_bids = ladder.book(bid, ask, bid_size, ask_size, market.step_second)
        for side, old, new in ((0, asks, new_asks), (1, bids, new_bids)):
            for op in diff(old, new):
                r = op.row
                out.ops.append((op.position, int(op.operation), side, r.price, r.size,
                                r.market_maker or ""))
        asks, bids = new_asks, new_bids
        market.step(1)
    del out.ops[n:]
    book: dict[int, list[list[Any]]] = {0: [], 1: []}
    frames = []
    for pos, op, side, price, size, mm in out.ops:
        rows_ = book[side]
        row = [price, float(size), mm]
        if op == 0:
            rows_.insert(pos, row)
        elif op == 1:
            rows_[pos] = row
        else:
            rows_.pop(pos)
        frames.append(frame_of(b"13", b"1", _TOKEN, str(pos).encode(), mm.encode(),
                             str(op).encode(), str(side).encode(), _price(price),
                             str(int(size)).encode(), b"1"))
    out.final_bids, out.final_asks = book[1], book[0]
    out.template = b"".join(frames) + frame_of(b"49", b"1", str(SENTINEL_EPOCH).encode())
    return out


def check(report: dict[str, Any], stream: Stream) -> list[str]:
    """What is wrong with a client's report (empty: it handled every row and built the book)."""
    problems = []
    if report.get("rows_handled") != len(stream.ops):
        problems.append(f"rows handled {report.get('rows_handled')} != {len(stream.ops)}")
    want = {"bids": stream.final_bids, "asks": stream.final_asks}
    for side in ("bids", "asks"):
        got = report.get(side)
        if got is None or [[float(p), float(s), m] for p, s, m in got] != \
                [[float(p), float(s), m] for p, s, m in want[side]]:
            problems.append(f"final {side} differ: {str(got)[:120]} vs {str(want[side])[:120]}")
    if report.get("server_version") != 178:
        problems.append(f"server version {report.get('server_version')} != 178")
    return problems
