"""``ibwire buy``, ``sell`` and ``cancel`` against the paper gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ibwire import Broker
from ibwire.gateway import PaperGateway

from .conftest import Cli, make_cli
from .helpers import as_json


def test_market_buy_with_wait_prints_ack_fill_and_commission(cli: Cli) -> None:
    r = cli("buy", "AAPL", "100", "--wait", "--ref", "first")
    assert r.exit_code == 0, r.stderr
    assert "order 1: BUY 100 AAPL MKT DAY" in r.stdout and "(ref first)" in r.stdout
    assert "filled 100 AAPL at" in r.stdout and "commission" in r.stdout
    assert "fills of order 1" in r.stdout and "BOT" in r.stdout


def test_buy_json_has_the_order_and_its_fills(cli: Cli) -> None:
    t = as_json(cli("buy", "AAPL", "100", "--wait", "--json"))
    assert t["status"] == "Filled" and t["filled"] == 100 and t["remaining"] == 0
    assert t["action"] == "BUY" and t["order_type"] == "MKT" and t["tif"] == "DAY"
    assert t["avg_fill_price"] > 0
    assert len(t["fills"]) >= 1 and all(f["commission"] is not None for f in t["fills"])
    assert sum(f["shares"] for f in t["fills"]) == 100


def test_limit_without_wait_prints_the_acknowledgement_only(cli: Cli) -> None:
    r = cli("buy", "AAPL", "10", "--limit", "100", "--tif", "gtc")
    assert r.exit_code == 0
    assert "order 1: BUY 10 AAPL LMT 100.00 GTC ->" in r.stdout
    assert "Submitted" in r.stdout and "filled" not in r.stdout
    t = as_json(cli("sell", "MSFT", "5", "--stop", "100", "--json"))
    assert t["order_type"] == "STP" and t["stop_price"] == 100.0 and t["action"] == "SELL"
    t = as_json(cli("sell", "MSFT", "5", "--stop", "100", "--limit", "99", "--json"))
    assert t["order_type"] == "STP LMT" and t["limit_price"] == 99.0 and t["stop_price"] == 100.0


def test_wait_on_a_resting_order_times_out_with_advice(cli: Cli) -> None:
    r = cli("buy", "AAPL", "10", "--limit", "1", "--wait", "--wait-timeout", "0.2")
    assert r.exit_code == 1
    assert "order 1 is still" in r.stderr
    assert "ibwire cancel 1 --client-id 1" in r.stderr


def test_forex_and_future_symbols(cli: Cli) -> None:
    t = as_json(cli("buy", "EUR.USD", "20000", "--wait", "--json"))
    assert t["status"] == "Filled"
    assert t["contract"]["sec_type"] == "CASH" and t["contract"]["currency"] == "USD"


def test_cancel_one_order_then_again(cli: Cli) -> None:
    assert cli("buy", "AAPL", "10", "--limit", "100").exit_code == 0
    r = cli("cancel", "1")
    assert r.exit_code == 0 and "order 1 -> Cancelled" in r.stdout
    again = cli("cancel", "1")
    assert again.exit_code == 1
    assert "10148" in again.stderr and "already filled or cancelled" in again.stderr
    assert as_json(cli("orders", "--json")) == []


def test_cancel_unknown_order_explains_client_ids(cli: Cli) -> None:
    r = cli("cancel", "77", "--client-id", "4")
    assert r.exit_code == 1
    assert "10147" in r.stderr and "client id 4" in r.stderr and "--all" in r.stderr
    j = cli("cancel", "77", "--json")
    err = as_json(j)["error"]
    assert err["code"] == 10147 and err["type"] == "cancel_rejected" and err["exit_code"] == 1


def test_cancel_all_cancels_every_clients_orders(cli: Cli) -> None:
    assert cli("buy", "AAPL", "10", "--limit", "100").exit_code == 0
    assert cli("sell", "MSFT", "3", "--limit", "9999", "--client-id", "2").exit_code == 0
    r = cli("cancel", "--all", "--json")
    assert r.exit_code == 0, r.stderr
    data = as_json(r)
    assert sorted((c["client_id"], c["contract"]["symbol"]) for c in data["cancelled"]) == [
        (1, "AAPL"), (2, "MSFT")]
    assert data["remaining"] == []
    assert as_json(cli("orders", "--all", "--json")) == []
    nothing = cli("cancel", "--all")
    assert nothing.exit_code == 0 and "no open orders" in nothing.stdout


def test_cancel_needs_an_id_or_all(cli: Cli) -> None:
    assert cli("cancel").exit_code == 2
    assert cli("cancel", "3", "--all").exit_code == 2


def test_rejected_order_is_exit_1_with_the_reason(cli: Cli, gw: PaperGateway) -> None:
    gw.reject_next_order("Insufficient buying power")
    r = cli("buy", "AAPL", "100")
    assert r.exit_code == 1
    assert "order rejected (error 201)" in r.stderr and "Insufficient buying power" in r.stderr
    gw.reject_next_order("Read-Only API: orders are not accepted")
    r = cli("buy", "AAPL", "100", "--json")
    assert r.exit_code == 1
    err = as_json(r)["error"]
    assert err["code"] == 201 and any("Read-Only API" in h for h in err["hints"])


@pytest.mark.parametrize("args", [
    ("buy", "AAPL", "x"),
    ("buy", "AAPL", "0"),
    ("buy", "AAPL", "-5"),
    ("buy", "AAPL", "10", "--limit", "-1"),
    ("buy", "AAPL", "10", "--tif", "GTC"),  # a market order cannot be GTC
    ("buy", "AAPL", "10", "--tif", "FOK"),
    ("buy", "ES:2026", "1"),
    ("buy", "AAPL", "1", "--sec-type", "OPT"),
])
def test_usage_errors_exit_2_before_connecting(args: tuple[str, ...]) -> None:
    cli = make_cli(1)  # nothing listens there: a usage error must come first
    r = cli(*args)
    assert r.exit_code == 2, (r.stdout, r.stderr)


@pytest.fixture
def live_gw() -> Iterator[PaperGateway]:
    """A gateway whose account is not a paper id (no DU prefix): orders must be confirmed."""
    with PaperGateway(port=0, tick_interval=None, accounts=("U7654321",)) as g:
        yield g


def test_live_account_asks_before_sending(live_gw: PaperGateway) -> None:
    cli = make_cli(live_gw.port)
    r = cli("buy", "AAPL", "10", input="n\n")
    assert r.exit_code == 1
    assert "LIVE account U7654321" in r.stderr and "not sent" in r.stderr
    with Broker.connect("127.0.0.1", live_gw.port, client_id=9) as b:
        assert b.completed_orders() == [] and b.open_orders() == []
    r = cli("buy", "AAPL", "10", input="y\n")
    assert r.exit_code == 0 and "order 1: BUY 10 AAPL MKT DAY" in r.stdout
    r = cli("sell", "AAPL", "10", "--yes")
    assert r.exit_code == 0 and "LIVE" not in r.stderr


def test_paper_account_is_not_asked(cli: Cli) -> None:
    r = cli("buy", "AAPL", "1")
    assert r.exit_code == 0 and "LIVE" not in r.stderr and "send?" not in r.stderr


def test_journal_makes_a_repeated_buy_send_one_order(cli: Cli, gw: PaperGateway, tmp_path) -> None:  # type: ignore[no-untyped-def]
    journal = str(tmp_path / "orders.db")
    first = as_json(cli("buy", "AAPL", "10", "--ref", "once-1", "--journal", journal, "--wait", "--json"))
    again = as_json(cli("buy", "AAPL", "10", "--ref", "once-1", "--journal", journal, "--wait", "--json"))
    assert again["order_id"] == first["order_id"] and again["status"] == "Filled"
    done = gw.call(lambda ex: [r for r in ex.completed_orders() if r.order.order_ref == "once-1"])
    assert len(done) == 1  # the gateway received one order with that ref
    fills = as_json(cli("fills", "--json"))
    assert sum(f["shares"] for f in fills if f.get("ref") == "once-1") == 10  # one fill, not two


def test_journal_needs_a_ref(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = cli("buy", "AAPL", "10", "--journal", str(tmp_path / "orders.db"))
    assert r.exit_code == 2 and "--ref" in (r.stderr + r.stdout)
