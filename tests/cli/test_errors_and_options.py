"""Errors read like advice with the documented exit codes; shared options, env defaults, help."""

from __future__ import annotations

import socket

import pytest

from ibwire import (
    Broker,
    CancelRejected,
    ConnectError,
    ConnectionLost,
    ContractError,
    HistoricalDataError,
    IbwireError,
    OrderRejected,
    PacingViolation,
    RemoteProtocolError,
    RequestError,
    RequestTimeout,
    __version__,
)
from ibwire.cli.common import is_paper
from ibwire.cli.options import Conn, make_contract
from ibwire.cli.problems import ExitCode, describe
from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_CLIENT_VERSION, MIN_CLIENT_VERSION

from .conftest import Cli, make_cli
from .helpers import as_json


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the advice table ---------------------------------------------------------------------------------

CONN = Conn("10.0.0.5", 4002, 7, 3.0)


@pytest.mark.parametrize(("exc", "code", "needles"), [
    (ConnectError("Couldn't connect to TWS at 10.0.0.5:4002 (error 502): Connection refused.",
                  code=502, host="10.0.0.5", port=4002),
     ExitCode.CONNECTION, ["10.0.0.5:4002", "502", "Enable ActiveX and Socket Clients", "7497",
                           "4001", "Trusted IPs", "Read-Only API"]),
    (ConnectError("client id in use", code=326), ExitCode.CONNECTION,
     ["326", "client id 7 is already in use", "--client-id", "32"]),
    (ConnectError("server version 150", code=503), ExitCode.CONNECTION, ["503", f"{MIN_CLIENT_VERSION}..{MAX_CLIENT_VERSION}"]),
    (ConnectionLost("connection closed"), ExitCode.CONNECTION, ["lost", "restart"]),
    (RequestTimeout("positions", 3.0), ExitCode.FAILED, ["positions", "--timeout"]),
    (OrderRejected(201, "Order rejected - reason:The API interface is currently in Read-Only mode.", 3),
     ExitCode.FAILED, ["201", "Read-Only API"]),
    (OrderRejected(103, "Duplicate order id", 3), ExitCode.FAILED, ["103", "--client-id"]),
    (CancelRejected(10147, "OrderId 9 that needs to be cancelled is not found.", 9), ExitCode.FAILED,
     ["10147", "client id 7", "--all"]),
    (ContractError(200, "No security definition has been found for the request", 4), ExitCode.FAILED,
     ["200", "SYMBOL:YYYYMM", "EUR.USD"]),
    (HistoricalDataError(162, "Historical data request pacing violation", 4), ExitCode.FAILED,
     ["162", "60 in 10 minutes"]),
    (HistoricalDataError(162, "HMDS query returned no data", 4), ExitCode.FAILED, ["--duration"]),
    (PacingViolation(100, "Max rate of messages per second has been exceeded", -1), ExitCode.FAILED,
     ["100", "50 messages per second"]),
    (RequestError(354, "Requested market data is not subscribed.", 4), ExitCode.FAILED,
     ["354", "--data-type delayed"]),
    (RemoteProtocolError("bad field", msg_id=5, field_index=3, raw="x"), ExitCode.FAILED,
     ["ibwire record"]),
    (IbwireError("something"), ExitCode.FAILED, ["something"]),
    (RuntimeError("boom"), ExitCode.FAILED, ["RuntimeError", "report"]),
])
def test_describe_gives_advice_and_exit_codes(exc: Exception, code: ExitCode, needles: list[str]) -> None:
    p = describe(exc, CONN)
    assert p.exit_code is code
    text = p.headline + "\n" + "\n".join(p.hints)
    for needle in needles:
        assert needle in text, (needle, text)


def test_connect_advice_is_not_repeated_inside_the_headline() -> None:
    from ibwire.errors import CONNECT_ADVICE

    p = describe(ConnectError(f"Couldn't connect (error 502). {CONNECT_ADVICE}", code=502,
                              host="h", port=1), CONN)
    assert CONNECT_ADVICE not in p.headline


# --- exit codes from real commands ---------------------------------------------------------------------

def test_refused_connection_is_exit_3_with_advice() -> None:
    port = _closed_port()
    r = make_cli(port)("positions")
    assert r.exit_code == 3
    assert f"127.0.0.1:{port}" in r.stderr and "502" in r.stderr
    assert "API is enabled" in r.stderr and "Trusted IPs" in r.stderr and "Read-Only API" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    j = make_cli(port)("positions", "--json")
    err = as_json(j)["error"]
    assert j.exit_code == 3 and err["code"] == 502 and err["exit_code"] == 3 and err["type"] == "connect"


