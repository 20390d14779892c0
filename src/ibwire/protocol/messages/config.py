"""TWS's configuration over the API: REQ_CONFIG / UPDATE_CONFIG -> CONFIG_RESPONSE /
UPDATE_CONFIG_RESPONSE, protobuf only (no text form at any version; PROTOCOL-V2.md section 2.12).

REQ_CONFIG (108) exists from CONFIG (219) and UPDATE_CONFIG (109) from UPDATE_CONFIG (221): the
official client refuses them below (error 503), and ibwire refuses to encode them there. Their
answers carry the request id and the configuration (:mod:`ibwire.models.config`); an update is
answered with a status, the fields it changed, errors, and the warnings the caller must accept
(by sending the update again with them in ``accepted_warnings``).

The official client 10.51 has no plain method for them (only ``reqConfigProtoBuf`` /
``updateConfigProtoBuf`` taking its generated protobuf objects), so ibwire's EClient has none
either (send :class:`ReqConfig` / :class:`UpdateConfig`, or use ``Broker.config()``); it calls only
``configResponseProtoBuf`` / ``updateConfigResponseProtoBuf`` with its protobuf object, and
ibwire's EWrapper calls the same names with the decoded configuration (a
:class:`~ibwire.models.config.TwsConfig`) / update result (a
:class:`~ibwire.models.config.ConfigUpdateResult`), snake_case models rather than protobuf objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...models.config import (
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
from ..codec import Kind
from ..elements import P, PbType, Proto
from ..ids import In, Out
from ..schema import Callback, Message, Request, to_client, to_server
from ..versions import Feature
from .blocks import not_before

__all__ = ["ReqConfig", "ConfigResponse", "UpdateConfig", "UpdateConfigResponse"]

INT, BOOL, STR = Kind.INT, Kind.BOOL, Kind.STR

LOCK_AND_EXIT_CONFIG = PbType("LockAndExitConfig", LockAndExitConfig, (
    P(1, "auto_logoff_time", STR, name="autoLogoffTime"),
    P(2, "auto_logoff_period", STR, name="autoLogoffPeriod"),
    P(3, "auto_logoff_type", STR, name="autoLogoffType"),
))

MESSAGE_CONFIG = PbType("MessageConfig", MessageConfig, (
    P(1, "id", INT, name="id"), P(2, "title", STR, name="title"),
    P(3, "message", STR, name="message"), P(4, "default_action", STR, name="defaultAction"),
    P(5, "enabled", BOOL, name="enabled"),
))

API_PRECAUTIONS_CONFIG = PbType("ApiPrecautionsConfig", ApiPrecautionsConfig, (
    P(1, "bypass_order_precautions", BOOL, name="bypassOrderPrecautions"),
    P(2, "bypass_bond_warning", BOOL, name="bypassBondWarning"),
    P(3, "bypass_negative_yield_confirmation", BOOL, name="bypassNegativeYieldConfirmation"),
    P(4, "bypass_called_bond_warning", BOOL, name="bypassCalledBondWarning"),
    P(5, "bypass_same_action_pair_trade_warning", BOOL, name="bypassSameActionPairTradeWarning"),
    P(6, "bypass_flagged_accounts_warning", BOOL, name="bypassFlaggedAccountsWarning"),
    P(7, "bypass_price_based_volatility_warning", BOOL, name="bypassPriceBasedVolatilityWarning"),
    P(8, "bypass_redirect_order_warning", BOOL, name="bypassRedirectOrderWarning"),
    P(9, "bypass_no_overfill_protection", BOOL, name="bypassNoOverfillProtection"),
    P(10, "bypass_route_marketable_to_bbo", BOOL, name="bypassRouteMarketableToBBO"),
))

API_SETTINGS_CONFIG = PbType("ApiSettingsConfig", ApiSettingsConfig, (
    P(1, "read_only_api", BOOL, name="readOnlyApi"),
    P(2, "total_quantity_for_mutual_funds", BOOL, name="totalQuantityForMutualFunds"),
    P(3, "download_open_orders_on_connection", BOOL, name="downloadOpenOrdersOnConnection"),
    P(4, "include_virtual_fx_positions", BOOL, name="includeVirtualFxPositions"),
    P(5, "prepare_daily_pnl", BOOL, name="prepareDailyPnL"),
    P(6, "send_status_updates_for_volatility_orders", BOOL, name="sendStatusUpdatesForVolatilityOrders"),
    P(7, "encode_api_messages", STR, name="encodeApiMessages"),
    P(8, "socket_port", INT, name="socketPort"),
    P(9, "use_negative_auto_range", BOOL, name="useNegativeAutoRange"),
    P(10, "create_api_message_log_file", BOOL, name="createApiMessageLogFile"),
    P(11, "include_market_data_in_log_file", BOOL, name="includeMarketDataInLogFile"),
    P(12, "expose_trading_schedule_to_api", BOOL, name="exposeTradingScheduleToApi"),
    P(13, "split_insured_deposit_from_cash_balance", BOOL, name="splitInsuredDepositFromCashBalance"),
    P(14, "send_zero_positions_for_today_only", BOOL, name="sendZeroPositionsForTodayOnly"),
    P(15, "let_api_account_requests_switch_subscription", BOOL, name="letApiAccountRequestsSwitchSubscription"),
    P(16, "use_account_groups_with_allocation_methods", BOOL, name="useAccountGroupsWithAllocationMethods"),
    P(17, "logging_level", STR, name="loggingLevel"),
    P(18, "master_client_id", INT, name="masterClientId"),
    P(19, "bulk_data_timeout", INT, name="bulkDataTimeout"),
    P(20, "component_exch_separator", STR, name="componentExchSeparator"),
    P(21, "show_forex_data_in_1_10_pips", BOOL, name="showForexDataIn1_10Pips"),
    P(22, "allow_forex_trading_in_1_10_pips", BOOL, name="allowForexTradingIn1_10Pips"),
    P(23, "round_account_values_to_nearest_whole_number", BOOL, name="roundAccountValuesToNearestWholeNumber"),
    P(24, "send_market_data_in_lots_for_us_stocks", BOOL, name="sendMarketDataInLotsForUsStocks"),
    P(25, "show_advanced_order_reject_in_ui", BOOL, name="showAdvancedOrderRejectInUi"),
    P(26, "reject_messages_above_max_rate", BOOL, name="rejectMessagesAboveMaxRate"),
    P(27, "maintain_connection_on_incorrect_fields", BOOL, name="maintainConnectionOnIncorrectFields"),
    P(28, "compatibility_mode_nasdaq_stocks", BOOL, name="compatibilityModeNasdaqStocks"),
    P(29, "send_instrument_timezone", STR, name="sendInstrumentTimezone"),
    P(30, "send_forex_data_in_compatibility_mode", BOOL, name="sendForexDataInCompatibilityMode"),
    P(31, "maintain_and_resubmit_orders_on_reconnect", BOOL, name="maintainAndResubmitOrdersOnReconnect"),
    P(32, "historical_data_max_size", INT, name="historicalDataMaxSize"),
    P(33, "auto_report_netting_event_contract_trades", BOOL, name="autoReportNettingEventContractTrades"),
    P(34, "option_exercise_request_type", STR, name="optionExerciseRequestType"),
    P(35, "allow_localhost_only", BOOL, name="allowLocalhostOnly"),
    P(36, "trusted_ips", STR, repeated=True, name="trustedIPs"),
))

API_CONFIG = PbType("ApiConfig", ApiConfig, (
    P(1, "precautions", sub=API_PRECAUTIONS_CONFIG, name="precautions"),
    P(2, "settings", sub=API_SETTINGS_CONFIG, name="settings"),
))

ORDERS_SMART_ROUTING_CONFIG = PbType("OrdersSmartRoutingConfig", OrdersSmartRoutingConfig, (
    P(1, "seek_price_improvement", BOOL, name="seekPriceImprovement"),
    P(2, "pre_open_reroute", BOOL, name="preOpenReroute"),
    P(3, "do_not_route_to_dark_pools", BOOL, name="doNotRouteToDarkPools"),
    P(4, "default_algorithm", STR, name="defaultAlgorithm"),
))

ORDERS_CONFIG = PbType("OrdersConfig", OrdersConfig, (
    P(1, "smart_routing", sub=ORDERS_SMART_ROUTING_CONFIG, name="smartRouting"),
))

UPDATE_CONFIG_WARNING = PbType("UpdateConfigWarning", UpdateConfigWarning, (
    P(1, "message_id", INT, name="messageId"), P(2, "title", STR, name="title"),
    P(3, "message", STR, name="message"),
))

_CONFIG_FIELDS = (
    P(2, "config.lock_and_exit", sub=LOCK_AND_EXIT_CONFIG, name="lockAndExit"),
    P(3, "config.messages", sub=MESSAGE_CONFIG, repeated=True, name="messages"),
    P(4, "config.api", sub=API_CONFIG, name="api"),
    P(5, "config.orders", sub=ORDERS_CONFIG, name="orders"),
)


@to_server(Out.REQ_CONFIG, not_before(Feature.CONFIG, "REQ_CONFIG"),
           Proto("ConfigRequest", Feature.CONFIG), P(1, "req_id", INT),
           request=Request(replies=(In.CONFIG_RESPONSE,)))
@dataclass(slots=True)
class ReqConfig(Message):
    """REQ_CONFIG (108, protobuf only; from 219): CONFIG_RESPONSE answers."""

    req_id: int | None = None


@to_client(In.CONFIG_RESPONSE, not_before(Feature.CONFIG, "CONFIG_RESPONSE"),
           Proto("ConfigResponse", Feature.CONFIG), P(1, "req_id", INT),
           *_CONFIG_FIELDS,
           callback=Callback("configResponseProtoBuf", "configResponseProto:config"))
@dataclass(slots=True)
class ConfigResponse(Message):
    """CONFIG_RESPONSE (110, protobuf only): TWS's configuration."""

    req_id: int | None = None
    config: TwsConfig = field(default_factory=TwsConfig)


