"""Order and OrderComboLeg, as in the official ``ibapi.order`` (the fields up to server version
178). Prices default to UNSET_DOUBLE and optional integers to UNSET_INTEGER, as in ibapi."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._base import Object
from .common import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER
from .softdollartier import SoftDollarTier
from .tag_value import TagValue

__all__ = ["Order", "OrderComboLeg", "CUSTOMER", "FIRM", "UNKNOWN", "AUCTION_UNSET",
           "AUCTION_MATCH", "AUCTION_IMPROVEMENT", "AUCTION_TRANSPARENT",
           "COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID"]

(CUSTOMER, FIRM, UNKNOWN) = range(3)
(AUCTION_UNSET, AUCTION_MATCH, AUCTION_IMPROVEMENT, AUCTION_TRANSPARENT) = range(4)
COMPETE_AGAINST_BEST_OFFSET_UP_TO_MID = float("inf")


@dataclass
class OrderComboLeg(Object):
    price: float = UNSET_DOUBLE


@dataclass
class Order(Object):
    # identification
    orderId: int = 0
    clientId: int = 0
    permId: int = 0
    # main order fields
    action: str = ""
    totalQuantity: Decimal = UNSET_DECIMAL
    orderType: str = ""
    lmtPrice: float = UNSET_DOUBLE
    auxPrice: float = UNSET_DOUBLE
    # extended order fields
    tif: str = ""
    activeStartTime: str = ""
    activeStopTime: str = ""
    ocaGroup: str = ""
    ocaType: int = 0
    orderRef: str = ""
    transmit: bool = True
    parentId: int = 0
    blockOrder: bool = False
    sweepToFill: bool = False
    displaySize: int = 0
    triggerMethod: int = 0
    outsideRth: bool = False
    hidden: bool = False
    goodAfterTime: str = ""
    goodTillDate: str = ""
    rule80A: str = ""
    allOrNone: bool = False
    minQty: int = UNSET_INTEGER
    percentOffset: float = UNSET_DOUBLE
    overridePercentageConstraints: bool = False
    trailStopPrice: float = UNSET_DOUBLE
    trailingPercent: float = UNSET_DOUBLE
    # financial advisors
    faGroup: str = ""
    faProfile: str = ""
    faMethod: str = ""
    faPercentage: str = ""
    # institutional
    designatedLocation: str = ""
    openClose: str = ""
    origin: int = CUSTOMER
    shortSaleSlot: int = 0
    exemptCode: int = -1
    # SMART routing
    discretionaryAmt: float = 0.0
    eTradeOnly: bool = False  # ibapi 10 default (9.81: True; current TWS rejects True)
    firmQuoteOnly: bool = False
    nbboPriceCap: float = UNSET_DOUBLE
    optOutSmartRouting: bool = False
    # BOX / pegged to stock
    auctionStrategy: int = AUCTION_UNSET
    startingPrice: float = UNSET_DOUBLE
    stockRefPrice: float = UNSET_DOUBLE
    delta: float = UNSET_DOUBLE
    stockRangeLower: float = UNSET_DOUBLE
    stockRangeUpper: float = UNSET_DOUBLE
    randomizePrice: bool = False
    randomizeSize: bool = False
    # volatility
    volatility: float = UNSET_DOUBLE
    volatilityType: int = UNSET_INTEGER
    deltaNeutralOrderType: str = ""
    deltaNeutralAuxPrice: float = UNSET_DOUBLE
    deltaNeutralConId: int = 0
    deltaNeutralSettlingFirm: str = ""
    deltaNeutralClearingAccount: str = ""
    deltaNeutralClearingIntent: str = ""
    deltaNeutralOpenClose: str = ""
    deltaNeutralShortSale: bool = False
    deltaNeutralShortSaleSlot: int = 0
    deltaNeutralDesignatedLocation: str = ""
    continuousUpdate: bool = False
    referencePriceType: int = UNSET_INTEGER
    # EFP
    basisPoints: float = UNSET_DOUBLE
    basisPointsType: int = UNSET_INTEGER
    # scale
    scaleInitLevelSize: int = UNSET_INTEGER
    scaleSubsLevelSize: int = UNSET_INTEGER
    scalePriceIncrement: float = UNSET_DOUBLE
    scalePriceAdjustValue: float = UNSET_DOUBLE
    scalePriceAdjustInterval: int = UNSET_INTEGER
    scaleProfitOffset: float = UNSET_DOUBLE
    scaleAutoReset: bool = False
    scaleInitPosition: int = UNSET_INTEGER
    scaleInitFillQty: int = UNSET_INTEGER
    scaleRandomPercent: bool = False
    scaleTable: str = ""
    # hedge
    hedgeType: str = ""
    hedgeParam: str = ""
    # clearing
    account: str = ""
    settlingFirm: str = ""
    clearingAccount: str = ""
    clearingIntent: str = ""
    # algo
    algoStrategy: str = ""
    algoParams: list[TagValue] | None = None
    smartComboRoutingParams: list[TagValue] | None = None
    algoId: str = ""
    # what-if, misc
    whatIf: bool = False
    notHeld: bool = False
    solicited: bool = False
    modelCode: str = ""
    orderComboLegs: list[OrderComboLeg] | None = None
    orderMiscOptions: list[TagValue] | None = None
    # pegged to benchmark
    referenceContractId: int = 0
    peggedChangeAmount: float = 0.0
    isPeggedChangeAmountDecrease: bool = False
    referenceChangeAmount: float = 0.0
    referenceExchangeId: str = ""
    adjustedOrderType: str = ""
    triggerPrice: float = UNSET_DOUBLE
    adjustedStopPrice: float = UNSET_DOUBLE
    adjustedStopLimitPrice: float = UNSET_DOUBLE
    adjustedTrailingAmount: float = UNSET_DOUBLE
    adjustableTrailingUnit: int = 0
    lmtPriceOffset: float = UNSET_DOUBLE
    conditions: list[Any] = field(default_factory=list)
    conditionsCancelOrder: bool = False
    conditionsIgnoreRth: bool = False
    # ext operator, soft dollars, cash quantity, MiFID II
    extOperator: str = ""
    softDollarTier: SoftDollarTier = field(default_factory=SoftDollarTier)
    cashQty: float = UNSET_DOUBLE
    mifid2DecisionMaker: str = ""
    mifid2DecisionAlgo: str = ""
    mifid2ExecutionTrader: str = ""
    mifid2ExecutionAlgo: str = ""
    dontUseAutoPriceForHedge: bool = False
    isOmsContainer: bool = False
    discretionaryUpToLimitPrice: bool = False
    # completed orders
    autoCancelDate: str = ""
    filledQuantity: Decimal = UNSET_DECIMAL
    refFuturesConId: int = 0
    autoCancelParent: bool = False
    shareholder: str = ""
    imbalanceOnly: bool = False
    routeMarketableToBbo: bool | None = None
    parentPermId: int = 0
    usePriceMgmtAlgo: bool | None = None
    duration: int = UNSET_INTEGER
    postToAts: int = UNSET_INTEGER
    advancedErrorOverride: str = ""
    manualOrderTime: str = ""
    minTradeQty: int = UNSET_INTEGER
    minCompeteSize: int = UNSET_INTEGER
    competeAgainstBestOffset: float = UNSET_DOUBLE
    midOffsetAtWhole: float = UNSET_DOUBLE
    midOffsetAtHalf: float = UNSET_DOUBLE
    customerAccount: str = ""
    professionalCustomer: bool = False
    bondAccruedInterest: str = ""
    includeOvernight: bool = False
    manualOrderIndicator: int = UNSET_INTEGER
    submitter: str = ""
    # protobuf only (server version >= 216 .. 226)
    hedgeMaxSize: int = UNSET_INTEGER
    conditionsIncludeOvernight: bool = False
    postOnly: bool = False
    allowPreOpen: bool = False
    ignoreOpenAuction: bool = False
    deactivate: bool = False
    seekPriceImprovement: bool | None = None
    whatIfType: int = UNSET_INTEGER
    slOrderId: int = UNSET_INTEGER
    slOrderType: str = ""
    ptOrderId: int = UNSET_INTEGER
    ptOrderType: str = ""
