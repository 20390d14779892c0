"""Conversion between ibwire's typed models and camelCase objects, derived from the field lists.

Each compat class is paired with an ibwire model. The field mapping is computed once per pair
from the two dataclasses: a compat field ``lastTradeDateOrContractMonth`` maps to the model field
``last_trade_date_or_contract_month`` (camelCase -> snake_case, runs of capitals kept together:
``realizedPNL`` -> ``realized_pnl``, ``rule80A`` -> ``rule80_a``); the few names that do not follow
the rule are listed in :data:`RENAMES`. Nothing is written twice.

Values (the decisions :mod:`ibwire.compat` documents):

* model -> compat: ``None`` leaves the compat field at its default, which is what an ``ibapi``
  user sees when TWS leaves that field unset (``UNSET_DOUBLE`` for order prices and the
  commission report's P&L / yield, ``UNSET_INTEGER`` / ``UNSET_DECIMAL`` where ibapi uses them,
  ``0`` / ``""`` / ``False`` elsewhere). Nested models and lists of them are converted; datetimes
  become TWS's text form (``"20231115 09:20:44 US/Eastern"``).
* compat -> model: the sentinels ``UNSET_INTEGER``, ``UNSET_LONG``, ``UNSET_DOUBLE``,
  ``UNSET_DECIMAL`` and an empty string become ``None``; other values are coerced to the model
  field's type (``100`` -> ``Decimal("100")`` for a quantity). Any object with the camelCase
  attributes converts, so the official package's own objects are accepted too.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, Union

from ..protocol.codec import format_tws_time, parse_tws_time
from .common import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER, UNSET_LONG

__all__ = ["PAIRS", "RENAMES", "snake_name", "to_compat", "to_model", "field_map", "unmapped"]

M = TypeVar("M")

PAIRS: dict[str, str] = {
    "ibwire.compat.contract:Contract": "ibwire.models.contract:Contract",
    "ibwire.compat.contract:ComboLeg": "ibwire.models.contract:ComboLeg",
    "ibwire.compat.contract:DeltaNeutralContract": "ibwire.models.contract:DeltaNeutralContract",
    "ibwire.compat.contract:ContractDetails": "ibwire.models.market:ContractDetails",
    "ibwire.compat.order:Order": "ibwire.models.order:Order",
    "ibwire.compat.order_state:OrderState": "ibwire.models.order:OrderState",
    "ibwire.compat.order_state:OrderAllocation": "ibwire.models.order:OrderAllocation",
    "ibwire.compat.contract:IneligibilityReason": "ibwire.models.market:IneligibilityReason",
    "ibwire.compat.softdollartier:SoftDollarTier": "ibwire.models.order:SoftDollarTier",
    "ibwire.compat.execution:Execution": "ibwire.models.execution:Execution",
    "ibwire.compat.execution:ExecutionFilter": "ibwire.models.execution:ExecutionFilter",
    "ibwire.compat.commission_report:CommissionReport": "ibwire.models.execution:CommissionReport",
    "ibwire.compat.tag_value:TagValue": "ibwire.protocol.codec:TagValue",
    "ibwire.compat.common:BarData": "ibwire.models.market:BarData",
}
"""compat class -> ibwire model class ("module:Name"), resolved on first use."""

OPTIONAL_PAIRS: dict[str, str] = {
    "ibwire.compat.order:OrderComboLeg": "ibwire.models.order:OrderComboLeg",
}
"""Pairs whose model class may not exist (skipped when it does not)."""

RENAMES: dict[tuple[str, str], str] = {
    ("SoftDollarTier", "val"): "value",
    ("IneligibilityReason", "id_"): "id",
}
"""(compat class name, camelCase field) -> model field, where the name rule does not apply."""

_SENTINELS = (UNSET_INTEGER, UNSET_LONG, UNSET_DOUBLE, UNSET_DECIMAL)

_CAMEL_1 = re.compile(r"(?<=[a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"(?<=[A-Z])([A-Z][a-z])")


def snake_name(camel: str) -> str:
    """``lastTradeDateOrContractMonth`` -> ``last_trade_date_or_contract_month``."""
    return _CAMEL_2.sub(r"_\1", _CAMEL_1.sub(r"_\1", camel)).lower()


def _load(ref: str) -> type | None:
    module, _, name = ref.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return cls if isinstance(cls, type) else None


@dataclasses.dataclass(slots=True)
class _Field:
    camel: str
    snake: str
    kind: str  # str int float bool decimal datetime model list_model list any
    item: type | None  # the model class for model / list_model
    optional: bool


@dataclasses.dataclass(slots=True)
class _Pair:
    compat: type
    model: type
    fields: list[_Field]
    unmapped_compat: list[str]
    unmapped_model: list[str]


_BY_COMPAT: dict[type, _Pair] = {}
_BY_MODEL: dict[type, _Pair] = {}
_loaded = False


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    classes: list[tuple[type, type]] = []
    for table, required in ((PAIRS, True), (OPTIONAL_PAIRS, False)):
        for cref, mref in table.items():
            c, m = _load(cref), _load(mref)
            if c is None or m is None:
                if required and c is None:
                    raise ImportError(f"ibwire.compat: cannot load {cref}")
                continue
            classes.append((c, m))
    models = {m for _, m in classes}
    for c, m in classes:
        pair = _build(c, m, models)
        _BY_COMPAT[c] = pair
        _BY_MODEL[m] = pair
    _loaded = True


def _unwrap(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return (args[0] if len(args) == 1 else Any), True
    return tp, False


def _kind(tp: Any, models: set[type]) -> tuple[str, type | None]:
    if tp in models:
        return "model", tp
    origin = typing.get_origin(tp)
    if origin is list:
        args = typing.get_args(tp)
        if args and args[0] in models:
            return "list_model", args[0]
        return "list", None
    for k, t in (("bool", bool), ("int", int), ("float", float), ("decimal", Decimal),
                 ("datetime", datetime), ("str", str)):
        if tp is t:
            return k, None
    return "any", None


def _build(compat: type, model: type, models: set[type]) -> _Pair:
    hints = typing.get_type_hints(model)
    model_names = [f.name for f in dataclasses.fields(model)]
    fields: list[_Field] = []
    used: set[str] = set()
    missing: list[str] = []
    for f in dataclasses.fields(compat):
        snake = RENAMES.get((compat.__name__, f.name), snake_name(f.name))
        if snake not in hints:
            missing.append(f.name)
            continue
        tp, optional = _unwrap(hints[snake])
        kind, item = _kind(tp, models)
        fields.append(_Field(f.name, snake, kind, item, optional))
        used.add(snake)
    return _Pair(compat, model, fields, missing, [n for n in model_names if n not in used])


def field_map(compat_cls: type) -> dict[str, str]:
    """camelCase field -> model field, for a compat class."""
    _ensure_loaded()
    return {f.camel: f.snake for f in _BY_COMPAT[compat_cls].fields}


def unmapped(compat_cls: type) -> tuple[list[str], list[str]]:
    """(compat fields without a model field, model fields without a compat field)."""
    _ensure_loaded()
    pair = _BY_COMPAT[compat_cls]
    return list(pair.unmapped_compat), list(pair.unmapped_model)


# --- model -> compat ---------------------------------------------------------------------------

def to_compat(obj: Any) -> Any:
    """The camelCase twin of an ibwire model object (None stays None)."""
    if obj is None:
        return None
    _ensure_loaded()
    pair = _BY_MODEL.get(type(obj))
    if pair is None:
        return obj
    out = pair.compat()
    for f in pair.fields:
        v = getattr(obj, f.snake)
        if v is None:
            continue
        kind = f.kind
        if kind == "model":
            v = to_compat(v)
        elif kind == "list_model":
            if not v:
                continue  # ibapi leaves an absent list as its default (None)
            v = [to_compat(x) for x in v]
        elif kind == "list":
            if not v:
                continue
            v = list(v)
        elif kind == "datetime":
            v = format_tws_time(v) if v.tzinfo is not None else v.strftime("%Y%m%d %H:%M:%S")
        setattr(out, f.camel, v)
    return out


# --- compat -> model ---------------------------------------------------------------------------

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
    """The ibwire model built from a camelCase object (compat or the official package's)."""
    if isinstance(obj, model_cls):
        return obj
    _ensure_loaded()
    pair = _BY_MODEL.get(model_cls)
    if pair is None:
        raise TypeError(f"no camelCase conversion for {model_cls.__name__}")
    kwargs: dict[str, Any] = {}
    for f in pair.fields:
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
