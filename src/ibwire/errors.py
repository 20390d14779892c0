"""Exceptions raised by ibwire, and the table that classifies TWS error codes.

Exception tree::

    IbwireError
    ├── ConnectError          the socket could not be opened or the handshake failed (502, 503, 326 ...)
    ├── ConnectionLost        the connection broke while a request was pending
    ├── RequestTimeout        no reply came in time (names the request)
    ├── RequestError          TWS answered a request with an error code
    │   ├── OrderRejected     201 / 203 / 103 ... for an order
    │   ├── CancelRejected    10147 / 10148 / 161 / 135 for a cancel
    │   ├── ContractError     200: unknown or ambiguous contract
    │   ├── HistoricalDataError 162 / 321 / 366 for historical requests
    │   └── PacingViolation   100: too many messages per second
    └── ProtocolError         bytes that break the wire protocol
        ├── LocalProtocolError   we were asked to send something the protocol cannot carry
        │   └── ServerTooOld       ... because the server's version does not have it (503)
        └── RemoteProtocolError  the peer sent something malformed

TWS codes are classified by :func:`classify`; see :data:`ERROR_CODES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "IbwireError",
    "ConnectError",
    "ConnectionLost",
    "RequestTimeout",
    "RequestError",
    "OrderRejected",
    "CancelRejected",
    "ContractError",
    "HistoricalDataError",
    "PacingViolation",
    "ProtocolError",
    "LocalProtocolError",
    "ServerTooOld",
    "RemoteProtocolError",
    "ErrorCategory",
    "ErrorInfo",
    "ERROR_CODES",
    "classify",
    "CONNECT_ADVICE",
]


class IbwireError(Exception):
    """Base of every exception ibwire raises."""


CONNECT_ADVICE = (
    "Check that TWS or IB Gateway is running and logged in; that the API is enabled "
    "(Configure > API > Settings > Enable ActiveX and Socket Clients); that the socket port matches "
    "(TWS 7497 paper / 7496 live, IB Gateway 4002 paper / 4001 live); and that this host is in "
    "Trusted IPs and no firewall blocks the port."
)


class ConnectError(IbwireError):
    """The connection could not be established. ``code`` is the IB code (502, 503, 326 ...)."""

    def __init__(self, message: str, *, code: int = 502, host: str | None = None,
                 port: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.host = host
        self.port = port


class ConnectionLost(IbwireError):
    """The connection closed while a request was waiting for its reply."""


class RequestTimeout(IbwireError):
    """No reply arrived in time. ``request`` names the request."""

    def __init__(self, request: str, timeout: float) -> None:
        super().__init__(f"{request}: no reply within {timeout:g} s")
        self.request = request
        self.timeout = timeout


class RequestError(IbwireError):
    """TWS answered a request with an error message."""

    def __init__(self, code: int, message: str, req_id: int = -1,
                 advanced: str | None = None) -> None:
        super().__init__(f"error {code}: {message}" if message else f"error {code}")
        self.code = code
        self.message = message
        self.req_id = req_id
        self.advanced = advanced


class OrderRejected(RequestError):
    """TWS rejected an order (201, 203, 103, 110 ...)."""


class CancelRejected(RequestError):
    """TWS refused to cancel an order (10147 not found, 10148 / 161 not cancellable, 135)."""


class ContractError(RequestError):
    """200: no security definition found, or the contract is ambiguous."""


class HistoricalDataError(RequestError):
    """162 / 321 / 366: historical data service error, invalid request or pacing violation."""


class PacingViolation(RequestError):
    """100: the client sent more than 50 messages per second."""


class ProtocolError(IbwireError):
    """Bytes that break the wire protocol. Names the message id, field index and raw value."""

    def __init__(self, message: str, *, msg_id: int | None = None,
                 field_index: int | None = None, raw: str | None = None) -> None:
        super().__init__(message)
        self.msg_id = msg_id
        self.field_index = field_index
        self.raw = raw


class LocalProtocolError(ProtocolError):
    """We were asked to send something the protocol cannot carry (our side's mistake)."""


class ServerTooOld(LocalProtocolError):
    """The negotiated server version cannot carry this request (it appeared later, or this value
    of it did): the official client refuses it with error 503 ("The TWS is out of date and must
    be upgraded."), and so does ibwire's EClient."""


class RemoteProtocolError(ProtocolError):
    """The peer sent bytes that break the protocol."""


class ErrorCategory(Enum):
    NOTICE = "notice"  # informational, e.g. farm connection OK
    WARNING = "warning"  # the request goes on, something is worth knowing
    CONNECTIVITY = "connectivity"  # 1100 / 1101 / 1102 / 1300
    CONTRACT = "contract"  # 200
    ORDER_REJECT = "order_reject"  # 201, 203 ...
    CANCEL_CONFIRM = "cancel_confirm"  # 202
    CANCEL_FAILURE = "cancel_failure"  # 10147, 10148, 161, 135
    DUPLICATE_ORDER_ID = "duplicate_order_id"  # 103
    PACING = "pacing"  # 100
    HISTORICAL = "historical"  # 162, 321 for historical requests, 366
    CONNECTION = "connection"  # 326 client id in use, 1300 port changed
    CLIENT = "client"  # generated by client libraries: 501..599
    REQUEST = "request"  # any other error for a request


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    code: int
    category: ErrorCategory
    text: str

    @property
    def is_error(self) -> bool:
        """True when the request named by the message failed."""
        return self.category not in (ErrorCategory.NOTICE, ErrorCategory.WARNING,
                                     ErrorCategory.CONNECTIVITY, ErrorCategory.CANCEL_CONFIRM)


_C = ErrorCategory

ERROR_CODES: dict[int, ErrorInfo] = {
    info.code: info
    for info in (
        ErrorInfo(100, _C.PACING, "Max rate of messages per second has been exceeded."),
        ErrorInfo(103, _C.DUPLICATE_ORDER_ID, "Duplicate order id."),
        ErrorInfo(104, _C.ORDER_REJECT, "Can't modify a filled order."),
        ErrorInfo(105, _C.WARNING, "Order being modified does not match original order."),
        ErrorInfo(110, _C.ORDER_REJECT, "The price does not conform to the minimum price variation for this contract."),
        ErrorInfo(135, _C.CANCEL_FAILURE, "Can't find order with id ="),
        ErrorInfo(161, _C.CANCEL_FAILURE, "Cancel attempted when order is not in a cancellable state."),
        ErrorInfo(162, _C.HISTORICAL, "Historical market data Service error message."),
        ErrorInfo(165, _C.WARNING, "Historical market Data Service query message."),
        ErrorInfo(200, _C.CONTRACT, "No security definition has been found for the request."),
        ErrorInfo(201, _C.ORDER_REJECT, "Order rejected - reason:"),
        ErrorInfo(202, _C.CANCEL_CONFIRM, "Order Canceled - reason:"),
        ErrorInfo(203, _C.ORDER_REJECT, "The security is not available or allowed for this account."),
        ErrorInfo(309, _C.REQUEST, "Max number (3) of market depth requests has been reached."),
        ErrorInfo(310, _C.REQUEST, "Can't find the subscribed market depth with tickerId:"),
        ErrorInfo(317, _C.WARNING, "Market depth data has been RESET. Please empty deep book contents before applying any new entries."),
        ErrorInfo(321, _C.REQUEST, "Error validating request."),
        ErrorInfo(322, _C.REQUEST, "Error processing request."),
        ErrorInfo(326, _C.CONNECTION, "Unable to connect as the client id is already in use. Retry with a unique client id."),
        ErrorInfo(327, _C.REQUEST, "Only API connections with clientId set to 0 can set the auto bind TWS orders property."),
        ErrorInfo(354, _C.REQUEST, "Requested market data is not subscribed."),
        ErrorInfo(366, _C.HISTORICAL, "No historical data query found for ticker id."),
        ErrorInfo(399, _C.WARNING, "Order message error."),
        ErrorInfo(502, _C.CLIENT, "Couldn't connect to TWS."),
        ErrorInfo(503, _C.CLIENT, "The TWS is out of date and must be upgraded."),
        ErrorInfo(504, _C.CLIENT, "Not connected."),
        ErrorInfo(507, _C.CLIENT, "Bad message length."),
        ErrorInfo(1100, _C.CONNECTIVITY, "Connectivity between IB and Trader Workstation has been lost."),
        ErrorInfo(1101, _C.CONNECTIVITY, "Connectivity between IB and Trader Workstation has been restored - data lost."),
        ErrorInfo(1102, _C.CONNECTIVITY, "Connectivity between IB and Trader Workstation has been restored - data maintained."),
        ErrorInfo(1300, _C.CONNECTION, "TWS socket port has been reset and this connection is being dropped."),
        ErrorInfo(2100, _C.WARNING, "New account data requested from TWS. API client has been unsubscribed from account data."),
        ErrorInfo(2103, _C.WARNING, "Market data farm connection is broken."),
        ErrorInfo(2104, _C.NOTICE, "Market data farm connection is OK."),
        ErrorInfo(2105, _C.WARNING, "HMDS data farm connection is broken."),
        ErrorInfo(2106, _C.NOTICE, "HMDS data farm connection is OK."),
        ErrorInfo(2107, _C.NOTICE, "HMDS data farm connection is inactive but should be available upon demand."),
        ErrorInfo(2108, _C.NOTICE, "Market data farm connection is inactive but should be available upon demand."),
        ErrorInfo(2109, _C.WARNING, "Order Event Warning: Attribute 'Outside Regular Trading Hours' is ignored."),
        ErrorInfo(2119, _C.NOTICE, "Market data farm is connecting."),
        ErrorInfo(2158, _C.NOTICE, "Sec-def data farm connection is OK."),
        ErrorInfo(10092, _C.REQUEST, "Deep market data is not supported for this combination of security type/exchange."),
        ErrorInfo(10147, _C.CANCEL_FAILURE, "OrderId that needs to be cancelled is not found."),
        ErrorInfo(10148, _C.CANCEL_FAILURE, "OrderId that needs to be cancelled can not be cancelled."),
        ErrorInfo(10167, _C.WARNING, "Requested market data is not subscribed. Displaying delayed market data."),
    )
}


def classify(code: int) -> ErrorInfo:
    """Classify a TWS error code; unknown codes fall into ranges the way TWS documents them."""
    info = ERROR_CODES.get(code)
    if info is not None:
        return info
    if 2100 <= code <= 2199:
        return ErrorInfo(code, _C.WARNING, "")
    if 501 <= code <= 599:
        return ErrorInfo(code, _C.CLIENT, "")
    return ErrorInfo(code, _C.REQUEST, "")