def test_client_id_in_use_is_exit_3_naming_326(cli: Cli, gw: PaperGateway) -> None:
    with Broker.connect("127.0.0.1", gw.port, client_id=7):
        r = cli("account", "--client-id", "7")
    assert r.exit_code == 3
    assert "326" in r.stderr and "client id 7 is already in use" in r.stderr


@pytest.mark.parametrize("command", [
    ["account"], ["positions"], ["orders"], ["fills"], ["buy", "AAPL", "1"], ["sell", "AAPL", "1"],
    ["cancel", "1"], ["quote", "AAPL", "--once"], ["bars", "AAPL"],
])
def test_every_connected_command_maps_a_refused_connection_to_3(command: list[str]) -> None:
    r = make_cli(_closed_port())(*command)
    assert r.exit_code == 3, (command, r.stdout, r.stderr)
    assert "502" in r.stderr


def test_bad_options_are_exit_2(cli: Cli) -> None:
    assert cli("positions", "--port", "notaport").exit_code == 2
    assert cli("positions", "--port", "70000").exit_code == 2
    assert cli("positions", "--client-id", "-1").exit_code == 2
    assert cli("nosuchcommand").exit_code == 2
    assert cli("positions", env={"IBWIRE_PORT": "seven"}).exit_code == 2


# --- defaults from the environment ----------------------------------------------------------------------

def test_env_gives_host_port_and_client_id(gw: PaperGateway) -> None:
    cli = make_cli(gw.port)
    r = cli("buy", "AAPL", "1", "--limit", "10", "--json", env={"IBWIRE_CLIENT_ID": "12"})
    assert as_json(r)["client_id"] == 12
    assert [o["client_id"] for o in as_json(cli("orders", "--json", env={"IBWIRE_CLIENT_ID": "12"}))] == [12]
    assert as_json(cli("orders", "--json")) == []  # client id 1 placed nothing
    # the option wins over the environment
    assert len(as_json(cli("orders", "--json", "--client-id", "12"))) == 1


def test_defaults_without_env_are_localhost_7497(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from ibwire.cli import app

    for name in ("IBWIRE_HOST", "IBWIRE_PORT", "IBWIRE_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    r = CliRunner().invoke(app, ["positions", "--help"], env={"COLUMNS": "200"})
    assert "127.0.0.1" in r.stdout and "7497" in r.stdout
    assert "IBWIRE_HOST" in r.stdout and "IBWIRE_PORT" in r.stdout and "IBWIRE_CLIENT_ID" in r.stdout


# --- help and version ------------------------------------------------------------------------------------

def test_version_and_help(cli: Cli) -> None:
    r = cli("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"ibwire {__version__}"
    h = cli("--help")
    assert h.exit_code == 0
    for command in ("account", "positions", "orders", "fills", "buy", "sell", "cancel", "quote", "bars",
                    "monitor", "record", "replay", "gateway", "demo"):
        assert command in h.stdout
    assert "Examples" in h.stdout and "ibwire buy AAPL 100 --wait" in h.stdout
    assert "Exit codes" in h.stdout
    buy = cli("buy", "--help")
    assert "--limit" in buy.stdout and "--stop" in buy.stdout and "--tif" in buy.stdout
    assert "--ref" in buy.stdout and "--wait" in buy.stdout and "--yes" in buy.stdout
    assert "Example" in buy.stdout


# --- helpers ----------------------------------------------------------------------------------------------

def test_make_contract() -> None:
    c = make_contract("aapl")
    assert (c.symbol, c.sec_type, c.exchange, c.currency) == ("AAPL", "STK", "SMART", "USD")
    c = make_contract("EUR.USD")
    assert (c.symbol, c.sec_type, c.exchange, c.currency) == ("EUR", "CASH", "IDEALPRO", "USD")
    c = make_contract("GBPJPY", sec_type="cash")
    assert (c.symbol, c.currency) == ("GBP", "JPY")
    c = make_contract("ES:202612", exchange="CME")
    assert (c.symbol, c.sec_type, c.last_trade_date_or_contract_month, c.exchange) == (
        "ES", "FUT", "202612", "CME")
    c = make_contract("SAP", exchange="IBIS", currency="eur")
    assert (c.exchange, c.currency) == ("IBIS", "EUR")


def test_is_paper() -> None:
    assert is_paper(["DU123"]) and is_paper(["DU1", "du2"])
    assert not is_paper(["U123"]) and not is_paper(["DU1", "U2"]) and not is_paper([])
