"""The paper gateway's symbol search, family codes, user info, WSH, display groups, verification,
server log level and configuration, on the wire (text at 178 and 200, protobuf at 226)."""

from __future__ import annotations

import pytest

from ibwire.gateway.discovery_api import MAX_MATCHES, matching_symbols
from ibwire.gateway.instruments import universe
from ibwire.models.config import ApiConfig, ApiSettingsConfig, TwsConfig
from ibwire.models.contract import Contract
from ibwire.models.discovery import WshEventData
from ibwire.protocol.messages.config import (
    ConfigResponse,
    ReqConfig,
    UpdateConfig,
    UpdateConfigResponse,
)
from ibwire.protocol.messages.contracts import ContractData, ContractDataEnd, ReqContractData
from ibwire.protocol.messages.discovery import (
    BondContractData,
    CancelWshEventData,
    FamilyCodes,
    ReqFamilyCodes,
    ReqMatchingSymbols,
    ReqUserInfo,
    ReqWshEventData,
    ReqWshMetaData,
    SymbolSamples,
    UserInfo,
)
from ibwire.protocol.messages.display import (
    DisplayGroupList,
    DisplayGroupUpdated,
    QueryDisplayGroups,
    SetServerLogLevel,
    SubscribeToGroupEvents,
    UnsubscribeFromGroupEvents,
    UpdateDisplayGroup,
    VerifyAndAuthCompleted,
    VerifyAndAuthRequest,
    VerifyCompleted,
    VerifyMessage,
    VerifyRequest,
)
from ibwire.protocol.messages.system import CurrentTimeInMillis, ErrMsg, ReqCurrentTimeInMillis

VERSIONS = (178, 200, 226)


@pytest.mark.parametrize("version", VERSIONS)
def test_matching_symbols_finds_by_symbol_prefix_and_by_name(wire, version):
    c = wire(1, max_version=version)
    c.send(ReqMatchingSymbols(5, "AAP"))
    answer = c.expect(SymbolSamples)
    assert answer.req_id == 5
    [aapl] = [d for d in answer.contract_descriptions if d.contract.symbol == "AAPL"]
    assert (aapl.contract.con_id, aapl.contract.sec_type, aapl.contract.primary_exchange,
            aapl.contract.currency) == (265598, "STK", "NASDAQ", "USD")
    assert "OPT" in aapl.derivative_sec_types
    assert aapl.contract.description == "APPLE INC"  # carried from 176 (BOND_ISSUERID)
    c.send(ReqMatchingSymbols(6, "apple"))
    assert [d.contract.symbol for d in c.expect(SymbolSamples).contract_descriptions] == ["AAPL"]


def test_matching_symbols_ranks_exact_then_prefix_then_name_and_lists_futures():
    table = universe()
    es = matching_symbols(table, "ES")
    assert es[0].contract.symbol == "ES"  # an exact symbol first
    # the E-mini's underlying index (not in the stock table) with its futures
    [index] = [d for d in es if d.contract.sec_type == "IND"]
    assert index.derivative_sec_types == ["FUT"] and index.contract.con_id
    vix = matching_symbols(table, "VIX")[0]  # a listed index with futures and options
    assert (vix.contract.sec_type, vix.derivative_sec_types) == ("IND", ["FUT", "OPT"])
    assert len(matching_symbols(table, "A")) == MAX_MATCHES
    assert matching_symbols(table, "  ") == [] and matching_symbols(table, "QQQQZZ") == []


def test_family_codes_and_user_info(wire):
    c = wire(1, max_version=226)
    c.send(ReqFamilyCodes())
    codes = c.expect(FamilyCodes).family_codes
    assert [(f.account_id, f.family_code_str) for f in codes] == [("DU1234567", "F1234567")]
    c.send(ReqUserInfo(8))
    info = c.expect(UserInfo)
    assert (info.req_id, info.white_branding_id) == (8, None)  # empty: IBKR's own branding


@pytest.mark.parametrize("version", VERSIONS)
def test_wsh_is_refused_as_for_an_account_without_the_subscription(wire, version):
    c = wire(1, max_version=version)
    c.send(ReqWshMetaData(11))
    err = c.expect(ErrMsg, lambda e: e.req_id == 11)
    assert (err.error_code, err.error_string) == (10276, "News feed is not allowed")
    c.send(ReqWshEventData(12, WshEventData(con_id=265598)))
    assert c.expect(ErrMsg, lambda e: e.req_id == 12).error_code == 10276
    c.send(CancelWshEventData(12))  # nothing left to cancel: named in the error
    err = c.expect(ErrMsg, lambda e: e.req_id == 12)
    assert err.error_code == 321 and "CANCEL_WSH_EVENT_DATA" in (err.error_string or "")


