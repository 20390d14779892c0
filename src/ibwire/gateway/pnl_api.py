"""PnL, soft dollar tiers and FA configuration: REQ_PNL, REQ_PNL_SINGLE and their cancels,
REQ_SOFT_DOLLAR_TIERS, REQ_FA, REPLACE_FA.

PnL (the figures of TWS's Portfolio window, see :mod:`.accounts` for how they are computed, all in
USD): a subscription answers with one PNL / PNL_SINGLE at once, then again whenever a value
changed. :func:`refresh` runs after every market step and after every fill, so the values follow
the market second by second -- at the default clock speed about once a second, as TWS pushes
them. Unlike TWS, which has been seen to repeat an unchanged update, the gateway sends only
changes (documented choice: a client sees the same values either way). The figures agree with the
REQ_ACCT_DATA stream of the same gateway: unrealized PnL is the sum of the portfolio rows'
(which are rounded to cents and refreshed every few minutes, the PnL every second).

* REQ_PNL: ``account`` a managed account, or "" / "All" for every managed account together.
  PNL carries daily, unrealized and realized PnL, always set (0 without positions).
* REQ_PNL_SINGLE: one position (``con_id``) of one account ("" / "All": every account). A con id
  the account holds no position in and has not traded since its daily reset (or one the gateway
  does not list) answers position 0, daily / unrealized PnL and value 0 and realized PnL unset --
  one update, then updates once a position appears (documented choice: TWS stays silent there, but
  the gateway answers every request).
* A model code other than "" is refused (321): the paper accounts have no models. An unknown
  account is refused with TWS's 321; a cancel of nothing is answered with 321 (no request is
  silently ignored).
* REQ_SOFT_DOLLAR_TIERS: an empty list, as a paper account has (IB Gateway at 200: ``77|1001|0``).
* REQ_FA / REPLACE_FA: the paper accounts are not Financial Advisor accounts, so TWS's answer
  to a non-FA account: ERR_MSG 321 "Error validating request.-'..' : cause - FA data operations
  ignored for non FA customers." (REQ_FA under id -1, REPLACE_FA under its request id; the code
  in the quotes is TWS's internal operation code, 'bW' for a replace as captured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ..protocol.messages.fa import ReplaceFA, ReqFA
from ..protocol.messages.pnl import (
    CancelPnL,
    CancelPnLSingle,
    PnL,
    PnLSingle,
    ReqPnL,
    ReqPnLSingle,
    ReqSoftDollarTiers,
    SoftDollarTiers,
)
from ..protocol.schema import Message
from .accounts import BookedFill, PnLValues
from .accounts_api import _accounts_for, _no_such, _unknown_account
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh", "PnLStreams", "NOT_FA_TEXT"]

NOT_FA_TEXT = "FA data operations ignored for non FA customers."


@dataclass(slots=True)
class _Sub:
    accounts: tuple[str, ...]
    con_id: int | None  # None: the account PnL (REQ_PNL)
    sent: tuple[object, ...] | None = None


@dataclass(slots=True)
class PnLStreams:
    """The PnL subscriptions of one session, by request id."""

    subs: dict[int, _Sub] = field(default_factory=dict)


def _streams(session: Session) -> PnLStreams:
    s = session.state.get("pnl")
    if s is None:
        s = session.state["pnl"] = PnLStreams()
    assert isinstance(s, PnLStreams)
    return s


class _Cache:
    """Per-refresh memo: the fills since the earliest daily reset, and each figure computed."""

    def __init__(self, core: GatewayCore) -> None:
        self.accounts = core.exchange.accounts
        self.exchange = core.exchange
        self._fills: list[BookedFill] | None = None
        self._values: dict[tuple[str, int | None], PnLValues] = {}

    def fills(self) -> list[BookedFill]:
        if self._fills is None:
            held = {c for st in self.accounts.states.values()
                    for c, p in st.positions.items() if p.quantity != 0}
            resets = [self.accounts.daily_reset(c) for c in held]
            # the earliest reset of anything held, and a week back for what was closed since
            # its reset (a reset is at most a long weekend back)
            since = min([*resets, self.accounts.market.step_second - 7 * 86400])
            self._fills = self.exchange.booked_fills(since)
        return self._fills

    def value(self, account: str, con_id: int | None) -> PnLValues:
        key = (account, con_id)
        v = self._values.get(key)
        if v is None:
            if con_id is None:
                v = self.accounts.account_pnl(account, self.fills())
            else:
                v = self.accounts.position_pnl(account, con_id, self.fills())
            self._values[key] = v
        return v


def _r(x: float) -> float:
    """A sum of products carries binary noise (-2.7000000000007276): to 8 decimals."""
    return round(x, 8) + 0.0  # (+ 0.0: no -0.0)


def _message(req_id: int, sub: _Sub, cache: _Cache) -> tuple[tuple[object, ...], Message]:
    values = [cache.value(a, sub.con_id) for a in sub.accounts]
    daily = _r(sum(v.daily for v in values))
    unreal = _r(sum(v.unrealized for v in values))
    realized_parts = [v.realized for v in values if v.realized is not None]
    realized = _r(sum(realized_parts)) if realized_parts else None
    if sub.con_id is None:
        row: tuple[object, ...] = (daily, unreal, realized)
        return row, PnL(req_id=req_id, daily_pnl=daily, unrealized_pnl=unreal,
                        realized_pnl=realized if realized is not None else 0.0)
    position = sum((v.position for v in values), Decimal(0))
    value = _r(sum(v.value for v in values))
    row = (position, daily, unreal, realized, value)
    return row, PnLSingle(req_id=req_id, position=position, daily_pnl=daily,
                          unrealized_pnl=unreal, realized_pnl=realized, value=value)


def _push(session: Session, req_id: int, sub: _Sub, cache: _Cache) -> None:
    row, msg = _message(req_id, sub, cache)
    if row != sub.sent:
        sub.sent = row
        session.send(msg)


def refresh(core: GatewayCore) -> None:
    """Send every PnL subscriber what changed since it was last told."""
    cache: _Cache | None = None
    for session in list(core.sessions.values()):
        st = session.state.get("pnl")
        if not isinstance(st, PnLStreams) or not st.subs or session.closed:
            continue
        if cache is None:
            cache = _Cache(core)
        for req_id, sub in list(st.subs.items()):
            _push(session, req_id, sub, cache)


# --- handlers -----------------------------------------------------------------------------------

def _subscribe(session: Session, req_id: int, account: str | None, model_code: str | None,
               con_id: int | None) -> None:
    accounts = _accounts_for(session, account)
    if accounts is None:
        _unknown_account(session, req_id, account or "")
        return
    if model_code:
        session.error(req_id, 321, f"Error validating request.-'bL' : cause - Invalid model code "
                                   f"{model_code}: the paper accounts have no models")
        return
    sub = _Sub(accounts, con_id)
    _streams(session).subs[req_id] = sub
    _push(session, req_id, sub, _Cache(session.core))


@handles(ReqPnL)
def _req_pnl(session: Session, msg: ReqPnL) -> None:
    _subscribe(session, msg.req_id if msg.req_id is not None else 0, msg.account,
               msg.model_code, None)


@handles(ReqPnLSingle)
def _req_pnl_single(session: Session, msg: ReqPnLSingle) -> None:
    _subscribe(session, msg.req_id if msg.req_id is not None else 0, msg.account,
               msg.model_code, msg.con_id or 0)


def _cancel(session: Session, req_id: int | None, single: bool, what: str) -> None:
    rid = req_id if req_id is not None else 0
    subs = _streams(session).subs
    sub = subs.get(rid)
    if sub is None or (sub.con_id is not None) != single:
        _no_such(session, rid, what)
        return
    del subs[rid]


@handles(CancelPnL)
def _cancel_pnl(session: Session, msg: CancelPnL) -> None:
    _cancel(session, msg.req_id, False, "CANCEL_PNL")


@handles(CancelPnLSingle)
def _cancel_pnl_single(session: Session, msg: CancelPnLSingle) -> None:
    _cancel(session, msg.req_id, True, "CANCEL_PNL_SINGLE")


@handles(ReqSoftDollarTiers)
def _req_soft_dollar_tiers(session: Session, msg: ReqSoftDollarTiers) -> None:
    session.send(SoftDollarTiers(req_id=msg.req_id, tiers=[]))


@handles(ReqFA)
def _req_fa(session: Session, msg: ReqFA) -> None:
    session.error(-1, 321, f"Error validating request.-'b4' : cause - {NOT_FA_TEXT}")


@handles(ReplaceFA)
def _replace_fa(session: Session, msg: ReplaceFA) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    session.error(req_id, 321, f"Error validating request.-'bW' : cause - {NOT_FA_TEXT}")
