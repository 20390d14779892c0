"""Conversion between ibwire's typed models and the camelCase classes of :mod:`ibwire.compat`.

The camelCase <-> snake_case mapping itself lives with the models (:mod:`ibwire.models.camel`:
field names, the few official exceptions, value rules); this module only pairs each compat class
with its model, so that a model converts to the compat class (``to_compat``) and back
(``to_model``, which accepts any camelCase object, the official package's too).

Values (the decisions :mod:`ibwire.compat` documents):

* model -> compat: ``None`` leaves the compat field at its default, which is what an ``ibapi``
  user sees when TWS leaves that field unset (``UNSET_DOUBLE`` for order prices and the
  commission report's P&L / yield, ``UNSET_INTEGER`` / ``UNSET_DECIMAL`` where ibapi uses them,
  ``0`` / ``""`` / ``False`` elsewhere). Nested models and lists of them are converted; datetimes
  become TWS's text form (``"20231115 09:20:44 US/Eastern"``).
* compat -> model: the sentinels ``UNSET_INTEGER``, ``UNSET_LONG``, ``UNSET_DOUBLE``,
  ``UNSET_DECIMAL`` and an empty string become ``None``; other values are coerced to the model
  field's type (``100`` -> ``Decimal("100")`` for a quantity).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..models import camel
from ..models import contract as mc
from ..models import depth as md
from ..models import discovery as mdisc
from ..models import execution as me
from ..models import market as mk
from ..models import news as mn
from ..models import order as mo
from ..models import reference as mr
from ..models import scanner as ms
from ..models import tag_value as mt
from ..models import ticks as mtk
from ..models.camel import snake_name, to_model
from .commission_report import CommissionReport
from .common import (
    BarData,
    DepthMktDataDescription,
    FamilyCode,
    HistogramData,
    HistoricalSession,
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    NewsProvider,
    PriceIncrement,
    RealTimeBar,
    SmartComponent,
    TickAttribBidAsk,
    TickAttribLast,
    WshEventData,
)
from .contract import (
    ComboLeg,
    Contract,
    ContractDescription,
    ContractDetails,
    DeltaNeutralContract,
    IneligibilityReason,
)
from .execution import Execution, ExecutionFilter
from .order import Order, OrderComboLeg
from .order_condition import (
    ExecutionCondition,
    MarginCondition,
    OrderCondition,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from .order_state import OrderAllocation, OrderState
from .scanner import ScanData, ScannerSubscription
from .softdollartier import SoftDollarTier
from .tag_value import TagValue

__all__ = ["PAIRS", "snake_name", "to_compat", "to_model", "field_map", "unmapped"]

PAIRS: dict[type, type] = {
    Contract: mc.Contract,
    ComboLeg: mc.ComboLeg,
    DeltaNeutralContract: mc.DeltaNeutralContract,
    ContractDetails: mk.ContractDetails,
    IneligibilityReason: mk.IneligibilityReason,
    Order: mo.Order,
    OrderComboLeg: mo.OrderComboLeg,
    OrderState: mo.OrderState,
    OrderAllocation: mo.OrderAllocation,
    SoftDollarTier: mo.SoftDollarTier,
    Execution: me.Execution,
    ExecutionFilter: me.ExecutionFilter,
    CommissionReport: me.CommissionReport,
    TagValue: mt.TagValue,
    BarData: mk.BarData,
    DepthMktDataDescription: md.DepthMktDataDescription,
    SmartComponent: md.SmartComponent,
    # tick-level market data
    TickAttribLast: mtk.TickAttribLast,
    TickAttribBidAsk: mtk.TickAttribBidAsk,
    HistoricalTick: mtk.HistoricalTick,
    HistoricalTickBidAsk: mtk.HistoricalTickBidAsk,
    HistoricalTickLast: mtk.HistoricalTickLast,
    RealTimeBar: mtk.RealTimeBar,
    # historical reference data
    HistogramData: mr.HistogramData,
    PriceIncrement: mr.PriceIncrement,
    HistoricalSession: mr.HistoricalSession,
    # discovery
    ContractDescription: mdisc.ContractDescription,
    FamilyCode: mdisc.FamilyCode,
    WshEventData: mdisc.WshEventData,
    OrderCondition: mo.OrderCondition,
    PriceCondition: mo.PriceCondition,
    TimeCondition: mo.TimeCondition,
    MarginCondition: mo.MarginCondition,
    ExecutionCondition: mo.ExecutionCondition,
    VolumeCondition: mo.VolumeCondition,
    PercentChangeCondition: mo.PercentChangeCondition,
    # scanner and news (issue 15)
    ScannerSubscription: ms.ScannerSubscription,
    ScanData: ms.ScanData,
    NewsProvider: mn.NewsProvider,
}
"""compat class -> ibwire model class."""

_BY_MODEL: dict[type, type] = {model: compat for compat, model in PAIRS.items()}


def _make(model_cls: type) -> Any:
    compat = _BY_MODEL.get(model_cls)
    return compat() if compat is not None else None


def to_compat(obj: Any) -> Any:
    """The camelCase twin of an ibwire model object, or a list of them (None stays None; other
    objects as they are)."""
    if isinstance(obj, list):
        return [camel.to_camel(x, _make) for x in obj]
    return camel.to_camel(obj, _make)


def field_map(compat_cls: type) -> dict[str, str]:
    """camelCase field -> model field, for a compat class."""
    names = {f.name for f in dataclasses.fields(compat_cls)}
    return {f.camel: f.snake for f in camel.camel_fields(PAIRS[compat_cls]) if f.camel in names}


def unmapped(compat_cls: type) -> tuple[list[str], list[str]]:
    """(compat fields without a model field, model fields without a compat field)."""
    fields = camel.camel_fields(PAIRS[compat_cls])
    by_camel = {f.camel for f in fields}
    names = [f.name for f in dataclasses.fields(compat_cls)]
    return ([n for n in names if n not in by_camel],
            [f.snake for f in fields if f.camel not in set(names)])
