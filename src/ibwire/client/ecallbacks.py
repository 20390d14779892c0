"""The EClient's hand-written dispatch: connection events, unknown and undecodable messages,
and the few messages whose callbacks need more than the declarations' :class:`Callback` tables
(:data:`SPECIAL`); every other callback derives from the declarations (:mod:`.eapi`)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..models.market import TickType
from ..protocol.connection import BadMessage
from ..protocol.messages.historical import HistoricalData
from ..protocol.messages.market_data import TickPrice
from ..protocol.messages.system import ErrMsg
from ..protocol.messages.ticks import TickByTick
from ..protocol.schema import UnknownMessage
from ..protocol.versions import Feature, supports
from .ewrapper import TickAttrib

if TYPE_CHECKING:
    from .eclient import EClient

__all__ = [
    "SPECIAL", "IMPLIED_SIZE_TICK", "ATTRIBS", "Handler", "NO_VALID_ID", "ALREADY_CONNECTED",
    "CONNECT_FAIL", "NOT_CONNECTED", "UNKNOWN_ID",
    "BAD_MESSAGE", "FAIL_SEND", "INVALID_SYMBOL", "ignore", "on_closed", "on_unknown", "on_bad",
    "on_unhandled", "error_arity",
]

log = logging.getLogger("ibwire.eclient")

NO_VALID_ID = -1

# Client-side codes, as the official client uses them.
ALREADY_CONNECTED = 501
CONNECT_FAIL = 502
UPDATE_TWS = 503
NOT_CONNECTED = 504
UNKNOWN_ID = 505
BAD_MESSAGE = 508
FAIL_SEND = 509
INVALID_SYMBOL = 579

IMPLIED_SIZE_TICK: dict[int, int] = {int(t): int(s) for t in TickType
                                     if (s := t.size_type) is not None}
"""TICK_PRICE tick type -> the size tick type the official client derives from it
(BID -> BID_SIZE, ASK -> ASK_SIZE, LAST -> LAST_SIZE and their delayed forms)."""

Handler = Callable[["EClient", Any], None]

ATTRIBS = tuple(TickAttrib.from_mask(m) for m in range(8))


# --- module-level handlers (plain functions: the dispatch table maps class -> function) ---------

def ignore(self: EClient, ev: Any) -> None:
    pass


def on_closed(self: EClient, ev: Any) -> None:
    """The reader's last event; the dispatcher then calls ``connectionClosed()`` (once)."""
    cause = getattr(ev, "cause", None)
    if cause is not None:
        log.warning("connection closed: %s", cause)


def on_unknown(self: EClient, ev: UnknownMessage) -> None:
    self.unhandled.append(ev)
    self._client_error(NO_VALID_ID, UNKNOWN_ID,
                       f"Unknown message id {ev.msg_id}: ibwire has no decoder for it; the frame "
                       f"({len(ev.fields)} fields) is kept in EClient.unhandled")


def on_bad(self: EClient, ev: BadMessage) -> None:
    self.unhandled.append(ev)
    self._client_error(NO_VALID_ID, BAD_MESSAGE, f"Bad message - {ev.error}")


def on_unhandled(self: EClient, ev: Any) -> None:
    self.unhandled.append(ev)
    self._client_error(NO_VALID_ID, UNKNOWN_ID,
                       f"No EWrapper callback for {type(ev).__name__}; the message is kept in "
                       f"EClient.unhandled")


SPECIAL: dict[type, str] = {
    TickPrice: "_on_tick_price", HistoricalData: "_on_historical_data", ErrMsg: "_on_err_msg",
    TickByTick: "_on_tick_by_tick",
}
"""The messages the EClient handles by hand (TICK_PRICE also reports the implied size tick,
HISTORICAL_DATA calls once per bar and ends the request below 196, ERR_MSG fits the program's
``error`` signature, TICK_BY_TICK calls one of three callbacks by its tick type:
:func:`~ibwire.protocol.messages.ticks.tick_by_tick_call`) -> the EClient method. Every other
callback derives from the declarations (:mod:`.eapi`)."""


def tick_attr_mask(mask: int | None, server_version: int | None) -> int:
    """TICK_PRICE's attribute bits as the official client reads them at ``server_version``:
    only ``canAutoExecute`` (mask == 1) below PAST_LIMIT, no ``preOpen`` below PRE_OPEN_BID_ASK."""
    if not mask:
        return 0
    if server_version is not None and not supports(server_version, Feature.PAST_LIMIT):
        return 1 if mask == 1 else 0
    if server_version is not None and not supports(server_version, Feature.PRE_OPEN_BID_ASK):
        return mask & 3
    return mask & 7


def historical_data_ends(server_version: int | None) -> bool:
    """HISTORICAL_DATA ends the request itself (below 196; later HISTORICAL_DATA_END does)."""
    return server_version is None or not supports(server_version, Feature.HISTORICAL_DATA_END)


def error_arity(fn: Callable[..., Any]) -> int:
    """How many positional arguments a program's ``error`` takes: 3 (ibapi 9.81), 4 (10.x) or
    5 (recent releases, ``errorTime`` second)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return 4
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 4
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2 and positional[1].name == "errorTime":
        return 5
    if len(positional) <= 3:
        return 3
    return 4