@pytest.mark.parametrize("version", VERSIONS)
def test_display_groups_are_listed_and_shared_by_their_subscribers(wire, version):
    a, b = wire(1, max_version=version), wire(2, max_version=version)
    a.send(QueryDisplayGroups(3))
    assert a.expect(DisplayGroupList).groups == "1|2|3|4|5|6|7"
    a.send(SubscribeToGroupEvents(4, 1))
    assert a.expect(DisplayGroupUpdated).contract_info == "none"
    b.send(SubscribeToGroupEvents(9, 1))
    assert b.expect(DisplayGroupUpdated).contract_info == "none"
    a.send(UpdateDisplayGroup(4, "265598@SMART"))
    assert (a.expect(DisplayGroupUpdated).req_id, b.expect(DisplayGroupUpdated).req_id) == (4, 9)
    b.send(UnsubscribeFromGroupEvents(9))
    a.send(UpdateDisplayGroup(4, "none"))
    assert a.expect(DisplayGroupUpdated).contract_info == "none"
    assert not [m for m in b.drain() if isinstance(m, DisplayGroupUpdated)]
    b.send(UpdateDisplayGroup(9, "8314@SMART"))  # no subscription under 9 any more
    assert b.expect(ErrMsg, lambda e: e.req_id == 9).error_code == 321
    a.send(SubscribeToGroupEvents(5, 8))  # groups are 1..7
    assert a.expect(ErrMsg, lambda e: e.req_id == 5).error_code == 321


def test_verification_is_not_enabled(wire):
    c = wire(1, max_version=226)
    for request in (VerifyRequest("app", "1.0"), VerifyMessage("data")):
        c.send(request)
        done = c.expect(VerifyCompleted)
        assert not done.is_successful and done.error_text  # protobuf: false is absent
    c.send(VerifyAndAuthRequest("app", "1.0", "key"))
    assert c.expect(VerifyAndAuthCompleted).is_successful is False  # text only: "false"


def test_server_log_level_is_taken_silently_and_a_bad_one_named(wire):
    c = wire(1, max_version=226)
    c.send(SetServerLogLevel(5))
    assert not [m for m in c.drain() if isinstance(m, ErrMsg)]
    c.send(SetServerLogLevel(9))
    err = c.expect(ErrMsg)
    assert err.error_code == 321 and "SET_SERVER_LOGLEVEL" in (err.error_string or "")


def test_config_is_answered_and_updated_at_226(wire, gateway):
    c = wire(1, max_version=226)
    c.send(ReqConfig(21))
    answer = c.expect(ConfigResponse)
    settings = answer.config.api.settings
    assert answer.req_id == 21
    assert (settings.socket_port, settings.trusted_ips, settings.master_client_id,
            settings.read_only_api) == (gateway.port, ["127.0.0.1"], 0, None)  # False: absent
    c.send(UpdateConfig(22, TwsConfig(api=ApiConfig(settings=ApiSettingsConfig(
        read_only_api=True)))))
    done = c.expect(UpdateConfigResponse)
    assert (done.req_id, done.result.status, done.result.changed_fields) == (
        22, "SUCCESS", ["api.settings.readOnlyApi"])
    other = wire(2, max_version=226)  # the configuration is the gateway's, not the session's
    other.send(ReqConfig(23))
    assert other.expect(ConfigResponse).config.api.settings.read_only_api is True


@pytest.mark.parametrize("version", (197, 200, 226))
def test_current_time_in_millis_from_197(wire, gateway, version):
    c = wire(1, max_version=version)
    c.send(ReqCurrentTimeInMillis())
    ms = c.expect(CurrentTimeInMillis).time_ms
    assert ms == int(gateway.call(lambda ex: ex.now()).timestamp() * 1000)


@pytest.mark.parametrize("version", (178, 200, 226))
def test_a_bond_is_answered_with_bond_contract_data(wire, version):
    c = wire(1, max_version=version)
    c.send(ReqContractData(31, Contract(symbol="IBM", sec_type="BOND", currency="USD")))
    rows = c.until(ContractDataEnd)
    [bond] = [m for m in rows if isinstance(m, BondContractData)]
    d = bond.details
    assert bond.req_id == 31 and not [m for m in rows if isinstance(m, ContractData)]
    assert (d.contract.con_id, d.cusip, d.coupon, d.maturity, d.bond_type) == (
        900000101, "459200HU8", 3.45, "20260219", "CORP")
    # by CUSIP, and by con id alone
    c.send(ReqContractData(32, Contract(sec_type="BOND", sec_id_type="CUSIP",
                                        sec_id="91282CJL6")))
    assert c.expect(BondContractData).details.desc_append == "T 4 3/8 11/30/30"
    c.send(ReqContractData(33, Contract(con_id=900000102)))
    assert c.expect(BondContractData).details.callable is True
    c.send(ReqContractData(34, Contract(symbol="NOPE", sec_type="BOND")))
    assert c.expect(ErrMsg, lambda e: e.req_id == 34).error_code == 200
