"""The market-data burst every benchmark client receives, and what a correct client must end with.

The burst is N frames of TICK_PRICE (1, v6) and TICK_SIZE (2, v6) spread over the four request ids a
client subscribed, in subscription order. It repeats a deterministic cycle of ``CYCLE`` messages
(seeded random walk in cents, realistic US-stock prices and sizes), so the fake TWS can build it in
a millisecond for whatever request ids a client picked, and the runner can compute the expected
counts and final quotes without seeing the bytes.

Hand-built bytes on purpose: the fake TWS must not depend on the library it measures.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field

CYCLE = 1000
"""Messages per repeating cycle."""

SEED = 20240102

SENTINEL_EPOCH = 2_000_000_000
"""CURRENT_TIME value the fake TWS sends after the last burst message."""

PONG_EPOCH = 1_700_000_000
"""CURRENT_TIME value the fake TWS answers every REQ_CURRENT_TIME with."""

ACCOUNT = "DU1234567"
NEXT_VALID_ID = 1001
DEFAULT_REQ_IDS = (1001, 1002, 1003, 1004)
SYMBOLS = ("AAPL", "MSFT", "SPY", "TSLA")
CON_IDS = (265598, 272093, 756733, 76792991)  # as a qualified contract carries them
_BASE_CENTS = (18923, 37815, 45207, 24260)

# TWS tick types used in the burst (official ids).
BID_SIZE, BID, ASK, ASK_SIZE, LAST, LAST_SIZE, VOLUME = 0, 1, 2, 3, 4, 5, 8
PRICE_TICKS = (BID, ASK, LAST)

TICK_PRICE, TICK_SIZE, CURRENT_TIME = 1, 2, 49


@dataclass(frozen=True, slots=True)
class Tick:
    """One burst message: ``msg_id`` 1 (price) or 2 (size), for subscription ``index`` 0..3."""

    msg_id: int
    index: int
    tick_type: int
    value: str      # price "189.23" or size "300"


@dataclass(slots=True)
class Expected:
    """What a client that handled every message of an N-message burst must report."""

    n: int
    counts: dict[str, int] = field(default_factory=dict)   # {"1": TICK_PRICE count, "2": TICK_SIZE count}
    price_by_type: dict[int, int] = field(default_factory=dict)  # tick type -> TICK_PRICE count
    bid: list[float | None] = field(default_factory=list)  # final bid per subscription index
    ask: list[float | None] = field(default_factory=list)
    last: list[float | None] = field(default_factory=list)
    burst_bytes: int = 0

    @property
    def synthetic_sizes(self) -> int:
        """tickSize callbacks the official client adds (one per BID/ASK/LAST TICK_PRICE)."""
        return sum(self.price_by_type.get(t, 0) for t in PRICE_TICKS)


def cycle() -> list[Tick]:
    """The deterministic cycle: a seeded quote/trade stream over four instruments."""
    rng = random.Random(SEED)
    bid = list(_BASE_CENTS)
    ask = [b + 1 for b in bid]
    volume = [rng.randrange(2_000_000, 9_000_000) // 100 for _ in range(4)]
    out: list[Tick] = []
    while len(out) < CYCLE:
        i = rng.randrange(4)
        r = rng.random()
        if r < 0.40:  # quote change: price then size of one side
            step = rng.choice((-2, -1, -1, 0, 1, 1, 2))
            if rng.random() < 0.5:  # the bid moves, never through the ask
                bid[i] = min(ask[i] - 1, max(100, bid[i] + step))
                out.append(Tick(TICK_PRICE, i, BID, _cents(bid[i])))
                out.append(Tick(TICK_SIZE, i, BID_SIZE, str(rng.randrange(1, 60) * 100)))
            else:  # the ask moves, never through the bid
                ask[i] = max(bid[i] + 1, ask[i] + step)
                out.append(Tick(TICK_PRICE, i, ASK, _cents(ask[i])))
                out.append(Tick(TICK_SIZE, i, ASK_SIZE, str(rng.randrange(1, 60) * 100)))
        elif r < 0.75:  # size-only change at the top of the book
            kind = BID_SIZE if rng.random() < 0.5 else ASK_SIZE
            out.append(Tick(TICK_SIZE, i, kind, str(rng.randrange(1, 60) * 100)))
        else:  # a trade: last price, last size, volume
            price = bid[i] if rng.random() < 0.5 else ask[i]
            size = rng.randrange(1, 10) * 100
            volume[i] += size // 100
            out.append(Tick(TICK_PRICE, i, LAST, _cents(price)))
            out.append(Tick(TICK_SIZE, i, LAST_SIZE, str(size)))
            out.append(Tick(TICK_SIZE, i, VOLUME, str(volume[i])))
    return out[:CYCLE]


def _cents(c: int) -> str:
    return f"{c // 100}.{c % 100:02d}"


_CYCLE: list[Tick] | None = None


def _the_cycle() -> list[Tick]:
    global _CYCLE
    if _CYCLE is None:
        _CYCLE = cycle()
    return _CYCLE


def frame(*fields: str) -> bytes:
    return frame_of(*(f.encode("ascii") for f in fields))


def frame_of(*fields: bytes) -> bytes:
    """A text frame of fields already in bytes."""
    payload = b"\0".join(fields) + b"\0"
    return struct.pack(">I", len(payload)) + payload


def encode_tick(t: Tick, req_id: str) -> bytes:
    if t.msg_id == TICK_PRICE:
        return frame("1", "6", req_id, str(t.tick_type), t.value, _price_size(t), "0")
    return frame("2", "6", req_id, str(t.tick_type), t.value)


def _price_size(t: Tick) -> str:
    # The size carried inside TICK_PRICE (real TWS sends one); deterministic per value.
    return str((int(t.value.replace(".", "")) % 37 + 1) * 100)


def cycle_bytes(req_ids: tuple[int, ...]) -> bytes:
    """One encoded cycle for these four request ids (subscription order)."""
    ids = [str(r) for r in req_ids]
    return b"".join(encode_tick(t, ids[t.index]) for t in _the_cycle())


def burst_bytes(n: int, req_ids: tuple[int, ...]) -> bytes:
    """The whole burst, materialised (used for one-send mode and in-process replays)."""
    cyc = _the_cycle()
    full, tail = divmod(n, CYCLE)
    ids = [str(r) for r in req_ids]
    tail_bytes = b"".join(encode_tick(t, ids[t.index]) for t in cyc[:tail])
    return cycle_bytes(req_ids) * full + tail_bytes


def tail_bytes(n: int, req_ids: tuple[int, ...]) -> bytes:
    ids = [str(r) for r in req_ids]
    return b"".join(encode_tick(t, ids[t.index]) for t in _the_cycle()[: n % CYCLE])


def sentinel_frame() -> bytes:
    return frame("49", "1", str(SENTINEL_EPOCH))


def pong_frame() -> bytes:
    return frame("49", "1", str(PONG_EPOCH))


def expected(n: int, req_ids: tuple[int, ...] = DEFAULT_REQ_IDS) -> Expected:
    """Counts and final quotes after an N-message burst (independent of the request ids)."""
    cyc = _the_cycle()
    full, tail = divmod(n, CYCLE)
    exp = Expected(n)
    counts = {TICK_PRICE: 0, TICK_SIZE: 0}
    by_type: dict[int, int] = {}
    bid: list[float | None] = [None] * 4
    ask: list[float | None] = [None] * 4
    last: list[float | None] = [None] * 4

    def scan(ticks: list[Tick], times: int) -> None:
        for t in ticks:
            counts[t.msg_id] += times
            if t.msg_id == TICK_PRICE:
                by_type[t.tick_type] = by_type.get(t.tick_type, 0) + times
                if t.tick_type == BID:
                    bid[t.index] = float(t.value)
                elif t.tick_type == ASK:
                    ask[t.index] = float(t.value)
                elif t.tick_type == LAST:
                    last[t.index] = float(t.value)

    if full:
        scan(cyc, full)
    scan(cyc[:tail], 1)
    exp.counts = {str(k): v for k, v in counts.items()}
    exp.price_by_type = by_type
    exp.bid, exp.ask, exp.last = bid, ask, last
    exp.burst_bytes = len(cycle_bytes(req_ids)) * full + len(tail_bytes(n, req_ids))
    return exp


def check(report: dict[str, object], exp: Expected, *, synthetic_ok: bool = False) -> list[str]:
    """Compare a client's report with the expectation; return the differences (empty = valid).

    ``report["counts"]`` maps message id (as text) to what the client handled. A client built on
    the official callback API may see one implied ``tickSize`` per BID/ASK/LAST ``tickPrice``; it
    reports the raw callback count as ``counts["2"]`` and ``synthetic_ok`` accepts either exact
    total (the one that matched is recorded by the runner).
    """
    problems: list[str] = []
    counts = report.get("counts") or {}
    assert isinstance(counts, dict)
    for key, want in exp.counts.items():
        got = counts.get(key)
        if got == want:
            continue
        if synthetic_ok and key == str(TICK_SIZE) and got == want + exp.synthetic_sizes:
            continue
        problems.append(f"count[{key}] {got} != {want}")
    bids = report.get("final_bid")
    if not isinstance(bids, list) or len(bids) != 4:
        problems.append(f"final_bid missing or malformed: {bids!r}")
    else:
        for i, (got_b, want_b) in enumerate(zip(bids, exp.bid)):
            if want_b is None:
                continue
            if got_b is None or abs(float(got_b) - want_b) > 1e-9:
                problems.append(f"final bid[{i}] {got_b} != {want_b}")
    return problems
