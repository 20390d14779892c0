"""Profit and loss kept live, and soft dollar tiers: the PnL side of the Broker (issue 14).

``broker.pnl(account)`` subscribes to TWS's account PnL (REQ_PNL) and returns a :class:`PnL`
that TWS keeps current (about once a second while values change): ``daily_pnl`` since the daily
reset, ``unrealized_pnl`` of the open positions, ``realized_pnl`` since the reset, in the
account's base currency. ``broker.pnl_single(account, con_id)`` does the same for one position
(:class:`PnLSingle`, with its ``position`` and market ``value``). Each update changes the object
in place, wakes ``wait_update()`` / ``await updated()`` and is announced to listeners and
``broker.stream(PnL)`` as the object itself. ``broker.cancel_pnl(obj)`` ends either kind.

A value TWS has not computed stays None (TWS sends its unset double there: a position not traded
since the daily reset has no realized PnL). The same subscription asked for twice returns the same
live object; after 1101 (TWS lost its data) the subscriptions are asked for again.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from ..errors import IbwireError, RequestTimeout, classify
from ..models.order import SoftDollarTier
from ..protocol.messages import pnl as wire
from ..protocol.messages.pnl import ReqPnL, ReqPnLSingle, ReqSoftDollarTiers, SoftDollarTiers
from .accessors import LocalList
from .core import BrokerCore, Flow, Wait, request_error
from .flows import front_method
from .requests import Pending
from .tickets import await_change, refuse_on_loop

__all__ = ["PnL", "PnLSingle", "PnLMixin"]


@dataclass(eq=False)
class _LivePnL:
    """What both live PnL objects share: updates, errors, waiting."""

    account: str = ""
    model_code: str = ""
    req_id: int = 0
    daily_pnl: float | None = None
    unrealized_pnl: float | None = None
    realized_pnl: float | None = None
    updates: int = 0
    """How many updates TWS sent (0: none yet)."""
    error: Exception | None = None
    active: bool = True
    _waiting: int = field(default=0, repr=False)
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _waiters: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _broker: Any = field(default=None, repr=False)

    def wait_update(self, timeout: float = 5.0, after: int | None = None) -> bool:
        """Block until TWS updated it (after update number ``after``, default: the current one);
        False on timeout. (Sync Broker; with an AsyncBroker: ``await pnl.updated()``.)"""
        refuse_on_loop(self, "pnl.wait_update()", "await pnl.updated()")
        seen = self.updates if after is None else after
        with self._cond:
            self._waiting += 1
            try:
                return self._cond.wait_for(lambda: self.updates > seen or self.error is not None,
                                           timeout)
            finally:
                self._waiting -= 1

    async def updated(self, timeout: float | None = 5.0, after: int | None = None) -> None:
        """Wait on the running loop until TWS updated it (after update number ``after``);
        RequestTimeout after ``timeout`` seconds. Works with a Broker and an AsyncBroker."""
        seen = self.updates if after is None else after
        await await_change(self, lambda: self.updates > seen or self.error is not None,
                           timeout, f"an update of {self!r}")
        if self.error is not None:
            raise self.error

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()
        for waiter in list(self._waiters):
            waiter()


@dataclass(eq=False, repr=False)
class PnL(_LivePnL):
    """An account's profit and loss, kept current by TWS (REQ_PNL); base currency."""

    def __repr__(self) -> str:
        return (f"PnL({self.account!r}, daily={self.daily_pnl}, unrealized="
                f"{self.unrealized_pnl}, realized={self.realized_pnl})")


@dataclass(eq=False, repr=False)
class PnLSingle(_LivePnL):
    """One position's profit and loss, kept current by TWS (REQ_PNL_SINGLE); ``value`` is its
    market value."""

    con_id: int = 0
    position: Decimal | None = None
    value: float | None = None

    def __repr__(self) -> str:
        return (f"PnLSingle({self.account!r}, con_id={self.con_id}, position={self.position}, "
                f"daily={self.daily_pnl}, unrealized={self.unrealized_pnl}, realized="
                f"{self.realized_pnl}, value={self.value})")


_Live = PnL | PnLSingle


