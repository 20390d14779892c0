"""Recorded market data for the paper gateway: bars and ticks replayed through the TWS API.

``PaperGateway(data=[...])`` / ``ibwire gateway --data FILE...`` take the prices of the instruments
named in the files from the data; every other instrument keeps the seeded random walk.

The files and their formats are read by :mod:`.replay_files` (bars, ticks, Parquet; a bad row is
a :class:`DataFileError` naming the file and the line); a bar ends at the next bar or after the bar
size, the most common step between bar times.

The path (:class:`DataPath`, the interface :class:`~ibwire.gateway.pricepath.PricePath` offers the
market): inside a bar, the last trade runs open -> high / low (which first: seeded per bar, the low
first more often in a bar that closes up) -> close, through seeded Brownian legs clipped to the
bar's range, one price per second; the quote is :data:`BAR_SPREAD` ticks of the instrument's grid
wide, centred on the open at the bar's first second and on the close at its last, in between the
trade at the bid or the ask, kept inside the bar's range where it is wide enough; the last price is
the trade; the bar's volume is split over its seconds. Aggregates over whole bars are the input exactly, so
historical bars at the input's bar size equal the input (open, high, low, close, volume). Ticks are
replayed as they are (one price per second: the last trade of the second; volume summed); without
bid / ask in the file the trade is at the bid or the ask of a one-tick quote. Between bars (nights,
gaps) and after the data the last price holds with no volume; before the data there is none
(historical requests answer 162, quotes show the first price).
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .calendar import Calendar
from .instruments import Instrument, InstrumentTable
from .pricepath import PricePath, _split, mix, uniform
from .replay_files import DataFileError, DataSet, contract_for, load_all, load_data

__all__ = ["DataFileError", "DataSet", "DataPath", "load_data", "load_all", "data_paths",
           "contract_for", "DATA_ENDED_CODE", "BAR_SPREAD"]

DATA_ENDED_CODE = 2199
"""ERR_MSG code (request id -1; a warning for clients: 2100..2199) of the "replay data ended"
notice the gateway sends when market time passes the end of an instrument's data."""

BAR_SPREAD = 2
"""The quote's spread (ticks of the instrument's grid) replaying bars. At a bar's first and last
second the quote is centred on the open and the close: bid one tick below, ask one tick above; so
at ``speed="max"`` a market order a bot sends on a new bar fills at that bar's open plus one tick
(a buy) or minus one tick (a sell), see :mod:`.fastclock`."""


def _instrument(ds: DataSet, table: InstrumentTable) -> Instrument:
    found = table.resolve(contract_for(ds.symbol))
    if len(found) != 1:
        why = "is not in the gateway's instruments" if not found else \
            f"is ambiguous ({len(found)} instruments)"
        raise DataFileError(ds.path, 0, f"{ds.symbol} {why}: name the file SYMBOL.csv or give "
                                        "--data SYMBOL=FILE (e.g. AAPL, EUR.USD, ES:202612)")
    return found[0]


def data_paths(datasets: Sequence[DataSet], table: InstrumentTable, seed: int
               ) -> dict[int, DataPath]:
    """A :class:`DataPath` per data set, keyed by the con id its symbol resolves to in ``table``
    (the instrument keeps its table entry: con id, tick grid, sessions)."""
    out: dict[int, DataPath] = {}
    for ds in datasets:
        inst = _instrument(ds, table)
        if inst.con_id in out:
            raise DataFileError(ds.path, 0, f"{ds.symbol} is already replayed from another file")
        out[inst.con_id] = DataPath(inst, seed, ds)
    return out


# --- the path ---------------------------------------------------------------------------------

_Secs = tuple[list[float], list[float], list[bool], list[int]]  # trade, bid, at ask, volume


@dataclass(slots=True)
class _Stats:
    t_hi: float = -math.inf
    t_lo: float = math.inf
    b_hi: float = -math.inf
    b_lo: float = math.inf
    a_hi: float = -math.inf
    a_lo: float = math.inf
    vol: int = 0

    def add(self, o: _Stats) -> None:
        self.t_hi, self.t_lo = max(self.t_hi, o.t_hi), min(self.t_lo, o.t_lo)
        self.b_hi, self.b_lo = max(self.b_hi, o.b_hi), min(self.b_lo, o.b_lo)
        self.a_hi, self.a_lo = max(self.a_hi, o.a_hi), min(self.a_lo, o.a_lo)
        self.vol += o.vol


def _ticks(price: float, tick: float) -> float:
    t = price / tick
    r = round(t)
    return float(r) if abs(t - r) < 1e-6 else round(t, 6)


