"""camelCase <-> snake_case for the typed models: the official API's names of their fields.

Every model that has a camelCase twin in the official client (``Contract``, ``Order``,
``Execution`` ...) is listed in :data:`CAMEL_MODELS`. A model field's camelCase name follows one
rule, ``last_trade_date_or_contract_month`` <-> ``lastTradeDateOrContractMonth`` (:func:`camel_name`,
:func:`snake_name`: runs of capitals kept together, ``realizedPNL`` -> ``realized_pnl``,
``rule80A`` -> ``rule80_a``), except the few official names listed in :data:`CAMEL_NAMES`.
Nothing is written twice: the fields come from the model dataclasses.

This is the mapping the client uses to accept camelCase objects (``ibwire.compat``'s or the
official package's) and that :mod:`ibwire.compat` uses to build its camelCase classes; it knows
nothing of either (any object with the camelCase attributes converts).

Values:

* camelCase -> model (:func:`to_model`): the official sentinels :data:`UNSET_INTEGER`,
  :data:`UNSET_LONG`, :data:`UNSET_DOUBLE`, :data:`UNSET_DECIMAL` and an empty string become
  ``None``; other values are coerced to the model field's type (``100`` -> ``Decimal("100")`` for
  a quantity; a float quantity converts exactly, ``0.1`` -> ``Decimal("0.1")``).
* model -> camelCase (:func:`to_camel`): ``None`` leaves the target field at its default (what an
  official-API user sees when TWS leaves it unset); nested models and lists of them are converted;
  datetimes become TWS's text form (``"20231115 09:20:44 US/Eastern"``); empty lists stay unset.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, Union

from ..protocol.api import camel_name, snake_name
from ..protocol.codec import format_tws_time, parse_tws_time
from .contract import ComboLeg, Contract, DeltaNeutralContract
from .depth import DepthMktDataDescription, SmartComponent
from .discovery import ContractDescription, FamilyCode, WshEventData
from .execution import CommissionReport, Execution, ExecutionFilter
from .market import BarData, ContractDetails, IneligibilityReason
from .news import NewsProvider
from .order import (
    CONDITION_TYPES,
    ExecutionCondition,
    MarginCondition,
    Order,
    OrderAllocation,
    OrderComboLeg,
    OrderCondition,
    OrderState,
    PercentChangeCondition,
    PriceCondition,
    SoftDollarTier,
    TimeCondition,
    VolumeCondition,
)
from .reference import HistogramData, HistoricalSession, PriceIncrement
from .scanner import ScanData, ScannerSubscription
from .tag_value import TagValue
from .ticks import (
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    RealTimeBar,
    TickAttribBidAsk,
    TickAttribLast,
)

__all__ = [
    "CAMEL_MODELS", "CAMEL_NAMES", "CamelField", "UNSET_DECIMAL", "UNSET_DOUBLE", "UNSET_INTEGER",
    "UNSET_LONG", "camel_fields", "camel_name", "snake_name", "to_camel", "to_model",
    "unwrap_optional",
]

M = TypeVar("M")

UNSET_INTEGER = 2 ** 31 - 1
UNSET_DOUBLE = sys.float_info.max
UNSET_LONG = 2 ** 63 - 1
UNSET_DECIMAL = Decimal(2 ** 127 - 1)
"""The official client's "unset" values (``ibwire.compat.common`` re-exports them)."""

CAMEL_MODELS: tuple[type, ...] = (
    Contract, ComboLeg, DeltaNeutralContract, ContractDetails, IneligibilityReason, Order,
    OrderComboLeg, OrderState, OrderAllocation, SoftDollarTier, Execution, ExecutionFilter,
    CommissionReport, TagValue, BarData, ScannerSubscription, ScanData, NewsProvider,
    DepthMktDataDescription, SmartComponent,  # market depth
    # tick-level market data
    TickAttribLast, TickAttribBidAsk, HistoricalTick, HistoricalTickBidAsk, HistoricalTickLast,
    RealTimeBar,
    HistogramData, PriceIncrement, HistoricalSession,  # historical reference data
    ContractDescription, FamilyCode, WshEventData,  # discovery
    OrderCondition, PriceCondition, TimeCondition,
    MarginCondition, ExecutionCondition, VolumeCondition, PercentChangeCondition,
)
"""The models with a camelCase twin in the official client."""

