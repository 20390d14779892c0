"""The paper gateway's market scanners: the parameters document and scans over the instrument table.

Pure functions of the instrument table and the market (no I/O, no clock of their own): the gateway
passes the market whose quotes its clients see, so a scan ranks exactly by the values those quotes
show -- TOP_PERC_GAIN by ``(last - close) / close``, the LAST and CLOSE ticks of REQ_MKT_DATA.

The parameters document (:func:`parameters_xml`) has TWS's layout (``InstrumentList``, a nested
``LocationTree``, ``ScanTypeList``, ``FilterList``) and lists what this gateway can scan: US stocks
and ETFs by listing exchange, Canadian and German stocks, US futures; the scans and filters of
:data:`SCANS` and :data:`FILTERS`. A scan over options (HIGH_OPT_IMP_VOLAT ...) is not offered:
the instrument table has no options.

A request is checked against the same tables (:func:`query`): an unknown scan code, instrument,
location or filter, or a legacy filter that cannot apply (market cap, ratings, maturities,
coupons, option volume), is refused with the reason, never ignored.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..models.scanner import ScannerSubscription
from ..protocol.codec import TagValue
from .calendar import Calendar
from .instruments import Instrument
from .market import Market, Quote

__all__ = ["SCANS", "FILTERS", "LOCATIONS", "INSTRUMENT_TYPES", "MAX_ROWS", "ScanError",
           "ScanQuery", "parameters_xml", "query", "run", "Metrics", "metrics"]

MAX_ROWS = 50
"""TWS returns at most 50 rows per scan (and 50 when the request does not say)."""


class ScanError(ValueError):
    """A scanner request this gateway refuses; the text says why."""


# --- what can be scanned ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class InstrumentType:
    type: str
    name: str
    sec_type: str
    member: Callable[[Instrument], bool]


def _us_stock(i: Instrument) -> bool:
    return i.sec_type == "STK" and i.currency == "USD"


INSTRUMENT_TYPES: tuple[InstrumentType, ...] = (
    InstrumentType("STK", "US Stocks", "STK", _us_stock),
    InstrumentType("ETF.EQ.US", "US Equity ETFs", "STK",
                   lambda i: _us_stock(i) and i.stock_type == "ETF"),
    InstrumentType("STOCK.NA", "Canadian Stocks", "STK",
                   lambda i: i.sec_type == "STK" and i.currency == "CAD"),
    InstrumentType("STOCK.EU", "European Stocks", "STK",
                   lambda i: i.sec_type == "STK" and i.currency == "EUR"),
    InstrumentType("FUT.US", "US Futures", "FUT", lambda i: i.sec_type == "FUT"),
)


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    name: str
    instruments: tuple[str, ...]
    exchanges: tuple[str, ...] = ()  # listing exchanges it holds (empty: its children's)
    route: str = "SMART"
    children: tuple[Location, ...] = ()

    def all_exchanges(self) -> set[str]:
        out = set(self.exchanges)
        for c in self.children:
            out |= c.all_exchanges()
        return out

    def walk(self) -> Iterable[Location]:
        yield self
        for c in self.children:
            yield from c.walk()


def _leaf(code: str, name: str, instruments: tuple[str, ...], exchange: str,
          route: str = "SMART") -> Location:
    return Location(code, name, instruments, (exchange,), route)


_US = ("STK", "ETF.EQ.US")
LOCATIONS: tuple[Location, ...] = (
    Location("STK.US", "US Stocks", _US, children=(
        Location("STK.US.MAJOR", "Listed/NASDAQ", _US, children=(
            _leaf("STK.NYSE", "NYSE", _US, "NYSE"),
            _leaf("STK.NASDAQ", "NASDAQ", _US, "NASDAQ"),
            _leaf("STK.ARCA", "NYSE Arca", _US, "ARCA"),
            _leaf("STK.AMEX", "NYSE American", _US, "AMEX"),
            _leaf("STK.BATS", "Cboe BZX", _US, "BATS"),
        )),
        Location("STK.US.MINOR", "US OTC", _US, ("PINK",)),
    )),
    Location("STK.NA", "North American Stocks", ("STOCK.NA",), children=(
        Location("STK.NA.CANADA", "Canada", ("STOCK.NA",), children=(
            _leaf("STK.NA.TSE", "Toronto Stock Exchange", ("STOCK.NA",), "TSE"),
        )),
    )),
    Location("STK.EU", "European Stocks", ("STOCK.EU",), children=(
        _leaf("STK.EU.IBIS", "Xetra", ("STOCK.EU",), "IBIS"),
    )),
    Location("FUT.US", "US Futures", ("FUT.US",), route="", children=(
        _leaf("FUT.CME", "CME", ("FUT.US",), "CME", ""),
        _leaf("FUT.CBOT", "CBOT", ("FUT.US",), "CBOT", ""),
        _leaf("FUT.NYMEX", "NYMEX", ("FUT.US",), "NYMEX", ""),
        _leaf("FUT.COMEX", "COMEX", ("FUT.US",), "COMEX", ""),
        _leaf("FUT.CFE", "CFE", ("FUT.US",), "CFE", ""),
    )),
)


def _find_location(code: str) -> Location | None:
    for root in LOCATIONS:
        for loc in root.walk():
            if loc.code == code:
                return loc
    return None


# --- per-instrument values -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Metrics:
    """What scans rank and filters test, from the quote a client sees now."""

    inst: Instrument
    quote: Quote
    change_pct: float  # (last - close) / close, in percent
    open_change_pct: float  # (last - open) / open
    gap_pct: float  # (open - close) / close
    volume: float
    dollar_volume: float
    avg_volume: float  # a typical whole session
    volume_rate: float  # volume so far / what a typical session has traded by now

    @property
    def price(self) -> float:
        return self.quote.last


def _pct(a: float, b: float) -> float:
    return (a - b) / b * 100.0 if b else 0.0


def metrics(market: Market, inst: Instrument) -> Metrics:
    q = market.quote(inst.con_id)
    cal = Calendar.of(inst.hours)
    now = market.step_second
    session = cal.session_at(now) or cal.previous_session(now)
    length = (session.close - session.open) if session is not None else 23400
    elapsed = min(max(now - session.open, 1), length) if session is not None else length
    avg = float(inst.block_volume) * length / 1800.0
    expected = avg * elapsed / length
    volume = float(q.volume)
    return Metrics(inst, q, _pct(q.last, q.close), _pct(q.last, q.open), _pct(q.open, q.close),
                   volume, volume * q.last * inst.multiplier_value, avg,
                   volume / expected if expected else 0.0)


# --- scans and filters ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scan:
    code: str
    name: str
    column: str
    key: Callable[[Metrics], float]
    descending: bool = True
    keep: Callable[[Metrics], bool] = lambda m: True


SCANS: dict[str, Scan] = {s.code: s for s in (
    Scan("TOP_PERC_GAIN", "Top % Gainers", "Change %", lambda m: m.change_pct,
         keep=lambda m: m.change_pct > 0),
    Scan("TOP_PERC_LOSE", "Top % Losers", "Change %", lambda m: m.change_pct, descending=False,
         keep=lambda m: m.change_pct < 0),
    Scan("MOST_ACTIVE", "Most Active", "Volume", lambda m: m.volume),
    Scan("MOST_ACTIVE_USD", "Most Active ($)", "Dollar Volume", lambda m: m.dollar_volume),
    Scan("HOT_BY_VOLUME", "Hot Contracts by Volume", "Volume Rate", lambda m: m.volume_rate),
    Scan("TOP_OPEN_PERC_GAIN", "Top % Gainers Since Open", "Change Since Open %",
         lambda m: m.open_change_pct, keep=lambda m: m.open_change_pct > 0),
    Scan("TOP_OPEN_PERC_LOSE", "Top % Losers Since Open", "Change Since Open %",
         lambda m: m.open_change_pct, descending=False, keep=lambda m: m.open_change_pct < 0),
    Scan("HIGH_OPEN_GAP", "Top Close-to-Open % Gainers", "Gap %", lambda m: m.gap_pct,
         keep=lambda m: m.gap_pct > 0),
    Scan("LOW_OPEN_GAP", "Top Close-to-Open % Losers", "Gap %", lambda m: m.gap_pct,
         descending=False, keep=lambda m: m.gap_pct < 0),
)}
"""Every scan code this gateway runs, by code."""


@dataclass(frozen=True, slots=True)
class Filter:
    id: str
    name: str
    category: str
    value: Callable[[Metrics], float]
    codes: tuple[str, str]  # (above, below) filter-option tags
    field_type: str = "scanner.filter.DoubleField"


FILTERS: tuple[Filter, ...] = (
    Filter("PRICE", "Price", "Price", lambda m: m.price, ("priceAbove", "priceBelow")),
    Filter("CHANGEPERC", "Change %", "Price", lambda m: m.change_pct,
           ("changePercAbove", "changePercBelow")),
    Filter("CHANGEOPENPERC", "Change Since Open %", "Price", lambda m: m.open_change_pct,
           ("changeOpenPercAbove", "changeOpenPercBelow")),
    Filter("OPENGAPPERC", "Opening Gap %", "Price", lambda m: m.gap_pct,
           ("openGapPercAbove", "openGapPercBelow")),
    Filter("VOLUME", "Volume", "Volume", lambda m: m.volume, ("volumeAbove", "volumeBelow"),
           "scanner.filter.IntField"),
    Filter("AVGVOLUME", "Average Volume", "Volume", lambda m: m.avg_volume,
           ("avgVolumeAbove", "avgVolumeBelow"), "scanner.filter.IntField"),
    Filter("USDVOLUME", "Dollar Volume", "Volume", lambda m: m.dollar_volume,
           ("usdVolumeAbove", "usdVolumeBelow")),
)
"""Every range filter, with its two filter-option tags."""

STOCK_TYPES = ("ALL", "CORP", "ADR", "ETF", "REIT", "CEF")
"""Values of the ``stkTypes`` filter option (and of a subscription's ``stock_type_filter``)."""


def _stock_type_ok(inst: Instrument, wanted: str) -> bool:
    if wanted in ("", "ALL"):
        return True
    st = (inst.stock_type or "COMMON").upper()
    if wanted == "CORP":
        return st in ("COMMON", "CORP")
    return st == wanted


# --- the parameters document -------------------------------------------------------------------------

def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, tag, attrs)
    if text is not None:
        e.text = text
    return e


