"""Command output: :class:`Output` (human output with rich, or JSON lines on stdout; errors and
progress on stderr), plain JSON values (:func:`jsonable`), and the formatting of quantities,
prices, money and times (one time convention: the display zone)."""

from __future__ import annotations

import json
import math
import os
import sys
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console

from ..models import Contract

if TYPE_CHECKING:
    from .problems import Problem

__all__ = [
    "Output", "jsonable", "contract_json", "fmt_qty", "fmt_price", "fmt_money", "fmt_time",
    "in_display_zone", "set_display_zone",
]


class Output:
    """Human output (rich, coloured when stdout is a terminal) or JSON; errors go to stderr."""

    def __init__(self, json_mode: bool = False) -> None:
        self.json_mode = json_mode
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
        self.console = Console(highlight=False, width=width, soft_wrap=False)
        self.err = Console(stderr=True, highlight=False,
                           width=None if sys.stderr.isatty() or os.environ.get("COLUMNS") else 160)

    def print(self, *objects: Any, **kw: Any) -> None:
        """Human output (suppressed in JSON mode)."""
        if not self.json_mode:
            self.console.print(*objects, **kw)

    def info(self, text: str) -> None:
        """A progress line on stderr (never mixed into JSON on stdout)."""
        self.err.print(_escape(text), style="dim")

    def emit(self, obj: Any) -> None:
        """One JSON document on stdout, newline-terminated (JSON mode only)."""
        if self.json_mode:
            sys.stdout.write(json.dumps(jsonable(obj), sort_keys=False) + "\n")
            sys.stdout.flush()

    def problem(self, p: Problem, emit: bool = True) -> None:
        """The problem on stderr; in JSON mode also as ``{"error": ...}`` on stdout (unless
        ``emit`` is False: the command's JSON already says it)."""
        self.err.print(f"[bold red]ibwire:[/] {_escape(p.headline)}")
        for hint in p.hints:
            self.err.print(f"  - {_escape(hint)}")
        if self.json_mode and emit:
            self.emit({"error": {"code": p.code, "type": p.kind, "message": p.headline,
                                 "hints": p.hints, "exit_code": int(p.exit_code)}})


def _escape(text: str) -> str:
    from rich.markup import escape
    return escape(text)


# --- formatting ----------------------------------------------------------------------------------------

def jsonable(obj: Any) -> Any:
    """Plain JSON values: Decimal -> int or float, datetime -> ISO 8601 with its offset in the
    display zone, dataclass -> dict."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Decimal):
        if not obj.is_finite():
            return None
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    if isinstance(obj, datetime):
        return in_display_zone(obj).isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, Contract):
        return contract_json(obj)
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields is not None:
        return {name: jsonable(getattr(obj, name)) for name in fields if not name.startswith("_")}
    return str(obj)


_CONTRACT_KEYS = ("con_id", "symbol", "sec_type", "last_trade_date_or_contract_month", "strike",
                  "right", "multiplier", "exchange", "primary_exchange", "currency", "local_symbol",
                  "trading_class")


def contract_json(c: Contract) -> dict[str, Any]:
    """The identifying fields of a contract (unset ones left out)."""
    out: dict[str, Any] = {}
    for key in _CONTRACT_KEYS:
        value = getattr(c, key)
        if value not in (None, "", 0, 0.0) or (key == "con_id" and value):
            out[key] = jsonable(value)
    return out


def fmt_qty(q: Decimal | int | float | None) -> str:
    if q is None:
        return "-"
    if isinstance(q, Decimal):
        if not q.is_finite():
            return "-"
        text = format(q.normalize(), "f")
        return f"{int(q):,}" if q == q.to_integral_value() else text
    return f"{q:,}"


def fmt_price(p: float | None, digits: int = 2, exact: bool = False) -> str:
    """``230.07``; forex and sub-cent prices keep their digits; ``exact``: every digit the price
    has (an order's limit or stop price, as the user typed it: ``230.123`` is not ``230.12``)."""
    if p is None or not math.isfinite(p):
        return "-"
    text = f"{p:,.{digits}f}"
    if digits == 2 and abs(p) < 10 and round(p, 2) != round(p, 5):
        text = f"{p:,.5f}".rstrip("0")  # forex and sub-cent prices keep their digits
    if exact and round(p, digits) != round(p, 10):
        text = f"{p:,.10f}".rstrip("0")
    return text


def fmt_money(value: float | str | None, signed: bool = False) -> str:
    """A money amount with thousands separators; ``signed`` colours it green / red (rich markup)."""
    if value is None or value == "":
        return "-"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "-"
    text = f"{x:,.2f}"
    if signed and x > 0:
        return f"[green]+{text}[/]"
    if signed and x < 0:
        return f"[red]{text}[/]"
    return text


# --- times: one convention -----------------------------------------------------------------------
#
# Human output shows times in the display zone (this computer's, or --tz / IBWIRE_TZ) with the
# zone's abbreviation; JSON carries the same instant in the same zone as ISO 8601 with its offset,
# so a fill shows the same date in both. Bars are the exception: they are in the exchange's zone,
# labelled as such (``ibwire bars``).

_display_zone: tzinfo | None = None  # None: this computer's zone


def set_display_zone(name: str | None) -> None:
    """Show times in zone ``name`` (an IANA name or UTC); None: this computer's zone."""
    global _display_zone
    if name is None or not name.strip():
        _display_zone = None
        return
    try:
        _display_zone = ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: give an IANA name such as "
                         "Europe/Berlin, America/New_York or UTC") from None


def in_display_zone(t: datetime) -> datetime:
    """``t`` (aware; naive is taken as UTC) in the display zone."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo("UTC"))
    return t.astimezone(_display_zone)


def fmt_time(t: datetime | date | None, short: bool = False) -> str:
    """``2026-11-20 10:00:05 EST`` (``short``: ``10:00:05 EST``) in the display zone."""
    if t is None:
        return "-"
    if isinstance(t, datetime):
        local = in_display_zone(t)
        return local.strftime("%H:%M:%S %Z" if short else "%Y-%m-%d %H:%M:%S %Z").strip()
    return t.isoformat()
