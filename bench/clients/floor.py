"""The floor: a raw socket reader that only splits frames and fields, counts by id, tracks the bid.

No decoding into objects, no callbacks: what any Python client must at least spend per message.
"""

from __future__ import annotations

import socket
import struct
import time

from bench import burst
from bench.clients.common import QUIET_S, WARMUP_PINGS, Meter, emit, parse_args, rtt_report

_unpack = struct.Struct(">I").unpack_from
RECV = 1 << 18
SENTINEL = str(burst.SENTINEL_EPOCH).encode()


def _mkt_data(req_id: int, symbol: str) -> bytes:
    return burst.frame("1", "11", str(req_id), "0", symbol, "STK", "", "", "", "", "SMART", "", "USD",
                       "", "", "0", "", "0", "0", "")


class Parser:
    """Counts frames by id and keeps the last BID price per request id (as bytes)."""

    def __init__(self) -> None:
        self.counts: dict[bytes, int] = {}
        self.bids: dict[bytes, bytes] = {}
        self.rest = b""
        self.done = False
        self.frames: list[list[bytes]] = []  # non-tick frames (handshake phase only)
        self.keep = False

    def feed(self, data: bytes) -> None:
        if self.rest:
            data = self.rest + data
        counts = self.counts
        bids = self.bids
        pos = 0
        end = len(data)
        while end - pos >= 4:
            e = pos + 4 + _unpack(data, pos)[0]
            if e > end:
                break
            fields = data[pos + 4:e].split(b"\0")
            pos = e
            mid = fields[0]
            counts[mid] = counts.get(mid, 0) + 1
            if mid == b"1":
                if fields[3] == b"1":
                    bids[fields[2]] = fields[4]
            elif self.keep:
                self.frames.append(fields)
            elif mid == b"49" and fields[2] == SENTINEL:
                self.done = True
        self.rest = data[pos:]


def connect(host: str, port: int, client_id: int) -> tuple[socket.socket, Parser]:
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    hello = b"v157..178"
    sock.sendall(b"API\0" + struct.pack(">I", len(hello)) + hello)
    p = Parser()
    p.keep = True
    while not p.frames:
        p.feed(sock.recv(RECV))
    p.frames.clear()
    sock.sendall(burst.frame("71", "2", str(client_id), ""))
    seen: set[bytes] = set()
    while not {b"9", b"15"} <= seen:
        p.feed(sock.recv(RECV))
        seen.update(f[0] for f in p.frames)
    p.frames.clear()
    p.keep = False
    p.counts.clear()
    return sock, p


def run_burst(a: object) -> None:
    sock, p = connect(a.host, a.port, a.client_id)  # type: ignore[attr-defined]
    ids = list(burst.DEFAULT_REQ_IDS)
    subs = b"".join(_mkt_data(r, s) for r, s in zip(ids, burst.SYMBOLS))
    m = Meter()
    m.start()
    sock.sendall(subs)
    recv = sock.recv
    while not p.done:
        data = recv(RECV)
        if not data:
            raise SystemExit("connection closed before the sentinel")
        p.feed(data)
    m.stop()
    counts = {k.decode(): v for k, v in p.counts.items() if k in (b"1", b"2")}
    bids = [float(p.bids[str(r).encode()]) if str(r).encode() in p.bids else None for r in ids]
    emit(m.burst_report(a.n, counts, bids, client="floor", mode="burst"))  # type: ignore[attr-defined]
    sock.close()


def run_feed(a: object) -> None:
    n = a.n  # type: ignore[attr-defined]
    data = burst.burst_bytes(n, burst.DEFAULT_REQ_IDS) + burst.sentinel_frame()
    p = Parser()
    m = Meter()
    m.start()
    p.feed(data)
    m.stop()
    assert p.done
    counts = {k.decode(): v for k, v in p.counts.items() if k in (b"1", b"2")}
    ids = [str(r).encode() for r in burst.DEFAULT_REQ_IDS]
    bids = [float(p.bids[r]) if r in p.bids else None for r in ids]
    emit(m.burst_report(n, counts, bids, client="floor", mode="feed", burst_bytes=len(data)))


def run_rtt(a: object) -> None:
    sock, p = connect(a.host, a.port, a.client_id)  # type: ignore[attr-defined]
    req = burst.frame("49", "1")
    samples: list[int] = []
    clock = time.perf_counter_ns
    p.keep = True
    for i in range(WARMUP_PINGS + a.count):  # type: ignore[attr-defined]
        t0 = clock()
        sock.sendall(req)
        while not p.frames:
            p.feed(sock.recv(RECV))
        t1 = clock()
        p.frames.clear()
        if i >= WARMUP_PINGS:
            samples.append(t1 - t0)
    emit(rtt_report(samples, client="floor", mode="rtt"))
    sock.close()


def run_row(a: object) -> None:
    """Rounds of ``--per-round`` pings back to back (the floor of the "in a row" figure)."""
    sock, p = connect(a.host, a.port, a.client_id)  # type: ignore[attr-defined]
    req = burst.frame("49", "1")
    samples: list[int] = []
    clock = time.perf_counter_ns
    p.keep = True
    for _ in range(a.rounds):  # type: ignore[attr-defined]
        time.sleep(QUIET_S)
        for _ in range(a.per_round):  # type: ignore[attr-defined]
            t0 = clock()
            sock.sendall(req)
            while not p.frames:
                p.feed(sock.recv(RECV))
            samples.append(clock() - t0)
            p.frames.clear()
    emit(rtt_report(samples, client="floor", mode="row", settings="defaults"))
    sock.close()


def main() -> None:
    a = parse_args("floor")
    {"burst": run_burst, "feed": run_feed, "rtt": run_rtt, "row": run_row}[a.mode](a)


if __name__ == "__main__":
    main()