class DataPath(PricePath):
    """The price path of one instrument from recorded bars or ticks (see the module docstring).

    Segments (a bar, or a second with trades and the quiet seconds after it) cover the data; a
    segment's whole-window statistics are the input's, its seconds are built on demand."""

    def __init__(self, inst: Instrument, seed: int, data: DataSet) -> None:
        super().__init__(inst, seed, 0)
        self.data = data
        self.symbol = data.symbol
        tick = inst.min_tick
        starts: list[int] = []
        ends: list[int] = []
        ohlcv: list[tuple[float, float, float, float, int]] = []
        quotes: list[tuple[float, float] | None] = []  # tick data: (bid, ask) in ticks
        if data.kind == "bars":
            intraday = [b[0] for b in data.bars if isinstance(b[0], int)]
            steps = Counter(b - a for a, b in zip(intraday, intraday[1:], strict=False) if b > a)
            size = steps.most_common(1)[0][0] if steps else 60
            self.bar_size = size
            cal = Calendar.of(inst.hours)
            rows = data.bars
            for i, (t, o, h, lo, c, v) in enumerate(rows):
                if isinstance(t, int):
                    a = t
                    nxt = rows[i + 1][0] if i + 1 < len(rows) else None
                    b = a + size
                    if isinstance(nxt, int):
                        b = min(b, nxt)
                else:
                    session = cal.session(t, liquid=True) or cal.session(t)
                    if session is None:
                        raise DataFileError(data.path, i + 2, f"{t} is not a trading day of "
                                                              f"{data.symbol}")
                    a, b = session.open, session.close
                    self.bar_size = 86400
                if starts and a < ends[-1]:
                    raise DataFileError(data.path, i + 2, "the bar overlaps the previous one")
                starts.append(a)
                ends.append(b)
                ohlcv.append((_ticks(o, tick), _ticks(h, tick), _ticks(lo, tick),
                              _ticks(c, tick), v))
                quotes.append(None)
        else:
            self.bar_size = 1
            by_second: dict[int, list[tuple[float, float, int, float | None, float | None]]] = {}
            for row in data.ticks:
                by_second.setdefault(math.floor(row[0]), []).append(row)
            seconds = sorted(by_second)
            for i, s in enumerate(seconds):
                group = by_second[s]
                prices = [_ticks(r[1], tick) for r in group]
                starts.append(s)
                ends.append(seconds[i + 1] if i + 1 < len(seconds) else s + 1)
                ohlcv.append((prices[0], max(prices), min(prices), prices[-1],
                              sum(r[2] for r in group)))
                q = next(((r[3], r[4]) for r in reversed(group) if r[3] is not None), None)
                quotes.append((_ticks(q[0], tick), _ticks(q[1], tick))
                              if q is not None and q[0] is not None and q[1] is not None
                              else None)
        self.starts = starts
        self.ends = ends
        self.ohlcv = ohlcv
        self.quotes = quotes
        self.start_second = starts[0]
        self.first_second = starts[0]
        self.end_second = ends[-1]
        self._secs: dict[int, _Secs] = {}
        self._stats: dict[int, _Stats] = {}
        self._rows_by_second: dict[int, list[tuple[float, int]]] | None = None

    # segments
    def _seg(self, s: int) -> int:
        """Index of the segment at or before second ``s`` (-1: before the data)."""
        return bisect.bisect_right(self.starts, s) - 1

    def _spread(self, i: int) -> int:
        """Bars: :data:`BAR_SPREAD` ticks; ticks without a recorded quote: one tick."""
        return BAR_SPREAD if self.data.kind == "bars" else 1

    def _secs_of(self, i: int) -> _Secs:
        got = self._secs.get(i)
        if got is not None:
            return got
        a, b = self.starts[i], self.ends[i]
        o, h, lo, c, v = self.ohlcv[i]
        n = b - a
        rng = random.Random(mix(self.key, 0xBA5, a))
        if self.quotes[i] is not None or self.data.kind == "ticks":
            trades = [c] * n  # a tick second and the quiet ones after it
            vols = [v] + [0] * (n - 1)
        else:
            trades = _intrabar(rng, o, h, lo, c, n)
            vols = _split(rng, v, n)
        q = self.quotes[i]
        bids: list[float] = []
        at_ask: list[bool] = []
        if q is not None:
            bid, ask = q
            up = abs(c - ask) < abs(c - bid)
            bids, at_ask = [bid] * n, [up] * n
        else:
            sp = self._spread(i)
            bars = self.data.kind == "bars"
            wide = h - lo >= sp and bars
            for k, p in enumerate(trades):
                if bars and (k == 0 or k == n - 1):  # the open and the close: centred
                    at_ask.append(False)
                    bids.append(p - sp // 2)
                    continue
                if wide and p - sp < lo:
                    up = False
                elif wide and p + sp > h:
                    up = True
                else:
                    up = rng.random() < 0.5
                at_ask.append(up)
                bids.append(p - sp if up else p)
        got = (trades, bids, at_ask, vols)
        if len(self._secs) > 20_000:
            self._secs.clear()
        self._secs[i] = got
        return got

    def _spread_at(self, i: int) -> float:
        q = self.quotes[i]
        return q[1] - q[0] if q is not None else self._spread(i)

    def _at(self, s: int) -> tuple[int, int]:
        """(segment, offset) whose values second ``s`` shows: before the data its first second,
        in a gap or after the data the last second of the segment before."""
        i = self._seg(s)
        if i < 0:
            return 0, 0
        if s >= self.ends[i]:
            return i, self.ends[i] - self.starts[i] - 1
        return i, s - self.starts[i]

    # the PricePath interface
    def price(self, s: int) -> int:  # (a float on an off-grid input: ticks may be fractional)
        i, k = self._at(s)
        return self._secs_of(i)[1][k]  # type: ignore[return-value]

    def spread(self, s: int) -> int:
        i, _k = self._at(s)
        return self._spread_at(i)  # type: ignore[return-value]

    def last_at_ask(self, s: int) -> bool:
        i, k = self._at(s)
        return self._secs_of(i)[2][k]

    def sec_volume(self, s: int) -> int:
        """The size of the last trade at or before ``s`` (the quote's last size; quiet seconds
        and held prices keep it). Volumes themselves come from :meth:`own_aggregate`."""
        i, k = self._at(s)
        vols = self._secs_of(i)[3]
        while k > 0 and vols[k] == 0:
            k -= 1
        return vols[k]

    def trades(self, s: int) -> list[tuple[float, int]]:
        """The trades printed at second ``s`` (price in ticks, size): recorded ticks as they
        are (every row of that second with a size), a bar's second its share of the bar's
        volume at that second's trade; none in gaps or after the data."""
        i = self._seg(s)
        if i < 0 or s >= self.ends[i]:
            return []
        if self.data.kind == "ticks":
            rows = self._tick_rows.get(s) if s == self.starts[i] else None
            return list(rows) if rows else []
        trades, _bids, _up, vols = self._secs_of(i)
        k = s - self.starts[i]
        return [(trades[k], vols[k])] if vols[k] > 0 else []

    @property
    def _tick_rows(self) -> dict[int, list[tuple[float, int]]]:
        got = self._rows_by_second
        if got is None:
            got = {}
            tick = self.inst.min_tick
            for t, price, size, _bid, _ask in self.data.ticks:
                if size > 0:
                    got.setdefault(math.floor(t), []).append((_ticks(price, tick), size))
            self._rows_by_second = got
        return got

    def trade(self, s: int) -> float:
        """The last trade at second ``s`` (ticks)."""
        i, k = self._at(s)
        return self._secs_of(i)[0][k]

    def last_trade(self, s: int) -> float:
        """The last trade the quote shows at ``s``: the data's (the open at a bar's first
        second, the close at its last, between the bid and the ask)."""
        return self.trade(s)

    def _whole(self, i: int) -> _Stats:
        got = self._stats.get(i)
        if got is None:
            o, h, lo, c, v = self.ohlcv[i]
            got = self._slice(i, 0, self.ends[i] - self.starts[i])
            got.t_hi, got.t_lo, got.vol = h, lo, v  # the input's, exactly
            self._stats[i] = got
        return got

    def _slice(self, i: int, k0: int, k1: int) -> _Stats:
        trades, bids, _up, vols = self._secs_of(i)
        sp = self._spread_at(i)
        tr, bd = trades[k0:k1], bids[k0:k1]
        b_hi, b_lo = max(bd), min(bd)
        return _Stats(max(tr), min(tr), b_hi, b_lo, b_hi + sp, b_lo + sp, sum(vols[k0:k1]))

    def _held(self, s: int) -> _Stats:
        i, k = self._at(s)
        trades, bids, _up, _v = self._secs_of(i)
        sp = self._spread_at(i)
        return _Stats(trades[k], trades[k], bids[k], bids[k], bids[k] + sp, bids[k] + sp, 0)

    def _scan(self, t0: int, t1: int, acc: _Stats) -> None:
        s = t0
        while s < t1:
            i = self._seg(s)
            if i < 0 or s >= self.ends[i]:  # before the data, a gap or after it: prices hold
                acc.add(self._held(s))
                s = min(t1, self.starts[i + 1]) if i + 1 < len(self.starts) else t1
                continue
            a, b = self.starts[i], self.ends[i]
            hi = min(t1, b)
            acc.add(self._whole(i) if s == a and hi == b else self._slice(i, s - a, hi - a))
            s = hi

    def own_aggregate(self, pieces: Sequence[tuple[int, int]], what: str
                      ) -> tuple[float, float, float, float, int]:
        acc = _Stats()
        for t0, t1 in pieces:
            self._scan(t0, t1, acc)
        first, last = pieces[0][0], pieces[-1][1] - 1
        if what in ("TRADES", "ADJUSTED_LAST"):
            o, c, hi, lo = self._first_trade(first), self.trade(last), acc.t_hi, acc.t_lo
        else:
            ob, cb = float(self.price(first)), float(self.price(last))
            osp, csp = float(self.spread(first)), float(self.spread(last))
            if what == "BID":
                o, c, hi, lo = ob, cb, acc.b_hi, acc.b_lo
            elif what == "ASK":
                o, c, hi, lo = ob + osp, cb + csp, acc.a_hi, acc.a_lo
            elif what == "MIDPOINT":
                o, c = ob + osp / 2, cb + csp / 2
                hi, lo = (acc.b_hi + acc.a_hi) / 2, (acc.b_lo + acc.a_lo) / 2
            else:  # BID_ASK
                o, c, hi, lo = ob, cb + csp, acc.a_hi, acc.b_lo
        return o, max(hi, o, c), min(lo, o, c), c, acc.vol

    def _first_trade(self, s: int) -> float:
        """The window's open: the first trade in it (the input's open at a bar's start)."""
        i = self._seg(s)
        if i >= 0 and s == self.starts[i]:
            return self.ohlcv[i][0]
        return self.trade(s)

    def segments(self, t0: int, t1: int) -> Iterator[tuple[int, int, int, int]]:
        raise NotImplementedError("a DataPath aggregates itself (own_aggregate)")


def _round_like(x: float, whole: bool) -> float:
    return float(round(x)) if whole else round(x, 6)


def _leg(rng: random.Random, a: float, b: float, m: int, lo: float, hi: float,
         whole: bool) -> list[float]:
    """m values after ``a`` ending exactly at ``b``: a Brownian bridge clipped into [lo, hi]."""
    if m <= 0:
        return []
    w = [0.0]
    for _ in range(m):
        w.append(w[-1] + rng.gauss(0.0, 1.0))
    br = [w[j] - w[m] * j / m for j in range(m + 1)]
    span = max(br) - min(br)
    scale = 0.3 * (hi - lo) / span if span > 0 else 0.0
    out = [min(hi, max(lo, _round_like(a + (b - a) * j / m + scale * br[j], whole)))
           for j in range(1, m)]
    out.append(b)
    return out


def _intrabar(rng: random.Random, o: float, h: float, lo: float, c: float, n: int) -> list[float]:
    """n trades: the open, the high and the low (seeded order), the close."""
    whole = all(float(x).is_integer() for x in (o, h, lo, c))
    if n == 1:
        return [c]
    if n == 2:
        return [o, c]
    low_first = rng.random() < (0.7 if c > o else 0.3 if c < o else 0.5)
    x1, x2 = (lo, h) if low_first else (h, lo)
    if n == 3:
        return [o, x1 if (x1 != o and x1 != c) else x2, c]
    i1 = 1 + int(uniform(rng.getrandbits(64)) * (n - 3) * 0.6)
    i2 = i1 + 1 + int(uniform(rng.getrandbits(64)) * (n - 3 - i1))
    return ([o] + _leg(rng, o, x1, i1, lo, h, whole) + _leg(rng, x1, x2, i2 - i1, lo, h, whole)
            + _leg(rng, x2, c, n - 1 - i2, lo, h, whole))


def describe(paths: dict[int, DataPath]) -> list[dict[str, Any]]:
    """One line per replayed instrument (for logs and the CLI)."""
    return [{"symbol": p.symbol, "con_id": con_id, "kind": p.data.kind, "rows":
             len(p.data.bars) or len(p.data.ticks), "file": str(p.data.path),
             "start": datetime.fromtimestamp(p.start_second, tz=timezone.utc),
             "end": datetime.fromtimestamp(p.end_second, tz=timezone.utc)}
            for con_id, p in paths.items()]
