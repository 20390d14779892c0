"""MarketRule: the increment valid at a price, and rounding onto it (exact decimal steps)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ibwire.gateway.rules import BANDED_RULES, XETRA_RULE
from ibwire.models.reference import MarketRule, PriceIncrement

TSX = MarketRule(1, [PriceIncrement(0.5, 0.01), PriceIncrement(0.0, 0.005)])  # given unsorted
XETRA = MarketRule(XETRA_RULE, [PriceIncrement(e, i) for e, i in BANDED_RULES[XETRA_RULE]])
FLAT = MarketRule(26, [PriceIncrement(0.0, 0.01)])


def test_increment_at_each_band():
    assert TSX.increment_at(0.1) == 0.005 and TSX.increment_at(0.5) == 0.01
    assert TSX.increment_at(42.0) == 0.01
    assert XETRA.increment_at(0.5) == 0.0001 and XETRA.increment_at(240.0) == 0.05
    assert XETRA.increment_at(60000.0) == 10.0


def test_round_nearest_down_up():
    assert FLAT.round(150.123) == 150.12 and FLAT.round(150.127) == 150.13
    assert FLAT.round(150.123, "up") == 150.13 and FLAT.round(150.129, "down") == 150.12
    assert FLAT.round(0.1 + 0.2) == 0.3  # no float residue
    assert TSX.round(0.4123) == 0.41 and TSX.round(0.4126) == 0.415
    assert XETRA.round(240.07) == 240.05 and XETRA.round(240.08) == 240.1
    assert XETRA.round(240.01, "up") == 240.05
    assert FLAT.round(-1.234, "down") == -1.24  # a negative price (a spread) mirrors the grid


def test_is_valid():
    assert XETRA.is_valid(240.05) and not XETRA.is_valid(240.02)
    assert TSX.is_valid(0.425) and not TSX.is_valid(1.005)


def test_bad_input():
    with pytest.raises(ValueError, match="direction"):
        FLAT.round(1.0, "sideways")
    with pytest.raises(ValueError, match="cannot round"):
        FLAT.round(float("nan"))
    with pytest.raises(ValueError, match="positive"):
        MarketRule(5, [PriceIncrement(0.0, 0.0)])
    with pytest.raises(ValueError, match="no increments"):
        MarketRule(5, []).increment_at(1.0)


@given(st.floats(0.0001, 99999.0, allow_nan=False))
def test_rounded_prices_are_valid_and_close(price: float) -> None:
    for rule in (FLAT, TSX, XETRA):
        r = rule.round(price)
        assert rule.is_valid(r)
        assert abs(r - price) <= rule.increment_at(price) / 2 + 1e-9 or r == rule._edge_at(price)
        assert rule.round(price, "down") <= price + 1e-9 <= rule.round(price, "up") + 2e-9
