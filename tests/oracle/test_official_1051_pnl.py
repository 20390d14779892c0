"""The official client 10.51 reads PnL from the paper gateway, end to end, at 226 (protobuf), 210
(PnL's protobuf gate), 200 and 178 (text): its pnl / pnlSingle callbacks follow the position's
price when the test moves the gateway's market clock, and agree with its updatePortfolio rows;
soft dollar tiers are empty and requestFA is refused as for a non-FA account. The app runs as a
subprocess with the oracle's own ``ibapi`` (e2e_pnl_app.py), driven through its stdin / stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION, Feature

from .harness import Oracle, undecodable

APP = Path(__file__).with_name("e2e_pnl_app.py")
AAPL = 265598


def _move(gateway: PaperGateway) -> None:
    before = gateway.call(lambda ex: ex.market.mark(AAPL))
    for _ in range(60):
        gateway.step(60)
        if gateway.call(lambda ex: ex.market.mark(AAPL)) != before:
            return
    raise AssertionError("the market did not move")


@pytest.mark.parametrize("version", [MAX_VERSION, int(Feature.PROTOBUF_SCAN_DATA), 200, 178])
def test_official_1051_pnl_follows_the_market(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        proc = subprocess.Popen([sys.executable, str(APP), str(gateway.port)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=oracle.python_env())
        try:
            assert proc.stdout is not None and proc.stdin is not None
            ready: dict[str, Any] = json.loads(proc.stdout.readline() or "{}")
            assert ready.get("phase") == "ready", proc.stderr.read() if proc.stderr else ""
            _move(gateway)
            proc.stdin.write("moved\n")
            proc.stdin.flush()
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-3000:]
    bad = undecodable(err)
    assert not bad, bad
    r: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    assert r["timeouts"] == [] and r["server_version"] == version

    # before the move: the account PnL, the position's and the portfolio agree
    _, daily, unrealized, realized = ready["pnl"]
    _, pos, s_daily, s_unrealized, s_realized, value = ready["pnl_single"]
    row = [p for p in ready["portfolio"] if p[0] == AAPL][-1]
    assert pos == "100" and row[1] == "100"
    assert unrealized == pytest.approx(row[3], abs=0.01) and value == pytest.approx(row[2], abs=0.01)
    assert daily == pytest.approx(unrealized) and realized == 0.0  # bought today
    assert (s_daily, s_unrealized, s_realized) == (daily, unrealized, realized)

    # after the move: new values, for the same position
    last, last_single = r["pnl"][-1], r["pnl_single"][-1]
    assert last[2] != unrealized and last_single[5] != value and last_single[1] == "100"
    assert last[2] == pytest.approx(last_single[3])
    assert r["tiers"] == [[9, 0]]
    fa = [e for e in r["errors"] if e[1] == 321]
    assert fa and fa[0][0] == -1 and fa[0][2].endswith("FA data operations ignored for non FA "
                                                       "customers.")
