"""What the paper exchange checks of an order: its session (DAY orders, strict calendar) and
whether it is acceptable at all (the rejects listed in :mod:`.exchange`). A base of
:class:`~ibwire.gateway.exchange.PaperExchange`, on its state."""

from __future__ import annotations

from datetime import date

from ..models.order import Order
from . import combos
from .accounts import Accounts
from .calendar import Calendar, Session
from .instruments import Instrument
from .market import Market
from .order_events import OrderRecord, reject
from .order_rules import ON_CLOSE_TYPES, ORDER_TYPES, PEGGED_TYPES, required_prices

__all__ = ["OrderChecks"]

_TIFS = frozenset({"DAY", "GTC", "IOC"})


class OrderChecks:
    """Session and validity checks, as methods of the exchange."""

    # provided by PaperExchange
    market: Market
    accounts: Accounts
    strict: bool

    # --- sessions --------------------------------------------------------------------------------
    @staticmethod
    def _liquid_only(inst: Instrument, order: Order) -> bool:
        """Whether ``order`` works in regular hours only (a stock order without outsideRth)."""
        return inst.hours == "stock" and not order.outside_rth

    def _day_session(self, inst: Instrument, order: Order) -> Session:
        """The session a DAY order placed now lives in: the one running, or the next."""
        cal = Calendar.of(inst.hours)
        return cal.next_session(self.market.step_second, self._liquid_only(inst, order))

    def _tradable(self, inst: Instrument, order: Order) -> bool:
        """Whether ``order`` may trade now. Always, with the default calendar; in strict mode
        only inside its session (regular hours for a stock order without outsideRth)."""
        if not self.strict:
            return True
        return self.market.in_session(inst.con_id, liquid=self._liquid_only(inst, order))

    def _day_expired(self, rec: OrderRecord, inst: Instrument) -> bool:
        """Whether the session of DAY order ``rec`` has closed."""
        try:
            d = date(int(rec.trading_day[:4]), int(rec.trading_day[4:6]), int(rec.trading_day[6:8]))
        except ValueError:
            return False
        sess = Calendar.of(inst.hours).session(d, self._liquid_only(inst, rec.order))
        now = self.market.step_second
        if sess is None:  # (a state file from before the calendar: a plain date)
            return Calendar.of(inst.hours).trading_date_of(now) > d
        return now >= sess.close

    def validate_order(self, rec: OrderRecord, inst: Instrument,
                       margin: bool = True) -> tuple[int, str] | None:
        """The (code, text) an order would be rejected with, or None (``margin``: check the
        account's margin too; a what-if preview does not)."""
        return self._validate(rec, inst, margin)

    def _validate(self, rec: OrderRecord, inst: Instrument,
                  margin: bool = True) -> tuple[int, str] | None:
        o = rec.order
        if inst.sec_type == "IND":
            return reject(f"{inst.symbol} is an index (IND): indices are not tradable; trade "
                           "its futures, options or an ETF that tracks it")
        if not self.accounts.has(rec.account):
            return reject(f"The account code {rec.account} is not valid")
        if o.action not in ("BUY", "SELL"):
            return reject(f"Invalid action: {o.action or '(none)'}; use BUY or SELL")
        qty = o.total_quantity
        if qty is None or qty <= 0:
            return reject("The order quantity must be greater than zero")
        if (qty / inst.size_increment) % 1 != 0 or qty < inst.min_size:
            return reject(f"The order size {qty} is not a multiple of the size increment "
                           f"{inst.size_increment}")
        if o.order_type not in ORDER_TYPES:
            return 387, "Unsupported order type for this exchange and security type."
        if o.tif not in _TIFS:
            return reject(f"Time in force {o.tif} is not supported; use DAY, GTC or IOC")
        if o.order_type in ON_CLOSE_TYPES and o.tif != "DAY":
            return reject(f"A {o.order_type} order is a DAY order (time in force {o.tif})")
        combo_limit = o.order_type in ("LMT", "STP LMT") and combos.is_combo(rec.contract)
        if combo_limit and o.lmt_price is None:
            return reject("A limit price is required for a limit order")
        # (a combo's limit is its net price: zero or a credit are limits too)
        reason = required_prices(o.order_type, 1.0 if combo_limit else o.lmt_price, o.aux_price,
                                 o.trailing_percent, o.lmt_price_offset)
        if reason is not None:
            return reject(reason)
        prices: list[float] = []
        if o.order_type in ("LMT", "STP LMT", "LIT", "LOC"):
            prices.append(o.lmt_price or 0.0)
        if o.order_type in ("STP", "STP LMT", "MIT", "LIT"):
            prices.append(o.aux_price or 0.0)
        if o.order_type in PEGGED_TYPES and o.lmt_price and 0 < o.lmt_price < 1e300:
            prices.append(o.lmt_price)
        if any(not inst.on_grid(p) for p in prices):
            return 110, "The price does not conform to the minimum price variation for this contract."
        bid, ask, _last = self.market.touch(inst.con_id)
        if o.post_only and (o.order_type != "LMT" or (
                (ask <= (o.lmt_price or 0.0)) if o.action == "BUY" else (bid >= (o.lmt_price or 0.0)))):
            return reject("A post-only order must be a limit order that does not take liquidity "
                           "(it would cross the market now)")
        if not margin:
            return None
        price = prices[0] if prices else (ask if o.action == "BUY" else bid)
        reason = self.accounts.margin_reject(rec.account, inst, o.action, qty, price)
        return reject(reason) if reason else None
