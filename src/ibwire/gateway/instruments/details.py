"""What the gateway answers about an instrument: its fully qualified contract
(:func:`to_contract`), its CONTRACT_DATA content (:func:`to_details`) and its trading and liquid
hours in TWS's format (:func:`session_hours`)."""

from __future__ import annotations

from datetime import date

from ...models.contract import Contract
from ...models.market import ContractDetails
from ...protocol.codec import TagValue
from ..calendar import Calendar
from .model import Instrument, exchange_alias


def to_contract(inst: Instrument, exchange: str | None = None) -> Contract:
    """The fully qualified contract of ``inst``.

    Stocks route through ``exchange`` (default SMART) with the listing exchange as primary exchange;
    futures and pairs use their own exchange unless a valid other one is given.
    """
    if inst.sec_type == "STK":
        ex = exchange.upper() if exchange else "SMART"
        primary: str | None = inst.primary_exchange
    else:
        ex = exchange_alias(exchange) if exchange else inst.exchange
        primary = None
    return Contract(
        con_id=inst.con_id,
        symbol=inst.symbol,
        sec_type=inst.sec_type,
        last_trade_date_or_contract_month=inst.last_trade_date,
        strike=inst.strike if inst.strike is not None else 0.0,
        right=inst.right,
        multiplier=inst.multiplier,
        exchange=ex,
        primary_exchange=primary,
        currency=inst.currency,
        local_symbol=inst.local_symbol,
        trading_class=inst.trading_class,
    )


def session_hours(inst: Instrument, start: date, days: int = 7) -> tuple[str, str]:
    """``(trading_hours, liquid_hours)`` in TWS's format for ``days`` dates from ``start``, from
    the market calendar (:mod:`..calendar`): ``"20261120:0400-20261120:2000;20261121:CLOSED;..."``
    for a stock; sessions of futures and currency pairs open the evening before their trade date;
    weekends and exchange holidays are ``CLOSED``, early closes end early."""
    cal = Calendar.of(inst.hours)
    return cal.hours(start, days), cal.hours(start, days, liquid=True)


def _default_last_trade_time(inst: Instrument) -> str | None:
    if inst.sec_type not in ("FUT", "CONTFUT"):
        return None
    return "13:30" if inst.exchange == "NYMEX" else "08:30"


def to_details(inst: Instrument, today: date, exchange: str | None = None) -> ContractDetails:
    """The CONTRACT_DATA content for ``inst`` (contract qualified as :func:`to_contract` does);
    its hours are those of the 7 dates from ``today`` (market time)."""
    trading, liquid = session_hours(inst, today)
    sec_ids: list[TagValue] = [TagValue("ISIN", inst.isin)] if inst.isin else []
    return ContractDetails(
        contract=to_contract(inst, exchange),
        market_name=inst.market_name,
        min_tick=inst.min_tick,
        order_types=inst.order_types,
        valid_exchanges=inst.valid_exchanges,
        price_magnifier=1,
        under_con_id=inst.under_con_id,
        long_name=inst.long_name,
        contract_month=inst.contract_month,
        industry=inst.industry,
        category=inst.category,
        subcategory=inst.subcategory,
        time_zone_id=inst.time_zone_id,
        trading_hours=trading,
        liquid_hours=liquid,
        ev_rule=None,
        ev_multiplier=None,
        sec_id_list=sec_ids,
        agg_group=inst.agg_group,
        under_symbol=inst.under_symbol,
        under_sec_type=inst.under_sec_type,
        market_rule_ids=inst.market_rule_ids,
        real_expiration_date=inst.last_trade_date,
        last_trade_time=inst.last_trade_time or _default_last_trade_time(inst),
        stock_type=inst.stock_type,
        min_size=inst.min_size,
        size_increment=inst.size_increment,
        suggested_size_increment=inst.suggested_size_increment,
    )
