"""Options: chains, option computations, the two calculations and exercise (see :mod:`.options`).

* REQ_SEC_DEF_OPT_PARAMS -> one SECURITY_DEFINITION_OPTION_PARAMETER per exchange and trading
  class of the underlying (``underlyingConId`` first, else symbol and sec type; a futures
  exchange narrows it), then the _END. An underlying the gateway does not know answers 200; one
  without options answers the _END alone, as TWS does.
* REQ_MKT_DATA on an option: the quote ticks (:mod:`.market_api`) and TICK_OPTION_COMPUTATION
  for the bid (10), ask (11), last (12) -- each price's implied volatility and the greeks at it
  -- and the model (13): the model's volatility, value and greeks (delayed: 80..83). Sent again
  whenever one of them changes.
* REQ_CALC_IMPLIED_VOLAT / REQ_CALC_OPTION_PRICE -> one TICK_OPTION_COMPUTATION (tick type 53)
  at the market's time; an underlying price of 0 or unset means the current one. The answer is
  immediate; the request stays known until its cancel (the cancel of an id never used answers
  300, as for an unknown ticker id).
* EXERCISE_OPTIONS: exercise (1) or lapse (2) a long position: a physically settled option
  turns into the underlying bought (call) or sold (put) at the strike, a cash-settled one into
  its intrinsic value; the option position closes. An option out of the money needs
  ``override``. Answered with the account and position updates, or ERR_MSG.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ..models.contract import Contract
from ..models.market import TickType
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
from . import option_model as om
from .instruments import Instrument
from .market import Quote
from .options import OptionPath, OptionTable
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["computations", "NO_SECDEF"]

NO_SECDEF = "No security definition has been found for the request"

_LIVE = (TickType.BID_OPTION_COMPUTATION, TickType.ASK_OPTION_COMPUTATION,
         TickType.LAST_OPTION_COMPUTATION, TickType.MODEL_OPTION)
_DELAYED = (TickType.DELAYED_BID_OPTION, TickType.DELAYED_ASK_OPTION,
            TickType.DELAYED_LAST_OPTION, TickType.DELAYED_MODEL_OPTION)


def _table(session: Session) -> OptionTable | None:
    table = session.core.exchange.instruments
    return table if isinstance(table, OptionTable) else None


# --- chains -------------------------------------------------------------------------------------

@handles(ReqSecDefOptParams)
def _req_sec_def_opt_params(session: Session, msg: ReqSecDefOptParams) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    if session.core.config.mode == "gateway":
        session.farm_notice("secdef")
    exchange = session.core.exchange
    under: Instrument | None = None
    if msg.underlying_con_id:
        under = exchange.instruments.get(msg.underlying_con_id)
    elif msg.underlying_symbol:
        found = exchange.resolve(Contract(symbol=msg.underlying_symbol,
                                          sec_type=msg.underlying_sec_type or None))
        under = found[0] if found else None
    if under is None or (msg.underlying_symbol and
                         under.symbol.upper() != msg.underlying_symbol.upper()):
        session.error(req_id, 200, NO_SECDEF)
        return
    table = _table(session)
    classes = table.classes_of(under.symbol, "FOP" if under.sec_type == "FUT" else "OPT",
                               msg.fut_fop_exchange or None) if table is not None else []
    out: list[Message] = []
    for cls in classes:
        expirations = sorted(d.strftime("%Y%m%d") for d, _u in cls.expiries)
        exchanges = [cls.exchange] if cls.futures else cls.valid_exchanges.split(",")
        if msg.fut_fop_exchange:
            exchanges = [e for e in exchanges if e == msg.fut_fop_exchange.upper()]
        for ex in exchanges:
            out.append(SecurityDefinitionOptionParameter(
                req_id=req_id, exchange=ex, underlying_con_id=under.con_id,
                trading_class=cls.trading_class, multiplier=cls.multiplier,
                expirations=expirations, strikes=list(cls.strikes)))
    out.append(SecurityDefinitionOptionParameterEnd(req_id=req_id))
    session.send_all(out)


# --- computations ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Comp:
    implied_vol: float | None
    delta: float | None
    opt_price: float | None
    pv_dividend: float | None
    gamma: float | None
    vega: float | None
    theta: float | None
    und_price: float | None


def _at(path: OptionPath, second: int, value: float | None, under: float) -> _Comp:
    """The computation of ``value`` (its implied volatility and the greeks there); with
    ``value`` None: the model's."""
    t = path.years(second)
    terms = path.terms
    if value is None:
        g, vol, _u = path.model(second, under)
        return _Comp(vol, g.delta, g.price, 0.0, g.gamma, g.vega, g.theta, under)
    iv = om.implied_vol(terms.right, value, under, terms.strike, t, path.futures)
    if iv is None:
        return _Comp(None, None, value, 0.0, None, None, None, under)
    g = om.greeks(terms.right, under, terms.strike, t, iv, path.futures)
    return _Comp(iv, g.delta, value, 0.0, g.gamma, g.vega, g.theta, under)


def computations(core: GatewayCore, con_id: int, q: Quote, delayed: bool) -> list[tuple[int, _Comp]]:
    """(tick type, computation) for the bid, ask, last and model of option ``con_id`` at the
    second of quote ``q``; [] for an instrument that is not an option."""
    path = core.exchange.market.option_path(con_id)
    if path is None:
        return []
    second = int(q.time.timestamp())
    under = path.under_price(second)
    types = _DELAYED if delayed else _LIVE
    prices: tuple[float | None, ...] = (q.bid if q.bid > 0 else -1.0, q.ask, q.last, None)
    out = []
    for tick, price in zip(types, prices):
        if price is not None and price <= 0:
            out.append((int(tick), _Comp(None, None, None, 0.0, None, None, None, under)))
        else:
            out.append((int(tick), _at(path, second, price, under)))
    return out


