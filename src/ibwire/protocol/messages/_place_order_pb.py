"""PLACE_ORDER's protobuf-only parts (used by :mod:`.orders`): the order fields only protobuf
carries, refused below the server version that takes them exactly where the official client
10.51 refuses them, and the attached stop-loss / profit-taker orders (PlaceOrderRequest field 4)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ...errors import LocalProtocolError
from ..versions import Feature
from .blocks import price_legs, unprice_legs

__all__ = ["NEWER_ORDER_FIELDS", "refuse_newer_order_fields", "place_to_pb", "place_from_pb"]

NEWER_ORDER_FIELDS: tuple[tuple[Feature, str, str], ...] = (
    (Feature.ADDITIONAL_ORDER_PARAMS_1, "order.deactivate", "deactivate"),
    (Feature.ADDITIONAL_ORDER_PARAMS_1, "order.post_only", "postOnly"),
    (Feature.ADDITIONAL_ORDER_PARAMS_1, "order.allow_pre_open", "allowPreOpen"),
    (Feature.ADDITIONAL_ORDER_PARAMS_1, "order.ignore_open_auction", "ignoreOpenAuction"),
    (Feature.ADDITIONAL_ORDER_PARAMS_2, "order.route_marketable_to_bbo", "routeMarketableToBbo"),
    (Feature.ADDITIONAL_ORDER_PARAMS_2, "order.seek_price_improvement", "seekPriceImprovement"),
    (Feature.ADDITIONAL_ORDER_PARAMS_2, "order.what_if_type", "whatIfType"),
    (Feature.HEDGE_MAX_SIZE, "order.hedge_max_size", "hedgeMaxSize"),
    (Feature.COND_ORDER_WITH_OVERNIGHT_PARAM, "order.conditions_include_overnight",
     "conditionsIncludeOvernight"),
    (Feature.ATTACHED_ORDERS, "order.sl_order_id", "slOrderId"),
    (Feature.ATTACHED_ORDERS, "order.sl_order_type", "slOrderType"),
    (Feature.ATTACHED_ORDERS, "order.pt_order_id", "ptOrderId"),
    (Feature.ATTACHED_ORDERS, "order.pt_order_type", "ptOrderType"),
)
"""(version from which it may be sent, attribute path, official name) of every order field that
only protobuf carries and that the official client 10.51 refuses to send below its version."""

_TRI_STATE = frozenset({"order.route_marketable_to_bbo", "order.seek_price_improvement"})


def _is_set(path: str, value: object) -> bool:
    """Whether the protobuf encoder writes the field (as the official client decides it)."""
    if path in _TRI_STATE:
        return value is not None
    if isinstance(value, bool):
        return value
    return value is not None and value != ""


def refuse_newer_order_fields(msg: Any, version: int) -> None:
    """PLACE_ORDER in protobuf (203 ..): an order field the server ``version`` cannot take is
    refused, as the official client refuses it (error 503, nothing sent). In text (below 203)
    these fields do not exist; the official client leaves them off the wire, and so does ibwire."""
    order = msg.order
    for feature, path, name in NEWER_ORDER_FIELDS:
        if version < feature and _is_set(path, getattr(order, path.split(".", 1)[1])):
            what = "attached orders parameter" if feature is Feature.ATTACHED_ORDERS \
                else "order parameter"
            raise LocalProtocolError(
                f"The TWS is out of date and must be upgraded (error 503). The following {what} "
                f"is not supported by your TWS version - {name} (it needs server version "
                f"{int(feature)}; this one is {version})")


_ATTACHED = ("sl_order_id", "sl_order_type", "pt_order_id", "pt_order_type")


def place_to_pb(msg: Any) -> Any:
    """PLACE_ORDER -> PlaceOrderRequest: per-leg prices into the legs, the order's attached
    stop-loss / profit-taker ids and types into AttachedOrders (field 4)."""
    msg = price_legs(msg)
    attached = {a: getattr(msg.order, a) for a in _ATTACHED}
    if any(v is not None for v in attached.values()):
        msg = dataclasses.replace(msg, **attached)
    return msg


def place_from_pb(msg: Any) -> Any:
    msg = unprice_legs(msg)
    for a in _ATTACHED:
        v = getattr(msg, a)
        if v is not None:
            setattr(msg.order, a, v)
            setattr(msg, a, None)
    return msg
