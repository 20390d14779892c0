"""Positions, account values and the portfolio: the Broker's snapshot reads of a login's accounts.

:meth:`~AccountMixin.flow_positions` (REQ_POSITIONS until POSITION_END) and
:meth:`~AccountMixin.flow_account_values` / :meth:`~AccountMixin.flow_portfolio` (REQ_ACCT_DATA
until ACCT_DOWNLOAD_END for one account) are read-only requests: each subscribes, takes the
snapshot TWS sends up to its end marker, and unsubscribes; two callers asking at once share one
request, and one still waiting when 1101 says TWS lost its data asks again (see
:meth:`~ibwire.client.core.BrokerCore._read_flow`).
"""

from __future__ import annotations

from typing import ClassVar

from ..errors import IbwireError
from ..models import AccountValue, PortfolioItem, Position
from ..protocol.messages.accounts import (
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelPositions,
    PortfolioValue,
    PositionData,
    PositionEnd,
    ReqAcctData,
    ReqPositions,
)
from .core import BrokerCore, Flow
from .flows import front_method
from .router import singleton_key

__all__ = ["AccountMixin"]

_POSITIONS = singleton_key(ReqPositions)
_ACCOUNT = singleton_key(ReqAcctData)


class AccountMixin(BrokerCore):
    """Positions, account values and portfolio of the managed accounts."""

    _HANDLERS: ClassVar[dict[type, str]] = {
        PositionData: "_on_position",
        PositionEnd: "_on_position_end",
        AcctValue: "_on_account_row",
        PortfolioValue: "_on_account_row",
        AcctUpdateTime: "_on_account_row",
        AcctDownloadEnd: "_on_account_end",
    }

    # positions ---------------------------------------------------------------------------------

    def _on_position(self, msg: PositionData) -> None:
        p = self._registry.get(_POSITIONS)
        if p is not None:
            p.rows.append(Position(msg.account, msg.contract, msg.position, msg.avg_cost))

    def _on_position_end(self, msg: PositionEnd) -> None:
        p = self._registry.get(_POSITIONS)
        if p is not None:
            latest: dict[tuple[str | None, int | None], Position] = {}
            for row in p.rows:
                latest[(row.account, row.contract.con_id)] = row
            p.finish([row for row in latest.values() if row.position])

    def flow_positions(self, timeout: float | None = None) -> Flow[list[Position]]:
        """Every non-zero position of every managed account (short positions are negative)."""
        try:
            result: list[Position] = yield from self._read_flow(
                "positions", _POSITIONS, lambda: self._send(ReqPositions()), timeout,
                resubscribe=True)
        finally:
            if self._transport_connected():
                try:
                    self._send(CancelPositions())
                except IbwireError:
                    pass
        return result

    # account values and portfolio ---------------------------------------------------------------

    def _on_account_row(self, msg: AcctValue | PortfolioValue | AcctUpdateTime) -> None:
        p = self._registry.get(_ACCOUNT)
        if p is not None:
            p.rows.append(msg)

    def _on_account_end(self, msg: AcctDownloadEnd) -> None:
        p = self._registry.get(_ACCOUNT)
        if p is None or msg.account_name != p.extra.get("account"):
            return
        values: dict[tuple[str | None, str | None, str | None], AccountValue] = {}
        items: dict[tuple[str | None, int | None], PortfolioItem] = {}
        for row in p.rows:
            if isinstance(row, AcctValue):
                values[(row.key, row.currency, row.account_name)] = AccountValue(
                    row.key, row.value, row.currency, row.account_name)
            elif isinstance(row, PortfolioValue):
                items[(row.account_name, row.contract.con_id)] = PortfolioItem(
                    row.contract, row.position, row.market_price, row.market_value,
                    row.average_cost, row.unrealized_pnl, row.realized_pnl, row.account_name)
        p.finish((list(values.values()), list(items.values())))

    def _account_flow(self, account: str | None, timeout: float | None
                      ) -> Flow[tuple[list[AccountValue], list[PortfolioItem]]]:
        acct = account or (self.accounts[0] if len(self.accounts) == 1 else None)
        if acct is None:
            raise IbwireError(f"this login manages several accounts {self.accounts}: name one")
        if self.accounts and acct not in self.accounts:
            raise IbwireError(f"account {acct!r} is not managed by this login {self.accounts}")
        try:
            result: tuple[list[AccountValue], list[PortfolioItem]] = yield from self._read_flow(
                "account values", _ACCOUNT, lambda: self._send(ReqAcctData(True, acct)), timeout,
                resubscribe=True, account=acct)
        finally:
            if self._transport_connected():
                try:
                    self._send(ReqAcctData(False, acct))
                except IbwireError:
                    pass
        return result

    def flow_account_values(self, account: str | None = None,
                            timeout: float | None = None) -> Flow[list[AccountValue]]:
        """Every account value (NetLiquidation, TotalCashValue, BuyingPower ...) of ``account``
        (the only managed account when None)."""
        values, _ = yield from self._account_flow(account, timeout)
        return values

    def flow_portfolio(self, account: str | None = None,
                       timeout: float | None = None) -> Flow[list[PortfolioItem]]:
        """Positions of ``account`` with market price and value, average cost and PnL."""
        _, items = yield from self._account_flow(account, timeout)
        return items

    positions = front_method(flow_positions)
    account_values = front_method(flow_account_values)
    portfolio = front_method(flow_portfolio)
