"""Options: chains, option tickers with greeks, implied volatility / option price calculations and
exercise -- the options side of :class:`~ibwire.client.core.BrokerCore` (issue 14).

An option ticker is an ordinary market-data :class:`~ibwire.client.ticker.Ticker`; the
TICK_OPTION_COMPUTATION rows TWS streams for it land in ``bid_greeks``, ``ask_greeks``,
``last_greeks`` and ``model_greeks`` (:class:`~ibwire.models.option.OptionComputation`: implied
volatility, delta, gamma, vega, theta, the option and underlying prices).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import ContractError, RequestTimeout
from ..models import Contract
from ..models.option import OPTION_COMPUTATION_TICKS, OptionChain, OptionComputation
from ..protocol.messages.options import (
    CancelCalcImpliedVolat,
    CancelCalcOptionPrice,
    ExerciseOptions,
    ReqCalcImpliedVolat,
    ReqCalcOptionPrice,
    ReqSecDefOptParams,
    SecurityDefinitionOptionParameter,
    SecurityDefinitionOptionParameterEnd,
    TickOptionComputation,
)
from ..protocol.schema import Message
from .core import Flow, Wait
from .flows import front_method
from .market import MarketMixin
from .requests import Pending

__all__ = ["OptionsMixin", "EXERCISE", "LAPSE"]

EXERCISE = 1
LAPSE = 2


def _computation(msg: TickOptionComputation) -> OptionComputation:
    return OptionComputation(tick_attrib=msg.tick_attrib, implied_vol=msg.implied_vol,
                             delta=msg.delta, opt_price=msg.opt_price,
                             pv_dividend=msg.pv_dividend, gamma=msg.gamma, vega=msg.vega,
                             theta=msg.theta, und_price=msg.und_price)


class OptionsMixin(MarketMixin):
    _HANDLERS: ClassVar[dict[type, str]] = {
        SecurityDefinitionOptionParameter: "_on_option_chain",
        SecurityDefinitionOptionParameterEnd: "_on_request_end",
        TickOptionComputation: "_on_option_computation",
    }

    def _on_option_chain(self, msg: SecurityDefinitionOptionParameter) -> None:
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.rows.append(OptionChain(
                exchange=msg.exchange, underlying_con_id=msg.underlying_con_id,
                trading_class=msg.trading_class, multiplier=msg.multiplier,
                expirations=sorted(msg.expirations), strikes=sorted(msg.strikes)))

    def _on_option_computation(self, msg: TickOptionComputation) -> None:
        t = self._tickers.get(msg.req_id)
        if t is not None:
            side = OPTION_COMPUTATION_TICKS.get(msg.tick_type or -1)
            if side in ("bid", "ask", "last", "model"):
                setattr(t, f"{side}_greeks", _computation(msg))
            self._touch(t)
            return
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.finish(_computation(msg))

    def flow_option_chain(self, underlying: Contract, exchange: str | None = None,
                          timeout: float | None = None) -> Flow[list[OptionChain]]:
        """The option chains of ``underlying`` (a stock, ETF, index or future; qualified first
        when it has no con id): one :class:`OptionChain` per exchange and trading class, with
        its expirations, strikes and multiplier. ``exchange`` keeps one exchange (``SMART``,
        ``CBOE`` ...); a future's options are asked for on the future's exchange."""
        if not underlying.con_id:
            underlying = yield from self.flow_qualify(underlying, timeout)
        sec_type = underlying.sec_type or "STK"
        fut_exchange = (exchange or underlying.exchange or "") if sec_type == "FUT" else ""
        req_id = self._registry.next_id()
        msg = ReqSecDefOptParams(req_id, underlying.symbol, fut_exchange, sec_type,
                                 underlying.con_id)
        chains: list[OptionChain] = yield from self._read_flow(
            "option chain", req_id, lambda: self._send(msg), timeout)
        if exchange is not None:
            chains = [c for c in chains if (c.exchange or "").upper() == exchange.upper()]
        return chains

    def _calculation(self, name: str, req_id: int, request: Message, cancel: Message,
                     timeout: float | None) -> Flow[OptionComputation]:
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        p: Pending[Any] = Pending(name, req_id)
        self._registry.add(p)
        try:
            self._send(request)
            answered = yield Wait(p, total)
            if self._transport_connected() and (not answered or p.error is None):
                self._send(cancel)  # TWS keeps a calculation until it is cancelled
            if not answered:
                raise RequestTimeout(name, total)
            result: OptionComputation = p.check()
        finally:
            self._registry.discard(p)
        return result

    def flow_implied_volatility(self, contract: Contract, option_price: float,
                                under_price: float,
                                timeout: float | None = None) -> Flow[OptionComputation]:
        """TWS's implied volatility of ``contract`` (an option) priced at ``option_price`` with
        its underlying at ``under_price``, and the greeks there."""
        if option_price <= 0:
            raise ValueError(f"an option price is positive, not {option_price!r}")
        req_id = self._registry.next_id()
        result: OptionComputation = yield from self._calculation(
            f"implied volatility of {contract}", req_id,
            ReqCalcImpliedVolat(req_id, contract, option_price, under_price),
            CancelCalcImpliedVolat(req_id), timeout)
        return result

    def flow_option_price(self, contract: Contract, volatility: float, under_price: float,
                          timeout: float | None = None) -> Flow[OptionComputation]:
        """TWS's price and greeks of ``contract`` (an option) at ``volatility`` (0.2 = 20%) with
        its underlying at ``under_price``."""
        if not 0 < volatility < 10:
            raise ValueError(f"a volatility is a fraction such as 0.2 (20%), not {volatility!r}")
        req_id = self._registry.next_id()
        result: OptionComputation = yield from self._calculation(
            f"option price of {contract}", req_id,
            ReqCalcOptionPrice(req_id, contract, volatility, under_price),
            CancelCalcOptionPrice(req_id), timeout)
        return result

    def flow_exercise(self, contract: Contract, quantity: int, lapse: bool = False,
                      account: str | None = None, override: bool = False,
                      timeout: float | None = None) -> Flow[None]:
        """Exercise ``quantity`` contracts of a long option position (``lapse``: let them lapse);
        ``override`` exercises an option out of the money. Returns once TWS has taken the
        request (raises its error, e.g. :class:`~ibwire.errors.ContractError`); the positions and
        cash change through the account updates."""
        if quantity <= 0:
            raise ValueError(f"the quantity to exercise is positive, not {quantity!r}")
        if contract.sec_type not in ("OPT", "FOP") and not contract.con_id:
            raise ContractError(200, f"{contract} is not an option", -1)
        self._ensure_connected()
        acct = account or (self.accounts[0] if len(self.accounts) == 1 else None)
        if acct is None:
            raise ValueError(f"this login manages several accounts {self.accounts}: name one")
        req_id = self._registry.next_id()
        p: Pending[Any] = Pending(f"exercise of {contract}", req_id)
        self._registry.add(p)
        try:
            self._send(ExerciseOptions(req_id, contract, LAPSE if lapse else EXERCISE,
                                       int(quantity), acct, override))
            # TWS answers an exercise with account updates or an error naming the request;
            # the answer to a later request tells that the error did not come
            yield from self.flow_current_time(timeout)
            p.check()
        finally:
            self._registry.discard(p)
        return None

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    option_chain = front_method(flow_option_chain)
    implied_volatility = front_method(flow_implied_volatility)
    option_price = front_method(flow_option_price)
    exercise = front_method(flow_exercise)
