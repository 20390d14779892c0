"""ibwire messages <-> the official client's calls and callbacks, as the driver's JSON."""

from __future__ import annotations

import dataclasses
import operator
from datetime import datetime
from decimal import Decimal
from typing import Any

from ibwire.client.eapi import api_specs, attr_type
from ibwire.compat._convert import to_compat
from ibwire.protocol.messages import config, historical, orders, system
from ibwire.protocol.protobuf import PbType
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

ORACLE_CLASSES = {"Contract", "ComboLeg", "DeltaNeutralContract", "Order", "OrderComboLeg",
                  "SoftDollarTier", "TagValue", "ExecutionFilter", "OrderCancel", "WshEventData",
                  "ScannerSubscription",
                  # built by the official factory order_condition.Create(condType)
                  "PriceCondition", "TimeCondition", "MarginCondition", "ExecutionCondition",
                  "VolumeCondition", "PercentChangeCondition"}


def to_json(v: Any) -> Any:
    """A value (ibwire model or compat object) as the driver's JSON."""
    if isinstance(v, Decimal):
        return {"$dec": str(v)}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if dataclasses.is_dataclass(v) and type(v).__module__.startswith("ibwire.models") \
            or type(v).__module__ == "ibwire.protocol.codec":
        v = to_compat(v)
    name = type(v).__name__
    if name not in ORACLE_CLASSES:
        raise TypeError(f"no oracle class for {name}")
    fresh = type(v)()
    full = name not in ("Order", "Contract", "ExecutionFilter")  # small objects: every attribute
    attrs = {k: to_json(x) for k, x in vars(v).items()
             if not k.startswith("_") and (full or x != getattr(fresh, k, object()))}
    return {"$": name, "a": attrs}


def _s(v: str | None) -> str:
    return "" if v is None else v


def _cancel(m: Any) -> dict[str, Any]:
    a: dict[str, Any] = {"manualOrderCancelTime": _s(getattr(m, "manual_order_cancel_time", None)),
                         "extOperator": _s(getattr(m, "ext_operator", None))}
    ind = getattr(m, "manual_order_indicator", None)
    if ind is not None:
        a["manualOrderIndicator"] = ind
    return {"$": "OrderCancel", "a": a}


def _arg(m: Message, path: str | None) -> Any:
    """The official argument for the message attribute ``path`` (None: not on the wire)."""
    if path is None:
        return None
    value = operator.attrgetter(path)(m)
    kind = attr_type(type(m), path)
    if kind is str:
        return _s(value)
    if kind is bool:
        return bool(value)
    if kind in (int, float) and value is None:
        return 0 if kind is int else 0.0
    return to_json(value)


def oracle_call(m: Message, version: int) -> tuple[str, list[Any]]:
    """The official EClient call that should write the same frame as ``m``."""
    t = type(m)
    if t is orders.PlaceOrder:
        order = to_json(m.order)
        if version < Feature.CASH_QTY and m.order.cash_qty is None:
            # 10.51 refuses every order below 111 unless cashQty is falsy (its default is
            # UNSET_DOUBLE); the field is not on the wire there, so 0 changes nothing else.
            order["a"]["cashQty"] = 0.0
        return "placeOrder", [m.order_id, to_json(m.contract), order]
    if t is orders.CancelOrder:
        return "cancelOrder", [m.order_id, _cancel(m)]
    if t is orders.ReqGlobalCancel:
        return "reqGlobalCancel", [_cancel(m)]
    if t is historical.ReqHistoricalData:  # the official argument is an int
        return "reqHistoricalData", [m.req_id, to_json(m.contract), _s(m.end_date_time),
                                     _s(m.duration_str), _s(m.bar_size_setting),
                                     _s(m.what_to_show), int(bool(m.use_rth)), m.format_date,
                                     bool(m.keep_up_to_date), to_json(m.chart_options)]
    if t is system.StartApi:
        return "startApi", []
    if t in (config.ReqConfig, config.UpdateConfig):
        # 10.51's only methods for them take its own protobuf object (no plain method exists)
        name = "reqConfigProtoBuf" if t is config.ReqConfig else "updateConfigProtoBuf"
        pb = m.SCHEMA.pb
        assert pb is not None
        return name, [_pb_json(m, pb)]
    spec = next((s for s in api_specs().values() if s.msg_cls is t), None)
    if spec is not None:  # every other request: from its declared official method
        return spec.name, [_arg(m, path) for path in spec.paths]
    raise KeyError(f"no oracle call for {t.__name__}")


def _pb_json(obj: Any, pb: PbType) -> dict[str, Any]:
    """``obj`` as the official client's protobuf object of type ``pb`` (driver JSON ``$pb``),
    with exactly the fields ibwire writes (unset, empty and false ones left out)."""
    attrs: dict[str, Any] = {}
    for f in pb.fields:
        value = operator.attrgetter(f.path)(obj)
        if value is None or value == "" or value is False or value == []:
            continue
        name = f.name or _camel(f.path.rsplit(".", 1)[-1])
        if f.sub is not None:
            sub = f.sub
            value = [_pb_json(x, sub) for x in value] if f.repeated else _pb_json(value, sub)
        attrs[name] = value
    return {"$pb": pb.name, "a": attrs}


def encode_cmd(m: Message, version: int) -> dict[str, Any]:
    cmd: dict[str, Any] = {"op": "encode", "v": version, "call": list(oracle_call(m, version))}
    if isinstance(m, system.StartApi):
        cmd["client_id"] = m.client_id
        cmd["opt_capab"] = m.optional_capabilities
    return cmd


def dump_compat(v: Any) -> Any:
    """A callback argument of ibwire.compat's EClient in the driver's output form."""
    if isinstance(v, Decimal):
        return {"$dec": str(v)}
    if isinstance(v, (list, tuple)):
        return [dump_compat(x) for x in v]
    if isinstance(v, dict):  # (as the driver dumps one: SMART_COMPONENTS from protobuf)
        return {str(k): dump_compat(x) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, datetime):
        return v.isoformat()
    if dataclasses.is_dataclass(v) and not hasattr(v, "__dict__"):  # an ibwire model (slots)
        return {"$": type(v).__name__, "a": {_camel(f.name): dump_compat(getattr(v, f.name))
                                             for f in dataclasses.fields(v)}}
    return {"$": type(v).__name__, "a": {k: dump_compat(x) for k, x in vars(v).items()
                                         if not k.startswith("_")}}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)
