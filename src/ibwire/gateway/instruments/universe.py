"""The universe of a market date: the shipped instruments with the futures months listed that
day (:func:`builtin_table`), optionally extended by a user's stocks CSV or instruments
(:func:`universe`), and :func:`resolve` over it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Union

from ...models.contract import Contract
from .files import load_stocks, shipped_instruments
from .futures import expired_months, future_instrument, future_specs, listed_months
from .model import Instrument
from .table import InstrumentTable


@lru_cache(maxsize=16)
def builtin_table(on: date) -> InstrumentTable:
    """The shipped universe as it trades on market date ``on``: every stock, ETF, index and pair,
    and the futures months listed that day (contracts that expired in the 15 months before are
    kept for con id lookups, e.g. positions in a state file, but no longer resolve by symbol)."""
    futures: list[Instrument] = []
    expired: list[Instrument] = []
    for spec in future_specs():
        futures += [future_instrument(spec, y, m) for y, m in listed_months(spec, on)]
        expired += [future_instrument(spec, y, m) for y, m in expired_months(spec, on)]
    return InstrumentTable(shipped_instruments() + tuple(futures), expired=expired)


InstrumentSource = Union[str, "os.PathLike[str]", Iterable["Instrument"]]


def universe(on: date | datetime | None = None, extra: InstrumentSource | None = None
             ) -> InstrumentTable:
    """The instrument table on market date ``on`` (default: today, UTC): the shipped universe,
    with ``extra`` -- a stocks CSV path (the format of ``data/stocks.csv``) or instruments --
    added, or replacing the shipped instrument with the same con id, or with the same sec type,
    symbol, exchange and currency (which then keeps its con id unless the row gives one)."""
    base = builtin_table(_market_date(on))
    if extra is None:
        return base
    if isinstance(extra, (str, os.PathLike)):
        return base.extended(load_stocks(extra), os.fspath(extra))
    return base.extended(list(extra), "instruments")


def _market_date(on: date | datetime | None) -> date:
    if on is None:
        return datetime.now(UTC).date()
    if isinstance(on, datetime):
        return on.astimezone(UTC).date() if on.tzinfo is not None else on.date()
    return on


CLOCK_CLASSES = frozenset({"stock", "cme", "nymex", "fx", "cbot", "comex"})
"""Session classes the default ("open") market clock follows: the US stock day, the Globex
futures (CBOT and COMEX trade CME's hours) and IDEALPRO -- the band is what it was before the
universe grew. Classes with shorter days (cash indices, Toronto and European stocks) and CFE (on
NYSE's holiday calendar, with its own early closes) are left out, or the open band would shrink to
their common hours."""


def clock_classes(instruments: Iterable[Instrument]) -> set[str]:
    """The session classes of ``instruments`` that the open market clock follows."""
    return {inst.hours for inst in instruments if inst.hours in CLOCK_CLASSES} or {"stock"}


def resolve(contract: Contract, table: InstrumentTable | None = None) -> list[Instrument]:
    """The instruments ``contract`` describes, in table order.

    A con id decides alone. Otherwise the symbol (or the local symbol) must match and every other
    field that is set must agree: sec type, currency, exchange (SMART matches stocks; an exchange
    matches its listing exchange or one of its valid exchanges), primary exchange, the expiry (a
    ``YYYYMM`` month or a ``YYYYMMDD`` prefix of the last trade date), local symbol, trading class,
    multiplier. ``[]`` means unknown; more than one means ambiguous (e.g. ``Future("ES")``).
    """
    return (table or universe()).resolve(contract)


def table_of(instruments: InstrumentTable | Sequence[Instrument] | None,
             on: date | datetime | None = None) -> InstrumentTable:
    """``instruments`` as an :class:`InstrumentTable` (None = the built-in universe on market
    date ``on``, see :func:`universe`)."""
    if instruments is None:
        return universe(on)
    if isinstance(instruments, InstrumentTable):
        return instruments
    return InstrumentTable(instruments)