CAMEL_NAMES: dict[tuple[str, str], str] = {
    ("CommissionReport", "realized_pnl"): "realizedPNL",
    ("FamilyCode", "account_id"): "accountID",
    ("CommissionReport", "yield_"): "yield_",
    ("IneligibilityReason", "id"): "id_",
    ("SoftDollarTier", "value"): "val",
    ("RealTimeBar", "open"): "open_",
    ("ScanData", "contract_details"): "contract",
    ("OrderState", "init_margin_before_outside_rth"): "initMarginBeforeOutsideRTH",
    ("OrderState", "init_margin_change_outside_rth"): "initMarginChangeOutsideRTH",
    ("OrderState", "init_margin_after_outside_rth"): "initMarginAfterOutsideRTH",
    ("OrderState", "maint_margin_before_outside_rth"): "maintMarginBeforeOutsideRTH",
    ("OrderState", "maint_margin_change_outside_rth"): "maintMarginChangeOutsideRTH",
    ("OrderState", "maint_margin_after_outside_rth"): "maintMarginAfterOutsideRTH",
    ("OrderState", "equity_with_loan_before_outside_rth"): "equityWithLoanBeforeOutsideRTH",
    ("OrderState", "equity_with_loan_change_outside_rth"): "equityWithLoanChangeOutsideRTH",
    ("OrderState", "equity_with_loan_after_outside_rth"): "equityWithLoanAfterOutsideRTH",
}
"""(model class name, model field) -> official camelCase name, where :func:`camel_name` differs."""

_SENTINELS = (UNSET_INTEGER, UNSET_LONG, UNSET_DOUBLE, UNSET_DECIMAL)

@dataclasses.dataclass(frozen=True, slots=True)
class CamelField:
    """One model field and its camelCase name, with how its value converts."""

    camel: str
    snake: str
    kind: str  # str int float bool decimal datetime model list_model list any
    item: type | None  # the model class for model / list_model
    optional: bool


