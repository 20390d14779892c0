"""Oracle cases: discovery and reference (matching symbols, family codes, user info, Wall Street
Horizon, bonds), display groups, API verification, the server log level and TWS's configuration;
and the protobuf-only fields of ContractDetails (44..57, 59..65) and Execution (21)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ibwire.models.config import (
    ApiConfig,
    ApiPrecautionsConfig,
    ApiSettingsConfig,
    ConfigUpdateResult,
    LockAndExitConfig,
    MessageConfig,
    OrdersConfig,
    OrdersSmartRoutingConfig,
    TwsConfig,
    UpdateConfigWarning,
)
from ibwire.models.contract import Contract
from ibwire.models.discovery import ContractDescription, FamilyCode, WshEventData
from ibwire.models.execution import Execution
from ibwire.models.market import ContractDetails
from ibwire.protocol.messages import config, contracts, discovery, display, executions
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

AAPL = Contract(con_id=265598, symbol="AAPL", sec_type="STK", primary_exchange="NASDAQ",
                currency="USD", description="APPLE INC", issuer_id="")
AAP = Contract(con_id=37018770, symbol="AAP", sec_type="STK", primary_exchange="NYSE",
               currency="USD", description="ADVANCE AUTO PARTS INC")

REQUESTS: list[Message] = [
    discovery.ReqMatchingSymbols(41, "AAP"),
    discovery.ReqMatchingSymbols(42, "apple"),
    discovery.ReqFamilyCodes(),
    discovery.ReqUserInfo(43),
    discovery.ReqWshMetaData(44),
    discovery.CancelWshMetaData(44),
    discovery.ReqWshEventData(45, WshEventData(con_id=265598)),
    discovery.ReqWshEventData(46, WshEventData(filter='{"watchlist":["8314"]}',
                                               fill_watchlist=True)),
    discovery.ReqWshEventData(47, WshEventData(con_id=265598, start_date="20261201",
                                               end_date="20261231", total_limit=10)),
    discovery.CancelWshEventData(45),
    display.SetServerLogLevel(5),
    display.QueryDisplayGroups(51),
    display.SubscribeToGroupEvents(52, 1),
    display.UpdateDisplayGroup(52, "265598@SMART"),
    display.UnsubscribeFromGroupEvents(52),
    display.VerifyRequest("ibwire-test", "1.0"),
    display.VerifyMessage("api-data"),
    display.VerifyAndAuthRequest("ibwire-test", "1.0", "opaque-key"),
    display.VerifyAndAuthMessage("api-data", "xyz-response"),
    config.ReqConfig(61),
    config.UpdateConfig(62, TwsConfig(api=ApiConfig(settings=ApiSettingsConfig(
        read_only_api=True, master_client_id=0))),
        [UpdateConfigWarning(1, "Read-only API", "Orders cannot be placed")], True),
]

_BOND = ContractDetails(
    contract=Contract(con_id=147554578, symbol="IBM", sec_type="BOND", exchange="SMART",
                      currency="USD", trading_class="IBMCORP"),
    cusip="459200AM3", coupon=7.0, maturity="20271115", issue_date="19971115", ratings="A-",
    bond_type="CORP", coupon_type="FIXED", convertible=False, callable=True, putable=False,
    desc_append="IBM 7 11/15/27", market_name="CORP", min_tick=0.001, order_types="LMT,MKT",
    valid_exchanges="SMART,BONDDESK", next_option_date="20261115", next_option_type="CALL",
    next_option_partial=True, notes="Callable at par", long_name="INTL BUSINESS MACHINES CORP",
    time_zone_id="US/Eastern", trading_hours="20261204:0930-20261204:1600",
    liquid_hours="20261204:0930-20261204:1600", ev_rule="", ev_multiplier=0, agg_group=1,
    market_rule_ids="116,116", min_size=Decimal(1000), size_increment=Decimal(1000),
    suggested_size_increment=Decimal(1000))

_EVENT = ContractDetails(  # protobuf-only fields (59..65); text carries none of them
    contract=Contract(con_id=720000001, symbol="FF", sec_type="FUT", exchange="FORECASTX",
                      currency="USD", local_symbol="FF_20261216_4.25",
                      last_trade_date_or_contract_month="20261216"),
    market_name="FF", min_tick=0.01, long_name="Fed Funds rate above 4.25",
    event_contract1="FF Dec 2026", event_contract_description1="above 4.25%",
    event_contract_description2="Dec 16 2026", min_algo_size=Decimal(1),
    last_price_precision=Decimal("0.01"), last_size_precision=Decimal(1),
    settlement_method="CASH")

_EXERCISE = Execution(exec_id="0001f4e8.65b2.02.01", time=datetime(2026, 12, 18, 21, 0, tzinfo=UTC),
                      acct_number="DU1234567", exchange="CBOE", side="SLD", shares=Decimal(1),
                      price=0.0, perm_id=900002, client_id=5, order_id=0, cum_qty=Decimal(1),
                      avg_price=0.0, opt_exercise_or_lapse_type=1)

_CONFIG = TwsConfig(
    lock_and_exit=LockAndExitConfig("11:45", "PM", "RESTART"),
    messages=[MessageConfig(1, "Order precautions", "Order value exceeds the limit", "OK", True)],
    api=ApiConfig(ApiPrecautionsConfig(bypass_order_precautions=True),
                  ApiSettingsConfig(socket_port=7497, master_client_id=0, read_only_api=False,
                                    logging_level="error", trusted_ips=["127.0.0.1"])),
    orders=OrdersConfig(OrdersSmartRoutingConfig(seek_price_improvement=True,
                                                 default_algorithm="None")))

INCOMING: list[tuple[Feature | None, Message]] = [
    (Feature.REQ_MATCHING_SYMBOLS, discovery.SymbolSamples(41, [
        ContractDescription(AAPL, ["CFD", "OPT", "IOPT", "WAR", "BAG"]),
        ContractDescription(AAP, ["OPT"]),
        ContractDescription(Contract(con_id=12345, symbol="AAPX", sec_type="STK",
                                     primary_exchange="ARCA", currency="USD"), [])])),
    (Feature.REQ_MATCHING_SYMBOLS, discovery.SymbolSamples(42, [])),
    (Feature.REQ_FAMILY_CODES, discovery.FamilyCodes([FamilyCode("DU1234567", "F1234567"),
                                                      FamilyCode("DU7654321", "")])),
    (Feature.USER_INFO, discovery.UserInfo(43, "")),
    (Feature.USER_INFO, discovery.UserInfo(43, "IBKR-WB-7")),
    (Feature.WSHE_CALENDAR, discovery.WshMetaData(44, '{"meta_data":{"event_types":[]}}')),
    (Feature.WSHE_CALENDAR, discovery.WshEventDataMsg(45, '[{"event_type":"wshe_ed"}]')),
    (None, discovery.BondContractData(9, _BOND)),
    (None, display.DisplayGroupList(51, "1|2|3|4|5|6|7")),
    (None, display.DisplayGroupUpdated(52, "265598@SMART")),
    (None, display.VerifyMessageApi("api-data")),
    (None, display.VerifyCompleted(True, "")),
    (None, display.VerifyCompleted(False, "not allowed")),
    (None, display.VerifyAndAuthMessageApi("api-data", "challenge")),
    (None, display.VerifyAndAuthCompleted(False, "not allowed")),
    (Feature.CONFIG, config.ConfigResponse(61, _CONFIG)),
    (Feature.UPDATE_CONFIG, config.UpdateConfigResponse(62, ConfigUpdateResult(
        "SUCCESS", "Configuration updated", ["api.settings.readOnlyApi"], [],
        [UpdateConfigWarning(1, "Read-only API", "Orders cannot be placed")]))),
    (None, contracts.ContractData(24, _EVENT)),
    (None, executions.ExecutionData(-1, Contract(con_id=700000001, symbol="SPY", sec_type="OPT",
                                                 exchange="CBOE", currency="USD",
                                                 last_trade_date_or_contract_month="20261218",
                                                 strike=600.0, right="C", multiplier="100"),
                                    _EXERCISE)),
]
