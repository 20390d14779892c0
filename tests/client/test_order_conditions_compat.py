"""Order conditions in the camelCase world: ibwire.compat's condition classes with the official
factory ``Create``, converted to and from ibwire's typed conditions at the edge (the official
package's and ib_async's condition objects convert too)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ibwire.compat._convert import to_compat
from ibwire.compat.order import Order as CompatOrder
from ibwire.compat.order_condition import (
    Create,
    ExecutionCondition,
    MarginCondition,
    OrderCondition,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from ibwire.models import Order
from ibwire.models import order as mo
from ibwire.models.camel import to_camel, to_model


def test_create_makes_each_type_and_nothing_else() -> None:
    for t, cls in ((1, PriceCondition), (3, TimeCondition), (4, MarginCondition),
                   (5, ExecutionCondition), (6, VolumeCondition), (7, PercentChangeCondition)):
        c = Create(t)
        assert type(c) is cls and c is not None and c.type() == t
        assert c.isConjunctionConnection is True
        assert c.Or().isConjunctionConnection is False
    assert Create(2) is None and Create(8) is None


def test_official_constructors_and_conversion_both_ways() -> None:
    compat = CompatOrder(action="BUY", orderType="MKT")
    compat.conditions = [PriceCondition(2, 265598, "SMART", True, 151.5),
                         TimeCondition(True, "20261204 10:00:00 US/Eastern").Or(),
                         MarginCondition(False, 30), ExecutionCondition("STK", "SMART", "MSFT"),
                         VolumeCondition(265598, "SMART", True, 1000),
                         PercentChangeCondition(265598, "SMART", False, -2.5)]
    order = to_model(compat, Order)
    assert order.conditions == [
        mo.PriceCondition(True, True, 151.5, 265598, "SMART", 2),
        mo.TimeCondition(False, True, "20261204 10:00:00 US/Eastern"),
        mo.MarginCondition(True, False, 30),
        mo.ExecutionCondition(True, "STK", "SMART", "MSFT"),
        mo.VolumeCondition(True, True, 1000, 265598, "SMART"),
        mo.PercentChangeCondition(True, False, -2.5, 265598, "SMART")]
    back = to_compat(order)
    assert [type(c).__name__ for c in back.conditions] == [
        "PriceCondition", "TimeCondition", "MarginCondition", "ExecutionCondition",
        "VolumeCondition", "PercentChangeCondition"]
    assert back.conditions[0].condType == 1 and back.conditions[0].triggerMethod == 2
    assert back.conditions[1].isConjunctionConnection is False
    assert isinstance(back.conditions[2], OrderCondition)


def test_ib_async_spelling_and_unknown_types() -> None:
    ia = SimpleNamespace(condType=1, conjunction="o", isMore=False, price=99.0, conId=5,
                         exch="ARCA", triggerMethod=0)
    (c,) = to_model(SimpleNamespace(conditions=[ia]), Order).conditions
    assert c == mo.PriceCondition(False, False, 99.0, 5, "ARCA", 0)
    with pytest.raises(ValueError, match="type 2"):
        to_model(SimpleNamespace(conditions=[SimpleNamespace(condType=2)]), Order)
    assert to_camel(None, lambda cls: None) is None
