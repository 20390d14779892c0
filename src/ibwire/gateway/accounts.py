"""Paper accounts: cash per currency, positions with average cost, PnL, margin and TWS's account values.

Accounting rules (all pure and synchronous):

* Stocks: a fill moves ``quantity x price`` between cash and the position; the position is marked to
  the market mid. NetLiquidation = cash + the signed market value of the positions.
* Futures: no notional changes hands; the position's unrealized PnL counts towards NetLiquidation and
  the realized PnL is credited to cash when the position is reduced.
* Options (on stocks, ETFs, indices and futures): the premium x multiplier moves cash, as for a
  stock; the position is marked to the option's mid (OptionMarketValue, FutureOptionValue).
* Currency pairs (``EUR.USD``): the base currency's cash moves by the quantity, the quote currency's
  by ``quantity x price``; NetLiquidation converts every cash balance to USD at the current mid.
* Commissions are paid from USD cash. Average cost follows IB: per unit x multiplier, commission
  included (added to a long's cost, taken from a short's proceeds), so realized PnL (as the
  COMMISSION_REPORT reports it) is net of commissions and unrealized PnL = quantity x (mark -
  average cost). A short position has a negative quantity and a positive average cost.
* Margin: initial 25% / maintenance 20% of stock value (4x buying power), 6% / 5% of futures notional,
  3% / 2.5% of currency notional. EquityWithLoanValue = NetLiquidation; AvailableFunds =
  EquityWithLoanValue - InitMarginReq; ExcessLiquidity = NetLiquidation - MaintMarginReq;
  BuyingPower = 4 x AvailableFunds.
* PnL (REQ_PNL / REQ_PNL_SINGLE, TWS's Portfolio window): every value in the base currency (USD).
  Unrealized = quantity x mark x multiplier - quantity x average cost (the portfolio's unrealized
  PnL, unrounded). Each instrument resets daily at the close of its last trading session (TWS's
  default, instrument-specific reset schedule): daily = the position's value now - its value at the
  reset (quantity then x the mid of the reset's last second) - what the fills since the reset cost
  (bought less sold, plus commissions); realized = the realized PnL of the fills since the reset
  (a position not traded since then has none: TWS leaves it unset).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..models.account import AccountValue, PortfolioItem, Position
from .instruments import Instrument, to_contract
from .market import Market

__all__ = ["Accounts", "AccountState", "PositionRecord", "SUMMARY_TAGS", "LEDGER_TAGS",
           "MARGIN_RATES", "BASE_CURRENCY", "BookedFill", "PnLValues"]

BASE_CURRENCY = "USD"

_PREMIUM = frozenset({"STK", "OPT", "FOP"})
"""Sec types whose price changes hands (the premium of an option, futures options included)."""

MARGIN_RATES: dict[str, tuple[float, float]] = {
    "STK": (0.25, 0.20),
    "FUT": (0.06, 0.05),
    "CASH": (0.03, 0.025),
}
"""(initial, maintenance) margin as a fraction of position value, per sec type."""

SUMMARY_TAGS = (
    "AccountType", "NetLiquidation", "TotalCashValue", "SettledCash", "AccruedCash", "BuyingPower",
    "EquityWithLoanValue", "PreviousEquityWithLoanValue", "GrossPositionValue", "RegTEquity",
    "RegTMargin", "SMA", "InitMarginReq", "MaintMarginReq", "AvailableFunds", "ExcessLiquidity",
    "Cushion", "FullInitMarginReq", "FullMaintMarginReq", "FullAvailableFunds",
    "FullExcessLiquidity", "LookAheadNextChange", "LookAheadInitMarginReq",
    "LookAheadMaintMarginReq", "LookAheadAvailableFunds", "LookAheadExcessLiquidity",
    "HighestSeverity", "DayTradesRemaining", "Leverage",
    # spellings and tags other clients ask for (ib_async, IB's C# docs)
    "PreviousDayEquityWithLoanValue", "DayTradesRemainingT+1", "DayTradesRemainingT+2",
    "DayTradesRemainingT+3", "DayTradesRemainingT+4",
)
"""The standard REQ_ACCOUNT_SUMMARY tags (AccountSummaryTags.AllTags) and the other spellings
clients use."""

LEDGER_TAGS = (
    "CashBalance", "TotalCashBalance", "AccruedCash", "StockMarketValue", "OptionMarketValue",
    "FutureOptionValue", "FuturesPNL", "NetLiquidationByCurrency", "UnrealizedPnL", "RealizedPnL",
    "ExchangeRate", "FundValue", "NetDividend", "MutualFundValue", "MoneyMarketFundValue",
    "CorporateBondValue", "TBondValue", "TBillValue", "WarrantValue", "FxCashBalance",
    "AccountOrGroup", "RealCurrency", "IssuerOptionValue",
)
"""The tags a ``$LEDGER`` account summary request returns per currency."""

_NO_CURRENCY_TAGS = frozenset({"AccountType", "Cushion", "DayTradesRemaining", "Leverage",
                               "DayTradesRemainingT+1", "DayTradesRemainingT+2",
                               "DayTradesRemainingT+3", "DayTradesRemainingT+4",
                               "LookAheadNextChange", "HighestSeverity"})


@dataclass(slots=True)
class PositionRecord:
    """One position. ``avg_cost`` per unit x multiplier, commissions included (IB's convention);
    ``avg_price`` the plain average fill price; ``realized_pnl`` accumulated, net of commissions."""

    account: str
    con_id: int
    quantity: Decimal = Decimal(0)
    avg_cost: float = 0.0
    avg_price: float = 0.0
    realized_pnl: float = 0.0


@dataclass(slots=True)
class AccountState:
    """One account: cash per currency, realized PnL (USD) and positions by con id."""

    code: str
    cash: dict[str, float] = field(default_factory=dict)
    realized_pnl: float = 0.0
    positions: dict[int, PositionRecord] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BookedFill:
    """A fill as the daily PnL counts it (read from the exchange's executions)."""

    account: str
    con_id: int
    second: int  # market time, epoch seconds
    quantity: Decimal  # signed: bought > 0, sold < 0
    price: float
    commission: float  # USD
    realized: float | None  # in the instrument's currency, net of commission (closing fills)


@dataclass(frozen=True, slots=True)
class PnLValues:
    """One position's (or one account's) PnL in USD; ``realized`` None: not traded since the
    daily reset (a position's only; an account's is 0 then)."""

    position: Decimal
    daily: float
    unrealized: float
    realized: float | None
    value: float


def _f(x: float) -> str:
    return f"{x:.2f}"


@dataclass(slots=True)
class _Totals:
    net_liq: float = 0.0
    cash: float = 0.0
    stock_value: float = 0.0
    option_value: float = 0.0
    fop_value: float = 0.0
    gross: float = 0.0
    futures_pnl: float = 0.0
    unrealized: float = 0.0
    init: float = 0.0
    maint: float = 0.0


class Accounts:
    """The paper accounts of one exchange, valued with ``market``."""

    def __init__(self, codes: Sequence[str], market: Market,
                 starting_cash: float = 1_000_000.0) -> None:
        if not codes:
            raise ValueError("at least one account is needed")
        self.market = market
        self.codes: tuple[str, ...] = tuple(codes)
        self.states: dict[str, AccountState] = {
            c: AccountState(c, cash={BASE_CURRENCY: float(starting_cash)}) for c in self.codes
        }

    # --- lookups ---------------------------------------------------------------------------------
    def has(self, code: str) -> bool:
        return code in self.states

    def state(self, code: str) -> AccountState:
        return self.states[code]

    def position(self, account: str, con_id: int) -> PositionRecord | None:
        """The position of ``account`` in ``con_id`` (None if never held)."""
        return self.states[account].positions.get(con_id)

    def _inst(self, con_id: int) -> Instrument:
        return self.market.instruments[con_id]

    # --- fills -----------------------------------------------------------------------------------
    def apply_fill(self, account: str, inst: Instrument, side: str, quantity: Decimal,
                   price: float, commission: float) -> float | None:
        """Book a fill (``side`` BOT or SLD). Returns the realized PnL of the fill in the
        instrument's currency (net of the commission share of the closing part), or None when the
        fill only opens or adds to a position."""
        st = self.states[account]
        d = quantity if side == "BOT" else -quantity
        mult = inst.multiplier_value
        ccy = inst.currency
        if inst.sec_type in _PREMIUM:
            st.cash[ccy] = st.cash.get(ccy, 0.0) - float(d) * price * mult
        elif inst.sec_type == "CASH":
            st.cash[ccy] = st.cash.get(ccy, 0.0) - float(d) * price
            st.cash[inst.symbol] = st.cash.get(inst.symbol, 0.0) + float(d)
        st.cash[BASE_CURRENCY] = st.cash.get(BASE_CURRENCY, 0.0) - commission

        pos = st.positions.get(inst.con_id)
        if pos is None:
            pos = st.positions[inst.con_id] = PositionRecord(account, inst.con_id)
        q = pos.quantity
        realized: float | None = None
        if q == 0 or (q > 0) == (d > 0):
            new_q = q + d
            fee = commission if d > 0 else -commission  # a short's cost is its net proceeds
            pos.avg_cost = (float(abs(q)) * pos.avg_cost + float(abs(d)) * price * mult
                            + fee) / float(abs(new_q))
            pos.avg_price = (float(abs(q)) * pos.avg_price + float(abs(d)) * price) / float(abs(new_q))
            pos.quantity = new_q
        else:
            closed = min(abs(d), abs(q))
            share = float(closed / abs(d))
            sign = 1.0 if q > 0 else -1.0
            gross = (price - pos.avg_price) * mult * float(closed) * sign
            realized = (price * mult - pos.avg_cost) * float(closed) * sign - commission * share
            if inst.sec_type == "FUT":
                st.cash[ccy] = st.cash.get(ccy, 0.0) + gross
            opened = abs(d) - closed
            if opened > 0:
                pos.quantity = d / abs(d) * opened
                fee = commission * (1 - share) * (1.0 if d > 0 else -1.0)
                pos.avg_cost = (float(opened) * price * mult + fee) / float(opened)
                pos.avg_price = price
            else:
                pos.quantity = q + d
                if pos.quantity == 0:
                    pos.avg_cost = pos.avg_price = 0.0
            pos.realized_pnl += realized
            st.realized_pnl += realized * self.market.fx_to_usd(ccy)
        return realized

    # --- valuation -------------------------------------------------------------------------------
    def _value(self, pos: PositionRecord, inst: Instrument) -> tuple[float, float, float]:
        """(mark, market value, unrealized PnL) in the instrument's currency."""
        mark = self.market.mark(inst.con_id)
        q = float(pos.quantity)
        mult = inst.multiplier_value
        value = q * mark * mult
        return mark, value, value - q * pos.avg_cost

    def _totals(self, st: AccountState) -> _Totals:
        t = _Totals()
        for ccy, amount in st.cash.items():
            t.cash += amount * self.market.fx_to_usd(ccy)
        for pos in st.positions.values():
            if pos.quantity == 0:
                continue
            inst = self._inst(pos.con_id)
            fx = self.market.fx_to_usd(inst.currency)
            mark, value, unreal = self._value(pos, inst)
            t.unrealized += unreal * fx
            init_rate, maint_rate = MARGIN_RATES.get(inst.sec_type, (0.25, 0.20))
            if inst.sec_type == "CASH":
                notional = abs(float(pos.quantity)) * self.market.fx_to_usd(inst.symbol)
            else:
                notional = abs(value) * fx
            t.init += notional * init_rate
            t.maint += notional * maint_rate
            if inst.sec_type == "STK":
                t.stock_value += value * fx
                t.gross += abs(value) * fx
            elif inst.sec_type == "OPT":
                t.option_value += value * fx
                t.gross += abs(value) * fx
            elif inst.sec_type == "FOP":
                t.fop_value += value * fx
                t.gross += abs(value) * fx
            elif inst.sec_type == "FUT":
                pnl = (mark - pos.avg_price) * inst.multiplier_value * float(pos.quantity) * fx
                t.futures_pnl += pnl
                t.gross += abs(value) * fx
        t.net_liq = t.cash + t.stock_value + t.option_value + t.fop_value + t.futures_pnl
        return t

    # --- PnL -------------------------------------------------------------------------------------
    def daily_reset(self, con_id: int) -> int:
        """When ``con_id``'s daily PnL last reset (epoch seconds): the close of its instrument's
        last trading session that closed at or before now."""
        now = self.market.step_second
        cal = self.market.calendar(con_id)
        session = cal.previous_session(now)
        if session is not None and session.close > now:  # inside it: the one before
            session = cal.previous_session(session.open - 1)
        return session.close if session is not None else now

    def position_pnl(self, account: str, con_id: int,
                     fills: Iterable[BookedFill]) -> PnLValues:
        """The PnL of ``account``'s position in ``con_id``; ``fills`` are the account's fills
        (any con id) since at least this instrument's :meth:`daily_reset`."""
        pos = self.states[account].positions.get(con_id)
        q = pos.quantity if pos is not None else Decimal(0)
        reset = self.daily_reset(con_id) if self.market.instruments.get(con_id) else 0
        mine = [f for f in fills if f.con_id == con_id and f.account == account
                and f.second >= reset]
        if not mine and q == 0:
            return PnLValues(Decimal(0), 0.0, 0.0, None, 0.0)
        inst = self._inst(con_id)
        fx = self.market.fx_to_usd(inst.currency)
        mult = inst.multiplier_value
        if pos is not None and q != 0:
            mark, value, unreal = self._value(pos, inst)
        else:
            mark, value, unreal = self.market.mark(con_id), 0.0, 0.0
        q_then = q - sum((f.quantity for f in mine), Decimal(0))
        ref = 0.0
        if q_then != 0:
            bid, ask, _ = self.market.touch(con_id, reset - 1)
            ref = (bid + ask) / 2
        cost = sum(float(f.quantity) * f.price for f in mine)
        daily = fx * mult * (float(q) * mark - float(q_then) * ref - cost) \
            - sum(f.commission for f in mine)
        realized = sum((f.realized or 0.0) for f in mine) * fx if mine else None
        return PnLValues(q, daily, unreal * fx, realized, value * fx)

    def account_pnl(self, account: str, fills: Iterable[BookedFill]) -> PnLValues:
        """The PnL of ``account``: its positions' (held now or traded since their reset) summed;
        ``fills`` as for :meth:`position_pnl`."""
        fills = list(fills)
        st = self.states[account]
        con_ids = {c for c, p in st.positions.items() if p.quantity != 0}
        con_ids.update(f.con_id for f in fills if f.account == account)
        daily = unreal = realized = value = 0.0
        for con_id in sorted(con_ids):
            v = self.position_pnl(account, con_id, fills)
            daily += v.daily
            unreal += v.unrealized
            realized += v.realized or 0.0
            value += v.value
        return PnLValues(Decimal(0), daily, unreal, realized, value)

    def totals(self, account: str) -> tuple[float, float, float]:
        """(NetLiquidation = EquityWithLoanValue, InitMarginReq, MaintMarginReq) in USD."""
        t = self._totals(self.states[account])
        return t.net_liq, t.init, t.maint

    def net_liquidation(self, account: str) -> float:
        """NetLiquidation in USD."""
        return self._totals(self.states[account]).net_liq

    def margin_reject(self, account: str, inst: Instrument, side: str, quantity: Decimal,
                      price: float) -> str | None:
        """(``side`` BUY or SELL) The 201 reason if a fill of this order would need more initial margin than the equity
        with loan value covers (orders that reduce margin always pass), else None."""
        st = self.states[account]
        t = self._totals(st)
        init_rate, _ = MARGIN_RATES.get(inst.sec_type, (0.25, 0.20))
        pos = st.positions.get(inst.con_id)
        q = pos.quantity if pos is not None else Decimal(0)
        d = quantity if side in ("BUY", "BOT") else -quantity
        if inst.sec_type == "CASH":
            unit = self.market.fx_to_usd(inst.symbol)
        else:
            unit = price * inst.multiplier_value * self.market.fx_to_usd(inst.currency)
        before = abs(float(q)) * unit * init_rate
        after = abs(float(q + d)) * unit * init_rate
        need = t.init - before + after
        if after <= before or need <= t.net_liq:
            return None
        return ("YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY "
                f"WITH LOAN VALUE [{t.net_liq:.2f} USD] MUST EXCEED THE INITIAL MARGIN "
                f"[{need:.2f} USD]")

    def _has_rate(self, ccy: str) -> bool:
        try:
            self.market.fx_to_usd(ccy)
        except KeyError:
            return False
        return True

    def _currencies(self, st: AccountState) -> list[str]:
        seen = {BASE_CURRENCY}
        seen.update(c for c, v in st.cash.items() if v != 0)
        for pos in st.positions.values():
            if pos.quantity != 0:
                seen.add(self._inst(pos.con_id).currency)
        return sorted(seen, key=lambda c: (c != BASE_CURRENCY, c))

    def _ledger(self, st: AccountState, ccy: str) -> dict[str, str]:
        """The $LEDGER values of one currency ("BASE" = everything converted to USD)."""
        fx = 1.0 if ccy == "BASE" else self.market.fx_to_usd(ccy)
        cash = stock = fut = unreal = realized = opt = fop = 0.0
        if ccy == "BASE":
            t = self._totals(st)
            cash, stock, fut, unreal = t.cash, t.stock_value, t.futures_pnl, t.unrealized
            opt, fop = t.option_value, t.fop_value
            realized = st.realized_pnl
        else:
            cash = st.cash.get(ccy, 0.0)
            for pos in st.positions.values():
                inst = self._inst(pos.con_id)
                if inst.currency != ccy:
                    continue
                realized += pos.realized_pnl
                if pos.quantity == 0:
                    continue
                mark, value, u = self._value(pos, inst)
                unreal += u
                if inst.sec_type == "STK":
                    stock += value
                elif inst.sec_type == "OPT":
                    opt += value
                elif inst.sec_type == "FOP":
                    fop += value
                elif inst.sec_type == "FUT":
                    fut += (mark - pos.avg_price) * inst.multiplier_value * float(pos.quantity)
        zero = _f(0.0)
        return {
            "CashBalance": _f(cash), "TotalCashBalance": _f(cash), "AccruedCash": zero,
            "StockMarketValue": _f(stock), "OptionMarketValue": _f(opt),
            "FutureOptionValue": _f(fop), "FuturesPNL": _f(fut),
            "NetLiquidationByCurrency": _f(cash + stock + opt + fop + fut),
            "UnrealizedPnL": _f(unreal), "RealizedPnL": _f(realized),
            "ExchangeRate": f"{fx:.6f}".rstrip("0").rstrip(".") if fx != 1.0 else "1.00",
            "FundValue": zero, "NetDividend": zero, "MutualFundValue": zero,
            "MoneyMarketFundValue": zero, "CorporateBondValue": zero, "TBondValue": zero,
            "TBillValue": zero, "WarrantValue": zero, "FxCashBalance": zero,
            "AccountOrGroup": st.code, "RealCurrency": BASE_CURRENCY if ccy == "BASE" else ccy,
            "IssuerOptionValue": zero,
        }

    def _standard(self, st: AccountState) -> dict[str, str]:
        t = self._totals(st)
        avail = t.net_liq - t.init
        excess = t.net_liq - t.maint
        return {
            "AccountType": "INDIVIDUAL", "NetLiquidation": _f(t.net_liq),
            "TotalCashValue": _f(t.cash), "SettledCash": _f(t.cash), "AccruedCash": _f(0.0),
            "BuyingPower": _f(max(0.0, avail) / MARGIN_RATES["STK"][0]),
            "EquityWithLoanValue": _f(t.net_liq), "PreviousEquityWithLoanValue": _f(t.net_liq),
            "GrossPositionValue": _f(t.gross), "RegTEquity": _f(t.net_liq),
            "RegTMargin": _f(t.gross * 0.5), "SMA": _f(max(0.0, t.net_liq - t.gross * 0.5)),
            "InitMarginReq": _f(t.init), "MaintMarginReq": _f(t.maint),
            "AvailableFunds": _f(avail), "ExcessLiquidity": _f(excess),
            "Cushion": f"{excess / t.net_liq:.6f}" if t.net_liq else "0",
            "FullInitMarginReq": _f(t.init), "FullMaintMarginReq": _f(t.maint),
            "FullAvailableFunds": _f(avail), "FullExcessLiquidity": _f(excess),
            "LookAheadNextChange": "0", "LookAheadInitMarginReq": _f(t.init),
            "LookAheadMaintMarginReq": _f(t.maint), "LookAheadAvailableFunds": _f(avail),
            "LookAheadExcessLiquidity": _f(excess), "HighestSeverity": "0",
            "DayTradesRemaining": "-1", "DayTradesRemainingT+1": "-1", "DayTradesRemainingT+2": "-1",
            "DayTradesRemainingT+3": "-1", "DayTradesRemainingT+4": "-1",
            "PreviousDayEquityWithLoanValue": _f(t.net_liq),
            "Leverage": f"{t.gross / t.net_liq:.2f}" if t.net_liq else "0.00",
        }

    # --- TWS views ---------------------------------------------------------------------------------
    def values(self, account: str) -> list[AccountValue]:
        """ACCT_VALUE rows for ``account`` as REQ_ACCT_DATA streams them (key, value, currency)."""
        st = self.states[account]
        std = self._standard(st)
        out: list[AccountValue] = []

        def add(key: str, value: str, ccy: str = "") -> None:
            out.append(AccountValue(key, value, ccy, account))

        add("AccountCode", account)
        add("AccountOrGroup", account, "BASE")
        add("AccountReady", "true")
        add("AccountType", std["AccountType"])
        ccys = self._currencies(st)
        for key in ("AccruedCash", "AvailableFunds", "BuyingPower", "EquityWithLoanValue",
                    "ExcessLiquidity", "FullAvailableFunds", "FullExcessLiquidity",
                    "FullInitMarginReq", "FullMaintMarginReq", "GrossPositionValue",
                    "InitMarginReq", "LookAheadAvailableFunds", "LookAheadExcessLiquidity",
                    "LookAheadInitMarginReq", "LookAheadMaintMarginReq", "MaintMarginReq",
                    "NetLiquidation", "PreviousEquityWithLoanValue", "RegTEquity", "RegTMargin",
                    "SMA", "SettledCash", "TotalCashValue"):
            add(key, std[key], BASE_CURRENCY)
        add("Cushion", std["Cushion"])
        add("DayTradesRemaining", std["DayTradesRemaining"])
        add("Leverage-S", std["Leverage"])
        add("LookAheadNextChange", std["LookAheadNextChange"])
        for ccy in [*ccys, "BASE"]:
            led = self._ledger(st, ccy)
            add("Currency", ccy, ccy)
            for key in ("CashBalance", "TotalCashBalance", "StockMarketValue", "FuturesPNL",
                        "NetLiquidationByCurrency", "UnrealizedPnL", "RealizedPnL",
                        "ExchangeRate", "AccruedCash", "OptionMarketValue", "FundValue"):
                add(key, led[key], ccy)
        return out

    def portfolio(self, account: str) -> list[PortfolioItem]:
        """PORTFOLIO_VALUE rows for ``account`` (positions closed today included, with 0)."""
        st = self.states[account]
        out: list[PortfolioItem] = []
        for pos in st.positions.values():
            inst = self._inst(pos.con_id)
            mark, value, unreal = self._value(pos, inst)
            out.append(PortfolioItem(
                contract=to_contract(inst, inst.exchange), position=pos.quantity,
                market_price=mark, market_value=round(value, 2), average_cost=pos.avg_cost,
                unrealized_pnl=round(unreal, 2), realized_pnl=round(pos.realized_pnl, 2),
                account=account))
        return out

    def positions(self, accounts: Iterable[str] | None = None) -> list[Position]:
        """POSITION_DATA rows for every account (or those named), closed ones with 0."""
        out: list[Position] = []
        for code in accounts if accounts is not None else self.codes:
            for pos in self.states[code].positions.values():
                inst = self._inst(pos.con_id)
                out.append(Position(account=code, contract=to_contract(inst, inst.exchange),
                                    position=pos.quantity, avg_cost=pos.avg_cost))
        return out

    def summary(self, tags: str | Iterable[str],
                accounts: Iterable[str] | None = None) -> list[tuple[str, str, str, str]]:
        """ACCOUNT_SUMMARY rows ``(account, tag, value, currency)`` for the requested tags.

        ``tags`` is the request's comma list or a sequence: standard tags (:data:`SUMMARY_TAGS`;
        unknown ones are skipped) and ``$LEDGER`` (base currency), ``$LEDGER:ALL`` (every currency
        and BASE) or ``$LEDGER:<CCY>``.
        """
        wanted = [t.strip() for t in (tags.split(",") if isinstance(tags, str) else tags)
                  if t.strip()]
        out: list[tuple[str, str, str, str]] = []
        for code in accounts if accounts is not None else self.codes:
            st = self.states[code]
            std = self._standard(st)
            for tag in wanted:
                if tag.upper().startswith("$LEDGER"):
                    _, _, which = tag.partition(":")
                    which = which.upper()
                    if which == "ALL":
                        ccys = [*self._currencies(st), "BASE"]
                    elif which:
                        ccys = [which] if which == "BASE" or self._has_rate(which) else []
                    else:
                        ccys = ["BASE"]
                    for ccy in ccys:
                        led = self._ledger(st, ccy)
                        out.extend((code, key, led[key], ccy) for key in LEDGER_TAGS)
                elif tag in std:
                    out.append((code, tag, std[tag],
                                "" if tag in _NO_CURRENCY_TAGS else BASE_CURRENCY))
        return out
