"""The official client 10.51 streams tick-level data from the paper gateway, end to end: tick-by-tick
Last and BidAsk, 5-second real-time bars and historical ticks (TRADES, BID_ASK, MIDPOINT), at 226
(every message as protobuf), at 207 (below the historical-data family's protobuf gate: text with
binary ids) and at 178 (text). It runs as a subprocess with the oracle's own ``ibapi``
(e2e_ticks_app.py); the test moves the market while the app waits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import Oracle, undecodable

APP = Path(__file__).with_name("e2e_ticks_app.py")
AAPL = 265598


def run_app(oracle: Oracle, gateway: PaperGateway) -> dict[str, Any]:
    proc = subprocess.Popen([sys.executable, str(APP), str(gateway.port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=oracle.python_env())
    assert proc.stdin is not None and proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line.strip() == "subscribed", line + (proc.stderr.read() if proc.stderr else "")
        gateway.step(12)  # twelve market seconds: trades, quotes, two 5-second bars
        out, err = proc.communicate("go\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    bad = undecodable(err)
    assert not bad, bad
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize("version", [MAX_VERSION, 207, 178])
def test_official_1051_streams_ticks(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        start = gateway.call(lambda ex: ex.market.step_second)
        r = run_app(oracle, gateway)
        assert r["timeouts"] == [], r
        assert r["server_version"] == version
        assert [e[:2] for e in r["errors"] if e[0] >= 0] == [[4, 321]]  # no start, no end

        # every trade of those seconds, as the gateway's tape printed it
        tape = gateway.call(lambda ex: [(s, p, str(q)) for s in range(start - 10, start + 13)
                                        for p, q in ex.market.trades_at(AAPL, s)])
        last = [t for t in r["last"] if t[0] == 1]
        live = [(t[2], t[3], t[4]) for t in last[1:]]  # (the first: the last trade before)
        assert live == [x for x in tape if x[0] > start][:len(live)] and len(live) >= 5
        assert all(t[1] == 1 and t[6] == "NASDAQ" for t in last)
        all_last = [(t[2], t[3], t[4]) for t in r["last"] if t[0] == 9]
        assert all(t[1] == 2 for t in r["last"] if t[0] == 9) and all_last[1:] == live[:len(all_last) - 1]
        assert len(r["mid"]) >= 2 and all(m[0] == 8 and m[2] > 0 for m in r["mid"])
        for _, _, bid, ask, bid_size, ask_size, _ in r["bid_ask"]:
            assert bid < ask and float(bid_size) > 0 and float(ask_size) > 0

        # two 5-second bars, each the historical 5-second bar of its window
        for _, t, o, h, lo, c, volume, _wap, count in r["bars"][:2]:
            assert t % 5 == 0 and lo <= min(o, c) <= max(o, c) <= h and count > 0
            trades = [x for x in tape if t <= x[0] < t + 5]
            assert float(volume) == sum(float(x[2]) for x in trades)
            assert all(lo <= x[1] <= h for x in trades)

        (req, ticks, done), = r["hist_last"]
        assert req == 5 and done and 100 <= len(ticks) < 110
        assert [(x[0], x[1], x[2]) for x in ticks[-len(live):]] == live
        (req, ticks, done), = r["hist_bid_ask"]
        assert req == 6 and done and len(ticks) >= 100 and all(x[1] < x[2] for x in ticks)
        (req, ticks, done), = r["hist_mid"]
        assert req == 7 and done and len(ticks) >= 100
