"""Market rules: the price increments each venue allows, by price band (REQ_MARKET_RULE).

Every instrument names its rules in CONTRACT_DATA's ``marketRuleIds`` (one per valid exchange).
A rule is a list of ``(low edge, increment)`` bands. Most venues in the paper universe have one
increment at every price (US stocks 0.01, each futures product its tick); the venues whose real
rules depend on the price have bands here:

* Toronto (TSX, rule 1): 0.005 below 0.50, 0.01 from 0.50 (TSX's trading rules);
* Xetra (IBIS, rule 87) and Euronext Amsterdam (AEB, rule 90): the MiFID II tick size table
  (RTS 11) for the most liquid shares (liquidity band 6), 0.0001 below 1 up to 10 from 50,000.

The rule table of a gateway is built from its instruments (:func:`market_rules`): a banded
venue rule where the id names one, otherwise one band at the instruments' ``min_tick``. An
instrument's ``min_tick`` is the increment its rule gives at its base price (the simulated price
path moves on that grid; :func:`check_rules` finds an instrument whose rule does not agree).

Pure: no clock, no I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..models.reference import MarketRule, PriceIncrement

if TYPE_CHECKING:
    from .instruments import Instrument

__all__ = ["BANDED_RULES", "OPTION_RULES", "option_rule_id", "TSX_RULE", "XETRA_RULE", "EURONEXT_RULE", "US_STOCK_RULE",
           "RuleTable", "market_rules", "rule_ids", "increment_at", "check_rules"]

log = logging.getLogger("ibwire.gateway")

US_STOCK_RULE = 26
TSX_RULE = 1
XETRA_RULE = 87
EURONEXT_RULE = 90

# MiFID II tick sizes (RTS 11, Annex), liquidity band 6: from each price, the increment
_MIFID_BAND_6: tuple[tuple[float, float], ...] = (
    (0.0, 0.0001), (1.0, 0.0002), (2.0, 0.0005), (5.0, 0.001), (10.0, 0.002), (20.0, 0.005),
    (50.0, 0.01), (100.0, 0.02), (200.0, 0.05), (500.0, 0.1), (1000.0, 0.2), (2000.0, 0.5),
    (5000.0, 1.0), (10000.0, 2.0), (20000.0, 5.0), (50000.0, 10.0),
)

BANDED_RULES: dict[int, tuple[tuple[float, float], ...]] = {
    TSX_RULE: ((0.0, 0.005), (0.5, 0.01)),
    XETRA_RULE: _MIFID_BAND_6,
    EURONEXT_RULE: _MIFID_BAND_6,
}
"""Venue rules whose increment depends on the price: id -> (low edge, increment) bands."""

OPTION_RULES: dict[float, int] = {0.01: 110, 0.05: 111, 0.25: 112, 1.0: 113}
"""Option tick -> the rule id of the option classes that tick so (equity options 0.01, index
options 0.05, the futures options 0.25 / 0.05 / 1 / 0.01): options are made on demand, not listed
in the instrument table, so their rules are known here."""


def option_rule_id(tick: float) -> int:
    """The market rule id of an option class with increment ``tick``."""
    for t, rid in OPTION_RULES.items():
        if abs(t - tick) < 1e-12:
            return rid
    raise ValueError(f"no option market rule for tick {tick}; add it to OPTION_RULES")


def increment_at(bands: tuple[tuple[float, float], ...], price: float) -> float:
    """The increment of ``bands`` valid at ``price``."""
    step = bands[0][1]
    for edge, inc in bands:
        if abs(price) >= edge:
            step = inc
    return step


def rule_ids(market_rule_ids: str | None) -> list[int]:
    """The distinct ids of a ``marketRuleIds`` text (``"26,26,26"`` -> ``[26]``), in order."""
    out: list[int] = []
    for part in (market_rule_ids or "").split(","):
        part = part.strip()
        if part and part.lstrip("-").isdigit() and int(part) not in out:
            out.append(int(part))
    return out


@dataclass(frozen=True, slots=True)
class RuleTable:
    """The market rules a gateway answers: rule id -> (low edge, increment) bands."""

    bands: dict[int, tuple[tuple[float, float], ...]]

    def get(self, rule_id: int) -> MarketRule | None:
        """The rule ``rule_id`` (None: no instrument of this gateway uses it)."""
        b = self.bands.get(rule_id)
        if b is None:
            return None
        return MarketRule(rule_id, [PriceIncrement(edge, inc) for edge, inc in b])

    def __contains__(self, rule_id: int) -> bool:
        return rule_id in self.bands


def _build(instruments: Iterable[Instrument]) -> RuleTable:
    bands: dict[int, tuple[tuple[float, float], ...]] = dict(BANDED_RULES)
    bands.update({rid: ((0.0, tick),) for tick, rid in OPTION_RULES.items()})
    for inst in instruments:
        tick = float(inst.min_tick)
        for rid in rule_ids(inst.market_rule_ids):
            flat = ((0.0, tick),)
            have = bands.setdefault(rid, flat)
            if have != flat and rid not in BANDED_RULES:
                log.warning("market rule %d: %s has tick %s, the rule's increment is %s (the "
                            "first instrument naming it wins)", rid, inst.local_symbol, tick,
                            have[0][1])
    return RuleTable(bands)


@lru_cache(maxsize=8)
def market_rules(instruments: Iterable[Instrument]) -> RuleTable:
    """The rule table of an instrument table (cached per table: tables are immutable)."""
    return _build(instruments)


def check_rules(instruments: Iterable[Instrument]) -> list[str]:
    """Every disagreement between an instrument and its rules: a rule whose increment at the
    instrument's base price is not its ``min_tick``, or a flat rule id two ticks claim."""
    table = _build([])
    problems: list[str] = []
    options = set(OPTION_RULES.values())
    for inst in instruments:
        tick, price, name = float(inst.min_tick), float(inst.base_price), inst.local_symbol
        ids = rule_ids(inst.market_rule_ids)
        if not ids:
            problems.append(f"{name}: no market rule id")
        for rid in ids:
            if rid in options and inst.sec_type not in ("OPT", "FOP"):
                problems.append(f"{name}: rule {rid} is an option rule")
            b = table.bands.setdefault(rid, ((0.0, tick),))
            inc = increment_at(b, price)
            if abs(inc - tick) > 1e-12:
                problems.append(f"{name}: rule {rid} gives {inc} at {price}, min_tick is {tick}")
    return problems