def _location_xml(parent: ET.Element, loc: Location) -> None:
    e = _el(parent, "Location")
    _el(e, "displayName", loc.name)
    _el(e, "locationCode", loc.code)
    _el(e, "instruments", ",".join(loc.instruments))
    _el(e, "routeExchange", loc.route)
    _el(e, "delayedOnly", "false")
    if loc.children:
        tree = _el(e, "LocationTree")
        for c in loc.children:
            _location_xml(tree, c)


def parameters_xml() -> str:
    """The scanner parameters document (SCANNER_PARAMETERS), well-formed XML."""
    root = ET.Element("ScanParameterResponse")
    instruments = _el(root, "InstrumentList", varName="instrumentList")
    filter_ids = ",".join([f.id for f in FILTERS] + ["STKTYPES"])
    for it in INSTRUMENT_TYPES:
        e = _el(instruments, "Instrument")
        _el(e, "name", it.name)
        _el(e, "type", it.type)
        _el(e, "secType", it.sec_type)
        _el(e, "filters", filter_ids if it.sec_type == "STK" else
            ",".join(f.id for f in FILTERS))
    tree = _el(root, "LocationTree", varName="locationTree")
    for loc in LOCATIONS:
        _location_xml(tree, loc)
    scans = _el(root, "ScanTypeList", varName="scanTypeList")
    all_types = ",".join(it.type for it in INSTRUMENT_TYPES)
    for s in SCANS.values():
        e = _el(scans, "ScanType")
        _el(e, "displayName", s.name)
        _el(e, "scanCode", s.code)
        _el(e, "instruments", all_types)
        _el(e, "absoluteColumns", "false")
        cols = _el(e, "Columns", varName="columns")
        col = _el(cols, "Column")
        _el(col, "colId", s.code)
        _el(col, "name", s.column)
        _el(col, "display", "true")
    filters = _el(root, "FilterList", varName="filterList")
    for f in FILTERS:
        e = _el(filters, "RangeFilter")
        _el(e, "id", f.id)
        _el(e, "category", f.category)
        _el(e, "displayName", f.name)
        _el(e, "access", "unrestricted")
        fields = _el(e, "AbstractField", type="scanner.filter.RangeField")
        for code, side in zip(f.codes, ("Above", "Below")):
            af = _el(fields, "AbstractField", type=f.field_type)
            _el(af, "code", code)
            _el(af, "displayName", f"{f.name} {side}")
            _el(af, "varName", code)
    e = _el(filters, "SimpleFilter")
    _el(e, "id", "STKTYPES")
    _el(e, "category", "Stock Type")
    _el(e, "displayName", "Stock Types")
    _el(e, "access", "unrestricted")
    af = _el(e, "AbstractField", type="scanner.filter.ComboField")
    _el(af, "code", "stkTypes")
    _el(af, "displayName", "Stock Type")
    values = _el(af, "ComboValues")
    for v in STOCK_TYPES:
        cv = _el(values, "ComboValue")
        _el(cv, "code", v)
        _el(cv, "displayName", v)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


