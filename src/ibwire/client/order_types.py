"""What-if previews, brackets and OCA groups: the order-type side of the Broker (issue 14).

* ``what_if(contract, order)`` sends the order as a what-if order (``what_if=True``) under a fresh
  order id and returns TWS's preview (:class:`~ibwire.models.order_types.WhatIf`); nothing is
  placed and no ticket is made.
* ``submit_bracket(contract, parent, take_profit, stop_loss)`` submits the three orders of a
  bracket as one group (the parent and the take-profit staged with ``transmit=False``, the
  stop-loss transmits all three; the children carry the parent's order id) and returns their
  tickets. TWS keeps the children PreSubmitted until the parent fills; a child's fill cancels the
  other.
* ``submit_oca(contract, orders, group, oca_type)`` submits orders as one OCA group.

Tickets follow what TWS shows as it changes: the trailing stop price of a trailing stop, the
limit a trailing stop-limit gets when triggered, the quantity an OCA reduction leaves.
"""

from __future__ import annotations

from copy import copy
from typing import Any, ClassVar

from ..errors import RequestTimeout
from ..models import Contract, Order
from ..models.order_types import WhatIf
from ..protocol.messages.order_reports import OpenOrder
from ..protocol.messages.orders import PlaceOrder
from .core import Flow, Wait, request_error
from .flows import front_method
from .orders import OrdersMixin
from .requests import Pending
from .tickets import OrderTicket

__all__ = ["OrderTypesMixin"]


class OrderTypesMixin(OrdersMixin):
    _HANDLERS: ClassVar[dict[type, str]] = {OpenOrder: "_on_open_order"}

    def _on_open_order(self, msg: OpenOrder) -> None:
        order = msg.order
        if order.what_if:  # the answer to broker.what_if: a preview, never a ticket
            p = self._registry.get(f"whatif:{msg.order_id}")
            if p is not None:
                self._registry.discard(p)
                p.finish(WhatIf.of(msg.order_state))
                return
        super()._on_open_order(msg)
        t = self._tickets.get(msg.order_id or 0) if order.client_id == self.client_id else None
        if t is not None and t.order is not order:
            # what TWS shows as it changes
            for name in ("trail_stop_price", "lmt_price", "total_quantity"):
                value = getattr(order, name)
                if value is not None:
                    setattr(t.order, name, value)
        if t is not None and order.transmit:  # (OPEN_ORDER's text has no transmit: True)
            p = self._registry.pop(f"transmit:{t.order_id}")
            if p is not None:
                t.order.transmit = True
                p.finish(t)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        p = self._registry.get(f"whatif:{req_id}")
        if p is not None:
            self._registry.discard(p)
            p.fail(request_error(code, text, req_id, advanced))
            return True
        return super()._route_error(req_id, code, text, advanced)

    def flow_what_if(self, contract: Contract, order: Order,
                     timeout: float = 10.0) -> Flow[WhatIf]:
        """The margin and commission ``order`` would cost (TWS's what-if preview): initial /
        maintenance margin and equity with loan before, change and after; the commission with
        its min / max; TWS's warning. Nothing is placed. Raises
        :class:`~ibwire.OrderRejected` (or the error TWS gives) for an order TWS would refuse."""
        self._ensure_connected()
        if not isinstance(contract, Contract) or not isinstance(order, Order):
            raise TypeError("what_if takes an ibwire Contract and Order")
        if order.total_quantity is None or order.action not in ("BUY", "SELL", "SSHORT"):
            raise ValueError("an order needs action BUY or SELL and a total quantity")
        order = copy(order)
        order.what_if = True
        oid = self._take_order_id()
        order.order_id = oid
        p: Pending[Any] = Pending(f"what-if of order {oid}", f"whatif:{oid}")
        self._registry.add(p)
        try:
            self._send(PlaceOrder(oid, contract, order))
            if not (yield Wait(p, timeout)):
                raise RequestTimeout(f"what-if of order {oid}", timeout)
            result: WhatIf = p.check()
        finally:
            self._registry.discard(p)
        return result

    def flow_transmit(self, ticket: OrderTicket, timeout: float = 10.0) -> Flow[OrderTicket]:
        """Transmit an order submitted with ``transmit=False`` (TWS keeps such an order staged:
        PreSubmitted, not working): it is placed again under its order id with ``transmit=True``,
        and with it the staged orders of its group (its parent, its children). Returns the ticket
        once TWS shows it transmitted."""
        self._ensure_connected()
        if ticket.is_done:
            raise ValueError(f"order {ticket.order_id} is {ticket.status}: nothing to transmit")
        order = copy(ticket.order)
        order.transmit = True
        key = f"transmit:{ticket.order_id}"
        p: Pending[Any] = Pending(f"transmit of order {ticket.order_id}", key)
        self._registry.add(p)
        try:
            self._send(PlaceOrder(ticket.order_id, ticket.contract, order))
            if not (yield Wait(p, timeout)):
                raise RequestTimeout(f"transmit of order {ticket.order_id}", timeout)
            p.check()
        finally:
            self._registry.discard(p)
        return ticket

    def flow_submit_bracket(self, contract: Contract, parent: Order, take_profit: Order,
                            stop_loss: Order, timeout: float = 10.0) -> Flow[list[OrderTicket]]:
        """Submit a bracket (see :func:`~ibwire.models.order_types.bracket`) as one group; the
        tickets of the parent, the take-profit and the stop-loss."""
        parent, take_profit, stop_loss = copy(parent), copy(take_profit), copy(stop_loss)
        parent.transmit = take_profit.transmit = False
        stop_loss.transmit = True
        first: OrderTicket = yield from self.flow_submit_order(contract, parent, timeout=timeout)
        tickets = [first]
        for child in (take_profit, stop_loss):
            child.parent_id = first.order_id
            t: OrderTicket = yield from self.flow_submit_order(contract, child, timeout=timeout)
            tickets.append(t)
        return tickets

    def flow_submit_oca(self, contract: Contract, orders: list[Order], group: str,
                        oca_type: int = 1, timeout: float = 10.0) -> Flow[list[OrderTicket]]:
        """Submit ``orders`` as one OCA group (type 1 cancel, 2 reduce with block, 3 reduce
        without block); their tickets."""
        if oca_type not in (1, 2, 3):
            raise ValueError(f"OCA types are 1, 2 and 3, not {oca_type}")
        if not group:
            raise ValueError("an OCA group needs a name")
        tickets: list[OrderTicket] = []
        for o in orders:
            o = copy(o)
            o.oca_group, o.oca_type = group, oca_type
            t: OrderTicket = yield from self.flow_submit_order(contract, o, timeout=timeout)
            tickets.append(t)
        return tickets

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    what_if = front_method(flow_what_if)
    submit_bracket = front_method(flow_submit_bracket)
    submit_oca = front_method(flow_submit_oca)
    transmit = front_method(flow_transmit)
