"""``ibwire buy / sell --take-profit --stop-loss`` (a bracket), ``--trail`` (a trailing stop) and
``ibwire whatif`` against the paper gateway."""

from __future__ import annotations

import pytest

from ibwire.gateway import PaperGateway

from .conftest import Cli
from .helpers import as_json

AAPL = 265598


def test_buy_with_take_profit_and_stop_loss_sends_a_bracket(cli: Cli, gw: PaperGateway) -> None:
    bid = gw.call(lambda ex: ex.quote(AAPL).bid)
    entry, tp, sl = round(bid - 10, 2), round(bid + 10, 2), round(bid - 20, 2)
    r = cli("buy", "AAPL", "100", "--limit", str(entry), "--take-profit", str(tp),
            "--stop-loss", str(sl))
    assert r.exit_code == 0, r.stderr
    assert "entry       order 1: BUY 100 LMT" in r.stdout
    assert "take-profit order 2: SELL 100 LMT" in r.stdout
    assert "stop-loss   order 3: SELL 100 STP" in r.stdout
    rows = gw.call(lambda ex: [(o.order_id, o.status, o.order.parent_id, o.order.transmit)
                               for o in ex.open_orders()])
    assert rows == [(1, "Submitted", 0, True), (2, "PreSubmitted", 1, True),
                    (3, "PreSubmitted", 1, True)]


def test_bracket_json_and_bad_brackets(cli: Cli, gw: PaperGateway) -> None:
    bid = gw.call(lambda ex: ex.quote(AAPL).bid)
    out = as_json(cli("buy", "AAPL", "10", "--limit", str(round(bid - 10, 2)), "--take-profit",
                      str(round(bid + 10, 2)), "--stop-loss", str(round(bid - 20, 2)), "--json"))
    legs = out["bracket"]
    assert [t["order_type"] for t in legs] == ["LMT", "LMT", "STP"]
    assert [t["action"] for t in legs] == ["BUY", "SELL", "SELL"]
    r = cli("buy", "AAPL", "10", "--take-profit", "200")
    assert r.exit_code == 2 and "--stop-loss" in r.stderr
    r = cli("buy", "AAPL", "10", "--limit", "100", "--take-profit", "90", "--stop-loss", "80")
    assert r.exit_code == 2 and "take-profit 90" in r.stderr


@pytest.mark.parametrize(("trail", "amount", "pct"), [("0.5", 0.5, None), ("1%", None, 1.0)])
def test_sell_with_trail_sends_a_trailing_stop(cli: Cli, gw: PaperGateway, trail: str,
                                               amount: float | None, pct: float | None) -> None:
    assert cli("buy", "AAPL", "100", "--wait").exit_code == 0
    t = as_json(cli("sell", "AAPL", "100", "--trail", trail, "--json"))
    assert t["order_type"] == "TRAIL" and t["status"] == "PreSubmitted"
    rec = gw.call(lambda ex: ex.order(1, t["order_id"]))
    assert rec.order.aux_price == amount and rec.order.trailing_percent == pct
    assert rec.order.trail_stop_price is not None
    r = cli("sell", "AAPL", "1", "--trail", "abc")
    assert r.exit_code == 2 and "neither an amount" in r.stderr


def test_whatif_prints_the_preview_and_places_nothing(cli: Cli, gw: PaperGateway) -> None:
    ask = gw.call(lambda ex: ex.quote(AAPL).ask)
    r = cli("whatif", "BUY", "AAPL", "1000")
    assert r.exit_code == 0, r.stderr
    assert "nothing placed" in r.stdout and "initial margin" in r.stdout
    assert "commission 5.00 USD" in r.stdout
    j = as_json(cli("whatif", "buy", "AAPL", "1000", "--json"))
    assert j["init_margin"]["change"] == pytest.approx(1000 * ask * 0.5, abs=0.01)
    assert j["maint_margin"]["change"] == pytest.approx(1000 * ask * 0.25, abs=0.01)
    assert j["commission"] == 5.0 and j["min_commission"] is None
    f = as_json(cli("whatif", "SELL", "ES:202612", "2", "--json"))
    assert f["contract"]["sec_type"] == "FUT" and f["init_margin"]["change"] > 0
    assert gw.call(lambda ex: ex.open_orders()) == []
    r = cli("whatif", "HOLD", "AAPL", "1")
    assert r.exit_code == 2