# --- a request, checked -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ScanQuery:
    """A checked scanner request: what to rank, over which instruments, with which bounds."""

    scan: Scan
    instrument: InstrumentType
    exchanges: frozenset[str]
    rows: int
    bounds: tuple[tuple[Filter, float | None, float | None], ...] = ()
    stock_type: str = ""
    extra: dict[str, str] = field(default_factory=dict)


_UNSUPPORTED_LEGACY = ("market_cap_above", "market_cap_below", "moody_rating_above",
                       "moody_rating_below", "sp_rating_above", "sp_rating_below",
                       "maturity_date_above", "maturity_date_below", "coupon_rate_above",
                       "coupon_rate_below", "average_option_volume_above")


def _number(tag: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ScanError(f"filter {tag}: {text!r} is not a number") from None


def query(sub: ScannerSubscription, filter_options: Sequence[TagValue]) -> ScanQuery:
    """Check a scanner subscription against what this gateway offers; :class:`ScanError` if not."""
    code = (sub.scan_code or "").strip().upper()
    scan = SCANS.get(code)
    if scan is None:
        raise ScanError(f"Invalid scan code '{sub.scan_code or ''}' (this gateway runs "
                        f"{', '.join(SCANS)})")
    type_ = (sub.instrument or "").strip().upper()
    inst_type = next((it for it in INSTRUMENT_TYPES if it.type == type_), None)
    if inst_type is None:
        raise ScanError(f"Invalid instrument '{sub.instrument or ''}' (this gateway offers "
                        f"{', '.join(it.type for it in INSTRUMENT_TYPES)})")
    loc_code = (sub.location_code or "").strip().upper()
    loc = _find_location(loc_code)
    if loc is None:
        raise ScanError(f"Invalid location code '{sub.location_code or ''}'")
    if inst_type.type not in loc.instruments:
        raise ScanError(f"Location {loc.code} does not hold instrument {inst_type.type} "
                        f"(it holds {', '.join(loc.instruments)})")
    for name in _UNSUPPORTED_LEGACY:
        if getattr(sub, name) is not None:
            raise ScanError(f"Unsupported filter {name} (this gateway has no such data)")
    rows = sub.number_of_rows
    rows = MAX_ROWS if rows is None or rows <= 0 else min(rows, MAX_ROWS)
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    if sub.above_price is not None:
        lo["PRICE"] = sub.above_price
    if sub.below_price is not None:
        hi["PRICE"] = sub.below_price
    if sub.above_volume is not None:
        lo["VOLUME"] = float(sub.above_volume)
    stock_type = (sub.stock_type_filter or "").strip().upper()
    by_code = {c: (f, i) for f in FILTERS for i, c in enumerate(f.codes)}
    for tv in filter_options:
        tag, value = tv.tag.strip(), tv.value.strip()
        if tag == "stkTypes":
            stock_type = value.upper()
            continue
        hit = by_code.get(tag)
        if hit is None:
            raise ScanError(f"Unknown filter '{tag}' (this gateway's filters: "
                            f"{', '.join(sorted(by_code))}, stkTypes)")
        f, side = hit
        if value == "":
            continue
        (lo if side == 0 else hi)[f.id] = _number(tag, value)
    if stock_type and stock_type not in STOCK_TYPES:
        raise ScanError(f"Invalid stock type '{stock_type}' ({', '.join(STOCK_TYPES)})")
    if stock_type and inst_type.sec_type != "STK":
        raise ScanError(f"stock types apply to stocks, not {inst_type.type}")
    bounds = tuple((f, lo.get(f.id), hi.get(f.id)) for f in FILTERS
                   if f.id in lo or f.id in hi)
    return ScanQuery(scan, inst_type, frozenset(loc.all_exchanges()), rows, bounds, stock_type)


def _passes(q: ScanQuery, m: Metrics) -> bool:
    for f, lo, hi in q.bounds:
        v = f.value(m)
        if lo is not None and v < lo:
            return False
        if hi is not None and v > hi:
            return False
    return q.scan.keep(m)


def candidates(instruments: Iterable[Instrument], q: ScanQuery) -> list[Instrument]:
    """The instruments ``q`` looks at: its location's exchanges, its instrument type and stock
    type (what its filters and ranking then need quotes for)."""
    return [inst for inst in instruments
            if inst.exchange in q.exchanges and q.instrument.member(inst)
            and (not q.stock_type or _stock_type_ok(inst, q.stock_type))]


def run(market: Market, instruments: Iterable[Instrument], q: ScanQuery) -> list[Metrics]:
    """The ranked rows of ``q`` now (ties in symbol order): best first, at most ``q.rows``."""
    found: list[Metrics] = []
    for inst in candidates(instruments, q):
        m = metrics(market, inst)
        if _passes(q, m):
            found.append(m)
    sign = -1.0 if q.scan.descending else 1.0
    found.sort(key=lambda m: (sign * q.scan.key(m), m.inst.symbol, m.inst.con_id))
    return found[:q.rows]
