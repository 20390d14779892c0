"""Where ibwire spends its time on the burst: ``python bench/profile.py [--n N] [--one-read | --stages]``.

Default: the ibwire EClient receives the burst over a socket from the fake TWS (run in its own
process), exactly as in the benchmark, under cProfile in both of its threads: the reader thread
(socket reads, framing, field splitting, decoding into message objects) and the ``run()`` thread
(dispatch to EWrapper callbacks). Prints the top functions by cumulative and by own (total) time
for each thread and for both together. ``--one-read`` profiles the in-process path instead: the
whole burst handed to the sans-I/O Connection at once, then dispatched. ``--stages`` times each
stage (framing, field split, typed decode, dispatch) without a profiler, per message.

cProfile adds a fixed cost per Python call, so absolute times are inflated (2-3x); the shares
between functions are what to read. ``--save FILE`` writes the merged stats for snakeviz/pstats.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the stdlib module that cProfile imports: when run as a script, drop
# its own directory from sys.path before anything imports "profile".
_ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _ROOT / "bench"]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402


def _print_stats(title: str, stats: pstats.Stats, top: int) -> None:
    for key, name in (("cumulative", "cumulative time"), ("tottime", "own (total) time")):
        buf = io.StringIO()
        stats.stream = buf  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(top)
        text = buf.getvalue()
        start = text.find("   ncalls")
        print(f"\n=== {title}: top {top} by {name} ===")
        print(text[start:] if start >= 0 else text)


def _start_fake_tws(n: int) -> tuple[subprocess.Popen[str], int]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen([sys.executable, "-m", "bench.fake_tws", "--port", "0", "--n", str(n)],
                            cwd=_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    port = int(line.split(" on ", 1)[1].split(" ", 1)[0].rsplit(":", 1)[1])
    return proc, port


def profile_socket(n: int, top: int, save: str | None) -> None:
    from bench import burst
    from bench.clients.ibwire_eclient import App
    from ibwire.client import transport

    profiles: list[cProfile.Profile] = []
    original = transport.Transport._read_loop

    def profiled_read_loop(self: Any) -> None:
        p = cProfile.Profile()
        profiles.append(p)
        p.enable()
        try:
            original(self)
        finally:
            p.disable()

    transport.Transport._read_loop = profiled_read_loop  # type: ignore[method-assign]
    proc, port = _start_fake_tws(n)
    try:
        app = App("burst", 0)
        app.connect("127.0.0.1", port, 5)
        main = cProfile.Profile()
        t0 = time.perf_counter()
        main.enable()
        app.run()
        main.disable()
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(5)
    problems = burst.check({"counts": {"1": app.n_price, "2": app.n_size},
                            "final_bid": [app.bids.get(r) for r in burst.DEFAULT_REQ_IDS]},
                           burst.expected(n), synthetic_ok=True)
    print(f"ibwire EClient, burst of {n:,} over a socket under cProfile: {wall:.2f} s "
          f"({n / wall:,.0f} msg/s profiled); check: {'ok' if not problems else problems}")
    reader = pstats.Stats(profiles[0]) if profiles else None
    for p in profiles[1:]:
        assert reader is not None
        reader.add(p)
    if reader is not None:
        _print_stats("reader thread (recv, framing, decode)", reader, top)
    _print_stats("run() thread (dispatch, callbacks)", pstats.Stats(main), top)
    merged = pstats.Stats(main)
    for p in profiles:
        merged.add(p)
    _print_stats("both threads", merged, top)
    if save:
        merged.dump_stats(save)
        print(f"saved {save}")


def profile_one_read(n: int, top: int, save: str | None) -> None:
    from bench import burst
    from bench.clients.ibwire_eclient import App
    from ibwire.protocol.connection import Connection, Role
    from ibwire.protocol.handshake import encode_server_hello

    data = burst.burst_bytes(n, burst.DEFAULT_REQ_IDS) + burst.sentinel_frame()
    app = App("feed", 0)
    conn = Connection(Role.CLIENT)
    conn.initiate()
    conn.receive_data(encode_server_hello(178))
    conn.start_api(5)
    conn.receive_data(burst.frame("15", "1", burst.ACCOUNT) + burst.frame("9", "1", "1001"))
    handlers = app._handlers()
    p = cProfile.Profile()
    t0 = time.perf_counter()
    p.enable()
    events = conn.receive_data(data)
    app._dispatch(events, handlers, None)  # type: ignore[arg-type]
    p.disable()
    wall = time.perf_counter() - t0
    print(f"ibwire Connection + EClient dispatch, burst of {n:,} in one read under cProfile: "
          f"{wall:.2f} s; sentinel seen: {app.got_sentinel}")
    stats = pstats.Stats(p)
    _print_stats("one read", stats, top)
    if save:
        stats.dump_stats(save)
        print(f"saved {save}")


def stages(n: int) -> None:
    """Per-message cost of each stage, without a profiler (the burst in 256 KiB reads, in process)."""
    from bench import burst
    from bench.clients.ibwire_eclient import App
    from ibwire.protocol.connection import Connection, Role
    from ibwire.protocol.framing import FrameBuffer
    from ibwire.protocol.handshake import encode_server_hello

    data = burst.burst_bytes(n, burst.DEFAULT_REQ_IDS)
    step = 1 << 18
    chunks = [data[i:i + step] for i in range(0, len(data), step)]
    conn = Connection(Role.CLIENT)
    conn.initiate()
    conn.receive_data(encode_server_hello(178))
    conn.start_api(5)
    conn.receive_data(burst.frame("15", "1", burst.ACCOUNT) + burst.frame("9", "1", "1001"))
    app = App("stages", 0)
    handlers = app._handlers()
    pc = time.perf_counter
    print(f"ibwire per-message cost by stage, burst of {n:,} in 256 KiB reads (in process, no "
          f"socket, no profiler), microseconds per message:")
    print("  framing   fields   typed decode   receive_data   EClient dispatch   total")
    for _ in range(3):
        t_recv = t_disp = 0.0
        for c in chunks:
            t0 = pc()
            events = conn.receive_data(c)
            t1 = pc()
            app._dispatch(events, handlers, None)  # type: ignore[arg-type]
            t_disp += pc() - t1
            t_recv += t1 - t0
        fb = FrameBuffer()
        t0 = pc()
        for c in chunks:
            fb.feed(c)
        t_frame = pc() - t0
        fb = FrameBuffer()
        t0 = pc()
        for c in chunks:
            for payload in fb.feed(c):
                payload.decode("ascii").split("\0")
        t_split = pc() - t0
        us = 1e6 / n
        print(f"  {t_frame * us:7.3f}  {(t_split - t_frame) * us:7.3f}  {(t_recv - t_split) * us:13.3f}  "
              f"{t_recv * us:13.3f}  {t_disp * us:17.3f}  {(t_recv + t_disp) * us:6.3f}")
    # One read of the whole burst: every event of the burst is alive at once, so the cyclic
    # garbage collector's full passes (which walk every live object) grow with N.
    import gc

    whole = data + burst.sentinel_frame()
    for label, collect in (("gc on ", True), ("gc off", False)):
        fresh = Connection(Role.CLIENT)
        fresh.initiate()
        fresh.receive_data(encode_server_hello(178))
        fresh.start_api(5)
        fresh.receive_data(burst.frame("15", "1", burst.ACCOUNT) + burst.frame("9", "1", "1001"))
        gc.collect()
        if not collect:
            gc.disable()
        before = gc.get_stats()[2]["collections"]
        t0 = pc()
        events = fresh.receive_data(whole)
        app._dispatch(events, handlers, None)  # type: ignore[arg-type]
        dt = pc() - t0
        full = gc.get_stats()[2]["collections"] - before
        gc.enable()
        del events
        print(f"  whole burst in one read, {label}: {dt * 1e6 / n:.3f} us/msg ({n / dt:,.0f} msg/s), "
              f"{full} full collections")
    print("framing: FrameBuffer.feed (length prefix, one bytes object per frame); fields: ASCII "
          "decode + split on NUL;\ntyped decode: the compiled per-message decoder, the message object "
          "and the event list (receive_data minus the two before);\nEClient dispatch: handler lookup, "
          "attribute reads, the tickPrice/tickSize callbacks (incl. the implied tickSize).")


def main() -> None:
    logging.disable(logging.CRITICAL)
    ap = argparse.ArgumentParser(prog="python bench/profile.py", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300_000, help="burst size (default 300,000)")
    ap.add_argument("--top", type=int, default=25, help="functions per table")
    ap.add_argument("--one-read", action="store_true", help="in process, the whole burst at once")
    ap.add_argument("--save", help="write the merged pstats to this file")
    ap.add_argument("--stages", action="store_true",
                    help="no profiler: time framing, field split, typed decode and dispatch separately")
    a = ap.parse_args()
    if a.stages:
        stages(a.n)
    elif a.one_read:
        profile_one_read(a.n, a.top, a.save)
    else:
        profile_socket(a.n, a.top, a.save)


if __name__ == "__main__":
    main()
