"""Market data models: contract details, historical bars and tick type numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum

from .contract import Contract
from .tag_value import TagValue

__all__ = ["ContractDetails", "IneligibilityReason", "BarData", "TickType"]


@dataclass(slots=True)
class IneligibilityReason:
    """Why an account may not trade a contract (CONTRACT_DATA from server version 186)."""

    id: str | None = None
    description: str | None = None


@dataclass(slots=True)
class ContractDetails:
    """One CONTRACT_DATA answer: the full contract plus its trading rules.

    ``contract.last_trade_date_or_contract_month`` holds the date alone; the time of day TWS
    appends to it (futures, options) is in ``last_trade_time``.
    """

    contract: Contract = field(default_factory=Contract)
    market_name: str | None = None
    min_tick: float | None = None
    md_size_multiplier: int | None = None  # server versions 110..163 only
    order_types: str | None = None  # comma-separated, e.g. "LMT,MKT,STP"
    valid_exchanges: str | None = None  # comma-separated
    price_magnifier: int | None = None
    under_con_id: int | None = None
    long_name: str | None = None
    contract_month: str | None = None
    industry: str | None = None
    category: str | None = None
    subcategory: str | None = None
    time_zone_id: str | None = None
    trading_hours: str | None = None  # "20240102:0400-20240102:2000;20240103:CLOSED;..."
    liquid_hours: str | None = None
    ev_rule: str | None = None
    ev_multiplier: int | None = None
    sec_id_list: list[TagValue] = field(default_factory=list)  # e.g. [TagValue("ISIN", "US...")]
    agg_group: int | None = None
    under_symbol: str | None = None
    under_sec_type: str | None = None
    market_rule_ids: str | None = None  # comma-separated, one per valid exchange
    real_expiration_date: str | None = None
    last_trade_time: str | None = None
    stock_type: str | None = None  # COMMON, ETF, ADR, REIT ...
    size_min_tick: Decimal | None = None  # server version 163 only
    min_size: Decimal | None = None
    size_increment: Decimal | None = None
    suggested_size_increment: Decimal | None = None
    # FUND contracts, server version >= 179 (the two codes as TWS sends them: N/Y, 000..007)
    fund_name: str | None = None
    fund_family: str | None = None
    fund_type: str | None = None
    fund_front_load: str | None = None
    fund_back_load: str | None = None
    fund_back_load_time_interval: str | None = None
    fund_management_fee: str | None = None
    fund_closed: bool | None = False
    fund_closed_for_new_investors: bool | None = False
    fund_closed_for_new_money: bool | None = False
    fund_notify_amount: str | None = None
    fund_minimum_initial_purchase: str | None = None
    fund_subsequent_minimum_purchase: str | None = None
    fund_blue_sky_states: str | None = None
    fund_blue_sky_territories: str | None = None
    fund_distribution_policy_indicator: str | None = None
    fund_asset_type: str | None = None
    ineligibility_reason_list: list[IneligibilityReason] = field(default_factory=list)  # >= 186
    # bonds (BOND_CONTRACT_DATA): ``maturity`` is the bond's lastTradeDateOrContractMonth date
    cusip: str | None = None
    ratings: str | None = None
    desc_append: str | None = None
    bond_type: str | None = None
    coupon_type: str | None = None
    callable: bool | None = False
    putable: bool | None = False
    coupon: float | None = None
    convertible: bool | None = False
    maturity: str | None = None
    issue_date: str | None = None
    next_option_date: str | None = None
    next_option_type: str | None = None
    next_option_partial: bool | None = False
    notes: str | None = None
    # protobuf only (server version >= 205): no text layout carries them
    event_contract1: str | None = None
    event_contract_description1: str | None = None
    event_contract_description2: str | None = None
    min_algo_size: Decimal | None = None
    last_price_precision: Decimal | None = None
    last_size_precision: Decimal | None = None
    settlement_method: str | None = None


@dataclass(slots=True)
class BarData:
    """One historical bar. ``date`` is the text TWS sent ("20240102", "20240102 09:30:00
    US/Eastern" or epoch seconds, depending on the request's format_date). Volume, WAP and count
    are -1 for BID, ASK and MIDPOINT bars."""

    date: str | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    volume: Decimal | None = None
    wap: Decimal | None = None
    bar_count: int | None = None


class TickType(IntEnum):
    """The tick type numbers of TICK_PRICE / TICK_SIZE / TICK_STRING / TICK_GENERIC (IB's names)."""

    BID_SIZE = 0
    BID = 1
    ASK = 2
    ASK_SIZE = 3
    LAST = 4
    LAST_SIZE = 5
    HIGH = 6
    LOW = 7
    VOLUME = 8
    CLOSE = 9
    BID_OPTION_COMPUTATION = 10
    ASK_OPTION_COMPUTATION = 11
    LAST_OPTION_COMPUTATION = 12
    MODEL_OPTION = 13
    OPEN = 14
    LOW_13_WEEK = 15
    HIGH_13_WEEK = 16
    LOW_26_WEEK = 17
    HIGH_26_WEEK = 18
    LOW_52_WEEK = 19
    HIGH_52_WEEK = 20
    AVG_VOLUME = 21
    OPEN_INTEREST = 22
    OPTION_HISTORICAL_VOL = 23
    OPTION_IMPLIED_VOL = 24
    OPTION_BID_EXCH = 25
    OPTION_ASK_EXCH = 26
    OPTION_CALL_OPEN_INTEREST = 27
    OPTION_PUT_OPEN_INTEREST = 28
    OPTION_CALL_VOLUME = 29
    OPTION_PUT_VOLUME = 30
    INDEX_FUTURE_PREMIUM = 31
    BID_EXCH = 32
    ASK_EXCH = 33
    AUCTION_VOLUME = 34
    AUCTION_PRICE = 35
    AUCTION_IMBALANCE = 36
    MARK_PRICE = 37
    BID_EFP_COMPUTATION = 38
    ASK_EFP_COMPUTATION = 39
    LAST_EFP_COMPUTATION = 40
    OPEN_EFP_COMPUTATION = 41
    HIGH_EFP_COMPUTATION = 42
    LOW_EFP_COMPUTATION = 43
    CLOSE_EFP_COMPUTATION = 44
    LAST_TIMESTAMP = 45
    SHORTABLE = 46
    FUNDAMENTAL_RATIOS = 47
    RT_VOLUME = 48
    HALTED = 49
    BID_YIELD = 50
    ASK_YIELD = 51
    LAST_YIELD = 52
    CUST_OPTION_COMPUTATION = 53
    TRADE_COUNT = 54
    TRADE_RATE = 55
    VOLUME_RATE = 56
    LAST_RTH_TRADE = 57
    RT_HISTORICAL_VOL = 58
    IB_DIVIDENDS = 59
    BOND_FACTOR_MULTIPLIER = 60
    REGULATORY_IMBALANCE = 61
    NEWS_TICK = 62
    SHORT_TERM_VOLUME_3_MIN = 63
    SHORT_TERM_VOLUME_5_MIN = 64
    SHORT_TERM_VOLUME_10_MIN = 65
    DELAYED_BID = 66
    DELAYED_ASK = 67
    DELAYED_LAST = 68
    DELAYED_BID_SIZE = 69
    DELAYED_ASK_SIZE = 70
    DELAYED_LAST_SIZE = 71
    DELAYED_HIGH = 72
    DELAYED_LOW = 73
    DELAYED_VOLUME = 74
    DELAYED_CLOSE = 75
    DELAYED_OPEN = 76
    RT_TRD_VOLUME = 77
    CREDITMAN_MARK_PRICE = 78
    CREDITMAN_SLOW_MARK_PRICE = 79
    DELAYED_BID_OPTION = 80
    DELAYED_ASK_OPTION = 81
    DELAYED_LAST_OPTION = 82
    DELAYED_MODEL_OPTION = 83
    LAST_EXCH = 84
    LAST_REG_TIME = 85
    FUTURES_OPEN_INTEREST = 86
    AVG_OPT_VOLUME = 87
    DELAYED_LAST_TIMESTAMP = 88
    SHORTABLE_SHARES = 89
    DELAYED_HALTED = 90
    REUTERS_2_MUTUAL_FUNDS = 91
    ETF_NAV_CLOSE = 92
    ETF_NAV_PRIOR_CLOSE = 93
    ETF_NAV_BID = 94
    ETF_NAV_ASK = 95
    ETF_NAV_LAST = 96
    ETF_FROZEN_NAV_LAST = 97
    ETF_NAV_HIGH = 98
    ETF_NAV_LOW = 99
    SOCIAL_MARKET_ANALYTICS = 100
    ESTIMATED_IPO_MIDPOINT = 101
    FINAL_IPO_LAST = 102
    DELAYED_YIELD_BID = 103
    DELAYED_YIELD_ASK = 104

    @property
    def size_type(self) -> TickType | None:
        """For a price tick with a size (BID, ASK, LAST and their delayed twins), the size tick
        type the official client reports the same size under; None for every other tick type."""
        return _SIZE_OF_PRICE.get(self)


_SIZE_OF_PRICE = {
    TickType.BID: TickType.BID_SIZE,
    TickType.ASK: TickType.ASK_SIZE,
    TickType.LAST: TickType.LAST_SIZE,
    TickType.DELAYED_BID: TickType.DELAYED_BID_SIZE,
    TickType.DELAYED_ASK: TickType.DELAYED_ASK_SIZE,
    TickType.DELAYED_LAST: TickType.DELAYED_LAST_SIZE,
}
