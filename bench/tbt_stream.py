"""The tick-by-tick burst every benchmark client receives, and what it must end with.

200,000 TICK_BY_TICK (99) frames -- AAPL's tape as the paper gateway prints it (:mod:`ibwire.gateway
.tape`): every trade (``Last``, request 1001) and every quote change (``BidAsk``, request 1002) of
its seeded market, second after second -- as text at server version 178 (the highest every client
here speaks), built by hand from the tape, so the bytes do not depend on the encoder being
measured. Each request id is written zero-padded to ten digits; the stream for other ids is the
same bytes with those digits replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.burst import SENTINEL_EPOCH, frame_of  # the CURRENT_TIME sent after the last tick

N = 200_000
SEED = 20261206
AAPL = 265598
LAST_ID, BID_ASK_ID = 1001, 1002
_LAST_TOKEN, _QUOTE_TOKEN = b"@@@@@@@@@L", b"@@@@@@@@@Q"


@dataclass
class Stream:
    """The ticks and what a client that handled all of them ends with."""

    trades: int = 0
    quotes: int = 0
    volume: int = 0  # the sum of the trades' sizes
    last: list[Any] = field(default_factory=list)  # [time, price, size] of the last trade
    quote: list[Any] = field(default_factory=list)  # [time, bid, ask, bid size, ask size]
    template: bytes = b""

    def bytes_for(self, last_id: int, quote_id: int) -> bytes:
        return self.template.replace(_LAST_TOKEN, f"{last_id:010d}".encode()).replace(
            _QUOTE_TOKEN, f"{quote_id:010d}".encode())


def build(n: int = N) -> Stream:
    """``n`` ticks of AAPL's tape from the gateway's market, one second after another."""
    from ibwire.gateway import tape
    from ibwire.gateway.instruments import universe
    from ibwire.gateway.market import Market

    market = Market(universe(), seed=SEED)
    cal = market.calendar(AAPL)
    out = Stream()
    frames: list[bytes] = []
    prev: tape.Quote2 | None = None
    s = market.step_second
    while len(frames) < n:
        for sec in tape.forward(cal, s, s + 3600, False):
            for price, size in market.trades_at(AAPL, sec):
                if len(frames) >= n:
                    break
                frames.append(frame_of(b"99", _LAST_TOKEN, b"1", str(sec).encode(),
                                     repr(price).encode(), str(size).encode(), b"0", b"NASDAQ",
                                     b""))
                out.trades += 1
                out.volume += int(size)
                out.last = [sec, price, int(size)]
            q = tape.quote(market, AAPL, sec)
            if len(frames) < n and tape.changed(prev, q, "BID_ASK", False):
                prev = q
                frames.append(frame_of(b"99", _QUOTE_TOKEN, b"3", str(sec).encode(),
                                     repr(q.bid).encode(), repr(q.ask).encode(),
                                     str(q.bid_size).encode(), str(q.ask_size).encode(), b"0"))
                out.quotes += 1
                out.quote = [sec, q.bid, q.ask, int(q.bid_size), int(q.ask_size)]
            if len(frames) >= n:
                break
        s += 3600
    assert len(frames) == n
    out.template = b"".join(frames) + frame_of(b"49", b"1", str(SENTINEL_EPOCH).encode())
    return out


def check(report: dict[str, Any], stream: Stream) -> list[str]:
    """What is wrong with a client's report (empty: every tick handled, the last ones right)."""
    problems = []
    for key in ("trades", "quotes", "volume"):
        if report.get(key) != getattr(stream, key):
            problems.append(f"{key} {report.get(key)} != {getattr(stream, key)}")
    if [float(x) for x in report.get("last") or []][1:] != [float(x) for x in stream.last][1:]:
        problems.append(f"last trade {report.get('last')} != {stream.last}")
    if [float(x) for x in report.get("quote") or []][1:] != [float(x) for x in stream.quote][1:]:
        problems.append(f"last quote {report.get('quote')} != {stream.quote}")
    if report.get("server_version") != 178:
        problems.append(f"server version {report.get('server_version')} != 178")
    return problems
