"""Symbol search, family codes, user info, the current time and TWS's configuration end to end:
Broker and AsyncBroker (at 226 and pinned lower), ibwire's EClient with the official callbacks,
and ib_async 2.1 (178). The official client 10.51 does the same in
tests/oracle/test_discovery_official_1051.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ibwire import AsyncBroker, Broker, ContractError
from ibwire.compat.common import WshEventData as CompatWshEventData
from ibwire.errors import IbwireError
from ibwire.gateway import PaperGateway
from ibwire.models.config import ApiConfig, ApiSettingsConfig, TwsConfig
from ibwire.models.contract import Contract

from .conftest import AAPL, WAIT_S, EApp, run


def _symbols(found: list[Any]) -> list[str]:
    return [d.contract.symbol for d in found]


# --- Broker -----------------------------------------------------------------------------------------

def test_broker_searches_symbols_and_names(broker):
    found = broker.search_symbols("AAP")
    [aapl] = [d for d in found if d.contract.symbol == "AAPL"]
    assert (aapl.contract.con_id, aapl.contract.sec_type, aapl.contract.primary_exchange,
            aapl.contract.currency, aapl.contract.description) == (
        AAPL, "STK", "NASDAQ", "USD", "APPLE INC")
    assert aapl.derivative_sec_types == ["OPT"]
    assert _symbols(broker.search_symbols("apple")) == ["AAPL"]
    assert broker.search_symbols("QQQQZZ") == []
    with pytest.raises(ValueError):
        broker.search_symbols("  ")


def test_broker_family_codes_user_info_and_millisecond_time(broker, gateway):
    assert broker.server_version == 226
    assert [(f.account_id, f.family_code_str) for f in broker.family_codes()] == [
        ("DU1234567", "F1234567")]
    assert broker.user_info() == ""
    now = gateway.call(lambda ex: ex.now())
    assert broker.current_time() == now  # CURRENT_TIME_IN_MILLIS: to the millisecond


def test_broker_contract_details_of_a_bond(broker):
    [bond] = broker.contract_details(Contract(symbol="AAPL", sec_type="BOND", currency="USD"))
    assert (bond.contract.sec_type, bond.cusip, bond.coupon, bond.maturity, bond.callable,
            bond.next_option_date) == ("BOND", "037833DB3", 2.9, "20270912", True, "20270612")
    with pytest.raises(ContractError):
        broker.contract_details(Contract(symbol="NOPE", sec_type="BOND"))


def test_broker_reads_and_changes_tws_config(broker, gateway):
    config = broker.config()
    assert config.api.settings.socket_port == gateway.port
    assert config.api.settings.trusted_ips == ["127.0.0.1"]
    result = broker.update_config(TwsConfig(api=ApiConfig(settings=ApiSettingsConfig(
        read_only_api=True))))
    assert (result.status, result.changed_fields) == ("SUCCESS", ["api.settings.readOnlyApi"])
    assert broker.config().api.settings.read_only_api is True


@pytest.mark.parametrize("version", [200, 178])
def test_older_servers_answer_in_text_and_refuse_what_they_lack(version):
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gw, \
            Broker.connect("127.0.0.1", gw.port, client_id=3, timeout=WAIT_S,
                           max_version=version) as b:
        assert b.server_version == version
        assert "AAPL" in _symbols(b.search_symbols("AAP"))
        assert b.user_info() == ""
        assert b.current_time() == gw.call(lambda ex: ex.now())
        with pytest.raises(IbwireError, match="219"):
            b.config()  # REQ_CONFIG exists from 219, in protobuf only


# --- AsyncBroker ------------------------------------------------------------------------------------

def test_async_broker_discovery(gateway):
    async def scenario() -> tuple[Any, ...]:
        async with AsyncBroker("127.0.0.1", gateway.port, client_id=4, timeout=WAIT_S) as b:
            return (await b.search_symbols("AAP"), await b.family_codes(), await b.user_info(),
                    await b.current_time(), (await b.config()).api.settings.master_client_id)

    found, codes, info, now, master = run(scenario)
    assert "AAPL" in _symbols(found)
    assert [c.account_id for c in codes] == ["DU1234567"] and info == "" and master == 0
    assert now == gateway.call(lambda ex: ex.now())


# --- ibwire's EClient / EWrapper --------------------------------------------------------------------

class DiscoveryApp(EApp):
    def symbolSamples(self, reqId, contractDescriptions):  # noqa: N802, N803
        self._record("symbolSamples", (reqId, contractDescriptions))

    def familyCodes(self, familyCodes):  # noqa: N802, N803
        self._record("familyCodes", (familyCodes,))

    def userInfo(self, reqId, whiteBrandingId):  # noqa: N802, N803
        self._record("userInfo", (reqId, whiteBrandingId))

    def currentTimeInMillis(self, timeInMillis):  # noqa: N802, N803
        self._record("currentTimeInMillis", (timeInMillis,))


@pytest.fixture
def dapp(gateway: PaperGateway) -> Iterator[DiscoveryApp]:
    app = DiscoveryApp()
    app.connect("127.0.0.1", gateway.port, 5)
    thread = app.start_dispatcher()
    app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
    yield app
    app.disconnect()
    thread.join(WAIT_S)


def test_eclient_discovery_callbacks(dapp, gateway):
    dapp.reqMatchingSymbols(61, "AAP")
    dapp.wait(lambda: bool(dapp.of("symbolSamples", 61)), "symbolSamples")
    [(_, descriptions)] = dapp.of("symbolSamples", 61)
    assert "AAPL" in [d.contract.symbol for d in descriptions]
    dapp.reqFamilyCodes()
    dapp.wait(lambda: bool(dapp.of("familyCodes")), "familyCodes")
    [(codes,)] = dapp.of("familyCodes")
    assert [c.account_id for c in codes] == ["DU1234567"]
    dapp.reqUserInfo(62)
    dapp.wait(lambda: bool(dapp.of("userInfo", 62)), "userInfo")
    dapp.reqCurrentTimeInMillis()
    dapp.wait(lambda: bool(dapp.of("currentTimeInMillis")), "currentTimeInMillis")
    [(ms,)] = dapp.of("currentTimeInMillis")
    assert ms == int(gateway.call(lambda ex: ex.now()).timestamp() * 1000)
    # an official-style WshEventData (camelCase) is taken as it is; the paper account has no WSH
    dapp.reqWshEventData(63, CompatWshEventData(conId=AAPL, startDate="20261201"))
    dapp.wait(lambda: bool(dapp.errors(63)), "error for reqWshEventData")
    assert dapp.errors(63) == [(63, 10276, "News feed is not allowed")]


# --- ib_async 2.1.0 (server version 178) ------------------------------------------------------------

def test_ib_async_matching_symbols_and_user_info(gateway, ib_async_tools):
    ib_async = ib_async_tools.ib_async

    async def scenario() -> dict[str, Any]:
        ib = ib_async.IB()
        await ib.connectAsync("127.0.0.1", gateway.port, clientId=33, timeout=10)
        try:
            found = await ib.reqMatchingSymbolsAsync("AAP")
            info = await ib.reqUserInfoAsync()
            return {"version": ib.client.serverVersion(),
                    "found": [(d.contract.conId, d.contract.symbol, d.contract.secType,
                               d.contract.primaryExchange, list(d.derivativeSecTypes))
                              for d in found or []],
                    "info": info}
        finally:
            ib.disconnect()

    out = ib_async_tools.run(scenario)
    assert out["version"] == 178
    assert (AAPL, "AAPL", "STK", "NASDAQ", ["OPT"]) in out["found"]
    assert not out["info"]  # answered (ib_async logs no timeout): no white branding


def test_eclient_refuses_what_the_server_version_lacks_with_503():
    """As the official client: a request the negotiated version does not have is not sent; the
    wrapper hears error 503 (and the session goes on)."""
    with PaperGateway(port=0, tick_interval=None, max_version=178) as gw:
        app = DiscoveryApp()
        app.connect("127.0.0.1", gw.port, 6)
        thread = app.start_dispatcher()
        try:
            app.wait(lambda: bool(app.of("nextValidId")), "nextValidId")
            app.reqCurrentTimeInMillis()  # 197+
            app.wait(lambda: any(e[1] == 503 for e in app.errors()), "error 503")
            [(req_id, code, text)] = [e for e in app.errors() if e[1] == 503]
            assert req_id == -1 and "197" in text
            app.reqUserInfo(64)  # 167+: sent and answered
            app.wait(lambda: bool(app.of("userInfo", 64)), "userInfo")
            assert not app.of("currentTimeInMillis")
        finally:
            app.disconnect()
            thread.join(WAIT_S)
