"""Fills per second at the paper gateway with 32 clients trading at once.

32 lightweight raw-socket clients (one process, one ``selectors`` loop, so the client side costs
little and the figure is the gateway's): each connects with its own client id, then keeps
``--window`` 100-share AAPL market orders in flight until it has placed ``--orders``. PLACE_ORDER
frames are encoded once, before the clock starts, with ibwire's own encoder at version 178. The
clock runs from the first order sent to the last order seen Filled; a fill is an EXECUTION_DATA
frame. Valid when every order reached Filled with exactly one execution and no error came back.
"""

from __future__ import annotations

import argparse
import logging
import selectors
import socket
import struct
import time
from typing import Any

from bench import burst
from bench.clients.common import emit, peak_rss_mb

try:
    from ibwire import MarketOrder, Stock
    from ibwire.protocol.connection import encode_message
    from ibwire.protocol.messages.orders import PlaceOrder
except Exception as exc:
    emit({"unavailable": f"{type(exc).__name__}: {exc}"})
    raise SystemExit(3) from None

_unpack = struct.Struct(">I").unpack_from


class Peer:
    def __init__(self, host: str, port: int, client_id: int) -> None:
        self.client_id = client_id
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rest = b""
        self.next_id = 0
        self.frames: list[list[bytes]] = []
        self.orders: list[bytes] = []
        self.sent = 0
        self.filled: set[int] = set()
        self.executions = 0
        self.errors: list[str] = []

    def feed(self, data: bytes) -> list[list[bytes]]:
        if self.rest:
            data = self.rest + data
        out: list[list[bytes]] = []
        pos, end = 0, len(data)
        while end - pos >= 4:
            e = pos + 4 + _unpack(data, pos)[0]
            if e > end:
                break
            out.append(data[pos + 4:e].split(b"\0"))
            pos = e
        self.rest = data[pos:]
        return out

    def handshake(self) -> None:
        hello = b"v157..178"
        self.sock.sendall(b"API\0" + struct.pack(">I", len(hello)) + hello)
        got: list[list[bytes]] = []
        while not got:
            got = self.feed(self.sock.recv(65536))
        self.sock.sendall(burst.frame("71", "2", str(self.client_id), ""))
        seen: dict[bytes, list[bytes]] = {}
        got = got[1:]
        while not (b"9" in seen and b"15" in seen):
            for f in got:
                seen.setdefault(f[0], f)
            if b"9" in seen and b"15" in seen:
                break
            got = self.feed(self.sock.recv(65536))
        self.next_id = int(seen[b"9"][2])
        self.sock.settimeout(None)
        self.sock.setblocking(False)

    def prepare(self, n: int) -> None:
        contract = Stock("AAPL")
        for i in range(n):
            order = MarketOrder("BUY" if i % 2 == 0 else "SELL", 100)
            self.orders.append(encode_message(PlaceOrder(self.next_id + i, contract, order), 178))

    def send_next(self) -> None:
        self.sock.sendall(self.orders[self.sent])  # small frame; the socket buffer takes it
        self.sent += 1

    def handle(self, f: list[bytes]) -> None:
        mid = f[0]
        if mid == b"11":
            self.executions += 1
        elif mid == b"3":
            if f[2] == b"Filled":
                self.filled.add(int(f[1]))
        elif mid == b"4":
            code = int(f[3]) if len(f) > 3 and f[3].lstrip(b"-").isdigit() else 0
            if not 2100 <= code < 2200:
                self.errors.append(b"|".join(f).decode("ascii", "replace"))


def main() -> None:
    logging.disable(logging.CRITICAL)
    p = argparse.ArgumentParser(prog="bench.clients.fills32")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--orders", type=int, default=100, help="orders per client")
    p.add_argument("--window", type=int, default=4, help="orders in flight per client")
    p.add_argument("--first-client-id", type=int, default=1)
    a: Any = p.parse_args()
    peers = [Peer(a.host, a.port, a.first_client_id + i) for i in range(a.clients)]
    for peer in peers:
        peer.handshake()
        peer.prepare(a.orders)
    sel = selectors.DefaultSelector()
    for peer in peers:
        sel.register(peer.sock, selectors.EVENT_READ, peer)
    total = a.clients * a.orders
    t0 = time.perf_counter()
    c0 = time.process_time()
    for peer in peers:
        for _ in range(min(a.window, a.orders)):
            peer.send_next()
    done = 0
    deadline = time.monotonic() + 120
    while done < total and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            peer = key.data
            data = peer.sock.recv(1 << 18)
            if not data:
                raise SystemExit(f"gateway closed client {peer.client_id}: {peer.errors[:3]}")
            before = len(peer.filled)
            for f in peer.feed(data):
                peer.handle(f)
            new = len(peer.filled) - before
            done += new
            for _ in range(new):
                if peer.sent < a.orders:
                    peer.send_next()
    t1 = time.perf_counter()
    c1 = time.process_time()
    # executions that trail their Filled status: collect them (outside the clock) before counting
    late = time.monotonic() + 5.0
    while sum(p.executions for p in peers) < total and time.monotonic() < late:
        for key, _ in sel.select(timeout=0.5):
            peer = key.data
            for f in peer.feed(peer.sock.recv(1 << 18)):
                peer.handle(f)
    executions = sum(p.executions for p in peers)
    errors = [e for p in peers for e in p.errors]
    wall = t1 - t0
    emit({"client": "32 raw clients", "mode": "fills", "clients": a.clients, "orders": total,
          "orders_filled": done, "executions": executions, "wall_s": wall,
          "fills_per_s": executions / wall if wall > 0 else None,
          "client_cpu_s": c1 - c0, "errors": errors[:5], "n_errors": len(errors),
          "peak_rss_mb": peak_rss_mb()})
    for peer in peers:
        peer.sock.close()


if __name__ == "__main__":
    main()
