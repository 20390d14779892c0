"""EClient for programs written against the official ``ibapi.client``.

It is :class:`ibwire.client.eclient.EClient` with one difference: callbacks receive the camelCase
objects of :mod:`ibwire.compat` (``contract.symbol``, ``order.totalQuantity``,
``execution.execId``) and the values an ibapi program sees for unset fields (``0`` / ``0.0`` /
``""`` for plain arguments, UNSET_DECIMAL for quantities, the class defaults inside objects).
``from ibwire.compat.client import *`` brings the same names ``from ibapi.client import *`` does
for typical programs (EClient, Contract, Order, ExecutionFilter, TagValue, the common aliases).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from ..client.eapi import DEC, FLT, INT, OBJ, STR, CallbackSpec, item_getter
from ..client.ecallbacks import IMPLIED_SIZE_TICK, Handler, historical_data_ends, tick_attr_mask
from ..client.eclient import EClient as _TypedEClient
from ..protocol.messages.depth import SmartComponents
from ..protocol.messages.ticks import tick_by_tick_call
from ..protocol.versions import Feature, supports
from ._convert import to_compat
from .common import (
    NO_VALID_ID,
    UNSET_DECIMAL,
    UNSET_DOUBLE,
    UNSET_INTEGER,
    UNSET_LONG,
    BarData,
    OrderId,
    TagValueList,
    TickAttrib,
    TickerId,
)
from .contract import ComboLeg, Contract, ContractDetails, DeltaNeutralContract
from .execution import Execution, ExecutionFilter
from .order import Order, OrderComboLeg
from .order_state import OrderState
from .tag_value import TagValue
from .utils import iswrapper

__all__ = [
    "EClient", "Contract", "ComboLeg", "ContractDetails", "DeltaNeutralContract", "Order",
    "OrderComboLeg", "OrderState", "Execution", "ExecutionFilter", "TagValue", "iswrapper",
    "TickAttrib", "BarData", "TickerId", "OrderId", "TagValueList", "NO_VALID_ID", "UNSET_INTEGER",
    "UNSET_DOUBLE", "UNSET_LONG", "UNSET_DECIMAL",
]


def _int(v: Any) -> Any:
    return 0 if v is None else v


def _flt(v: Any) -> Any:
    return 0.0 if v is None else v


def _dec(v: Any) -> Any:
    return UNSET_DECIMAL if v is None else v


def _str(v: Any) -> Any:
    return "" if v is None else v


_CONVERT: dict[str, Callable[[Any], Any]] = {OBJ: to_compat, DEC: _dec, FLT: _flt, INT: _int,
                                             STR: _str}
_BY_LETTER: dict[str, Callable[[Any], Any]] = {"o": to_compat, "d": _dec, "f": _flt, "i": _int,
                                               "s": _str}


class EClient(_TypedEClient):
    """The official EClient API; callbacks get :mod:`ibwire.compat` objects."""

    @classmethod
    def _callback_handler(cls, spec: CallbackSpec) -> Handler:
        callback = spec.name
        convs = tuple(_CONVERT[k] for k in spec.kinds)
        if spec.each is not None:
            items = operator.attrgetter(spec.each)
            getters = [item_getter(p) for p in spec.paths]

            def each(self: _TypedEClient, m: Any) -> None:
                fn = getattr(self.wrapper, callback)
                for item in items(m) or ():
                    fn(*[c(g(m, item)) for g, c in zip(getters, convs)])
            return each
        getters1 = tuple(operator.attrgetter(p) for p in spec.paths)

        def h(self: _TypedEClient, m: Any) -> None:
            getattr(self.wrapper, callback)(*[c(g(m)) for g, c in zip(getters1, convs)])
        return h

    def _on_tick_price(self, m: Any) -> None:
        w = self.wrapper
        mask = tick_attr_mask(m.attr_mask, self._server_version_or_none())
        attrib = TickAttrib(bool(mask & 1), bool(mask & 2), bool(mask & 4))
        req_id = _int(m.req_id)
        w.tickPrice(req_id, _int(m.tick_type), _flt(m.price), attrib)  # type: ignore[arg-type]
        size_tick = IMPLIED_SIZE_TICK.get(m.tick_type)
        if size_tick is not None:
            w.tickSize(req_id, size_tick, _dec(m.size))

    def _on_historical_data(self, m: Any) -> None:
        w = self.wrapper
        req_id = _int(m.req_id)
        for bar in m.bars:
            w.historicalData(req_id, to_compat(bar))
        if historical_data_ends(self._server_version_or_none()):
            w.historicalDataEnd(req_id, _str(m.start_date_str), _str(m.end_date_str))

    @classmethod
    def _make_handler(cls, msg_cls: type) -> Handler | None:
        if msg_cls is SmartComponents:
            return cls._on_smart_components  # type: ignore[return-value]
        return super()._make_handler(msg_cls)

    def _on_smart_components(self, m: SmartComponents) -> None:
        # as the official client 10.51: a list of SmartComponent objects from text, but from
        # protobuf (PROTOBUF_REST_MESSAGES_2, 212) a dict {bitNumber: (exchange, exchangeLetter)}
        version = self._server_version_or_none()
        comps = m.smart_component_map
        value: Any
        if version is not None and supports(version, Feature.PROTOBUF_REST_MESSAGES_2):
            value = {_int(c.bit_number): (_str(c.exchange), c.exchange_letter or " ")
                     for c in comps}
        else:
            value = [to_compat(c) for c in comps]
        wrapper: Any = self.wrapper  # (its callbacks are derived: mypy cannot see them)
        wrapper.smartComponents(_int(m.req_id), value)

    def _on_tick_by_tick(self, m: Any) -> None:
        call = tick_by_tick_call(m)
        if call is not None:
            name, args, kinds = call
            getattr(self.wrapper, name)(*[_BY_LETTER[k](a) for k, a in zip(kinds, args)])

    def _on_err_msg(self, m: Any) -> None:
        self._call_error(-1 if m.req_id is None else m.req_id, _int(m.error_code),
                         _str(m.error_string), m.advanced_order_reject_json or "", m.error_time)

