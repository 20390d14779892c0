"""TWS's configuration as the API reads and changes it (REQ_CONFIG / UPDATE_CONFIG, protobuf only,
server versions 219 / 221): lock-and-exit, the confirmation messages, the API precautions and
settings, the smart-routing defaults. Unset fields are None (the message did not carry them).
Field names are IB's protobuf names in snake_case."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LockAndExitConfig", "MessageConfig", "ApiPrecautionsConfig", "ApiSettingsConfig",
           "ApiConfig", "OrdersSmartRoutingConfig", "OrdersConfig", "UpdateConfigWarning",
           "TwsConfig", "ConfigUpdateResult"]


@dataclass(slots=True)
class LockAndExitConfig:
    """Auto log-off: the time (``"11:45 PM"``), the period (``"AM"`` / ``"PM"``) and its kind
    (``"LOGOFF"`` / ``"RESTART"``)."""

    auto_logoff_time: str | None = None
    auto_logoff_period: str | None = None
    auto_logoff_type: str | None = None


@dataclass(slots=True)
class MessageConfig:
    """One of TWS's confirmation messages and whether it is shown."""

    id: int | None = None
    title: str | None = None
    message: str | None = None
    default_action: str | None = None
    enabled: bool | None = None


@dataclass(slots=True)
class ApiPrecautionsConfig:
    """Global Configuration > API > Precautions (True: the warning is bypassed)."""

    bypass_order_precautions: bool | None = None
    bypass_bond_warning: bool | None = None
    bypass_negative_yield_confirmation: bool | None = None
    bypass_called_bond_warning: bool | None = None
    bypass_same_action_pair_trade_warning: bool | None = None
    bypass_flagged_accounts_warning: bool | None = None
    bypass_price_based_volatility_warning: bool | None = None
    bypass_redirect_order_warning: bool | None = None
    bypass_no_overfill_protection: bool | None = None
    bypass_route_marketable_to_bbo: bool | None = None


@dataclass(slots=True)
class ApiSettingsConfig:
    """Global Configuration > API > Settings."""

    read_only_api: bool | None = None
    total_quantity_for_mutual_funds: bool | None = None
    download_open_orders_on_connection: bool | None = None
    include_virtual_fx_positions: bool | None = None
    prepare_daily_pnl: bool | None = None
    send_status_updates_for_volatility_orders: bool | None = None
    encode_api_messages: str | None = None
    socket_port: int | None = None
    use_negative_auto_range: bool | None = None
    create_api_message_log_file: bool | None = None
    include_market_data_in_log_file: bool | None = None
    expose_trading_schedule_to_api: bool | None = None
    split_insured_deposit_from_cash_balance: bool | None = None
    send_zero_positions_for_today_only: bool | None = None
    let_api_account_requests_switch_subscription: bool | None = None
    use_account_groups_with_allocation_methods: bool | None = None
    logging_level: str | None = None
    master_client_id: int | None = None
    bulk_data_timeout: int | None = None
    component_exch_separator: str | None = None
    show_forex_data_in_1_10_pips: bool | None = None
    allow_forex_trading_in_1_10_pips: bool | None = None
    round_account_values_to_nearest_whole_number: bool | None = None
    send_market_data_in_lots_for_us_stocks: bool | None = None
    show_advanced_order_reject_in_ui: bool | None = None
    reject_messages_above_max_rate: bool | None = None
    maintain_connection_on_incorrect_fields: bool | None = None
    compatibility_mode_nasdaq_stocks: bool | None = None
    send_instrument_timezone: str | None = None
    send_forex_data_in_compatibility_mode: bool | None = None
    maintain_and_resubmit_orders_on_reconnect: bool | None = None
    historical_data_max_size: int | None = None
    auto_report_netting_event_contract_trades: bool | None = None
    option_exercise_request_type: str | None = None
    allow_localhost_only: bool | None = None
    trusted_ips: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ApiConfig:
    precautions: ApiPrecautionsConfig | None = None
    settings: ApiSettingsConfig | None = None


@dataclass(slots=True)
class OrdersSmartRoutingConfig:
    seek_price_improvement: bool | None = None
    pre_open_reroute: bool | None = None
    do_not_route_to_dark_pools: bool | None = None
    default_algorithm: str | None = None


@dataclass(slots=True)
class OrdersConfig:
    smart_routing: OrdersSmartRoutingConfig = field(default_factory=OrdersSmartRoutingConfig)


@dataclass(slots=True)
class UpdateConfigWarning:
    """A warning an UPDATE_CONFIG must accept (by echoing it) before TWS applies the change."""

    message_id: int | None = None
    title: str | None = None
    message: str | None = None


@dataclass(slots=True)
class TwsConfig:
    """TWS's configuration (CONFIG_RESPONSE), or the part of it an UPDATE_CONFIG changes."""

    lock_and_exit: LockAndExitConfig | None = None
    messages: list[MessageConfig] = field(default_factory=list)
    api: ApiConfig | None = None
    orders: OrdersConfig | None = None


@dataclass(slots=True)
class ConfigUpdateResult:
    """TWS's answer to an UPDATE_CONFIG: ``status`` (``"SUCCESS"`` / ``"FAILED"``), a message, the
    fields changed (``"api.settings.readOnlyApi"``), errors, and the warnings to accept (send the
    update again with them in ``accepted_warnings``) before the change is made."""

    status: str | None = None
    message: str | None = None
    changed_fields: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[UpdateConfigWarning] = field(default_factory=list)
