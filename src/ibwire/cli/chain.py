"""``ibwire chain``: an option chain -- calls and puts of one expiry around the underlying's price,
with bid / ask and the model's implied volatility and greeks.

The underlying is qualified first (a stock or ETF, an index with ``--sec-type IND``, a future as
``ES:202612``); its chains come from REQ_SEC_DEF_OPT_PARAMS; the expiry is the nearest one (or the
first of ``--expiry``'s month, or that date); the ``--strikes`` strikes nearest the underlying's
price are quoted (market data, each option's TICK_OPTION_COMPUTATION), then the subscriptions end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from ..client.broker import Broker
from ..client.ticker import Ticker
from ..errors import ContractError
from ..models import Contract
from ..models.option import OptionChain, OptionComputation
from .app import app
from .common import connect
from .options import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    CurrencyOpt,
    ExchangeOpt,
    HostOpt,
    JsonOpt,
    PortOpt,
    TimeoutOpt,
    make_contract,
)
from .output import Output, contract_json, fmt_price
from .problems import ExitCode, Problem, fail, guard
from .tables import Col, FitTable

__all__ = ["chain", "pick_expiry", "nearest_strikes", "chain_table", "ChainRow"]


@dataclass(slots=True)
class ChainRow:
    """One strike of the chain: its call and put tickers."""

    strike: float
    call: Ticker | None
    put: Ticker | None


def pick_expiry(chains: Sequence[OptionChain], expiry: str | None) -> tuple[str, OptionChain]:
    """The expiry shown (``expiry``: ``YYYYMMDD``, or ``YYYYMM`` for that month's first; None:
    the nearest) and the chain that lists it. Raises ValueError naming what exists."""
    every = sorted({e for c in chains for e in c.expirations})
    if not every:
        raise ValueError("no expirations listed")
    if expiry is None:
        wanted = every[0]
    else:
        matches = [e for e in every if e.startswith(expiry)]
        if not matches:
            raise ValueError(f"no expiry {expiry}; listed: {', '.join(every[:12])}"
                             + (" ..." if len(every) > 12 else ""))
        wanted = matches[0]
    return wanted, next(c for c in chains if wanted in c.expirations)


def nearest_strikes(strikes: Sequence[float], price: float, n: int) -> list[float]:
    """The ``n`` strikes nearest ``price``, ascending."""
    return sorted(sorted(strikes, key=lambda k: (abs(k - price), k))[:n])


_HINT = ("e.g. ibwire chain SPY; an index needs --sec-type IND; a future is SYMBOL:YYYYMM with "
         "--exchange (ES:202612 --exchange CME)")


def _g(t: Ticker | None) -> OptionComputation | None:
    return t.model_greeks if t is not None else None


def _num(v: float | None, digits: int = 2) -> str:
    return "" if v is None else f"{v:.{digits}f}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v * 100:.1f}%"


def chain_table(title: str, rows: Sequence[ChainRow], digits: int = 2) -> FitTable:
    """Calls left, puts right, the strike in the middle; the greeks go first when narrow."""
    table = FitTable(title, [
        Col("gamma", "right", 3), Col("vega", "right", 3), Col("theta", "right", 3),
        Col("delta", "right", 2), Col("IV", "right", 1), Col("bid", "right"), Col("ask", "right"),
        Col("strike", "right"),
        Col("bid", "right"), Col("ask", "right"), Col("IV", "right", 1), Col("delta", "right", 2),
        Col("theta", "right", 3), Col("vega", "right", 3), Col("gamma", "right", 3)])
    for r in rows:
        c, p = _g(r.call), _g(r.put)
        table.add_row(
            _num(c.gamma if c else None, 4), _num(c.vega if c else None, 3),
            _num(c.theta if c else None, 3), _num(c.delta if c else None, 3),
            _pct(c.implied_vol if c else None),
            fmt_price(r.call.bid if r.call else None, digits),
            fmt_price(r.call.ask if r.call else None, digits),
            f"[bold]{r.strike:g}[/]",
            fmt_price(r.put.bid if r.put else None, digits),
            fmt_price(r.put.ask if r.put else None, digits),
            _pct(p.implied_vol if p else None), _num(p.delta if p else None, 3),
            _num(p.theta if p else None, 3), _num(p.vega if p else None, 3),
            _num(p.gamma if p else None, 4))
    return table


def option_json(t: Ticker) -> dict[str, Any]:
    g = t.model_greeks
    return {"contract": contract_json(t.contract), "right": t.contract.right,
            "strike": t.contract.strike, "expiry": t.contract.last_trade_date_or_contract_month,
            "bid": t.bid, "ask": t.ask, "last": t.last,
            "implied_vol": g.implied_vol if g else None, "delta": g.delta if g else None,
            "gamma": g.gamma if g else None, "vega": g.vega if g else None,
            "theta": g.theta if g else None, "model_price": g.opt_price if g else None,
            "und_price": g.und_price if g else None}


def _underlying(symbol: str, sec_type: str | None, exchange: str | None,
                currency: str) -> Contract:
    if (sec_type or "").upper() == "IND":
        return Contract(symbol=symbol.upper(), sec_type="IND", exchange=exchange or None,
                        currency=currency.upper())
    return make_contract(symbol, sec_type, exchange, currency)


def _price(broker: Broker, underlying: Contract, timeout: float) -> float:
    t = broker.snapshot(underlying, timeout=timeout)
    for v in (t.last, t.mid, t.close):
        if v is not None and v > 0:
            return v
    raise ContractError(354, f"no price for {underlying}", -1)


def _quote_all(broker: Broker, contracts: Sequence[Contract], timeout: float) -> list[Ticker]:
    tickers = [broker.market_data(c, timeout=timeout) for c in contracts]

    def ready() -> bool:
        return all(t.error is not None or (t.model_greeks is not None and t.ask is not None)
                   for t in tickers)

    broker.wait_until(ready, timeout)
    for t in tickers:
        broker.cancel_market_data(t)
    return tickers


@app.command("chain")
def chain(
    symbol: Annotated[str, typer.Argument(metavar="SYMBOL", show_default=False,
                                          help="SPY, AAPL, SPX (--sec-type IND), ES:202612 "
                                               "(a future).")],
    expiry: Annotated[str | None, typer.Option(
        "--expiry", help="YYYYMMDD, or YYYYMM for the month's first expiry (default: the "
                         "nearest).")] = None,
    strikes: Annotated[int, typer.Option("--strikes", min=1, max=100,
                                         help="How many strikes around the price.")] = 10,
    trading_class: Annotated[str | None, typer.Option(
        "--trading-class", help="One trading class (SPX monthlies, SPXW weeklies ...).")] = None,
    sec_type: Annotated[str | None, typer.Option(
        "--sec-type", rich_help_panel="Contract",
        help="The underlying's: STK (default), IND, FUT (default for ES:202612).")] = None,
    exchange: ExchangeOpt = None, currency: CurrencyOpt = "USD",
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: ClientIdOpt = DEFAULT_CLIENT_ID, timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """An option chain: calls and puts of one expiry around the underlying's price, with bid /
    ask, implied volatility and greeks (the model's; theta per day, vega per volatility point).

    Examples: ibwire chain SPY; ibwire chain SPX --sec-type IND --trading-class SPXW;
    ibwire chain ES:202612 --exchange CME --strikes 6 --json
    """
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    under = _underlying(symbol, sec_type, exchange, currency)
    with guard(out, conn), connect(conn) as broker:
        try:
            under = broker.qualify(under, timeout=timeout)
        except ContractError as exc:
            fail(out, Problem(ExitCode.FAILED, f"unknown contract {symbol} (error {exc.code}): "
                              f"{exc.message}", [_HINT], exc.code, "contract"))
        chains = broker.option_chain(under, timeout=timeout)
        if under.sec_type != "FUT":
            smart = [c for c in chains if c.exchange == "SMART"]
            chains = smart or chains
        if trading_class:
            chains = [c for c in chains if (c.trading_class or "").upper() == trading_class.upper()]
        if not chains:
            fail(out, Problem(ExitCode.FAILED, f"no options listed on {under}"
                              + (f" in class {trading_class}" if trading_class else ""),
                              [_HINT], None, "contract"))
        try:
            day, picked = pick_expiry(chains, expiry)
        except ValueError as exc:
            fail(out, Problem(ExitCode.FAILED, f"{under}: {exc}", [], None, "usage"))
        price = _price(broker, under, timeout)
        ks = nearest_strikes(picked.strikes, price, strikes)
        sec = "FOP" if under.sec_type == "FUT" else "OPT"
        opt_exchange = picked.exchange if sec == "FOP" else "SMART"
        contracts = [Contract(symbol=under.symbol, sec_type=sec,
                              last_trade_date_or_contract_month=day, strike=k, right=r,
                              exchange=opt_exchange, currency=under.currency,
                              trading_class=picked.trading_class, multiplier=picked.multiplier)
                     for k in ks for r in ("C", "P")]
        tickers = _quote_all(broker, contracts, timeout)
    by = {(t.contract.strike, t.contract.right): t for t in tickers}
    rows = [ChainRow(k, by.get((k, "C")), by.get((k, "P"))) for k in ks]
    if out.json_mode:
        for t in tickers:
            out.emit(option_json(t))
    else:
        title = (f"{under.symbol} {picked.trading_class} {day} (x{picked.multiplier}) -- "
                 f"underlying {price:g}; calls left, puts right")
        out.print(chain_table(title, rows))
    failed = [t for t in tickers if t.error is not None]
    if failed:
        first = failed[0]
        fail(out, Problem(ExitCode.FAILED, f"{len(failed)} of {len(tickers)} options could not "
                          f"be quoted: {first.contract}: {first.error}", [], None, "market data"),
             emit=False)
