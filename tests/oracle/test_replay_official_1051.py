"""The official client 10.51, unmodified but for answering each new bar with ``reqCurrentTime``,
backtests through a replaying gateway at speed "max" with ``react="sync"`` (issue 18): its market
orders fill at the open of the bar they were sent on, plus a tick for a buy and minus one for a
sell (the rule docs/backtesting.md states), at 226 (protobuf) and 178 (text). It runs as a
subprocess with the oracle's own ``ibapi`` (e2e_replay_app.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import Oracle

APP = Path(__file__).with_name("e2e_replay_app.py")

BARS = ("time,open,high,low,close,volume",
        "2026-11-18 09:30:00-05:00,100.00,100.40,99.80,100.20,5000",
        "2026-11-18 09:31:00-05:00,100.25,100.60,100.10,100.50,5000",
        "2026-11-18 09:32:00-05:00,100.45,100.70,100.30,100.60,5000",
        "2026-11-18 09:33:00-05:00,100.55,100.80,100.40,100.70,5000")
TICK = 0.01



@pytest.mark.parametrize("version", [MAX_VERSION, 178])
def test_official_1051_bot_fills_at_the_open_of_its_bar_with_react_sync(
        oracle: Oracle, tmp_path: Path, version: int) -> None:
    data = tmp_path / "AAPL.csv"
    data.write_text("\n".join(BARS) + "\n")
    with PaperGateway(port=0, speed="max", data=[str(data)], react="sync",
                      max_version=version) as gw:
        r = oracle.run_app(APP, gw.port)
    assert r["timeouts"] == [] and r["server_version"] == version, r
    assert [e for e in r["errors"] if e[0] >= 0] == [], r["errors"]
    # the bot saw every bar after the first (the one in progress when it subscribed) begin, in
    # order (then the first minute after the data, at the held price); it bought on the first
    # and sold on the second
    opens = {int(datetime.fromisoformat(row.split(",")[0]).timestamp()): float(row.split(",")[1])
             for row in BARS[1:]}
    starts = [int(d) for d in r["starts"]]
    assert starts[:len(opens) - 1] == sorted(opens)[1:], starts
    bought, sold = starts[0], starts[1]
    assert [(side, price) for side, price, _t in r["fills"]] == [
        ("BOT", round(opens[bought] + TICK, 2)), ("SLD", round(opens[sold] - TICK, 2))]
