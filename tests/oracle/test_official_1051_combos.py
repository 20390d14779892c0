"""The official client 10.51 trades a combo of two stocks on the paper gateway at 226
(protobuf), 203 (orders' protobuf gate), 200 and 178 (text): the BAG order is echoed with its
legs, fills, and is reported with an execution per leg and one for the combo, each with its
commission report; the positions are the legs'. (e2e_combo_app.py, in a subprocess.)"""

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

APP = Path(__file__).with_name("e2e_combo_app.py")
AAPL, MSFT = 265598, 272093


@pytest.mark.parametrize("version", [MAX_VERSION, int(Feature.PROTOBUF_PLACE_ORDER), 200, 178])
def test_official_1051_trades_a_combo(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        a = gateway.call(lambda ex: ex.market.touch(AAPL))
        m = gateway.call(lambda ex: ex.market.touch(MSFT))
        proc = subprocess.run([sys.executable, str(APP), str(gateway.port)], capture_output=True,
                              text=True, env=oracle.python_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bad = undecodable(proc.stderr)
    assert not bad, bad
    r: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert r["timeouts"] == [] and r["server_version"] == version
    oid = r["oid"]
    assert [oid, "BAG", [[AAPL, 1, "BUY"], [MSFT, 1, "SELL"]], "Filled"] in r["open_orders"]
    net = round(a[1] - m[0], 6)
    assert [oid, "Filled", 4.0, pytest.approx(net)] in r["statuses"]
    assert [e[:6] for e in r["execs"]] == [["STK", AAPL, "BOT", 4.0, a[1], oid],
                                          ["STK", MSFT, "SLD", 4.0, m[0], oid],
                                          ["BAG", 28812380, "BOT", 4.0, pytest.approx(net), oid]]
    fees = {exec_id: fee for exec_id, fee in r["commissions"]}
    assert [fees[e[6]] > 0 for e in r["execs"]] == [True, True, False]
    assert sorted(map(tuple, r["positions"])) == [(AAPL, 4.0), (MSFT, -4.0)]