_FIELDS: dict[type, tuple[CamelField, ...]] = {}


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); another union -> (Any, True); a plain type -> (it, False)."""
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else Any), True
    return tp, False


def _kind(tp: Any) -> tuple[str, type | None]:
    if tp in CAMEL_MODELS:
        return "model", tp
    if typing.get_origin(tp) is list:
        args = typing.get_args(tp)
        if args and args[0] in CAMEL_MODELS:
            return "list_model", args[0]
        return "list", None
    for k, t in (("bool", bool), ("int", int), ("float", float), ("decimal", Decimal),
                 ("datetime", datetime), ("str", str)):
        if tp is t:
            return k, None
    return "any", None


def camel_fields(model_cls: type) -> tuple[CamelField, ...]:
    """The fields of a model in :data:`CAMEL_MODELS`, with their camelCase names."""
    found = _FIELDS.get(model_cls)
    if found is not None:
        return found
    if model_cls not in CAMEL_MODELS:
        raise TypeError(f"no camelCase conversion for {model_cls.__name__}")
    hints = typing.get_type_hints(model_cls)
    out = []
    for f in dataclasses.fields(model_cls):
        tp, optional = unwrap_optional(hints[f.name])
        kind, item = _kind(tp)
        camel = CAMEL_NAMES.get((model_cls.__name__, f.name)) or camel_name(f.name)
        out.append(CamelField(camel, f.name, kind, item, optional))
    _FIELDS[model_cls] = found = tuple(out)
    return found


# --- camelCase -> model ------------------------------------------------------------------------

def _coerce_decimal(v: Any) -> Decimal:
    if isinstance(v, Decimal):
        return v
    if isinstance(v, bool):
        raise TypeError(f"expected a quantity, got {v!r}")
    if isinstance(v, float):
        return Decimal(repr(v))
    return Decimal(str(v))


_COERCE: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": float,
    "bool": bool,
    "decimal": _coerce_decimal,
    "str": str,
}


def to_model(obj: Any, model_cls: type[M]) -> M:
    """The model built from a camelCase object (ibwire.compat's, the official package's, or any
    object with the camelCase attributes); a model instance is returned as it is."""
    if isinstance(obj, model_cls):
        return obj
    if model_cls is OrderCondition:
        return _condition(obj)  # type: ignore[return-value]
    kwargs: dict[str, Any] = {}
    for f in camel_fields(model_cls):
        v = getattr(obj, f.camel, None)
        if v is None:
            continue
        kind = f.kind
        if kind == "model":
            assert f.item is not None
            kwargs[f.snake] = to_model(v, f.item)
            continue
        if kind == "list_model":
            assert f.item is not None
            item = f.item
            kwargs[f.snake] = [to_model(x, item) for x in v]
            continue
        if kind == "list":
            kwargs[f.snake] = list(v)
            continue
        if (v == "" or (not isinstance(v, (str, bool)) and v in _SENTINELS)) and kind != "any":
            if f.optional:
                kwargs[f.snake] = None
            continue
        if kind == "datetime":
            kwargs[f.snake] = v if isinstance(v, datetime) else parse_tws_time(str(v))
            continue
        coerce = _COERCE.get(kind)
        try:
            kwargs[f.snake] = coerce(v) if coerce is not None else v
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"{type(obj).__name__}.{f.camel} = {v!r}: {exc}") from None
    return model_cls(**kwargs)


def _condition(obj: Any) -> OrderCondition:
    """An order condition from a camelCase one: the class by its type number (``condType``, or
    ``type()``); ib_async's spelling (``conjunction`` "a" / "o", ``exch``) is accepted too."""
    ctype = getattr(obj, "condType", None)
    if ctype is None and callable(getattr(obj, "type", None)):
        ctype = obj.type()
    cls = CONDITION_TYPES.get(ctype) if isinstance(ctype, int) else None
    if cls is None:
        raise ValueError(f"{type(obj).__name__}: order conditions of type {ctype!r} are not "
                         f"supported (types {sorted(CONDITION_TYPES)})")
    kwargs: dict[str, Any] = {}
    for f in camel_fields(cls):
        v = getattr(obj, f.camel, None)
        if v is None and f.camel == "exchange":
            v = getattr(obj, "exch", None)
        if v is None and f.camel == "isConjunctionConnection":
            conj = getattr(obj, "conjunction", None)
            v = None if conj is None else conj == "a"
        if v is None or (isinstance(v, float) and v in _SENTINELS):
            continue
        coerce = _COERCE.get(f.kind)
        kwargs[f.snake] = coerce(v) if coerce is not None else v
    return cls(**kwargs)


# --- model -> camelCase ------------------------------------------------------------------------

def to_camel(obj: Any, make: Callable[[type], Any]) -> Any:
    """The camelCase twin of a model object: ``make(model class)`` returns a fresh target object
    (with the official defaults) or None when that model has no twin (the object is then returned
    as it is). Only the attributes the target has (``hasattr``) are set; None stays None."""
    if obj is None:
        return None
    model_cls = type(obj)
    if model_cls not in CAMEL_MODELS:
        return obj
    out = make(model_cls)
    if out is None:
        return obj
    for f in camel_fields(model_cls):
        v = getattr(obj, f.snake)
        if v is None or not hasattr(out, f.camel):
            continue
        kind = f.kind
        if kind == "model":
            v = to_camel(v, make)
        elif kind == "list_model":
            if not v:
                continue  # the official client leaves an absent list as its default (None)
            v = [to_camel(x, make) for x in v]
        elif kind == "list":
            if not v:
                continue
            v = list(v)
        elif kind == "datetime":
            v = format_tws_time(v) if v.tzinfo is not None else v.strftime("%Y%m%d %H:%M:%S")
        setattr(out, f.camel, v)
    return out
