"""The threaded floor: the raw socket of :mod:`bench.clients.floor` read by a reader thread that
hands each read to the calling thread through a queue -- the least a client built the way
DESIGN.md prescribes (a reader thread decodes, the caller is woken once) can spend per round trip.

Only the "N requests in a row" shape (``--mode row``): each ping is sent by the main thread, the
reader thread splits the reply's frames and wakes the main thread with one ``SimpleQueue.put``.
The difference to the floor's p50 is the price of that one thread hop on the machine, which no
threaded client (ibwire's EClient and Broker, the official client) can avoid.
"""

from __future__ import annotations

import queue
import threading
import time

from bench import burst
from bench.clients.common import QUIET_S, emit, parse_args, rtt_report
from bench.clients.floor import RECV, connect


def run_row(a: object) -> None:
    sock, p = connect(a.host, a.port, a.client_id)  # type: ignore[attr-defined]
    replies: queue.SimpleQueue[list[object]] = queue.SimpleQueue()
    p.keep = True

    def reader() -> None:
        buf = bytearray(RECV)  # one buffer for every read (a recv(RECV) per read would allocate
        view = memoryview(buf)  # and free 256 KiB each time: see ibwire's client/transport.py)
        while True:
            n = sock.recv_into(buf)
            if not n:
                replies.put([])
                return
            p.feed(view[:n].tobytes())
            if p.frames:
                frames, p.frames = p.frames, []
                replies.put(frames)

    threading.Thread(target=reader, name="floor-reader", daemon=True).start()
    req = burst.frame("49", "1")
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(a.rounds):  # type: ignore[attr-defined]
        time.sleep(QUIET_S)
        for _ in range(a.per_round):  # type: ignore[attr-defined]
            t0 = clock()
            sock.sendall(req)
            if not replies.get(timeout=30):
                raise SystemExit("connection closed")
            samples.append(clock() - t0)
    emit(rtt_report(samples, client="floor + reader thread", mode="row", settings="defaults"))
    sock.close()


def main() -> None:
    a = parse_args("floor_threaded")
    if a.mode != "row":
        raise SystemExit("floor_threaded measures --mode row only")
    run_row(a)


if __name__ == "__main__":
    main()
