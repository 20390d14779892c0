"""Market depth, the depth exchanges and SMART's components, from the one price path.

REQ_MKT_DEPTH answers the whole book as inserts (top row first on each side), then, at every
market step, the row operations that turn the book the client has into the new one
(:func:`.ladder.diff`: updates in place, inserts and deletes at the end): MARKET_DEPTH_L2 for
SMART depth (each row naming its exchange, flagged ``isSmartDepth``) and for a stock's exchange
book (the rows name the exchange), MARKET_DEPTH (no market maker) for futures and currency pairs.
The book's top is the bid and ask the market-data ticks show at the same second (:mod:`.ladder`).
Below MARKET_DATA_IN_SHARES (159) stock sizes go out in round lots of 100, as the ticks do there.

TWS's answers where users meet them:

* 309 "Max number (3) of market depth requests has been reached" -- at most
  :data:`MAX_DEPTH_REQUESTS` books at a time over every client of the gateway (TWS's default
  allowance; the account's, not the connection's);
* 310 "Can't find the subscribed market depth with tickerId:N" -- a cancel of no book;
* 317 "Market depth data has been RESET. Please empty deep book contents before applying any new
  entries." -- when the quote jumped past the whole book (no price of either side is still in
  it), and on :func:`reset` (a fault hook): the client empties the book, the whole book follows
  as inserts;
* 10092 "Deep market data is not supported for this combination of security type/exchange" --
  an index (no order book);
* 322 for a request id already in use or an unknown BBO exchange code, 200 for an unknown or
  ambiguous contract.

REQ_MKT_DEPTH_EXCHANGES answers every (exchange, security type) of the instrument table with its
aggregation group (``Deep2``: market makers per level, the stock exchanges; ``Deep``: price
levels). REQ_SMART_COMPONENTS answers the exchanges behind the BBO exchange code TICK_REQ_PARAMS
names (``9c0001``: US stocks' SMART), with their bit and letter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models.depth import DepthMktDataDescription, SmartComponent
from ..protocol.messages.depth import (
    CancelMktDepth,
    MarketDepth,
    MarketDepthL2,
    MktDepthExchanges,
    ReqMktDepth,
    ReqMktDepthExchanges,
    ReqSmartComponents,
    SmartComponents,
)
from ..protocol.schema import Message
from ..protocol.versions import Feature, supports
from .instruments import Instrument
from .ladder import SMART_LETTERS, SMART_VENUES, Ladder, Op, Row, diff
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh", "reset", "MAX_DEPTH_REQUESTS", "BBO_EXCHANGE", "DEPTH_RESET_TEXT"]

MAX_DEPTH_REQUESTS = 3
"""Books open at a time over every client (TWS's default market depth allowance)."""

BBO_EXCHANGE = "9c0001"
"""The BBO exchange code TICK_REQ_PARAMS names for every instrument (SMART's US stock venues)."""

DEPTH_RESET_TEXT = ("Market depth data has been RESET. Please empty deep book contents before "
                    "applying any new entries.")

_UNSET_INT = 2**31 - 1
_MAX_ROWS = 100  # more rows a side than any real feed gives are capped here


@dataclass(slots=True)
class _Book:
    con_id: int
    ladder: Ladder
    l2: bool  # MARKET_DEPTH_L2 rows (else MARKET_DEPTH)
    smart: bool
    in_lots: bool  # stock sizes in round lots of 100 (server version < 159), as the ticks
    asks: list[Row] = field(default_factory=list)
    bids: list[Row] = field(default_factory=list)


def _books(session: Session) -> dict[int, _Book]:
    b = session.state.get("depth")
    if b is None:
        b = session.state["depth"] = {}
    assert isinstance(b, dict)
    return b


def _open_books(core: GatewayCore) -> int:
    return sum(len(s.state.get("depth") or {}) for s in core.sessions.values() if not s.closed)


def _rows_msg(req_id: int, book: _Book, side: int, op: Op, version: int) -> Message:
    r = op.row
    size = r.size // 100 if book.in_lots else r.size
    if book.l2:
        return MarketDepthL2(req_id=req_id, position=op.position, market_maker=r.market_maker or "",
                             operation=int(op.operation), side=side, price=r.price, size=size,
                             is_smart_depth=book.smart and supports(version, Feature.SMART_DEPTH))
    return MarketDepth(req_id=req_id, position=op.position, operation=int(op.operation), side=side,
                       price=r.price, size=size)


def _ladder(inst: Instrument, rows: int, smart: bool, exchange: str | None) -> tuple[Ladder, bool]:
    """The ladder of a request and whether its rows go out as MARKET_DEPTH_L2."""
    if smart:
        valid = [v for v in inst.valid_exchanges.split(",") if v and v != "SMART"]
        if inst.sec_type == "STK":
            venues = tuple(v for v in SMART_VENUES if v in valid)
        elif inst.sec_type == "OPT":
            venues = tuple(valid)  # the option exchanges SMART routes to
        else:
            venues = (inst.exchange,)
        return Ladder(inst, rows, venues or (inst.exchange,)), True
    if inst.sec_type == "STK":
        ex = (exchange or "").upper()
        mm = inst.exchange if ex in ("", "SMART") else ex
        return Ladder(inst, rows, market_maker=mm), True
    return Ladder(inst, rows), False


def _jumped(old: list[Row], new: list[Row]) -> bool:
    """The quote moved past the whole side: no price of the old rows is among the new ones."""
    return bool(old) and not {r.price for r in old} & {r.price for r in new}


def _update(session: Session, core: GatewayCore, req_id: int, book: _Book,
            reset_all: bool = False) -> None:
    """Send what changed in ``book`` since the client last heard (everything the first time)."""
    market = core.exchange.market
    bid, ask, _ = market.touch(book.con_id)
    bid_size, ask_size = market.touch_sizes(book.con_id)
    asks, bids = book.ladder.book(bid, ask, bid_size, ask_size, market.step_second)
    version = session.version
    if reset_all or _jumped(book.asks, asks) and _jumped(book.bids, bids):
        session.error(req_id, 317, DEPTH_RESET_TEXT)
        book.asks, book.bids = [], []
    ops_a, ops_b = diff(book.asks, asks), diff(book.bids, bids)
    book.asks, book.bids = asks, bids
    if ops_a or ops_b:
        # written at once: a read never ends half way through one change of the book
        session.send_all([*(_rows_msg(req_id, book, 0, op, version) for op in ops_a),
                          *(_rows_msg(req_id, book, 1, op, version) for op in ops_b)])


@handles(ReqMktDepth)
def _req_mkt_depth(session: Session, msg: ReqMktDepth) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    core = session.core
    books = _books(session)
    if req_id in books:
        session.error(req_id, 322, "Error processing request.-'bX' : cause - Duplicate ticker id")
        return
    found = core.exchange.resolve(msg.contract)
    if len(found) != 1:
        sym = msg.contract.symbol or msg.contract.local_symbol
        session.error(req_id, 200, "No security definition has been found for the request"
                      if not found else f"The contract description specified for {sym} is "
                                        "ambiguous.")
        return
    inst = found[0]
    if inst.sec_type == "IND":
        session.error(req_id, 10092, "Deep market data is not supported for this combination of "
                                     "security type/exchange")
        return
    if _open_books(core) >= MAX_DEPTH_REQUESTS:
        session.error(req_id, 309, f"Max number ({MAX_DEPTH_REQUESTS}) of market depth requests "
                                   "has been reached")
        return
    rows = msg.num_rows if msg.num_rows is not None else 0
    if rows < 1:
        session.error(req_id, 321, f"Error validating request.-'bX' : cause - Invalid number of "
                                   f"rows: {rows}")
        return
    if core.config.mode == "gateway":
        session.farm_notice("market")
    ladder, l2 = _ladder(inst, min(rows, _MAX_ROWS), bool(msg.is_smart_depth),
                         msg.contract.exchange)
    in_lots = inst.sec_type == "STK" and not supports(session.version,
                                                      Feature.MARKET_DATA_IN_SHARES)
    book = _Book(inst.con_id, ladder, l2, bool(msg.is_smart_depth), in_lots)
    books[req_id] = book
    _update(session, core, req_id, book)


@handles(CancelMktDepth)
def _cancel_mkt_depth(session: Session, msg: CancelMktDepth) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _books(session).pop(req_id, None) is None:
        session.error(req_id, 310, f"Can't find the subscribed market depth with tickerId:{req_id}")


@handles(ReqMktDepthExchanges)
def _req_mkt_depth_exchanges(session: Session, msg: ReqMktDepthExchanges) -> None:
    instruments = [i for i in session.core.exchange.instruments if i.sec_type != "IND"]
    listings = {(i.exchange, i.sec_type) for i in instruments}
    seen: dict[tuple[str, str], DepthMktDataDescription] = {}
    for inst in instruments:
        for ex in inst.valid_exchanges.split(","):
            if not ex or ex == "SMART" or (ex, inst.sec_type) in seen:
                continue
            stock = inst.sec_type == "STK"
            seen[(ex, inst.sec_type)] = DepthMktDataDescription(
                exchange=ex, sec_type=inst.sec_type,
                listing_exch=ex if stock and (ex, "STK") in listings else "",
                service_data_type="Deep2" if stock else "Deep",
                agg_group=inst.agg_group if inst.agg_group != _UNSET_INT else None)
    session.send(MktDepthExchanges(depth_mkt_data_descriptions=sorted(
        seen.values(), key=lambda d: (d.sec_type or "", d.exchange or ""))))


@handles(ReqSmartComponents)
def _req_smart_components(session: Session, msg: ReqSmartComponents) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if (msg.bbo_exchange or "") != BBO_EXCHANGE:
        session.error(req_id, 322, "Error processing request.-'bX' : cause - Unknown BBO exchange "
                                   f"{msg.bbo_exchange!r} (TICK_REQ_PARAMS names the BBO exchange "
                                   f"of a contract: {BBO_EXCHANGE})")
        return
    session.send(SmartComponents(req_id=req_id, smart_component_map=[
        SmartComponent(bit_number=i, exchange=v, exchange_letter=SMART_LETTERS.get(v, " "))
        for i, v in enumerate(SMART_VENUES)]))


# --- streaming ----------------------------------------------------------------------------------

def refresh(core: GatewayCore) -> None:
    """After the market moved: send every open book what changed."""
    for session in list(core.sessions.values()):
        books = session.state.get("depth")
        if not books or session.closed:
            continue
        for req_id, book in list(books.items()):
            _update(session, core, req_id, book)


def reset(core: GatewayCore) -> None:
    """Reset every open book (fault injection): 317, then the whole book again as inserts."""
    for session in list(core.sessions.values()):
        books = session.state.get("depth")
        if not books or session.closed:
            continue
        for req_id, book in list(books.items()):
            _update(session, core, req_id, book, reset_all=True)
