"""``ibwire account``, ``positions``, ``orders`` and ``fills`` against the paper gateway."""

from __future__ import annotations

from ibwire.gateway import PaperGateway

from .conftest import Cli
from .helpers import as_json


def test_account_shows_key_values_and_json_has_every_row(cli: Cli) -> None:
    r = cli("account")
    assert r.exit_code == 0, r.stderr
    assert "account DU1234567" in r.stdout
    assert "NetLiquidation" in r.stdout and "1,000,000.00" in r.stdout
    assert "BuyingPower" in r.stdout
    rows = as_json(cli("account", "--json"))
    keys = {row["key"] for row in rows}
    assert {"NetLiquidation", "TotalCashValue", "BuyingPower"} <= keys
    net = next(row for row in rows if row["key"] == "NetLiquidation")
    assert net["account"] == "DU1234567" and float(net["value"]) == 1_000_000.0
    # --all shows what the key list leaves out
    everything = cli("account", "--all")
    assert everything.exit_code == 0
    assert len(everything.stdout.splitlines()) >= len(r.stdout.splitlines())


def test_account_of_an_unmanaged_account_fails_with_exit_1(cli: Cli) -> None:
    r = cli("account", "--account", "DU0000000")
    assert r.exit_code == 1
    assert "DU0000000" in r.stderr


def test_positions_empty_then_after_a_buy(cli: Cli) -> None:
    r = cli("positions")
    assert r.exit_code == 0 and "no positions" in r.stdout
    assert as_json(cli("positions", "--json")) == []
    assert cli("buy", "AAPL", "100", "--wait").exit_code == 0
    r = cli("positions")
    assert r.exit_code == 0
    line = next(line for line in r.stdout.splitlines() if "AAPL" in line)
    assert "DU1234567" in line and "100" in line
    rows = as_json(cli("positions", "--json"))
    assert len(rows) == 1
    row = rows[0]
    assert row["contract"]["symbol"] == "AAPL" and row["position"] == 100
    assert row["account"] == "DU1234567"
    assert row["avg_cost"] > 0 and row["market_price"] > 0
    assert row["market_value"] == round(row["market_price"] * 100, 2)
    assert row["unrealized_pnl"] is not None


def test_orders_lists_this_clients_open_orders_and_all_with_all(cli: Cli) -> None:
    assert "no open orders for client id 1" in cli("orders").stdout
    assert cli("buy", "AAPL", "10", "--limit", "50", "--ref", "dip-1").exit_code == 0
    assert cli("sell", "MSFT", "5", "--limit", "9999", "--client-id", "2").exit_code == 0
    r = cli("orders")
    assert r.exit_code == 0
    assert "AAPL" in r.stdout and "LMT 50.00" in r.stdout and "dip-1" in r.stdout
    assert "MSFT" not in r.stdout  # client 2's order
    data = as_json(cli("orders", "--json"))
    assert len(data) == 1
    o = data[0]
    assert o["action"] == "BUY" and o["quantity"] == 10 and o["order_type"] == "LMT"
    assert o["limit_price"] == 50.0 and o["ref"] == "dip-1" and o["client_id"] == 1
    assert o["status"] in ("Submitted", "PreSubmitted") and o["contract"]["symbol"] == "AAPL"
    every = as_json(cli("orders", "--all", "--json"))
    assert {(x["client_id"], x["contract"]["symbol"]) for x in every} == {(1, "AAPL"), (2, "MSFT")}
    table = cli("orders", "--all").stdout
    assert "AAPL" in table and "MSFT" in table


def test_orders_completed(cli: Cli) -> None:
    assert cli("buy", "AAPL", "3", "--wait").exit_code == 0
    r = cli("orders", "--completed")
    assert r.exit_code == 0 and "Filled" in r.stdout and "AAPL" in r.stdout
    done = as_json(cli("orders", "--completed", "--json"))
    assert any(d["status"] == "Filled" and d["quantity"] == 3 for d in done)


def test_fills_show_commissions(cli: Cli, gw: PaperGateway) -> None:
    assert "no fills today" in cli("fills").stdout
    assert cli("buy", "AAPL", "100", "--wait", "--ref", "f-1").exit_code == 0
    assert cli("sell", "MSFT", "10", "--wait").exit_code == 0
    r = cli("fills")
    assert r.exit_code == 0
    assert "BOT" in r.stdout and "SLD" in r.stdout and "USD" in r.stdout
    assert "2 fills" in r.stdout
    fills = as_json(cli("fills", "--json"))
    assert {f["side"] for f in fills} == {"BOT", "SLD"}
    bought = next(f for f in fills if f["side"] == "BOT")
    assert bought["shares"] == 100 and bought["ref"] == "f-1" and bought["price"] > 0
    assert bought["commission"] is not None and bought["commission"] > 0
    assert bought["commission_currency"] == "USD"
    only = as_json(cli("fills", "--symbol", "msft", "--json"))
    assert [f["contract"]["symbol"] for f in only] == ["MSFT"]
    sells = as_json(cli("fills", "--side", "SELL", "--json"))
    assert [f["side"] for f in sells] == ["SLD"]
    assert cli("fills", "--side", "SIDEWAYS").exit_code == 2