class PnLMixin(BrokerCore):
    _HANDLERS: ClassVar[dict[type, str]] = {
        wire.PnL: "_on_pnl",
        wire.PnLSingle: "_on_pnl_single",
        SoftDollarTiers: "_on_soft_dollar_tiers",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._pnls: dict[int, _Live] = {}
        self._pnl_first: dict[int, Pending[Any]] = {}

    # --- updates ------------------------------------------------------------------------------

    def _pnl_touch(self, p: _Live) -> None:
        p.updates += 1
        p._notify()
        first = self._pnl_first.pop(p.req_id, None)
        if first is not None:
            first.finish(p)
        self._emit(p)

    def _on_pnl(self, msg: wire.PnL) -> None:
        p = self._pnls.get(msg.req_id) if msg.req_id is not None else None
        if not isinstance(p, PnL):
            return
        p.daily_pnl, p.unrealized_pnl, p.realized_pnl = (
            msg.daily_pnl, msg.unrealized_pnl, msg.realized_pnl)
        self._pnl_touch(p)

    def _on_pnl_single(self, msg: wire.PnLSingle) -> None:
        p = self._pnls.get(msg.req_id) if msg.req_id is not None else None
        if not isinstance(p, PnLSingle):
            return
        p.position, p.daily_pnl, p.unrealized_pnl, p.realized_pnl, p.value = (
            msg.position, msg.daily_pnl, msg.unrealized_pnl, msg.realized_pnl, msg.value)
        self._pnl_touch(p)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        p = self._pnls.get(req_id)
        if p is None:
            return super()._route_error(req_id, code, text, advanced)
        if classify(code).is_error:
            p.error = request_error(code, text, req_id, advanced)
            p.active = False
            del self._pnls[req_id]
            self._subs.drop(req_id)  # TWS ended it: nothing to cancel
            first = self._pnl_first.pop(req_id, None)
            if first is not None:
                first.fail(p.error)
            p._notify()
            self._emit(p)
        self._notice(code, text, req_id)
        return True

    # --- subscribing --------------------------------------------------------------------------

    def _pnl_account(self, account: str | None) -> str:
        acct = account or (self.accounts[0] if len(self.accounts) == 1 else None)
        if acct is None:
            raise IbwireError(f"this login manages several accounts {self.accounts}: name one")
        return acct

    def _pnl_request(self, p: _Live) -> ReqPnL | ReqPnLSingle:
        if isinstance(p, PnLSingle):
            return ReqPnLSingle(p.req_id, p.account, p.model_code, p.con_id)
        return ReqPnL(p.req_id, p.account, p.model_code)

    def _pnl_flow(self, p: _Live, timeout: float | None) -> Flow[Any]:
        for other in self._pnls.values():  # the same subscription: the same live object
            if type(other) is type(p) and (other.account, other.model_code) == (
                    p.account, p.model_code) and getattr(other, "con_id", 0) == getattr(
                    p, "con_id", 0):
                return other
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        p.req_id = self._registry.next_id()
        p._broker = self
        first: Pending[Any] = Pending(f"{p!r}", f"first:{p.req_id}")
        self._pnls[p.req_id] = p
        self._pnl_first[p.req_id] = first
        request = self._pnl_request(p)
        self._subs.add(request, functools.partial(self._pnl_renewed, p))
        try:
            self._send(request)
            if not (yield Wait(first, total)):
                self._cancel_pnl(p)
                raise RequestTimeout(f"the first update of {p!r}", total)
        finally:
            self._pnl_first.pop(p.req_id, None)
        if p.error is not None:
            raise p.error
        return p

    def flow_pnl(self, account: str | None = None, model_code: str = "",
                 timeout: float | None = None) -> Flow[PnL]:
        """The PnL of ``account`` (the only managed account when None; "All" for every one),
        kept live until :meth:`cancel_pnl`; returns once TWS sent its first values (an unknown
        account raises RequestError)."""
        result: PnL = yield from self._pnl_flow(
            PnL(account=self._pnl_account(account), model_code=model_code), timeout)
        return result

    def flow_pnl_single(self, account: str | None, con_id: int, model_code: str = "",
                        timeout: float | None = None) -> Flow[PnLSingle]:
        """The PnL of ``account``'s position in ``con_id`` (position, daily, unrealized and
        realized PnL, market value), kept live until :meth:`cancel_pnl`."""
        if not con_id:
            raise ValueError("pnl_single needs the contract's con id (qualify it first)")
        result: PnLSingle = yield from self._pnl_flow(
            PnLSingle(account=self._pnl_account(account), model_code=model_code,
                      con_id=con_id), timeout)
        return result

    def cancel_pnl(self, pnl: PnL | PnLSingle) -> None:
        """Stop a subscription made with ``pnl`` or ``pnl_single`` (its values stay as they were)."""
        self._cancel_pnl(pnl)

    def _cancel_pnl(self, p: _Live) -> None:
        p.active = False
        self._pnls.pop(p.req_id, None)
        cancel = self._subs.drop(p.req_id)
        if cancel is not None and self._transport_connected():
            self._send(cancel)

    def _pnl_renewed(self, p: _Live, request: object) -> None:
        """A live PnL asked for again (after 1101 or a reconnect) under a new request id."""
        self._pnls.pop(p.req_id, None)
        assert isinstance(request, (ReqPnL, ReqPnLSingle)) and request.req_id is not None
        p.req_id = request.req_id
        self._pnls[p.req_id] = p

    @property
    def pnls(self) -> LocalList[PnL | PnLSingle]:
        """Live PnL subscriptions (local state: a property on Broker and AsyncBroker)."""
        return LocalList("pnls", self._pnls.values())

    # --- soft dollar tiers ----------------------------------------------------------------------

    def _on_soft_dollar_tiers(self, msg: SoftDollarTiers) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.finish(list(msg.tiers))

    def flow_soft_dollar_tiers(self, timeout: float | None = None
                               ) -> Flow[list[SoftDollarTier]]:
        """The soft dollar tiers configured for the account (none for most accounts)."""
        req_id = self._registry.next_id()
        result: list[SoftDollarTier] = yield from self._read_flow(
            "soft dollar tiers", req_id, lambda: self._send(ReqSoftDollarTiers(req_id)), timeout)
        return result

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    pnl = front_method(flow_pnl)
    pnl_single = front_method(flow_pnl_single)
    soft_dollar_tiers = front_method(flow_soft_dollar_tiers)
