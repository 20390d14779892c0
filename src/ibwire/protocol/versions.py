"""The one feature registry: every server-version check in ibwire goes through here.

A :class:`Feature` is named for what appeared (or disappeared) at a server version; its value is
that version. Schemas gate fields with ``since=Feature.X`` / ``until=Feature.X``; front ends ask
``supports(server_version, Feature.X)``. No bare version number appears anywhere else.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "MIN_CLIENT_VERSION",
    "MAX_CLIENT_VERSION",
    "Feature",
    "supports",
    "TESTED_VERSIONS",
]


class Feature(IntEnum):
    """Server versions at which the wire layout changed (names follow the official constants)."""

    OPTIONAL_CAPABILITIES = 72  # START_API carries optionalCapabilities
    LINKING = 70  # pre-v100 handshake history
    PRIMARY_EXCHANGE_IN_CONTRACT_DATA_REQ = 75
    MD_SIZE_MULTIPLIER = 110  # CONTRACT_DATA mdSizeMultiplier (removed at SIZE_RULES)
    SYNT_REALTIME_BARS = 124  # HISTORICAL_DATA / REQ_HISTORICAL_DATA lose their version field
    MARKET_CAP_PRICE = 131  # ORDER_STATUS mktCapPrice, no version field
    LAST_LIQUIDITY = 136  # EXECUTION_DATA lastLiquidity, no version field
    ORDER_CONTAINER = 145  # PLACE_ORDER / OPEN_ORDER lose their version field
    COMPLETED_ORDERS = 150
    MARKET_DATA_IN_SHARES = 159
    PRICE_MGMT_ALGO = 151
    ENCODE_MSG_ASCII7 = 153
    DURATION = 158
    POST_TO_ATS = 160
    WSHE_CALENDAR = 161
    AUTO_CANCEL_PARENT = 162
    FRACTIONAL_SIZE_SUPPORT = 163
    SIZE_RULES = 164  # CONTRACT_DATA: minSize/sizeIncrement, no version field, no sizeMinTick
    HISTORICAL_SCHEDULE = 165
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


MIN_CLIENT_VERSION = 157
"""Lowest server version ibwire speaks (the official ibapi 9.81's maximum)."""

MAX_CLIENT_VERSION = 178
"""Highest server version ibwire speaks (what ib_async 2.1.0 negotiates)."""

TESTED_VERSIONS = (157, 163, 170, 178)
"""Versions every schema is round-tripped at in the test suite."""


def supports(server_version: int, feature: Feature) -> bool:
    """True when a session negotiated at ``server_version`` has ``feature``."""
    return server_version >= feature
