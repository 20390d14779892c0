"""``ibwire pnl``: the account's and each position's PnL, once or live."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from .conftest import Cli


def _hold(cli: Cli) -> None:
    assert cli("buy", "AAPL", "100", "--wait").exit_code == 0
    assert cli("buy", "MSFT", "10", "--wait").exit_code == 0


def test_pnl_once_json(gw, cli: Cli):
    _hold(cli)
    r = cli("pnl", "--once", "--json")
    assert r.exit_code == 0, r.stderr
    docs = json.loads(r.stdout)
    total, *positions = docs
    assert total["account"] == "DU1234567" and total["contract"] is None
    assert [d["contract"]["symbol"] for d in positions] == ["AAPL", "MSFT"]
    assert [d["position"] for d in positions] == [100, 10]
    assert total["unrealized_pnl"] == pytest.approx(sum(d["unrealized_pnl"] for d in positions))
    assert total["realized_pnl"] == 0.0 and all(d["realized_pnl"] == 0.0 for d in positions)
    portfolio = gw.call(lambda ex: ex.portfolio("DU1234567"))
    assert total["unrealized_pnl"] == pytest.approx(sum(i.unrealized_pnl for i in portfolio),
                                                    abs=0.02)


def test_pnl_once_text(cli: Cli):
    _hold(cli)
    r = cli("pnl", "--once")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert "account total" in lines[0] and "AAPL" in lines[1] and "MSFT" in lines[2]
    assert all("daily" in line and "unrealized" in line and "realized" in line for line in lines)


def test_pnl_live_follows_the_market(gw, cli: Cli):
    _hold(cli)
    box: dict[str, Any] = {}

    def run() -> None:
        box["result"] = cli("pnl", "--json", "--count", "5")

    t = threading.Thread(target=run)
    t.start()
    for _ in range(120):  # move the market until the command has seen 5 updates
        t.join(0.25)
        if not t.is_alive():
            break
        gw.step(60)
    t.join(10)
    assert not t.is_alive()
    r = box["result"]
    assert r.exit_code == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["seq"] for d in docs] == [1, 2, 3, 4, 5]
    # the first three are the subscriptions' values; then the market moved them
    assert {(d["contract"] or {}).get("symbol") for d in docs[:3]} == {None, "AAPL", "MSFT"}
    assert len({(json.dumps(d["contract"]), d["unrealized_pnl"]) for d in docs}) == 5


def test_pnl_unknown_account(cli: Cli):
    r = cli("pnl", "--once", "--account", "DU0000000", "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout.splitlines()[-1])["error"]["code"] == 321
