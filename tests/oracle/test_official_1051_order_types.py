"""The official client 10.51 with the order types traders use, against the paper gateway, at 226
(protobuf), 203 (the orders' protobuf gate), 200 and 178 (text): what-if on a stock and a future,
a bracket whose children wait for the parent and cancel each other, an OCA group, a transmit=False
order that fills only when transmitted, a trailing stop that moves with the market and fills. The
app runs as a subprocess with the oracle's own ``ibapi`` (e2e_orders_app.py), driven through its
stdin / stdout while the test moves the gateway's market clock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ibwire import Future, Option
from ibwire.gateway import PaperGateway
from ibwire.gateway.margin import scan_range
from ibwire.protocol.versions import MAX_VERSION, Feature

from .harness import Oracle, undecodable

APP = Path(__file__).with_name("e2e_orders_app.py")
AAPL = 265598


def _short_call_margin(ex: Any) -> tuple[str, float, float, float]:
    """A listed SPY call a few weeks out: (expiry, strike, bid, the short call's margin by the
    premium rule) from the gateway's own market (its clock stands still in this test)."""
    [cls] = [c for c in ex.instruments.classes_of("SPY", "OPT") if c.trading_class == "SPY"]
    expiry = sorted(d for d, _ in cls.expiries)[1]
    strike = cls.strikes[len(cls.strikes) // 2]
    con_id = ex.resolve(Option("SPY", expiry.strftime("%Y%m%d"), strike, "C"))[0].con_id
    bid, _, _ = ex.market.touch(con_id)
    under = ex.market.option_path(con_id).under_price(ex.market.step_second)
    otm = max(0.0, strike - under)
    return (expiry.strftime("%Y%m%d"), strike, bid,
            bid * 100 + max(0.2 * under - otm, 0.1 * under) * 100)


@pytest.mark.parametrize("version", [MAX_VERSION, int(Feature.PROTOBUF_PLACE_ORDER), 200, 178])
def test_official_1051_order_types(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        q = gateway.call(lambda ex: ex.quote(AAPL))
        es_con = gateway.call(lambda ex: ex.resolve(Future("ES", "202612"))[0].con_id)
        es_ask = gateway.call(lambda ex: ex.quote(es_con).ask)
        expiry, strike, opt_bid, opt_need = gateway.call(_short_call_margin)
        proc = subprocess.Popen([sys.executable, str(APP), str(gateway.port), str(q.bid),
                                 str(q.ask), expiry, str(strike)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=oracle.python_env())
        stops: list[float] = []
        try:
            assert proc.stdout is not None and proc.stdin is not None
            while True:
                line = json.loads(proc.stdout.readline() or '{"phase": "eof"}')
                if line["phase"] != "trail":
                    break
                trail_id = _trail_id(gateway)
                stops.append(gateway.call(
                    lambda ex, i=trail_id: ex.order(33, i).order.trail_stop_price))  # type: ignore[union-attr, misc]
                more = len(stops) < 720
                if more:
                    gateway.step(5)
                proc.stdin.write("moved\n" if more else "stop\n")
                proc.stdin.flush()
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-3000:]
    bad = undecodable(err)
    assert not bad, bad
    assert line["phase"] == "done", line
    r: dict[str, Any] = line
    assert r["timeouts"] == []
    ids = r["ids"]

    # what-if: one openOrder each, nothing placed, margins by Reg T / the SPAN-like rule
    (stk,) = r["open"][str(ids["wi_stk"])]
    (fut,) = r["open"][str(ids["wi_fut"])]
    assert stk["what_if"] and stk["status"] == "PreSubmitted"
    assert str(ids["wi_stk"]) not in r["status"]  # no orderStatus for a what-if order
    init_before, init_change, init_after, maint_change, ewl_before, ewl_after = \
        (float(x) for x in stk["margins"])
    assert init_change == pytest.approx(1000 * q.ask * 0.5, abs=0.01)
    assert maint_change == pytest.approx(1000 * q.ask * 0.25, abs=0.01)
    assert init_after == pytest.approx(init_before + init_change, abs=0.011)
    assert ewl_before == 1_000_000.0 and ewl_after == 1_000_000.0 - 5.0
    assert stk["commission"][0] == 5.0 and stk["commission"][3] == "USD"
    assert stk["commission"][1] > 1e300 and stk["commission"][2] > 1e300  # no range: unset
    (opt,) = r["open"][str(ids["wi_opt"])]  # a short call: the premium rule, commission 1.00
    assert opt["what_if"] and float(opt["margins"][1]) == pytest.approx(opt_need, abs=0.02)
    assert opt["commission"][0] == 1.0 and opt_bid > 0
    maint = 2 * es_ask * 50 * scan_range("ES")
    assert float(fut["margins"][3]) == pytest.approx(maint, abs=0.01)
    assert float(fut["margins"][1]) == pytest.approx(maint * 1.1, abs=0.01)

    # the resting bracket waited, then went with its parent's cancel
    assert r["bracket_waiting"] == ["Submitted", "PreSubmitted", "PreSubmitted"]
    p, tp, sl = ids["bracket"]
    assert all(r["status"][str(i)][0] == "Cancelled" for i in (p, tp, sl))
    assert {e[0] for e in r["errors"] if e[1] == 202} >= {p, tp, sl}
    assert r["status"][str(tp)][2] == p  # orderStatus parentId
    # the take-profit filled after its parent and cancelled the stop-loss
    p, tp, sl = ids["bracket_fill"]
    assert [r["status"][str(i)][0] for i in (p, tp, sl)] == ["Filled", "Filled", "Cancelled"]
    execs = [e[0] for e in r["execs"]]
    assert execs.index(p) < execs.index(tp) and sl not in execs
    # OCA type 1
    a, b = ids["oca"]
    assert (r["status"][str(a)][0], r["status"][str(b)][0]) == ("Cancelled", "Filled")
    assert r["open"][str(a)][0]["oca"] == ["oca-1051", 1]
    # staged until transmitted
    # (OPEN_ORDER carries no transmit flag: the official Order shows its default, True)
    assert r["staged_before"][0] == "PreSubmitted"
    assert r["status"][str(ids["staged"])][0] == "Filled"
    # the trailing stop rose with the market (what TWS showed), then filled
    shown = [o["trail"] for o in r["open"][str(ids["trail"])] if o["trail"] < 1e300]
    assert shown and shown == sorted(shown)
    assert stops == sorted(stops) and len(set(stops)) > 1
    fill = [e for e in r["execs"] if e[0] == ids["trail"]][0]
    assert fill[1] <= max(shown) + 1e-9


def _trail_id(gateway: PaperGateway) -> int:
    rows = gateway.call(lambda ex: [(r.order_id, r.order.order_type) for r in ex.open_orders(33)])
    return next(i for i, t in rows if t == "TRAIL")
