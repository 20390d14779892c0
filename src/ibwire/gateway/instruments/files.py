"""The instrument files: the shipped ``data/`` tables of stocks and ETFs, indices and currency
pairs (their README says where each column's facts come from), and a user's stocks CSV in the
format of ``data/stocks.csv`` (:func:`load_stocks`). A bad row raises
:class:`InstrumentFileError` naming the file and the line."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from ..rules import BANDED_RULES, EURONEXT_RULE, XETRA_RULE, increment_at
from .model import STK_EXCHANGES, Instrument, exchange_alias, stable_con_id


class InstrumentFileError(ValueError):
    """A bad row in an instrument CSV: the message names the file and the line."""


_FX_ORDER_TYPES = ("ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASH,COND,CONDORDER,DAY,"
                   "DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,"
                   "STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF")
_IND_ORDER_TYPES = "ALERT"  # an index is quoted, not traded


@dataclass(frozen=True, slots=True)
class _Venue:
    """What a stock's listing exchange implies: session class, time zone, routing."""

    hours: str
    time_zone_id: str
    valid_exchanges: str
    market_rule: str = "26"


_US_VENUE = _Venue("stock", "US/Eastern", STK_EXCHANGES)
_VENUES: dict[str, _Venue] = {
    "NASDAQ": _US_VENUE, "NYSE": _US_VENUE, "ARCA": _US_VENUE, "BATS": _US_VENUE,
    "AMEX": _US_VENUE, "IEX": _US_VENUE,
    "TSE": _Venue("tsx", "America/Toronto", "SMART,TSE,ALPHA,CHIXCA,OMEGA,PURE", "1"),
    "IBIS": _Venue("xetra", "MET", "SMART,IBIS,FWB,SWB,GETTEX,TGATE", str(XETRA_RULE)),
    "AEB": _Venue("euronext", "MET", "SMART,AEB,BATEEN,CHIXEN,TRQXEN", str(EURONEXT_RULE)),
}

_STOCK_TYPES = ("COMMON", "ETF", "ADR", "REIT", "PREFERRED", "ETN", "CLOSED-END FUND", "MLP")
_REQUIRED = ("symbol", "exchange", "currency", "price")


def isin_valid(isin: str) -> bool:
    """Whether ``isin`` is two letters, nine alphanumerics and a correct check digit."""
    if len(isin) != 12 or not isin[:2].isalpha() or not isin[:11].isalnum() \
            or not isin[11].isdigit():
        return False
    digits = "".join(str(int(ch, 36)) for ch in isin[:11].upper())
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(isin[11])


