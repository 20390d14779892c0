"""The seeded price path of one instrument (see :mod:`.market` for the theory of operation).

Prices are whole numbers of ticks (the bid). Blocks (half hours) come from a random walk, minutes
and seconds from Brownian bridges inside their parent's range, every random number from a hash of
(seed, con id, level, index), so any second and the exact extremes of any interval are cheap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence

from .instruments import Instrument

__all__ = ["PricePath", "aggregate", "value_at", "BLOCK", "MINUTE", "mix", "uniform"]

BLOCK = 1800  # seconds per block
MINUTE = 60
_M64 = (1 << 64) - 1


def _sm(x: int) -> int:
    """splitmix64 finaliser."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def mix(a: int, b: int, c: int, d: int = 0) -> int:
    return _sm(_sm(_sm(_sm(a & _M64) ^ (b & _M64)) ^ (c & _M64)) ^ (d & _M64))


def uniform(h: int) -> float:
    """(0, 1) from a hash."""
    return ((h >> 11) + 0.5) * (1.0 / (1 << 53))


def _normal(h: int) -> float:
    u1 = uniform(h)
    u2 = uniform(_sm(h))
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


_BlockT = tuple[int, int, int, int, int, int]  # open, high, low, close (ticks), spread, volume
_MinT = tuple[int, int, int, int, int]  # open, high, low, close, volume


def _bridge(rng: random.Random, o: int, h: int, lo: int, c: int, n: int) -> list[int]:
    """n closes from o to c (the last equals c), clipped into [lo, h]."""
    w = [0.0]
    for _ in range(n):
        w.append(w[-1] + rng.gauss(0.0, 1.0))
    b = [w[j] - w[n] * j / n for j in range(n + 1)]
    span = max(b) - min(b)
    scale = 0.6 * (h - lo) / span if span > 0 else 0.0
    out = []
    for j in range(1, n):
        x = o + (c - o) * j / n + scale * b[j]
        out.append(min(h, max(lo, round(x))))
    out.append(c)
    return out


def _split(rng: random.Random, total: int, n: int) -> list[int]:
    if total <= 0:
        return [0] * n
    weights = [0.2 + rng.random() for _ in range(n)]
    s = sum(weights)
    parts = [int(total * wt / s) for wt in weights]
    parts[-1] += total - sum(parts)
    return parts


