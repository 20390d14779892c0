"""Market scanners: the subscription a scan is asked with, its result rows, and the parameters
document (TWS's scanner XML) parsed into what a scanner user browses.

:class:`ScannerSubscription` and :class:`ScanData` are the official ``ScannerSubscription`` /
``ScanData`` in snake_case (``number_of_rows``, ``location_code``, ``scan_code``, ``legs_str`` ...).
:func:`parse_scanner_parameters` reads the XML of SCANNER_PARAMETERS (the layout TWS uses:
``InstrumentList``, a nested ``LocationTree``, ``ScanTypeList`` and ``FilterList``) into
:class:`ScannerParameters`; elements it does not know are ignored, so TWS's full document parses
too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from .contract import Contract
from .market import ContractDetails

__all__ = [
    "ScannerSubscription", "ScanData", "ScannerParameters", "ScanInstrument", "ScanLocation",
    "ScanCode", "ScanFilter", "parse_scanner_parameters", "ScannerParametersError",
]


@dataclass(slots=True)
class ScannerSubscription:
    """What to scan: ``scan_code`` (TOP_PERC_GAIN ...) over ``instrument`` (STK ...) at
    ``location_code`` (STK.US.MAJOR ...), at most ``number_of_rows`` rows (None: TWS's default,
    50). The other fields are the scanner's legacy filters; newer filters travel as the
    subscription's filter options (``TagValue("priceAbove", "5")``)."""

    number_of_rows: int | None = None
    instrument: str | None = None
    location_code: str | None = None
    scan_code: str | None = None
    above_price: float | None = None
    below_price: float | None = None
    above_volume: int | None = None
    market_cap_above: float | None = None
    market_cap_below: float | None = None
    moody_rating_above: str | None = None
    moody_rating_below: str | None = None
    sp_rating_above: str | None = None
    sp_rating_below: str | None = None
    maturity_date_above: str | None = None
    maturity_date_below: str | None = None
    coupon_rate_above: float | None = None
    coupon_rate_below: float | None = None
    exclude_convertible: bool | None = False
    average_option_volume_above: int | None = None
    scanner_setting_pairs: str | None = None
    stock_type_filter: str | None = None  # ALL, CORP, ADR, ETF, REIT, CEF


@dataclass(slots=True)
class ScanData:
    """One row of a scan: its ``rank`` (0 = first), the contract (with its market name in
    ``contract_details.market_name``) and the scan's own columns."""

    rank: int | None = None
    contract_details: ContractDetails = field(default_factory=ContractDetails)
    distance: str | None = None
    benchmark: str | None = None
    projection: str | None = None
    legs_str: str | None = None  # a combo's legs (the protobuf form calls it comboKey)

    @property
    def contract(self) -> Contract:
        return self.contract_details.contract


# --- the parameters document ----------------------------------------------------------------------

class ScannerParametersError(ValueError):
    """The scanner parameters are not a well-formed XML document."""


@dataclass(frozen=True, slots=True)
class ScanInstrument:
    """An instrument type a scan can run over (``type`` is what a subscription's ``instrument``
    names: STK, ETF.EQ.US, FUT.US ...)."""

    type: str
    name: str
    filters: tuple[str, ...] = ()  # the filter ids that apply to it
    sec_type: str | None = None


@dataclass(frozen=True, slots=True)
class ScanLocation:
    """A location code (STK.US.MAJOR ...), where it sits in the tree and what it holds."""

    code: str
    name: str
    instruments: tuple[str, ...] = ()
    parent: str | None = None
    route_exchange: str | None = None


@dataclass(frozen=True, slots=True)
class ScanCode:
    """A scan (TOP_PERC_GAIN ...), the instrument types it runs over and the column it ranks by."""

    code: str
    name: str
    instruments: tuple[str, ...] = ()
    column: str | None = None  # the displayed value's name (e.g. "Change %")


@dataclass(frozen=True, slots=True)
class ScanFilter:
    """A filter: its ``id`` and the tags a subscription's filter options use for it (``codes``,
    e.g. ("priceAbove", "priceBelow") for PRICE), with how their values read."""

    id: str
    name: str
    category: str | None = None
    codes: tuple[str, ...] = ()
    value_type: str | None = None  # double, int, boolean, string ...


@dataclass(slots=True)
class ScannerParameters:
    """SCANNER_PARAMETERS parsed: every instrument type, location, scan code and filter, and the
    raw ``xml``."""

    xml: str
    instruments: list[ScanInstrument] = field(default_factory=list)
    locations: list[ScanLocation] = field(default_factory=list)
    scan_codes: list[ScanCode] = field(default_factory=list)
    filters: list[ScanFilter] = field(default_factory=list)

    def scan_code(self, code: str) -> ScanCode | None:
        return next((s for s in self.scan_codes if s.code == code), None)

    def location(self, code: str) -> ScanLocation | None:
        return next((loc for loc in self.locations if loc.code == code), None)

    def instrument(self, type_: str) -> ScanInstrument | None:
        return next((i for i in self.instruments if i.type == type_), None)

    def filter_codes(self) -> dict[str, ScanFilter]:
        """Every filter-option tag (priceAbove ...) -> the filter it belongs to."""
        return {code: f for f in self.filters for code in f.codes}


def _text(el: ET.Element, tag: str) -> str | None:
    found = el.find(tag)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _locations(tree: ET.Element, parent: str | None, out: list[ScanLocation]) -> None:
    for loc in tree.findall("Location"):
        code = _text(loc, "locationCode")
        if code is None:
            continue
        out.append(ScanLocation(code, _text(loc, "displayName") or code,
                                _list(_text(loc, "instruments")), parent,
                                _text(loc, "routeExchange")))
        sub = loc.find("LocationTree")
        if sub is not None:
            _locations(sub, code, out)


def parse_scanner_parameters(xml: str) -> ScannerParameters:
    """Read TWS's scanner parameters document; raises :class:`ScannerParametersError` when it is
    not well-formed XML."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ScannerParametersError(f"the scanner parameters are not well-formed XML: {exc}") \
            from None
    out = ScannerParameters(xml)
    for inst in root.iter("Instrument"):
        type_ = _text(inst, "type")
        if type_ is None:
            continue
        out.instruments.append(ScanInstrument(type_, _text(inst, "name") or type_,
                                              _list(_text(inst, "filters")),
                                              _text(inst, "secType")))
    for tree in root.findall("LocationTree"):
        _locations(tree, None, out.locations)
    for scan in root.iter("ScanType"):
        code = _text(scan, "scanCode")
        if code is None:
            continue
        column = None
        for col in scan.iter("Column"):
            column = _text(col, "name")
            if column:
                break
        out.scan_codes.append(ScanCode(code, _text(scan, "displayName") or code,
                                       _list(_text(scan, "instruments")), column))
    filters = root.find("FilterList")
    if filters is not None:
        for f in filters:
            id_ = _text(f, "id")
            if id_ is None:
                continue
            codes: list[str] = []
            value_type = None
            for fld in f.iter("AbstractField"):
                code = _text(fld, "code")
                if code is not None:
                    codes.append(code)
                    value_type = value_type or fld.get("type")
            out.filters.append(ScanFilter(id_, _text(f, "displayName") or id_,
                                          _text(f, "category"), tuple(codes), value_type))
    return out
