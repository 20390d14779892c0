"""ScannerSubscription and ScanData, as in the official ``ibapi.scanner``."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._base import Object
from .common import UNSET_DOUBLE, UNSET_INTEGER
from .contract import ContractDetails

__all__ = ["ScannerSubscription", "ScanData", "NO_ROW_NUMBER_SPECIFIED"]

NO_ROW_NUMBER_SPECIFIED = -1


@dataclass
class ScannerSubscription(Object):
    """What to scan (``scanCode`` over ``instrument`` at ``locationCode``) and its legacy filters;
    newer filters go in ``reqScannerSubscription``'s filter options."""

    numberOfRows: int = NO_ROW_NUMBER_SPECIFIED
    instrument: str = ""
    locationCode: str = ""
    scanCode: str = ""
    abovePrice: float = UNSET_DOUBLE
    belowPrice: float = UNSET_DOUBLE
    aboveVolume: int = UNSET_INTEGER
    marketCapAbove: float = UNSET_DOUBLE
    marketCapBelow: float = UNSET_DOUBLE
    moodyRatingAbove: str = ""
    moodyRatingBelow: str = ""
    spRatingAbove: str = ""
    spRatingBelow: str = ""
    maturityDateAbove: str = ""
    maturityDateBelow: str = ""
    couponRateAbove: float = UNSET_DOUBLE
    couponRateBelow: float = UNSET_DOUBLE
    excludeConvertible: bool = False
    averageOptionVolumeAbove: int = UNSET_INTEGER
    scannerSettingPairs: str = ""
    stockTypeFilter: str = ""


@dataclass
class ScanData(Object):
    """One scan row (``contract`` is a ContractDetails, as in ibapi)."""

    contract: ContractDetails = field(default_factory=ContractDetails)
    rank: int = 0
    distance: str = ""
    benchmark: str = ""
    projection: str = ""
    legsStr: str = ""
    marketName: str = ""
