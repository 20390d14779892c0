"""Options on the paper exchange after the trade: exercise, lapse and expiry settlement. A base of
:class:`~ibwire.gateway.exchange.PaperExchange`, on its state."""

from __future__ import annotations

from decimal import Decimal

from .accounts import Accounts
from .instruments import InstrumentTable
from .market import Market
from .options import OptionTable
from .order_events import AccountUpdate, Event

__all__ = ["OptionSettlement"]


class OptionSettlement:
    """Exercise and expiry, as methods of the exchange."""

    # provided by PaperExchange
    market: Market
    accounts: Accounts
    instruments: InstrumentTable
    _dirty_positions: set[tuple[str, int]]
    _dirty_accounts: set[str]

    def save(self) -> None:
        raise NotImplementedError

    def _option_positions(self) -> bool:
        """Whether any account holds an option (expiries to watch)."""
        return any(pos.quantity != 0 and (inst := self.instruments.get(pos.con_id)) is not None
                   and inst.right is not None
                   for code in self.accounts.codes
                   for pos in self.accounts.state(code).positions.values())

    def exercise(self, account: str, con_id: int, quantity: Decimal, exercise: bool,
                 override: bool = False) -> list[Event] | tuple[int, str]:
        """Exercise (or let lapse) ``quantity`` of a long option position: the events, or the
        (code, text) of the error TWS would answer. An out-of-the-money option is exercised only
        with ``override``."""
        try:
            if not self.accounts.has(account):
                return 321, f"Error validating request.-'bE' : cause - Invalid account {account}"
            pos = self.accounts.position(account, con_id)
            held = pos.quantity if pos is not None else Decimal(0)
            if held < quantity:
                return 321, ("Error validating request.-'bE' : cause - Exercise quantity "
                             f"{quantity} exceeds the long position {held}")
            path = self.market.option_path(con_id)
            if path is None:
                return 200, "No security definition has been found for the request"
            intrinsic = self._intrinsic(con_id)
            if exercise and intrinsic <= 0 and not override:
                return 321, ("Error validating request.-'bE' : cause - The option is out of the "
                             "money: exercising it needs override")
            return self._settle(account, con_id, quantity, exercise)
        finally:
            self.save()

    def _intrinsic(self, con_id: int) -> float:
        path = self.market.option_path(con_id)
        assert path is not None
        under = path.under_price(self.market.step_second)
        k = path.terms.strike
        return max(0.0, under - k) if path.terms.right == "C" else max(0.0, k - under)

    def _settle(self, account: str, con_id: int, quantity: Decimal, exercise: bool) -> list[Event]:
        """Close ``quantity`` (signed: short positions are assigned) of an option position at
        its intrinsic value and, when exercised and physically settled, book the underlying at
        its market price: the cash works out to the strike changing hands."""
        inst = self.instruments[con_id]
        path = self.market.option_path(con_id)
        assert path is not None
        terms = path.terms
        value = self._intrinsic(con_id) if exercise else 0.0
        long = quantity > 0
        qty = abs(quantity)
        self.accounts.apply_fill(account, inst, "SLD" if long else "BOT", qty, value, 0.0)
        self._dirty_positions.add((account, con_id))
        if exercise and value > 0 and not terms.cls.cash_settled:
            under = self.instruments[terms.under_con_id]
            units = qty * Decimal(str(inst.multiplier_value / under.multiplier_value))
            buys = (terms.right == "C") == long
            self.accounts.apply_fill(account, under, "BOT" if buys else "SLD", units,
                                     path.under_price(self.market.step_second), 0.0)
            self._dirty_positions.add((account, under.con_id))
        self._dirty_accounts.add(account)
        return [AccountUpdate(account)]

    def _expire_options(self) -> list[Event]:
        """Settle every option position whose expiry has passed: in the money by at least a cent
        exercised (or assigned), otherwise it lapses."""
        table = self.instruments
        now = self.market.step_second
        events: list[Event] = []
        for code in self.accounts.codes:
            for pos in list(self.accounts.state(code).positions.values()):
                if pos.quantity == 0 or not isinstance(table, OptionTable):
                    continue
                terms = table.terms(pos.con_id)
                if terms is None or now < terms.expiry_second:
                    continue
                events += self._settle(code, pos.con_id, pos.quantity,
                                       self._intrinsic(pos.con_id) >= 0.01)
        return events