def _msg(req_id: int, tick: int, c: _Comp) -> TickOptionComputation:
    return TickOptionComputation(req_id=req_id, tick_type=tick, tick_attrib=0,
                                 implied_vol=c.implied_vol, delta=c.delta, opt_price=c.opt_price,
                                 pv_dividend=c.pv_dividend, gamma=c.gamma, vega=c.vega,
                                 theta=c.theta, und_price=c.und_price)


def send_computations(session: Session, req_id: int, sent: dict[str, object], q: Quote,
                      delayed: bool) -> None:
    """Send the option computations of ``q`` that changed since ``sent`` (market data)."""
    out: list[Message] = []
    for tick, comp in computations(session.core, q.con_id, q, delayed):
        key = f"comp{tick}"
        if sent.get(key) != comp:
            sent[key] = comp
            out.append(_msg(req_id, tick, comp))
    session.send_all(out)


# --- calculations ---------------------------------------------------------------------------------

def _option(session: Session, req_id: int, contract: Contract) -> OptionPath | None:
    exchange = session.core.exchange
    found = exchange.resolve(contract)
    if len(found) != 1:
        session.error(req_id, 200, NO_SECDEF if not found else
                      f"The contract description specified for {contract.symbol} is ambiguous.")
        return None
    path = exchange.market.option_path(found[0].con_id)
    if path is None:
        session.error(req_id, 321, "Error validating request.-'bD' : cause - The contract is "
                                   "not an option")
    return path


def _under(path: OptionPath, second: int, given: float | None) -> float:
    return given if given is not None and given > 0 else path.under_price(second)


@handles(ReqCalcImpliedVolat)
def _req_calc_implied_volat(session: Session, msg: ReqCalcImpliedVolat) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    path = _option(session, req_id, msg.contract)
    if path is None:
        return
    if msg.option_price is None or msg.option_price <= 0:
        session.error(req_id, 321, "Error validating request.-'bD' : cause - Invalid option "
                                   f"price {msg.option_price}")
        return
    second = session.core.exchange.market.step_second
    comp = _at(path, second, msg.option_price, _under(path, second, msg.under_price))
    _calculations(session).add(req_id)
    session.send(_msg(req_id, int(TickType.CUST_OPTION_COMPUTATION), _no_dividend(comp)))


@handles(ReqCalcOptionPrice)
def _req_calc_option_price(session: Session, msg: ReqCalcOptionPrice) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    path = _option(session, req_id, msg.contract)
    if path is None:
        return
    vol = msg.volatility
    if vol is None or not 0 < vol < 10:
        session.error(req_id, 321, "Error validating request.-'bD' : cause - Invalid volatility "
                                   f"{vol}")
        return
    second = session.core.exchange.market.step_second
    under = _under(path, second, msg.under_price)
    g = om.greeks(path.terms.right, under, path.terms.strike, path.years(second), vol,
                  path.futures)
    comp = _Comp(vol, g.delta, g.price, None, g.gamma, g.vega, g.theta, under)
    _calculations(session).add(req_id)
    session.send(_msg(req_id, int(TickType.CUST_OPTION_COMPUTATION), comp))


def _no_dividend(c: _Comp) -> _Comp:
    """A calculation's answer carries no dividend value (TWS sends -1 there)."""
    return _Comp(c.implied_vol, c.delta, c.opt_price, None, c.gamma, c.vega, c.theta,
                 c.und_price)


def _calculations(session: Session) -> set[int]:
    """The request ids of the calculations answered in this session (until cancelled)."""
    got = session.state.setdefault("options.calculations", set())
    assert isinstance(got, set)
    return got


@handles(CancelCalcImpliedVolat, CancelCalcOptionPrice)
def _cancel_calc(session: Session, msg: CancelCalcImpliedVolat | CancelCalcOptionPrice) -> None:
    """A calculation stays known until cancelled (clients cancel it once answered, as ib_async
    does); the cancel of an id never used is answered as TWS answers an unknown ticker id."""
    req_id = msg.req_id if msg.req_id is not None else 0
    known = _calculations(session)
    if req_id in known:
        known.discard(req_id)
        return
    session.error(req_id, 300, f"Can't find EId with tickerId:{req_id}")


# --- exercise -------------------------------------------------------------------------------------

@handles(ExerciseOptions)
def _exercise_options(session: Session, msg: ExerciseOptions) -> None:
    req_id = msg.req_id if msg.req_id is not None else 0
    core = session.core
    exchange = core.exchange
    found = exchange.resolve(msg.contract)
    if len(found) != 1 or found[0].right is None:
        session.error(req_id, 200, NO_SECDEF)
        return
    account = msg.account or exchange.managed_accounts[0]
    action = msg.exercise_action
    qty = msg.exercise_quantity
    if action not in (1, 2):
        session.error(req_id, 321, "Error validating request.-'bE' : cause - The exercise action "
                                   f"must be 1 (exercise) or 2 (lapse), not {action}")
        return
    if qty is None or qty <= 0:
        session.error(req_id, 321, "Error validating request.-'bE' : cause - Invalid exercise "
                                   f"quantity {qty}")
        return
    problem = exchange.exercise(account, found[0].con_id, Decimal(qty), action == 1,
                                bool(msg.override))
    if isinstance(problem, tuple):
        session.error(req_id, *problem)
        return
    core.deliver(problem)
