"""The one feature registry: every server-version check in ibwire goes through here.

A :class:`Feature` is named for what appeared (or disappeared) at a server version; its value is
that version. Schemas gate fields with ``since=Feature.X`` / ``until=Feature.X``; front ends ask
``supports(server_version, Feature.X)``. No bare version number appears anywhere else.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ORACLE_VERSIONS",
    "MIN_VERSION",
    "MAX_VERSION",
    "IB_ASYNC_VERSION",
    "IBAPI_981_VERSION",
    "MIN_CLIENT_VERSION",
    "MAX_CLIENT_VERSION",
    "Feature",
    "supports",
    "TESTED_VERSIONS",
]


class Feature(IntEnum):
    """Server versions at which the wire layout changed (names follow the official constants).

    Listed here: every gate from 100 up that changes a message ibwire declares (the official
    client's ``MIN_SERVER_VER_*`` constants; PROTOCOL.md, PROTOCOL-V2.md section 2).
    """

    LINKING = 70  # pre-v100 handshake history
    OPTIONAL_CAPABILITIES = 72  # START_API carries optionalCapabilities
    PRIMARY_EXCHANGE_IN_CONTRACT_DATA_REQ = 75
    REQ_FAMILY_CODES = 107  # REQ_FAMILY_CODES (80) / FAMILY_CODES (78)
    REQ_MATCHING_SYMBOLS = 108  # REQ_MATCHING_SYMBOLS (81) / SYMBOL_SAMPLES (79)
    FRACTIONAL_POSITIONS = 101  # PLACE_ORDER totalQuantity as a decimal (an integer before)
    PEGGED_TO_BENCHMARK = 102  # PLACE_ORDER / OPEN_ORDER: PEG BENCH, conditions, adjusted order
    MODELS_SUPPORT = 103  # modelCode in PLACE_ORDER / OPEN_ORDER / EXECUTION_DATA
    SEC_DEF_OPT_PARAMS_REQ = 104  # REQ_SEC_DEF_OPT_PARAMS, SECURITY_DEFINITION_OPTION_PARAMETER(_END)
    EXT_OPERATOR = 105  # PLACE_ORDER extOperator
    SOFT_DOLLAR_TIER = 106  # PLACE_ORDER / OPEN_ORDER softDollarTier
    PAST_LIMIT = 109  # TICK_PRICE attribute mask bits (canAutoExecute only, as 1, below)
    MD_SIZE_MULTIPLIER = 110  # CONTRACT_DATA mdSizeMultiplier (removed at SIZE_RULES)
    CASH_QTY = 111  # PLACE_ORDER / OPEN_ORDER cashQty
    REQ_MKT_DEPTH_EXCHANGES = 112  # REQ_MKT_DEPTH_EXCHANGES (82) / MKT_DEPTH_EXCHANGES (80)
    TICK_NEWS = 113  # TICK_NEWS (84), generic tick 292 on REQ_MKT_DATA
    REQ_SMART_COMPONENTS = 114  # REQ_MKT_DATA regulatorySnapshot; REQ_SMART_COMPONENTS (83)
    REQ_NEWS_PROVIDERS = 115  # REQ_NEWS_PROVIDERS (85) / NEWS_PROVIDERS (85)
    REQ_NEWS_ARTICLE = 116  # REQ_NEWS_ARTICLE (84) / NEWS_ARTICLE (83)
    REQ_HISTORICAL_NEWS = 117  # REQ_HISTORICAL_NEWS (86) / HISTORICAL_NEWS (86), _END (87)
    REQ_HEAD_TIMESTAMP = 118  # REQ_HEAD_TIMESTAMP (87) / HEAD_TIMESTAMP (88)
    REQ_HISTOGRAM = 119  # REQ_HISTOGRAM_DATA (88), CANCEL_HISTOGRAM_DATA (89) / HISTOGRAM_DATA (89)
    SERVICE_DATA_TYPE = 120  # MKT_DEPTH_EXCHANGES: listingExch, serviceDataType, aggGroup
    AGG_GROUP = 121  # CONTRACT_DATA aggGroup
    UNDERLYING_INFO = 122  # CONTRACT_DATA underSymbol, underSecType
    CANCEL_HEADTIMESTAMP = 123  # CANCEL_HEAD_TIMESTAMP (90)
    SYNT_REALTIME_BARS = 124  # HISTORICAL_DATA / REQ_HISTORICAL_DATA lose their version field
    MARKET_RULES = 126  # CONTRACT_DATA marketRuleIds; REQ_MARKET_RULE (91) / MARKET_RULE (93)
    PNL = 127  # REQ_PNL / REQ_PNL_SINGLE and their cancels (refused client-side below); PNL(_SINGLE)
    NEWS_QUERY_ORIGINS = 128  # REQ_NEWS_ARTICLE / REQ_HISTORICAL_NEWS carry their options
    UNREALIZED_PNL = 129  # PNL / PNL_SINGLE unrealizedPnL
    HISTORICAL_TICKS = 130  # REQ_HISTORICAL_TICKS; HISTORICAL_TICKS(_BID_ASK, _LAST)
    MARKET_CAP_PRICE = 131  # ORDER_STATUS mktCapPrice, no version field
    PRE_OPEN_BID_ASK = 132  # TICK_PRICE attribute preOpen (bit 4)
    REAL_EXPIRATION_DATE = 134  # CONTRACT_DATA realExpirationDate
    REALIZED_PNL = 135  # PNL / PNL_SINGLE realizedPnL
    LAST_LIQUIDITY = 136  # EXECUTION_DATA lastLiquidity, no version field
    TICK_BY_TICK = 137  # REQ / CANCEL_TICK_BY_TICK_DATA, TICK_BY_TICK
    DECISION_MAKER = 138  # PLACE_ORDER mifid2DecisionMaker / mifid2DecisionAlgo
    MIFID_EXECUTION = 139  # PLACE_ORDER mifid2ExecutionTrader / mifid2ExecutionAlgo
    TICK_BY_TICK_IGNORE_SIZE = 140  # REQ_TICK_BY_TICK_DATA numberOfTicks, ignoreSize
    AUTO_PRICE_FOR_HEDGE = 141  # PLACE_ORDER / OPEN_ORDER dontUseAutoPriceForHedge
    WHAT_IF_EXT_FIELDS = 142  # OPEN_ORDER: the six before/change margin values
    SCANNER_GENERIC_OPTS = 143  # REQ_SCANNER_SUBSCRIPTION: filter options, no version field
    ORDER_CONTAINER = 145  # PLACE_ORDER / OPEN_ORDER lose their version field; isOmsContainer
    SMART_DEPTH = 146  # REQ_MKT_DEPTH / CANCEL_MKT_DEPTH isSmartDepth; MARKET_DEPTH_L2 isSmartDepth
    D_PEG_ORDERS = 148  # PLACE_ORDER / OPEN_ORDER discretionaryUpToLimitPrice
    MKT_DEPTH_PRIM_EXCHANGE = 149  # REQ_MKT_DEPTH primaryExchange
    COMPLETED_ORDERS = 150
    PRICE_MGMT_ALGO = 151  # PLACE_ORDER / OPEN_ORDER usePriceMgmtAlgo
    STOCK_TYPE = 152  # CONTRACT_DATA stockType
    ENCODE_MSG_ASCII7 = 153
    PRICE_BASED_VOLATILITY = 156  # TICK_OPTION_COMPUTATION: no version field, + tickAttrib
    REPLACE_FA_END = 157  # REPLACE_FA carries reqId (last); REPLACE_FA_END (103) answers it
    DURATION = 158
    MARKET_DATA_IN_SHARES = 159
    POST_TO_ATS = 160
    WSHE_CALENDAR = 161
    AUTO_CANCEL_PARENT = 162
    FRACTIONAL_SIZE_SUPPORT = 163
    SIZE_RULES = 164  # CONTRACT_DATA: minSize/sizeIncrement, no version field, no sizeMinTick
    HISTORICAL_SCHEDULE = 165  # REQ_HISTORICAL_DATA whatToShow SCHEDULE / HISTORICAL_SCHEDULE (106)
    ADVANCED_ORDER_REJECT = 166  # ERR_MSG advancedOrderRejectJson, PLACE_ORDER advancedErrorOverride
    USER_INFO = 167
    CRYPTO_AGGREGATED_TRADES = 168
    MANUAL_ORDER_TIME = 169  # PLACE_ORDER manualOrderTime, CANCEL_ORDER manualOrderCancelTime
    PEGBEST_PEGMID_OFFSETS = 170
    WSH_EVENT_DATA_FILTERS = 171
    IPO_PRICES = 172
    WSH_EVENT_DATA_FILTERS_DATE = 173
    INSTRUMENT_TIMEZONE = 174
    HMDS_MARKET_DATA_IN_SHARES = 175
    BOND_ISSUERID = 176  # REQ_CONTRACT_DATA issuerId
    FA_PROFILE_DESUPPORT = 177  # faProfile removed from PLACE_ORDER / OPEN_ORDER / COMPLETED_ORDER
    PENDING_PRICE_REVISION = 178  # EXECUTION_DATA pendingPriceRevision
    FUND_DATA_FIELDS = 179  # CONTRACT_DATA: 17 fund fields when secType is FUND
    MANUAL_ORDER_TIME_EXERCISE_OPTIONS = 180
    OPEN_ORDER_AD_STRATEGY = 181  # no wire change seen
    LAST_TRADE_DATE = 182  # CONTRACT_DATA lastTradeDate after lastTradeDateOrContractMonth
    CUSTOMER_ACCOUNT = 183  # PLACE_ORDER / OPEN_ORDER / COMPLETED_ORDER customerAccount
    PROFESSIONAL_CUSTOMER = 184  # ... professionalCustomer
    BOND_ACCRUED_INTEREST = 185  # OPEN_ORDER bondAccruedInterest
    INELIGIBILITY_REASONS = 186  # CONTRACT_DATA ineligibility reason list
    RFQ_FIELDS = 187  # PLACE_ORDER / CANCEL_ORDER placeholders, 187..189 only
    BOND_TRADING_HOURS = 188
    INCLUDE_OVERNIGHT = 189  # PLACE_ORDER / OPEN_ORDER includeOvernight
    UNDO_RFQ_FIELDS = 190  # the RFQ placeholders go again
    PERM_ID_AS_LONG = 191  # no field change
    CME_TAGGING_FIELDS = 192  # CANCEL_ORDER / REQ_GLOBAL_CANCEL: no version, + extOperator,
    #                           manualOrderIndicator; PLACE_ORDER + manualOrderIndicator
    CME_TAGGING_FIELDS_IN_OPEN_ORDER = 193  # OPEN_ORDER extOperator, manualOrderIndicator
    ERROR_TIME = 194  # ERR_MSG: no version field, + errorTime (epoch ms)
    FULL_ORDER_PREVIEW_FIELDS = 195  # OPEN_ORDER order-state block (margins outside RTH, ...)
    HISTORICAL_DATA_END = 196  # HISTORICAL_DATA loses start/end; HISTORICAL_DATA_END (108)
    CURRENT_TIME_IN_MILLIS = 197  # REQ_CURRENT_TIME_IN_MILLIS (105) / CURRENT_TIME_IN_MILLIS (109)
    SUBMITTER = 198  # EXECUTION_DATA / OPEN_ORDER / COMPLETED_ORDER submitter
    IMBALANCE_ONLY = 199  # PLACE_ORDER / OPEN_ORDER imbalanceOnly
    PARAMETRIZED_DAYS_OF_EXECUTIONS = 200  # REQ_EXECUTIONS lastNDays, specificDates
    # From 201 frames carry a 4-byte binary message id, and a message family travels as protobuf
    # from its gate on (PROTOCOL-V2.md sections 1.2, 3.1, 3.2).
    PROTOBUF = 201  # binary ids; REQ_EXECUTIONS, EXECUTION_DATA(_END), ERR_MSG as protobuf
    PROTOBUF_PLACE_ORDER = 203  # PLACE_ORDER, CANCEL_ORDER, REQ_GLOBAL_CANCEL; ORDER_STATUS, OPEN_ORDER
    PROTOBUF_COMPLETED_ORDER = 204  # open / completed order requests, COMPLETED_ORDER(S_END)
    PROTOBUF_CONTRACT_DATA = 205  # REQ_CONTRACT_DATA, CONTRACT_DATA(_END)
    PROTOBUF_MARKET_DATA = 206  # REQ_MKT_DATA .. REQ_MARKET_DATA_TYPE, every tick message
    PROTOBUF_ACCOUNTS_POSITIONS = 207  # account, position and managed-accounts messages
    PROTOBUF_HISTORICAL_DATA = 208  # historical bars, real-time bars, ticks
    PROTOBUF_NEWS_DATA = 209
    PROTOBUF_SCAN_DATA = 210  # scanner, PnL
    PROTOBUF_REST_MESSAGES_1 = 211
    PROTOBUF_REST_MESSAGES_2 = 212
    PROTOBUF_REST_MESSAGES_3 = 213  # every message that has a protobuf type (START_API, REQ_IDS ..)
    CANCEL_CONTRACT_DATA = 215  # protobuf-only CANCEL_CONTRACT_DATA, CANCEL_HISTORICAL_TICKS
    # Order protobuf fields the official client 10.51 refuses to send below their version (error
    # 503 "The following order parameter is not supported by your TWS version - <name>")
    ADDITIONAL_ORDER_PARAMS_1 = 216  # Order 138 deactivate, 139 postOnly, 140 allowPreOpen,
    #                                  141 ignoreOpenAuction
    ADDITIONAL_ORDER_PARAMS_2 = 217  # Order 120 routeMarketableToBbo, 142 seekPriceImprovement,
    #                                  143 whatIfType
    ATTACHED_ORDERS = 218  # PlaceOrderRequest 4 attachedOrders (slOrderId .. ptOrderType)
    CONFIG = 219  # REQ_CONFIG (108) / CONFIG_RESPONSE (110), protobuf only
    UPDATE_CONFIG = 221  # UPDATE_CONFIG (109) / UPDATE_CONFIG_RESPONSE (111), protobuf only
    HEDGE_MAX_SIZE = 223  # Order 144 hedgeMaxSize
    COND_ORDER_WITH_OVERNIGHT_PARAM = 226  # Order 145 conditionsIncludeOvernight


MIN_VERSION = 100
"""Lowest server version ibwire speaks (the v100 handshake's floor)."""

MAX_VERSION = 226
"""Highest server version ibwire speaks (the official client 10.51's maximum): what the client
offers by default and the gateway answers at most. From 201 frames carry binary message ids and
the message families travel as protobuf (see the PROTOBUF_* features)."""

MIN_CLIENT_VERSION = MIN_VERSION
"""The former name of :data:`MIN_VERSION`."""

MAX_CLIENT_VERSION = MAX_VERSION
"""The former name of :data:`MAX_VERSION`."""

IB_ASYNC_VERSION = int(Feature.PENDING_PRICE_REVISION)
"""What ib_async 2.1 offers at most (``v157..178``)."""

IBAPI_981_VERSION = 157
"""What the official ibapi 9.81 offers at most (``v100..157``)."""

ORACLE_VERSIONS = (100, 151, 157, 163, 170, 176, 178, 183, 187, 190, 194, 195, 199, 200)
"""Versions checked against the official client 10.51 byte for byte."""

TESTED_VERSIONS = (157, 163, 170, 178)
"""Versions the per-domain round-trip tests use (their hypothesis models follow the 157..178
layouts); every message is also checked at every one of :data:`ORACLE_VERSIONS` against the
official client and round-tripped there (tests/oracle)."""


def supports(server_version: int, feature: Feature) -> bool:
    """True when a session negotiated at ``server_version`` has ``feature``."""
    return server_version >= feature
