"""Account streams: REQ_ACCT_DATA, REQ_POSITIONS, the *_MULTI requests, REQ_ACCOUNT_SUMMARY.

Every subscription remembers what it last sent (key -> row); :func:`refresh` (called after fills
and after every market step) recomputes the rows and sends only those that changed, so a client
sees its account values and portfolio move with the market the way TWS streams them. A row that
disappears is not retracted: TWS never does that either (a closed position stays, at 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models.account import AccountValue, PortfolioItem, Position
from ..protocol.messages.accounts import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelPositions,
    CancelPositionsMulti,
    PortfolioValue,
    PositionData,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPositions,
    ReqPositionsMulti,
)
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh", "AccountStreams"]

_ValueKey = tuple[str, str, str]  # key, currency, account
_PosKey = tuple[str, int]  # account, con id


@dataclass(slots=True)
class _Multi:
    accounts: tuple[str, ...]
    model_code: str
    sent: dict[tuple[str, ...], tuple[object, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class _Summary:
    tags: str
    sent: dict[tuple[str, str, str], str] = field(default_factory=dict)


@dataclass(slots=True)
class AccountStreams:
    """The account subscriptions of one session."""

    acct: str | None = None  # REQ_ACCT_DATA account
    acct_values: dict[_ValueKey, str] = field(default_factory=dict)
    acct_portfolio: dict[int, tuple[object, ...]] = field(default_factory=dict)
    positions: bool = False
    positions_sent: dict[_PosKey, tuple[object, ...]] = field(default_factory=dict)
    multi: dict[int, _Multi] = field(default_factory=dict)
    positions_multi: dict[int, _Multi] = field(default_factory=dict)
    summaries: dict[int, _Summary] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.acct or self.positions or self.multi or self.positions_multi
                    or self.summaries)


def _streams(session: Session) -> AccountStreams:
    s = session.state.get("accounts")
    if s is None:
        s = session.state["accounts"] = AccountStreams()
    assert isinstance(s, AccountStreams)
    return s


class _Cache:
    """Per-refresh memo of the exchange's account views (shared by every session)."""

    def __init__(self, core: GatewayCore) -> None:
        self.ex = core.exchange
        self._values: dict[str, list[AccountValue]] = {}
        self._portfolio: dict[str, list[PortfolioItem]] = {}
        self._positions: list[Position] | None = None
        self._summary: dict[str, list[tuple[str, str, str, str]]] = {}

    def values(self, account: str) -> list[AccountValue]:
        v = self._values.get(account)
        if v is None:
            v = self._values[account] = self.ex.account_values(account)
        return v

    def portfolio(self, account: str) -> list[PortfolioItem]:
        p = self._portfolio.get(account)
        if p is None:
            p = self._portfolio[account] = self.ex.portfolio(account)
        return p

    def positions(self) -> list[Position]:
        if self._positions is None:
            self._positions = self.ex.positions()
        return self._positions

    def summary(self, tags: str) -> list[tuple[str, str, str, str]]:
        s = self._summary.get(tags)
        if s is None:
            s = self._summary[tags] = self.ex.account_summary(tags)
        return s


def _pos_row(p: Position) -> tuple[object, ...]:
    return (p.position, p.avg_cost)


def _portfolio_row(p: PortfolioItem) -> tuple[object, ...]:
    return (p.position, p.market_price, p.market_value, p.average_cost, p.unrealized_pnl,
            p.realized_pnl)


def _portfolio_msg(p: PortfolioItem) -> PortfolioValue:
    return PortfolioValue(contract=p.contract, position=p.position, market_price=p.market_price,
                          market_value=p.market_value, average_cost=p.average_cost,
                          unrealized_pnl=p.unrealized_pnl, realized_pnl=p.realized_pnl,
                          account_name=p.account)


def _con_id(p: PortfolioItem | Position) -> int:
    return p.contract.con_id or 0


