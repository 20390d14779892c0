"""The paper gateway's instrument universe: what it trades, and how a request's contract finds it.

The universe lives in data files shipped in the package (``data/``; its README says where each
column's facts come from): ``stocks.csv`` (the S&P 500 and Nasdaq-100 members, the most traded US
ETFs and a few listings of the same symbols in Toronto, Frankfurt and Amsterdam), ``indices.csv``,
``fx.csv`` (every G10 pair on IDEALPRO and common crosses) and ``futures.csv`` (CME, CBOT, NYMEX,
COMEX and CFE products with their month cycles and last-trade rules, from which the listed months
of a market date are generated). :func:`universe` builds the table of a market date, optionally
extended by a user's stocks CSV or instruments.

* :func:`resolve` turns a request's (possibly partial) :class:`~ibwire.models.Contract` into the
  matching instruments: ``[]`` when none match (the session answers 200 "No security definition has
  been found for the request"), several when the contract is ambiguous (a future without a month,
  a stock listed on several exchanges or in several currencies when those are not given). A
  CONTFUT contract resolves to the front month.
* :func:`to_contract` gives the fully qualified contract, :func:`to_details` the
  :class:`~ibwire.models.market.ContractDetails`.

Con ids: those users hard-code (AAPL 265598, SPY 756733, EUR.USD 12087792, ...) are kept in the
data files; every other instrument gets :func:`stable_con_id`, a hash of what identifies it.

Everything here is pure and synchronous; tables are immutable. The package holds:

* :mod:`.model` -- :class:`Instrument`, :func:`stable_con_id`, IB's exchange aliases;
* :mod:`.files` -- the shipped stocks, indices and currency pairs, and a user's stocks CSV;
* :mod:`.futures` -- the futures products and the months they list on a market date;
* :mod:`.table` -- :class:`InstrumentTable` and how a contract matches an instrument;
* :mod:`.universe` -- the table of a market date, :func:`resolve`, the market clock's classes;
* :mod:`.details` -- the qualified contract, the contract details and the session hours.
"""

from .details import session_hours, to_contract, to_details
from .files import InstrumentFileError, isin_valid, load_stocks, stock_from_row
from .futures import FutureSpec, future_instrument, future_specs, last_trade_date, listed_months, listing_date
from .model import Instrument, stable_con_id
from .table import InstrumentTable
from .universe import (
    CLOCK_CLASSES,
    InstrumentSource,
    builtin_table,
    clock_classes,
    resolve,
    table_of,
    universe,
)

__all__ = [
    "Instrument",
    "InstrumentTable",
    "InstrumentFileError",
    "InstrumentSource",
    "FutureSpec",
    "CLOCK_CLASSES",
    "builtin_table",
    "clock_classes",
    "future_instrument",
    "future_specs",
    "isin_valid",
    "last_trade_date",
    "listed_months",
    "listing_date",
    "load_stocks",
    "resolve",
    "stable_con_id",
    "stock_from_row",
    "to_contract",
    "to_details",
    "session_hours",
    "table_of",
    "universe",
]
