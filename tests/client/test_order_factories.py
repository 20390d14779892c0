"""The order factories of ibwire.models.order_types: what each sets, and the mistakes they refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire import (
    LimitIfTouchedOrder,
    LimitOnCloseOrder,
    LimitOrder,
    MarketIfTouchedOrder,
    MarketOnCloseOrder,
    MarketOrder,
    PeggedToMidpointOrder,
    RelativeOrder,
    TrailingStopLimitOrder,
    TrailingStopOrder,
    algo,
    bracket,
    oca,
    when,
)
from ibwire.models.order_types import price_above, time_after


def test_single_order_types() -> None:
    t = TrailingStopOrder("sell", 100, trailing_amount=1.5, trail_stop_price=140.0)
    assert (t.action, t.order_type, t.aux_price, t.trailing_percent, t.trail_stop_price) == (
        "SELL", "TRAIL", 1.5, None, 140.0)
    t = TrailingStopLimitOrder("SELL", 100, 0.1, trailing_percent=2.0)
    assert (t.order_type, t.trailing_percent, t.lmt_price_offset) == ("TRAIL LIMIT", 2.0, 0.1)
    assert MarketOnCloseOrder("BUY", 1).order_type == "MOC"
    loc = LimitOnCloseOrder("BUY", 1, 150.0)
    assert (loc.order_type, loc.lmt_price, loc.tif) == ("LOC", 150.0, "DAY")
    mit = MarketIfTouchedOrder("BUY", 1, 148.0)
    assert (mit.order_type, mit.aux_price) == ("MIT", 148.0)
    lit = LimitIfTouchedOrder("BUY", 1, 148.1, 148.0)
    assert (lit.order_type, lit.lmt_price, lit.aux_price) == ("LIT", 148.1, 148.0)
    rel = RelativeOrder("BUY", 1, 0.01, cap=151.0)
    assert (rel.order_type, rel.aux_price, rel.lmt_price) == ("REL", 0.01, 151.0)
    assert PeggedToMidpointOrder("SELL", 1).order_type == "PEG MID"
    assert t.total_quantity == Decimal(100)
    with pytest.raises(ValueError, match="one of them"):
        TrailingStopOrder("SELL", 1, trailing_amount=1.0, trailing_percent=1.0)
    with pytest.raises(ValueError, match="one of them"):
        TrailingStopOrder("SELL", 1)
    with pytest.raises(ValueError, match="between 0 and 100"):
        TrailingStopOrder("SELL", 1, trailing_percent=150)


def test_bracket_and_oca() -> None:
    parent, tp, sl = bracket("BUY", 100, 150.0, take_profit=155.0, stop_loss=147.0, tif="GTC")
    assert (parent.order_type, parent.lmt_price, parent.transmit) == ("LMT", 150.0, False)
    assert (tp.action, tp.order_type, tp.lmt_price, tp.transmit) == ("SELL", "LMT", 155.0, False)
    assert (sl.action, sl.order_type, sl.aux_price, sl.transmit) == ("SELL", "STP", 147.0, True)
    assert parent.tif == tp.tif == sl.tif == "GTC"
    *_, sl = bracket("SELL", 10, None, take_profit=140.0, stop_loss=160.0, stop_limit=160.5)
    assert (sl.action, sl.order_type, sl.lmt_price, sl.aux_price) == ("BUY", "STP LMT", 160.5, 160.0)
    with pytest.raises(ValueError, match="take-profit 140.0 must be above"):
        bracket("BUY", 1, 150.0, take_profit=140.0, stop_loss=145.0)
    with pytest.raises(ValueError, match="stop-loss 155.0 must be below"):
        bracket("BUY", 1, 150.0, take_profit=160.0, stop_loss=155.0)
    group = oca([LimitOrder("BUY", 1, 1.0), MarketOrder("BUY", 1)], "g", 2)
    assert [(o.oca_group, o.oca_type) for o in group] == [("g", 2), ("g", 2)]
    with pytest.raises(ValueError, match="OCA types"):
        oca([MarketOrder("BUY", 1)], "g", 4)


def test_algos_and_conditions() -> None:
    o = algo(LimitOrder("BUY", 100, 150.0), "Adaptive", adaptivePriority="Urgent")
    assert o.algo_strategy == "Adaptive"
    assert [(t.tag, t.value) for t in o.algo_params] == [("adaptivePriority", "Urgent")]
    o = algo(MarketOrder("BUY", 100), "Vwap", maxPctVol=0.1, noTakeLiq=True)
    assert [(t.tag, t.value) for t in o.algo_params] == [("maxPctVol", "0.1"), ("noTakeLiq", "1")]
    with pytest.raises(ValueError, match="unknown IB algo"):
        algo(MarketOrder("BUY", 1), "Magic")
    with pytest.raises(ValueError, match="not speed"):
        algo(MarketOrder("BUY", 1), "Twap", speed=1)
    o = when(MarketOrder("BUY", 1), price_above(265598, 151.0),
             time_after("20261204 10:00:00 US/Eastern"), any_of=True, cancel=True)
    assert [c.is_conjunction_connection for c in o.conditions] == [False, False]
    assert o.conditions_cancel_order is True and o.conditions[0].price == 151.0