# --- the streams --------------------------------------------------------------------------------

def _acct_data(session: Session, st: AccountStreams, cache: _Cache, initial: bool) -> None:
    account = st.acct
    if account is None:
        return
    changed = False
    for v in cache.values(account):
        key = (v.key or "", v.currency or "", v.account or account)
        value = v.value or ""
        if st.acct_values.get(key) != value:
            st.acct_values[key] = value
            session.send(AcctValue(key=v.key, value=value, currency=v.currency or "",
                                   account_name=v.account or account))
            changed = True
    for p in cache.portfolio(account):
        row = _portfolio_row(p)
        if st.acct_portfolio.get(_con_id(p)) != row:
            st.acct_portfolio[_con_id(p)] = row
            session.send(_portfolio_msg(p))
            changed = True
    if changed or initial:
        session.send(AcctUpdateTime(
            time_stamp=session.core.market_time().astimezone().strftime("%H:%M")))
    if initial:
        session.send(AcctDownloadEnd(account_name=account))


def _positions(session: Session, st: AccountStreams, cache: _Cache, initial: bool) -> None:
    if not st.positions:
        return
    for p in cache.positions():
        key = (p.account or "", _con_id(p))
        row = _pos_row(p)
        if st.positions_sent.get(key) != row:
            st.positions_sent[key] = row
            session.send(PositionData(account=p.account, contract=p.contract, position=p.position,
                                      avg_cost=p.avg_cost))
    if initial:
        session.send(PositionEnd())


def _multi(session: Session, req_id: int, sub: _Multi, cache: _Cache, initial: bool) -> None:
    for account in sub.accounts:
        for v in cache.values(account):
            key = (v.key or "", v.currency or "", account)
            row = (v.value or "",)
            if sub.sent.get(key) != row:
                sub.sent[key] = row
                session.send(AccountUpdateMulti(req_id=req_id, account=account,
                                                model_code=sub.model_code, key=v.key,
                                                value=v.value or "", currency=v.currency or ""))
    if initial:
        session.send(AccountUpdateMultiEnd(req_id=req_id))


def _positions_multi(session: Session, req_id: int, sub: _Multi, cache: _Cache,
                     initial: bool) -> None:
    for p in cache.positions():
        if p.account not in sub.accounts:
            continue
        key = (p.account or "", str(_con_id(p)))
        row = _pos_row(p)
        if sub.sent.get(key) != row:
            sub.sent[key] = row
            session.send(PositionMulti(req_id=req_id, account=p.account,
                                       model_code=sub.model_code, contract=p.contract,
                                       position=p.position, avg_cost=p.avg_cost))
    if initial:
        session.send(PositionMultiEnd(req_id=req_id))


def _summary(session: Session, req_id: int, sub: _Summary, cache: _Cache, initial: bool) -> None:
    for account, tag, value, currency in cache.summary(sub.tags):
        key = (account, tag, currency)
        if sub.sent.get(key) != value:
            sub.sent[key] = value
            session.send(AccountSummary(req_id=req_id, account=account, tag=tag, value=value,
                                        currency=currency))
    if initial:
        session.send(AccountSummaryEnd(req_id=req_id))


def refresh(core: GatewayCore) -> None:
    """Send every subscriber what changed since it was last told."""
    cache: _Cache | None = None
    for session in list(core.sessions.values()):
        st = session.state.get("accounts")
        if not isinstance(st, AccountStreams) or not st.active or session.closed:
            continue
        if cache is None:
            cache = _Cache(core)
        _acct_data(session, st, cache, False)
        _positions(session, st, cache, False)
        for req_id, sub in list(st.multi.items()):
            _multi(session, req_id, sub, cache, False)
        for req_id, sub in list(st.positions_multi.items()):
            _positions_multi(session, req_id, sub, cache, False)
        for req_id, summ in list(st.summaries.items()):
            _summary(session, req_id, summ, cache, False)


