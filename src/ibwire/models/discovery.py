"""Discovery models: symbol search results, family codes and the Wall Street Horizon request."""

from __future__ import annotations

from dataclasses import dataclass, field

from .contract import Contract

__all__ = ["ContractDescription", "FamilyCode", "WshEventData"]


@dataclass(slots=True)
class ContractDescription:
    """One SYMBOL_SAMPLES answer: a contract (con id, symbol, sec type, primary exchange, currency,
    and from server version 176 its description and issuer id) and the sec types of the
    derivatives listed on it (``["OPT", "FUT", ...]``)."""

    contract: Contract = field(default_factory=Contract)
    derivative_sec_types: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FamilyCode:
    """An account and its family code (FAMILY_CODES)."""

    account_id: str | None = None
    family_code_str: str | None = None


@dataclass(slots=True)
class WshEventData:
    """What REQ_WSH_EVENT_DATA asks for: the events of ``con_id``, or (server version 171) those of
    the watchlist / portfolio / competitors with a JSON ``filter``; (173) between ``start_date``
    and ``end_date`` (``yyyyMMdd``), at most ``total_limit`` of them."""

    con_id: int | None = None
    filter: str | None = None
    fill_watchlist: bool | None = False
    fill_portfolio: bool | None = False
    fill_competitors: bool | None = False
    start_date: str | None = None
    end_date: str | None = None
    total_limit: int | None = None
