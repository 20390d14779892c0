"""Contract, ComboLeg, DeltaNeutralContract and ContractDetails, as in the official
``ibapi.contract``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ._base import Object
from .common import UNSET_DECIMAL
from .tag_value import TagValue

__all__ = ["Contract", "ComboLeg", "DeltaNeutralContract", "ContractDetails", "IneligibilityReason",
           "ContractDescription",
           "SAME_POS", "OPEN_POS", "CLOSE_POS", "UNKNOWN_POS"]

(SAME_POS, OPEN_POS, CLOSE_POS, UNKNOWN_POS) = range(4)


@dataclass
class ComboLeg(Object):
    conId: int = 0
    ratio: int = 0
    action: str = ""  # BUY / SELL / SSHORT
    exchange: str = ""
    openClose: int = 0
    shortSaleSlot: int = 0
    designatedLocation: str = ""
    exemptCode: int = -1


@dataclass
class DeltaNeutralContract(Object):
    conId: int = 0
    delta: float = 0.0
    price: float = 0.0


@dataclass
class IneligibilityReason(Object):
    id_: str = ""
    description: str = ""


@dataclass
class Contract(Object):
    conId: int = 0
    symbol: str = ""
    secType: str = ""
    lastTradeDateOrContractMonth: str = ""
    lastTradeDate: str = ""
    strike: float = 0.0
    right: str = ""
    multiplier: str = ""
    exchange: str = ""
    primaryExchange: str = ""
    currency: str = ""
    localSymbol: str = ""
    tradingClass: str = ""
    includeExpired: bool = False
    secIdType: str = ""
    secId: str = ""
    description: str = ""
    issuerId: str = ""
    comboLegsDescrip: str = ""
    comboLegs: list[ComboLeg] | None = None
    deltaNeutralContract: DeltaNeutralContract | None = None


@dataclass
class ContractDetails(Object):
    contract: Contract = field(default_factory=Contract)
    marketName: str = ""
    minTick: float = 0.0
    orderTypes: str = ""
    validExchanges: str = ""
    priceMagnifier: int = 0
    underConId: int = 0
    longName: str = ""
    contractMonth: str = ""
    industry: str = ""
    category: str = ""
    subcategory: str = ""
    timeZoneId: str = ""
    tradingHours: str = ""
    liquidHours: str = ""
    evRule: str = ""
    evMultiplier: int = 0
    mdSizeMultiplier: int = 0
    aggGroup: int = 0
    underSymbol: str = ""
    underSecType: str = ""
    marketRuleIds: str = ""
    secIdList: list[TagValue] | None = None
    realExpirationDate: str = ""
    lastTradeTime: str = ""
    stockType: str = ""
    sizeMinTick: Decimal = UNSET_DECIMAL
    minSize: Decimal = UNSET_DECIMAL
    sizeIncrement: Decimal = UNSET_DECIMAL
    suggestedSizeIncrement: Decimal = UNSET_DECIMAL
    # server version >= 179 (FUND contracts) and 186
    fundName: str = ""
    fundFamily: str = ""
    fundType: str = ""
    fundFrontLoad: str = ""
    fundBackLoad: str = ""
    fundBackLoadTimeInterval: str = ""
    fundManagementFee: str = ""
    fundClosed: bool = False
    fundClosedForNewInvestors: bool = False
    fundClosedForNewMoney: bool = False
    fundNotifyAmount: str = ""
    fundMinimumInitialPurchase: str = ""
    fundSubsequentMinimumPurchase: str = ""
    fundBlueSkyStates: str = ""
    fundBlueSkyTerritories: str = ""
    fundDistributionPolicyIndicator: str = ""
    fundAssetType: str = ""
    ineligibilityReasonList: list[IneligibilityReason] | None = None
    # bond fields (BOND_CONTRACT_DATA)
    cusip: str = ""
    ratings: str = ""
    descAppend: str = ""
    bondType: str = ""
    couponType: str = ""
    callable: bool = False
    putable: bool = False
    coupon: float = 0.0
    convertible: bool = False
    maturity: str = ""
    issueDate: str = ""
    nextOptionDate: str = ""
    nextOptionType: str = ""
    nextOptionPartial: bool = False
    notes: str = ""
    # protobuf only (server version >= 205)
    minAlgoSize: Decimal = UNSET_DECIMAL
    lastPricePrecision: Decimal = UNSET_DECIMAL
    lastSizePrecision: Decimal = UNSET_DECIMAL
    eventContract1: str = ""
    eventContractDescription1: str = ""
    eventContractDescription2: str = ""
    settlementMethod: str = ""


@dataclass
class ContractDescription(Object):
    """One answer of ``reqMatchingSymbols``: a contract and the derivative sec types listed on
    it."""

    contract: Contract = field(default_factory=Contract)
    derivativeSecTypes: list[str] = field(default_factory=list)
