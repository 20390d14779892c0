"""Decoding the market-data burst as protobuf (server version 226) against text (178).

``python bench/protobuf_decode.py [--n 1000000]``

The same N TICK_PRICE / TICK_SIZE messages as ``bench.burst`` (same cycle, same values), framed
three ways: text at 178 (the id is the first text field), text with a binary id at 201, and
protobuf at 226 (id + 200 as 4 bytes, then the protobuf body). For each, two figures, best of 3:

* ``receive_data``: the sans-I/O client Connection fed the burst in 256 KiB reads (framing,
  dispatch on the id, the compiled decoder, the event list) -- what a front end pays per message;
* ``decoder only``: the compiled decoder called on each payload, already framed (the text one
  after ASCII decode + split on NUL, which it needs; the protobuf one reads the payload in place).

In process, no socket, no callbacks. Not asserted anywhere: run by hand, compare on one machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from bench import burst  # noqa: E402
from ibwire.protocol.connection import (  # noqa: E402
    Connection,
    Encoding,
    Role,
    decode_frame,
    encode_message,
)
from ibwire.protocol.framing import FrameBuffer  # noqa: E402
from ibwire.protocol.handshake import encode_server_hello  # noqa: E402
from ibwire.protocol.messages.system import ManagedAccts, NextValidId  # noqa: E402
from ibwire.protocol.schema import TO_CLIENT  # noqa: E402

READ = 1 << 18


def the_burst(n: int) -> tuple[list[Any], dict[str, bytes]]:
    """The burst's messages (decoded from bench.burst's text bytes) and their bytes per form."""
    cycle_text = burst.cycle_bytes(burst.DEFAULT_REQ_IDS)
    cycle = [decode_frame(p, 178, Role.CLIENT) for p in FrameBuffer().feed(cycle_text)]
    full, rest = divmod(n, len(cycle))
    forms = {"text 178": burst.burst_bytes(n, burst.DEFAULT_REQ_IDS)}  # the fake TWS's own bytes
    for name, version, enc in (("text 201 (binary id)", 201, Encoding.TEXT),
                               ("protobuf 226", 226, Encoding.PROTOBUF)):
        frames = [encode_message(m, version, enc) for m in cycle]
        assert [decode_frame(f[4:], version, Role.CLIENT) for f in frames] == cycle  # same content
        forms[name] = b"".join(frames) * full + b"".join(frames[:rest])
    return cycle, forms


def ready_client(version: int) -> Connection:
    conn = Connection(Role.CLIENT, min_version=100, max_version=version)
    conn.initiate()
    conn.receive_data(encode_server_hello(version))
    conn.start_api(5)
    # the session-ready messages in the form the version uses
    conn.receive_data(encode_message(ManagedAccts(burst.ACCOUNT), version)
                      + encode_message(NextValidId(burst.NEXT_VALID_ID), version))
    return conn


def time_receive(data: bytes, version: int, n: int) -> float:
    chunks = [data[i:i + READ] for i in range(0, len(data), READ)]
    best = float("inf")
    for _ in range(3):
        conn = ready_client(version)
        count = 0
        t0 = time.perf_counter()
        for c in chunks:
            count += len(conn.receive_data(c))
        dt = time.perf_counter() - t0
        assert count == n, (count, n)
        best = min(best, dt)
    return best


def time_decoder(data: bytes, version: int, n: int) -> float:
    payloads = FrameBuffer().feed(data)
    assert len(payloads) == n
    best = float("inf")
    if version < 201:
        decs: dict[str, Callable[[list[str]], Any]] = {
            str(i): TO_CLIENT[i].SCHEMA.decoder(version).raw for i in (1, 2)}  # type: ignore[attr-defined]
        for _ in range(3):
            t0 = time.perf_counter()
            for p in payloads:
                fields = p.decode("ascii").split("\0")
                fields.pop()
                decs[fields[0]](fields)
            best = min(best, time.perf_counter() - t0)
        return best
    pbs: dict[bytes, Callable[[bytes, int, int], Any]] = {
        (i + 200).to_bytes(4, "big"): TO_CLIENT[i].SCHEMA.pb_decoder().raw for i in (1, 2)}  # type: ignore[attr-defined]
    for _ in range(3):
        t0 = time.perf_counter()
        for p in payloads:
            pbs[p[:4]](p, 4, len(p))
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    n = args.n
    cycle, forms = the_burst(n)
    print(f"{n:,} TICK_PRICE / TICK_SIZE messages (bench.burst's cycle), best of 3, in process:")
    print(f"{'form':<24}{'bytes/msg':>10}{'receive_data':>16}{'msg/s':>14}{'decoder only':>16}{'msg/s':>14}")
    for name, data in forms.items():
        version = int(name.split()[-1]) if name.split()[-1].isdigit() else int(name.split()[1])
        rd = time_receive(data, version, n)
        dec = time_decoder(data, version, n) if "binary" not in name else float("nan")
        dec_txt = f"{dec * 1e6 / n:13.3f} us" if dec == dec else f"{'-':>16}"
        rate = f"{n / dec:14,.0f}" if dec == dec else f"{'-':>14}"
        print(f"{name:<24}{len(data) / n:10.1f}{rd * 1e6 / n:13.3f} us{n / rd:14,.0f}{dec_txt}{rate}")


if __name__ == "__main__":
    main()
