"""The depth ladder (gateway/ladder.py): a book around the quote, and the row operations that
turn one book into the next, applied the way clients apply them (ibwire's OrderBook)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibwire.client.book import OrderBook
from ibwire.gateway.instruments import universe
from ibwire.gateway.ladder import SMART_VENUES, Ladder, Op, Row, diff
from ibwire.gateway.market import Market
from ibwire.models import Stock
from ibwire.models.depth import DepthLevel, DepthOperation, DepthSide

AAPL, ES = 265598, None

_TABLE = universe()
_AAPL = _TABLE.get(AAPL)
assert _AAPL is not None


def _apply(book: OrderBook, side: DepthSide, old: list[Row], new: list[Row]) -> list[DepthLevel]:
    for op in diff(old, new):
        change = book.apply(op.position, int(op.operation), int(side), op.row.price,
                            op.row.size, op.row.market_maker)
        assert change is not None and change[1] is op.operation  # every operation fits
        rows = book.bids if side is DepthSide.BID else book.asks
        assert len(rows) <= max(len(old), len(new))  # never more rows than asked for
    return book.bids if side is DepthSide.BID else book.asks


def _levels(rows: list[Row]) -> list[DepthLevel]:
    return [DepthLevel(r.price, r.size, r.market_maker) for r in rows]


@pytest.mark.parametrize("venues", [(), SMART_VENUES])
def test_the_top_of_the_book_is_the_quote(venues: tuple[str, ...]) -> None:
    market = Market(_TABLE, seed=3)
    ladder = Ladder(_AAPL, 10, venues, market_maker=None if venues else "NASDAQ")
    for _ in range(50):
        market.step(7)
        q = market.quote(AAPL)
        asks, bids = ladder.book(q.bid, q.ask, q.bid_size, q.ask_size, market.step_second)
        assert len(asks) == len(bids) == 10
        assert bids[0].price == q.bid and asks[0].price == q.ask
        assert sum(r.size for r in bids if r.price == q.bid) == q.bid_size
        assert sum(r.size for r in asks if r.price == q.ask) == q.ask_size
        assert [r.price for r in bids] == sorted((r.price for r in bids), reverse=True)
        assert [r.price for r in asks] == sorted(r.price for r in asks)
        assert bids[0].price < asks[0].price
        assert all(r.size > 0 and r.size % _AAPL.lot == 0 for r in asks + bids)
        if venues:
            assert all(r.market_maker in SMART_VENUES for r in asks + bids)
            keys = [(r.price, r.market_maker) for r in bids]
            assert len(set(keys)) == len(keys)


def test_smart_depth_shows_several_exchanges_at_a_price() -> None:
    market = Market(_TABLE, seed=3)
    ladder = Ladder(_AAPL, 20, SMART_VENUES)
    q = market.quote(AAPL)
    asks, bids = ladder.book(q.bid, q.ask, q.bid_size, q.ask_size, market.step_second)
    per_price: dict[float, set[str | None]] = {}
    for r in asks + bids:
        per_price.setdefault(r.price, set()).add(r.market_maker)
    assert max(len(v) for v in per_price.values()) > 1
    assert len({r.market_maker for r in asks + bids}) >= 4


def test_a_level_keeps_its_size_as_the_quote_moves_past_it() -> None:
    ladder = Ladder(_AAPL, 10, market_maker="NASDAQ")
    a = ladder.side(1, 100.00, Decimal(500), 1000)
    b = ladder.side(1, 100.01, Decimal(500), 1000)  # the bid ticked up: 100.00 is level 1 now
    assert {r.price: r.size for r in a[1:]}.items() >= {r.price: r.size for r in b[2:]}.items()
    ops = diff(a, b)  # every row moved down one: updated in place, nothing inserted or deleted
    assert {op.operation for op in ops} == {DepthOperation.UPDATE}
    assert diff([], b) == [Op(i, DepthOperation.INSERT, r) for i, r in enumerate(b)]
    assert diff(b, b[:7]) == [Op(i, DepthOperation.DELETE, b[i]) for i in (9, 8, 7)]


def _as_ib_async(rows: dict[int, Row], old: list[Row], new: list[Row]) -> list[Row]:
    """ib_async 2.1's book model: a dict by position (insert overwrites, delete pops)."""
    for op in diff(old, new):
        if op.operation is DepthOperation.DELETE:
            rows.pop(op.position)
        else:
            rows[op.position] = op.row
    return list(rows.values())


@pytest.mark.parametrize("venues", [(), SMART_VENUES[:5]])
def test_operations_turn_the_clients_book_into_the_next_one(venues: tuple[str, ...]) -> None:
    market = Market(_TABLE, seed=11)
    ladder = Ladder(_AAPL, 8, venues)
    book = OrderBook(Stock("AAPL"), 1, 8)
    asks: list[Row] = []
    bids: list[Row] = []
    for step in (1, 1, 5, 60, 1, 1800, 3, 1, 86400, 2):
        market.step(step)
        q = market.quote(AAPL)
        new_asks, new_bids = ladder.book(q.bid, q.ask, q.bid_size, q.ask_size, market.step_second)
        assert _apply(book, DepthSide.ASK, asks, new_asks) == _levels(new_asks)
        assert _apply(book, DepthSide.BID, bids, new_bids) == _levels(new_bids)
        asks, bids = new_asks, new_bids
    assert book.inconsistencies == 0


_rows = st.lists(st.tuples(st.integers(1, 40), st.sampled_from([None, "A", "B", "C"]),
                           st.integers(1, 5)), max_size=12)


def _side(spec: list[tuple[int, str | None, int]]) -> list[Row]:
    unique = {(p, m): s for p, m, s in spec}
    return [Row(p / 4, Decimal(s), m)
            for (p, m), s in sorted(unique.items(), key=lambda kv: (-kv[0][0], kv[0][1] or ""))]


@settings(max_examples=200, deadline=None)
@given(old=_rows, new=_rows)
def test_diff_applies_to_any_pair_of_books(old: list[tuple[int, str | None, int]],
                                          new: list[tuple[int, str | None, int]]) -> None:
    a, b = _side(old), _side(new)
    book = OrderBook(Stock("X"), 1, 20)
    assert _apply(book, DepthSide.BID, [], a) == _levels(a)
    assert _apply(book, DepthSide.BID, a, b) == _levels(b)
    assert diff(b, b) == []
    by_position: dict[int, Row] = {}
    assert _as_ib_async(by_position, [], a) == a
    assert _as_ib_async(by_position, a, b) == b


def test_a_ladder_has_rows() -> None:
    with pytest.raises(ValueError):
        Ladder(_AAPL, 0)


def test_no_bids_at_or_below_zero() -> None:
    ladder = Ladder(_AAPL, 10, market_maker="NASDAQ")
    bids = ladder.side(1, 0.03, Decimal(100), 0)
    assert [r.price for r in bids] == [0.03, 0.02, 0.01]