# --- handlers -----------------------------------------------------------------------------------

def _accounts_for(session: Session, account: str | None) -> tuple[str, ...] | None:
    """The accounts a request names ("" / "All" = every managed account); None if unknown."""
    managed = session.core.accounts
    if not account or account.upper() == "ALL":
        return tuple(managed)
    if account not in managed:
        return None
    return (account,)


def _unknown_account(session: Session, req_id: int, account: str) -> None:
    session.error(req_id, 321, f"Error validating request.-'bK' : cause - The account code "
                               f"{account} is not managed by this user")


@handles(ReqAcctData)
def _req_acct_data(session: Session, msg: ReqAcctData) -> None:
    st = _streams(session)
    if not msg.subscribe:
        st.acct = None
        st.acct_values.clear()
        st.acct_portfolio.clear()
        return
    managed = session.core.accounts
    account = msg.acct_code or managed[0]
    if account not in managed:
        _unknown_account(session, -1, account)
        return
    if st.acct is not None and st.acct != account:
        session.error(-1, 2100, "API client has been unsubscribed from account data.")
    st.acct = account
    st.acct_values.clear()
    st.acct_portfolio.clear()
    _acct_data(session, st, _Cache(session.core), True)


@handles(ReqPositions)
def _req_positions(session: Session, msg: ReqPositions) -> None:
    st = _streams(session)
    st.positions = True
    st.positions_sent.clear()
    _positions(session, st, _Cache(session.core), True)


@handles(CancelPositions)
def _cancel_positions(session: Session, msg: CancelPositions) -> None:
    st = _streams(session)
    st.positions = False
    st.positions_sent.clear()


@handles(ReqAccountUpdatesMulti)
def _req_account_updates_multi(session: Session, msg: ReqAccountUpdatesMulti) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    accounts = _accounts_for(session, msg.account)
    if accounts is None:
        _unknown_account(session, req_id, msg.account or "")
        return
    sub = _Multi(accounts, msg.model_code or "")
    st = _streams(session)
    st.multi[req_id] = sub
    _multi(session, req_id, sub, _Cache(session.core), True)


def _no_such(session: Session, req_id: int, what: str) -> None:
    """A cancel of nothing is answered (no request is ever silently ignored)."""
    session.error(req_id, 321, f"Error validating request.-'{what}' : cause - no active {what} "
                               f"request with id {req_id}")


@handles(CancelAccountUpdatesMulti)
def _cancel_account_updates_multi(session: Session, msg: CancelAccountUpdatesMulti) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).multi.pop(req_id, None) is None:
        _no_such(session, req_id, "CANCEL_ACCOUNT_UPDATES_MULTI")


@handles(ReqPositionsMulti)
def _req_positions_multi(session: Session, msg: ReqPositionsMulti) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    accounts = _accounts_for(session, msg.account)
    if accounts is None:
        _unknown_account(session, req_id, msg.account or "")
        return
    sub = _Multi(accounts, msg.model_code or "")
    _streams(session).positions_multi[req_id] = sub
    _positions_multi(session, req_id, sub, _Cache(session.core), True)


@handles(CancelPositionsMulti)
def _cancel_positions_multi(session: Session, msg: CancelPositionsMulti) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).positions_multi.pop(req_id, None) is None:
        _no_such(session, req_id, "CANCEL_POSITIONS_MULTI")


@handles(ReqAccountSummary)
def _req_account_summary(session: Session, msg: ReqAccountSummary) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    sub = _Summary(msg.tags or "")
    _streams(session).summaries[req_id] = sub
    _summary(session, req_id, sub, _Cache(session.core), True)


@handles(CancelAccountSummary)
def _cancel_account_summary(session: Session, msg: CancelAccountSummary) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if _streams(session).summaries.pop(req_id, None) is None:
        _no_such(session, req_id, "CANCEL_ACCOUNT_SUMMARY")