class PricePath:
    """The price path of one instrument for one seed, anchored at block ``anchor``."""

    first_second: int | None = None
    """Where a data-driven path's data begins (no bars before it); None: the walk has no start."""

    def own_aggregate(self, pieces: Sequence[tuple[int, int]], what: str) -> _WhatT | None:
        """A data-driven path (:class:`~ibwire.gateway.replay.DataPath`) computes its statistics
        itself; None: :func:`aggregate` does, from :meth:`segments`."""
        return None

    def __init__(self, inst: Instrument, seed: int, anchor: int) -> None:
        self.inst = inst
        self.key = mix(seed, inst.con_id, 0x5EED)
        self.anchor = anchor
        self.log0 = math.log(inst.base_price / inst.min_tick)
        self.logp: dict[int, float] = {anchor: self.log0}
        self.lo = anchor
        self.hi = anchor
        self.sigma = inst.volatility
        self.blocks: dict[int, _BlockT] = {}
        self.minutes: dict[int, list[_MinT]] = {}
        self.seconds: dict[int, tuple[list[int], list[int]]] = {}

    # level 1: blocks
    def _log_close(self, b: int) -> float:
        if b > self.hi:
            lp = self.logp[self.hi]
            for i in range(self.hi + 1, b + 1):
                lp += self.sigma * _normal(mix(self.key, 1, i)) - (lp - self.log0) / 4000.0
                self.logp[i] = lp
            self.hi = b
        elif b < self.lo:
            lp = self.logp[self.lo]
            for i in range(self.lo, b, -1):
                lp -= self.sigma * _normal(mix(self.key, 1, i)) + (lp - self.log0) / 4000.0
                self.logp[i - 1] = lp
            self.lo = b
        return self.logp[b]

    def close_ticks(self, b: int) -> int:
        return max(1, round(math.exp(self._log_close(b))))

    def block(self, b: int) -> _BlockT:
        got = self.blocks.get(b)
        if got is not None:
            return got
        o, c = self.close_ticks(b - 1), self.close_ticks(b)
        margin = self.sigma * (o + c) * 0.3
        h = max(o, c) + round(abs(_normal(mix(self.key, 2, b))) * margin)
        lo = max(1, min(o, c) - round(abs(_normal(mix(self.key, 3, b))) * margin))
        spread = 1 + mix(self.key, 4, b) % 3
        vol = int(self.inst.block_volume * (0.5 + uniform(mix(self.key, 5, b))))
        got = (o, h, lo, c, spread, vol)
        if len(self.blocks) > 100_000:
            self.blocks.clear()
        self.blocks[b] = got
        return got

    # level 2: minutes of a block
    def minutes_of(self, b: int) -> list[_MinT]:
        got = self.minutes.get(b)
        if got is not None:
            return got
        o, h, lo, c, _spread, vol = self.block(b)
        rng = random.Random(mix(self.key, 6, b))
        closes = _bridge(rng, o, h, lo, c, 30)
        vols = _split(rng, vol, 30)
        rows: list[list[int]] = []
        prev = o
        extra = max(1.0, 0.15 * (h - lo))
        for j in range(30):
            cj = closes[j]
            hj = min(h, max(prev, cj) + round(abs(rng.gauss(0.0, 1.0)) * extra))
            lj = max(lo, min(prev, cj) - round(abs(rng.gauss(0.0, 1.0)) * extra))
            rows.append([prev, hj, lj, cj, vols[j]])
            prev = cj
        max(rows, key=lambda r: r[1])[1] = h
        min(rows, key=lambda r: r[2])[2] = lo
        got = [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        if len(self.minutes) > 4000:
            self.minutes.clear()
        self.minutes[b] = got
        return got

    def minute(self, m: int) -> _MinT:
        return self.minutes_of(m // 30)[m % 30]

    # level 3: seconds of a minute
    def seconds_of(self, m: int) -> tuple[list[int], list[int]]:
        got = self.seconds.get(m)
        if got is not None:
            return got
        o, h, lo, c, vol = self.minute(m)
        rng = random.Random(mix(self.key, 7, m))
        pts = _bridge(rng, o, h, lo, c, 60)
        # force the extremes onto two different inner seconds (the last one is the close)
        jh = max(range(59), key=lambda j: pts[j])
        jl = min((j for j in range(59) if j != jh), key=lambda j: pts[j])
        if h > max(o, max(pts)):
            pts[jh] = h
        if lo < min(o, min(pts)):
            pts[jl] = lo
        got = (pts, _split(rng, vol, 60))
        if len(self.seconds) > 20_000:
            self.seconds.clear()
        self.seconds[m] = got
        return got

    def price(self, s: int) -> int:
        return self.seconds_of(s // MINUTE)[0][s % MINUTE]

    def sec_volume(self, s: int) -> int:
        return self.seconds_of(s // MINUTE)[1][s % MINUTE]

    def spread(self, s: int) -> int:
        return self.block(s // BLOCK)[4]

    def last_at_ask(self, s: int) -> bool:
        return bool(mix(self.key, 8, s) & 1)

    def last_trade(self, s: int) -> float:
        """The last trade at second ``s`` (ticks): the walk prints at the bid or the ask."""
        return self.price(s) + (self.spread(s) if self.last_at_ask(s) else 0)

    def trades(self, s: int) -> list[tuple[float, int]]:
        """The trades printed at second ``s``: (price in ticks, size), in order. The walk prints
        one per second that has volume: the last trade (at the bid or the ask) for that volume,
        so a second's trades add up to the volume the bars count."""
        v = self.sec_volume(s)
        return [(value_at(self, s, "TRADES"), v)] if v > 0 else []

    # aggregation over [t0, t1)
    def segments(self, t0: int, t1: int) -> Iterator[tuple[int, int, int, int]]:
        """(high, low, spread, volume) of consecutive pieces covering [t0, t1)."""
        s = t0
        while s < t1:
            if s % BLOCK == 0 and s + BLOCK <= t1:
                _o, h, lo, _c, sp, v = self.block(s // BLOCK)
                yield h, lo, sp, v
                s += BLOCK
            elif s % MINUTE == 0 and s + MINUTE <= t1:
                _o, h, lo, _c, v = self.minute(s // MINUTE)
                yield h, lo, self.spread(s), v
                s += MINUTE
            else:
                a, b = self.price(s - 1), self.price(s)
                yield max(a, b), min(a, b), self.spread(s), self.sec_volume(s)
                s += 1


_WhatT = tuple[float, float, float, float, int]  # open, high, low, close (ticks, may be .5), volume


def value_at(path: PricePath, s: int, what: str) -> float:
    """The series ``what`` at second ``s``, in ticks."""
    bid = path.price(s)
    if what == "BID":
        return bid
    spread = path.spread(s)
    if what == "ASK":
        return bid + spread
    if what == "MIDPOINT":
        return bid + spread / 2
    return path.last_trade(s)  # TRADES: the last trade


def aggregate(path: PricePath, pieces: Sequence[tuple[int, int]], what: str) -> _WhatT:
    """OHLC (in ticks) and volume of the union of ``pieces`` for ``what``.

    The open is the series' value the second before the first piece (bars tile without gaps),
    the close its value at the last second; high / low cover every second and the open.
    """
    own = path.own_aggregate(pieces, what)
    if own is not None:
        return own
    bid_hi = ask_hi = mid_hi = -math.inf
    bid_lo = ask_lo = mid_lo = math.inf
    vol = 0
    for t0, t1 in pieces:
        for seg_hi, seg_lo, sp, v in path.segments(t0, t1):
            bid_hi, bid_lo = max(bid_hi, seg_hi), min(bid_lo, seg_lo)
            ask_hi, ask_lo = max(ask_hi, seg_hi + sp), min(ask_lo, seg_lo + sp)
            mid_hi, mid_lo = max(mid_hi, seg_hi + sp / 2), min(mid_lo, seg_lo + sp / 2)
            vol += v
    first, last = pieces[0][0] - 1, pieces[-1][1] - 1
    if what == "BID":
        hi, lo = bid_hi, bid_lo
    elif what == "ASK":
        hi, lo = ask_hi, ask_lo
    elif what == "MIDPOINT":
        hi, lo = mid_hi, mid_lo
    else:  # TRADES, BID_ASK: the last trade is at the bid or the ask
        hi, lo = ask_hi, bid_lo
    if what == "BID_ASK":
        o, c = value_at(path, first, "BID"), value_at(path, last, "ASK")
    else:
        o, c = value_at(path, first, what), value_at(path, last, what)
    return o, max(hi, o), min(lo, o), c, vol