def read_csv(text: str, where: str) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` for each data row (blank lines and ``#`` comments skipped)."""
    lines = text.splitlines()
    body = [(n, line) for n, line in enumerate(lines, 1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        return
    header_no, header = body[0]
    reader = csv.reader([line for _, line in body])
    names = [h.strip().lower() for h in next(reader)]
    if len(set(names)) != len(names):
        raise InstrumentFileError(f"{where}:{header_no}: a column name repeats: {header}")
    for (n, _line), values in zip(body[1:], reader, strict=True):
        if len(values) > len(names):
            raise InstrumentFileError(f"{where}:{n}: {len(values)} fields but the header has "
                                      f"{len(names)} columns")
        yield n, {k: v.strip() for k, v in zip(names, values, strict=False)}


def _num(row: dict[str, str], key: str, where: str, *, integer: bool = False,
         positive: bool = True) -> float | None:
    raw = row.get(key, "")
    if raw == "":
        return None
    try:
        value = float(int(raw)) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise InstrumentFileError(f"{where}: {key} must be {kind}, not {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise InstrumentFileError(f"{where}: {key} must be {'positive' if positive else '>= 0'}"
                                  f", not {raw!r}")
    return value


def stock_from_row(row: dict[str, str], where: str) -> Instrument:
    """One row of a stocks CSV (the format of the shipped ``data/stocks.csv``) as an instrument.

    ``symbol``, ``exchange`` (a listing exchange: NASDAQ, NYSE, ARCA, BATS, AMEX, IEX, TSE, IBIS
    or AEB), ``currency`` and ``price`` are required; ``con_id`` (default: :func:`stable_con_id`),
    ``long_name``, ``industry``, ``category``, ``subcategory``, ``isin`` (checked),
    ``stock_type`` (COMMON, ETF, ...), ``volatility`` (log standard deviation per half hour),
    ``volume`` (typical shares per half hour) and ``min_tick`` (default: the increment the
    venue's market rule gives at ``price``, 0.01 for US stocks) are optional.
    Raises :class:`InstrumentFileError` naming ``where`` (``file:line``).
    """
    for key in _REQUIRED:
        if not row.get(key):
            raise InstrumentFileError(f"{where}: the {key} column is empty")
    symbol = row["symbol"].upper()
    exchange = exchange_alias(row["exchange"])
    venue = _VENUES.get(exchange)
    if venue is None:
        raise InstrumentFileError(f"{where}: unknown exchange {row['exchange']!r}; known: "
                                  f"{', '.join(_VENUES)}")
    currency = row["currency"].upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InstrumentFileError(f"{where}: currency must be three letters, not "
                                  f"{row['currency']!r}")
    price = _num(row, "price", where)
    assert price is not None
    con_id = _num(row, "con_id", where, integer=True)
    if con_id is not None and con_id >= 2**31:
        raise InstrumentFileError(f"{where}: con_id must be below 2**31, not {row['con_id']}")
    isin = row.get("isin", "").upper()
    if isin and not isin_valid(isin):
        raise InstrumentFileError(f"{where}: {isin!r} is not a valid ISIN (check digit)")
    stock_type = (row.get("stock_type") or "COMMON").upper()
    if stock_type not in _STOCK_TYPES:
        raise InstrumentFileError(f"{where}: unknown stock_type {stock_type!r}; known: "
                                  f"{', '.join(_STOCK_TYPES)}")
    vol = _num(row, "volatility", where)
    volume = _num(row, "volume", where, integer=True, positive=False)
    tick = _num(row, "min_tick", where)
    if tick is None:  # the increment the venue's market rule gives at the price
        bands = BANDED_RULES.get(int(venue.market_rule))
        tick = increment_at(bands, price) if bands is not None else 0.01
        price = round(round(price / tick) * tick, 10)  # a price level on that grid
    nms = exchange == "NASDAQ"
    return Instrument(
        con_id=int(con_id) if con_id is not None
        else stable_con_id("STK", symbol, exchange, currency),
        symbol=symbol, sec_type="STK", exchange=exchange, currency=currency,
        local_symbol=symbol, trading_class="NMS" if nms else symbol,
        long_name=row.get("long_name") or symbol, min_tick=tick, base_price=price,
        industry=row.get("industry", ""), category=row.get("category", ""),
        subcategory=row.get("subcategory", ""), time_zone_id=venue.time_zone_id,
        hours=venue.hours, valid_exchanges=venue.valid_exchanges,
        market_rule_ids=",".join([venue.market_rule] * len(venue.valid_exchanges.split(","))),
        stock_type=stock_type, isin=isin or None, market_name="NMS" if nms else symbol,
        volatility=vol if vol is not None else 0.004,
        block_volume=int(volume) if volume is not None else 400_000,
    )


def load_stocks(path: str | os.PathLike[str]) -> list[Instrument]:
    """The instruments of a stocks CSV file (see :func:`stock_from_row`); a bad row raises
    :class:`InstrumentFileError` naming the file and the line."""
    name = os.fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InstrumentFileError(f"{name}: cannot read the instrument file: "
                                  f"{exc.strerror or exc}") from None
    return _stocks(text, name)


def _stocks(text: str, name: str) -> list[Instrument]:
    out: list[Instrument] = []
    for n, row in read_csv(text, name):
        out.append(stock_from_row(row, f"{name}:{n}"))
    return out


def data_text(name: str) -> str:
    """The text of the shipped data file ``name`` (``ibwire/gateway/data/``)."""
    return resources.files("ibwire.gateway").joinpath("data", name) \
        .read_text(encoding="utf-8")


def _pair_from_row(row: dict[str, str], where: str) -> Instrument:
    base, quote = row["symbol"].upper(), row["currency"].upper()
    pair = f"{base}.{quote}"
    price = _num(row, "price", where)
    tick = _num(row, "min_tick", where)
    assert price is not None and tick is not None
    con_id = _num(row, "con_id", where, integer=True)
    return Instrument(
        con_id=int(con_id) if con_id else stable_con_id("CASH", base, "IDEALPRO", quote),
        symbol=base, sec_type="CASH", exchange="IDEALPRO", currency=quote,
        local_symbol=pair, trading_class=pair, long_name=row["long_name"], min_tick=tick,
        base_price=price, time_zone_id="US/Eastern", hours="fx", valid_exchanges="IDEALPRO",
        order_types=_FX_ORDER_TYPES, market_rule_ids="240" if tick >= 0.001 else "239",
        min_size=Decimal(1), size_increment=Decimal(1), suggested_size_increment=Decimal(1),
        stock_type=None, market_name=pair, volatility=0.0012, block_volume=0, lot=1_000_000,
    )


def _index_from_row(row: dict[str, str], where: str) -> Instrument:
    symbol, exchange, currency = row["symbol"].upper(), row["exchange"].upper(), \
        row["currency"].upper()
    price = _num(row, "price", where)
    tick = _num(row, "min_tick", where)
    vol = _num(row, "volatility", where)
    assert price is not None and tick is not None and vol is not None
    con_id = _num(row, "con_id", where, integer=True)
    return Instrument(
        con_id=int(con_id) if con_id else stable_con_id("IND", symbol, exchange, currency),
        symbol=symbol, sec_type="IND", exchange=exchange, currency=currency,
        local_symbol=symbol, trading_class=symbol, long_name=row["long_name"], min_tick=tick,
        base_price=price, time_zone_id=row["time_zone_id"], hours="index",
        valid_exchanges=exchange, order_types=_IND_ORDER_TYPES, market_rule_ids="109",
        min_size=Decimal(1), size_increment=Decimal(1), suggested_size_increment=Decimal(1),
        stock_type=None, market_name=symbol, volatility=vol, block_volume=0, lot=1,
    )


@cache
def shipped_instruments() -> tuple[Instrument, ...]:
    """Stocks and ETFs, indices and currency pairs of the shipped data files."""
    out = _stocks(data_text("stocks.csv"), "stocks.csv")
    for n, row in read_csv(data_text("indices.csv"), "indices.csv"):
        out.append(_index_from_row(row, f"indices.csv:{n}"))
    for n, row in read_csv(data_text("fx.csv"), "fx.csv"):
        out.append(_pair_from_row(row, f"fx.csv:{n}"))
    return tuple(out)
