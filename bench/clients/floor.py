"""The floor: a raw socket reader that only splits frames and fields, counts by id, tracks the bid.

No decoding into objects, no callbacks: what any Python client must at least spend per message.

``--server-version 226`` (issue 12): the protobuf floor. The handshake and START_API go through
ibwire's client Connection (not measured); the measured loop splits frames, counts by the 4-byte
binary id and, for TICK_PRICE (201), walks the protobuf body's first tags by hand (reqId varint,
tickType varint, price fixed64) to keep the last BID's 8 bytes per request id. No protobuf library.
"""

from __future__ import annotations

import argparse
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
        self.version: int | None = None  # the server version of the handshake reply

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


_TICK_PRICE_ID = (201).to_bytes(4, "big")
_CURRENT_TIME_ID = (249).to_bytes(4, "big")


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


_SENTINEL_PB = b"\x08" + _varint(burst.SENTINEL_EPOCH)  # CurrentTime{time: 2,000,000,000}


class PbParser:
    """The protobuf floor: counts frames by binary id, keeps the last BID price bytes per req id."""

    def __init__(self) -> None:
        self.counts: dict[bytes, int] = {}
        self.bids: dict[bytes, bytes] = {}
        self.rest = b""
        self.done = False

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
            mid = data[pos + 4:pos + 8]
            counts[mid] = counts.get(mid, 0) + 1
            if mid == _TICK_PRICE_ID:
                i = pos + 8
                if data[i] == 0x08:  # field 1 (reqId), varint
                    j = i + 1
                    while data[j] & 0x80:
                        j += 1
                    j += 1
                    if data[j] == 0x10 and data[j + 1] == 1 and data[j + 2] == 0x19:  # BID, price
                        bids[data[i + 1:j]] = data[j + 3:j + 11]
            elif mid == _CURRENT_TIME_ID and data[pos + 8:e] == _SENTINEL_PB:
                self.done = True
            pos = e
        self.rest = data[pos:]


def _read_varint(b: bytes) -> int:
    v = shift = 0
    for x in b:
        v |= (x & 0x7F) << shift
        shift += 7
    return v


def run_burst_pb(a: argparse.Namespace) -> None:
    from ibwire.protocol.connection import Connection, Role, SessionReady

    sock = socket.create_connection((a.host, a.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = Connection(Role.CLIENT, min_version=100, max_version=a.server_version)
    sock.sendall(conn.initiate())
    ready = False
    while not ready:
        data = sock.recv(RECV)
        if not data:
            raise SystemExit("connection closed during the handshake")
        for ev in conn.receive_data(data):
            if type(ev).__name__ == "HandshakeComplete":
                sock.sendall(conn.start_api(a.client_id))
            elif isinstance(ev, SessionReady):
                ready = True
    from ibwire import Stock
    from ibwire.protocol.messages.market_data import ReqMktData

    ids = list(burst.DEFAULT_REQ_IDS)
    subs = b"".join(conn.send(ReqMktData(req_id=r, contract=Stock(s)))
                    for r, s in zip(ids, burst.SYMBOLS))
    p = PbParser()
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
    counts = {str(int.from_bytes(k, "big") - 200): v for k, v in p.counts.items()
              if k in (_TICK_PRICE_ID, (202).to_bytes(4, "big"))}
    by_id = {_read_varint(k): struct.unpack("<d", v)[0] for k, v in p.bids.items()}
    emit(m.burst_report(a.n, counts, [by_id.get(r) for r in ids],
                        client="floor", mode="burst", server_version=conn.server_version))
    sock.close()


def connect(host: str, port: int, client_id: int) -> tuple[socket.socket, Parser]:
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    hello = b"v157..178"
    sock.sendall(b"API\0" + struct.pack(">I", len(hello)) + hello)
    p = Parser()
    p.keep = True
    while not p.frames:
        p.feed(sock.recv(RECV))
    p.version = int(p.frames[0][0])
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
    emit(m.burst_report(a.n, counts, bids, client="floor", mode="burst",  # type: ignore[attr-defined]
                        server_version=p.version))
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
    if a.mode == "burst" and a.server_version >= 201:
        run_burst_pb(a)
        return
    {"burst": run_burst, "feed": run_feed, "rtt": run_rtt, "row": run_row}[a.mode](a)


if __name__ == "__main__":
    main()
