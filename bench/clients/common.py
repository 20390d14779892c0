"""Shared by the client scripts: arguments, the meter, and the JSON report line.

Every client script is run as ``python -m bench.clients.<name> --port P --mode burst|rtt|feed ...``
and prints exactly one JSON object on its last stdout line. Fields:

* burst / feed: ``n``, ``wall_s``, ``cpu_s`` (time.process_time over the same window, all threads),
  ``msgs_per_s``, ``cpu_us_per_msg``, ``peak_rss_mb`` (VmHWM of the process), ``counts``
  ({"1": TICK_PRICE handled, "2": TICK_SIZE handled}), ``final_bid`` (per subscription, in order);
* rtt: ``count``, ``p50_us``, ``p99_us``, ``mean_us``, ``peak_rss_mb``;
* row ("N requests in a row", default settings): ``--rounds`` rounds of ``--per-round``
  REQ_CURRENT_TIME calls back to back, a quiet 1.2 s before each round; the rtt fields over all
  calls;
* slow (a slow consumer, ``--listener-us`` of busy work per callback or per ticker notification):
  the burst fields plus ``idle_rss_mb`` (VmRSS just before subscribing) and ``rss_growth_mb``
  (peak minus idle).

The window opens just before the first subscription is sent and closes when the sentinel
CURRENT_TIME has been handled, so it covers the whole burst and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.burst import SENTINEL_EPOCH

WARMUP_PINGS = 200


def parse_args(name: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=f"bench.clients.{name}")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7497)
    p.add_argument("--client-id", type=int, default=1)
    p.add_argument("--mode", choices=("burst", "rtt", "feed", "row", "slow"), default="burst")
    p.add_argument("--n", type=int, default=100_000, help="burst size (burst / feed / slow)")
    p.add_argument("--count", type=int, default=10_000, help="round trips (rtt)")
    p.add_argument("--rounds", type=int, default=5, help="rounds of calls in a row (row)")
    p.add_argument("--per-round", type=int, default=40, help="calls in a row per round (row)")
    p.add_argument("--listener-us", type=float, default=20.0,
                   help="busy work per callback / ticker notification (slow; 0: none)")
    p.add_argument("--server-version", type=int, default=178,
                   help="floor only: the highest version it offers (201+: binary ids, protobuf)")
    p.add_argument("--unpaced", action="store_true",
                   help="switch the client's request pacing off (labelled in the results)")
    return p.parse_args()


QUIET_S = 1.2
"""A pause longer than a pacing window (1 s + ibwire's 0.1 s margin): the next round starts quiet."""


def busy(us: float) -> None:
    """Hold the CPU (and the GIL) for ``us`` microseconds: a consumer doing real Python work."""
    if us <= 0:
        return
    end = time.perf_counter() + us / 1e6
    while time.perf_counter() < end:
        pass


def rss_now_mb() -> float:
    """Resident set now (VmRSS), in MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident set of this process image, in MiB.

    VmHWM, not ``ru_maxrss``: on Linux the latter keeps the high-water mark of the parent's
    memory when the child was forked (or vforked) before ``exec``, so a child of a big runner
    would report the runner's size.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Meter:
    """Wall and CPU time over one window."""

    def __init__(self) -> None:
        self.t0 = self.c0 = self.t1 = self.c1 = 0.0

    def start(self) -> None:
        self.c0 = time.process_time()
        self.t0 = time.perf_counter()

    def stop(self) -> None:
        self.t1 = time.perf_counter()
        self.c1 = time.process_time()

    def burst_report(self, n: int, counts: dict[str, int], final_bid: list[float | None],
                     **extra: Any) -> dict[str, Any]:
        wall = self.t1 - self.t0
        cpu = self.c1 - self.c0
        out: dict[str, Any] = {
            "n": n,
            "wall_s": wall,
            "cpu_s": cpu,
            "msgs_per_s": n / wall if wall > 0 else None,
            "cpu_us_per_msg": cpu / n * 1e6 if n else None,
            "peak_rss_mb": peak_rss_mb(),
            "counts": counts,
            "final_bid": final_bid,
        }
        out.update(extra)
        return out


def rtt_report(samples_ns: list[int], **extra: Any) -> dict[str, Any]:
    s = sorted(samples_ns)
    n = len(s)

    def pct(p: float) -> float:
        return s[min(n - 1, int(p * n))] / 1000.0

    out: dict[str, Any] = {
        "count": n,
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "mean_us": sum(s) / n / 1000.0,
        "max_us": s[-1] / 1000.0,
        "peak_rss_mb": peak_rss_mb(),
    }
    out.update(extra)
    return out


def emit(report: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()


def bids_in_order(bids: dict[Any, float], order: list[Any]) -> list[float | None]:
    return [bids.get(k) for k in order]


def stream_report(meter: Meter, n: int, client: str, version: int | None,
                  checked: dict[str, Any]) -> None:
    """Emit a stream benchmark's report: the meter's burst figures without the burst's own
    counts, plus ``checked`` (what the runner verifies against the stream)."""
    out = meter.burst_report(n, {}, [], client=client, server_version=version)
    out.pop("counts")
    out.pop("final_bid")
    out.update(checked)
    emit(out)


def official_1051() -> tuple[Any, Any, Any]:
    """``(EClient, Contract, EWrapper)`` of the official client 10.51, or exit 3 having reported
    the row unavailable (never a number from another ibapi)."""
    try:
        from ibapi.client import EClient
        from ibapi.contract import Contract
        from ibapi.server_versions import MAX_CLIENT_VER
        from ibapi.wrapper import EWrapper
    except Exception as exc:  # the runner reports the row as unavailable, never a number
        emit({"unavailable": f"{type(exc).__name__}: {exc}"})
        raise SystemExit(3) from None
    if MAX_CLIENT_VER < 226:
        emit({"unavailable": f"ibapi with MAX_CLIENT_VER {MAX_CLIENT_VER} is not 10.51"})
        raise SystemExit(3)
    return EClient, Contract, EWrapper


def run_stream_client(prog: str, clients: dict[str, Any], default_n: int,
                      extra: dict[str, int] | None = None) -> None:
    """A stream benchmark client's command line: ``--client`` picks one of ``clients``."""
    import logging

    logging.disable(logging.CRITICAL)  # no log records on the hot path (as the other scripts)
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--client", choices=sorted(clients), required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7497)
    p.add_argument("--client-id", type=int, default=1)
    p.add_argument("--n", type=int, default=default_n)
    for name, default in (extra or {}).items():
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    clients[a.client](a)


class SentinelApp:
    """Mixed into an EClient-style app (ibwire's or the official client's), before ``EWrapper``:
    the sentinel CURRENT_TIME stops ``self.meter`` (set by the app), sets ``done`` and
    disconnects. :func:`run_to_sentinel` runs such an app."""

    meter: Meter
    done = False

    def currentTime(self, time_: Any) -> None:  # noqa: N802 - the official name
        if time_ == SENTINEL_EPOCH:
            self.meter.stop()
            self.done = True
            self.disconnect()  # type: ignore[attr-defined]


def run_to_sentinel(app: Any, a: argparse.Namespace, client: str,
                    checked: Callable[[], dict[str, Any]]) -> None:
    """Connect a :class:`SentinelApp`, run its callbacks until the sentinel, emit the report."""
    app.connect(a.host, a.port, a.client_id)
    version = app.serverVersion()
    app.run()
    if not app.done:
        raise SystemExit("connection ended before the sentinel")
    stream_report(app.meter, a.n, client, version, checked())


class IbAsyncWrapper:
    """A wrapper for ib_async's bare ``Client``: the session callbacks it calls on any wrapper, as
    no-ops, and ``done`` (a future of the running loop, made by :meth:`expect_sentinel`)
    completed by the sentinel CURRENT_TIME."""

    done: asyncio.Future[None] | None = None

    def expect_sentinel(self) -> asyncio.Future[None]:
        self.done = asyncio.get_running_loop().create_future()
        return self.done

    def currentTime(self, time: int) -> None:  # noqa: N802
        if time == SENTINEL_EPOCH and self.done is not None and not self.done.done():
            self.done.set_result(None)

    def connectAck(self) -> None: ...  # noqa: N802
    def nextValidId(self, orderId: int) -> None: ...  # noqa: N802,N803
    def managedAccounts(self, accountsList: str) -> None: ...  # noqa: N802,N803
    def error(self, *args: object) -> None: ...
    def setEventsDone(self) -> None: ...  # noqa: N802
    def connectionClosed(self) -> None: ...  # noqa: N802