@to_server(Out.UPDATE_CONFIG, not_before(Feature.UPDATE_CONFIG, "UPDATE_CONFIG"),
           Proto("UpdateConfigRequest", Feature.UPDATE_CONFIG), P(1, "req_id", INT),
           *_CONFIG_FIELDS,
           P(6, "accepted_warnings", sub=UPDATE_CONFIG_WARNING, repeated=True,
             name="acceptedWarnings"),
           P(7, "reset_api_order_sequence", BOOL, name="resetAPIOrderSequence"),
           request=Request(replies=(In.UPDATE_CONFIG_RESPONSE,)))
@dataclass(slots=True)
class UpdateConfig(Message):
    """UPDATE_CONFIG (109, protobuf only; from 221): change the parts of ``config`` that are set;
    UPDATE_CONFIG_RESPONSE answers."""

    req_id: int | None = None
    config: TwsConfig = field(default_factory=TwsConfig)
    accepted_warnings: list[UpdateConfigWarning] = field(default_factory=list)
    reset_api_order_sequence: bool | None = False


@to_client(In.UPDATE_CONFIG_RESPONSE, not_before(Feature.UPDATE_CONFIG, "UPDATE_CONFIG_RESPONSE"),
           Proto("UpdateConfigResponse", Feature.UPDATE_CONFIG),
           P(1, "req_id", INT), P(2, "result.status", STR, name="status"),
           P(3, "result.message", STR, name="message"),
           P(4, "result.changed_fields", STR, repeated=True, name="changedFields"),
           P(5, "result.errors", STR, repeated=True, name="errors"),
           P(6, "result.warnings", sub=UPDATE_CONFIG_WARNING, repeated=True, name="warnings"),
           callback=Callback("updateConfigResponseProtoBuf", "updateConfigResponseProto:result"))
@dataclass(slots=True)
class UpdateConfigResponse(Message):
    """UPDATE_CONFIG_RESPONSE (111, protobuf only): how TWS took an UPDATE_CONFIG."""

    req_id: int | None = None
    result: ConfigUpdateResult = field(default_factory=ConfigUpdateResult)
