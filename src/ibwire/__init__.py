"""ibwire: the Interactive Brokers TWS API socket protocol, client and paper gateway."""

from .errors import (
    CancelRejected,
    ConnectError,
    ConnectionLost,
    IbwireError,
    OrderRejected,
    ProtocolError,
    RequestError,
    RequestTimeout,
)
from .models import (
    Contract,
    Forex,
    Future,
    LimitOrder,
    MarketOrder,
    Order,
    Stock,
    StopLimitOrder,
    StopOrder,
)

__version__ = "0.1.0"

__all__ = [
    "CancelRejected", "ConnectError", "ConnectionLost", "IbwireError", "OrderRejected",
    "ProtocolError", "RequestError", "RequestTimeout", "Contract", "Forex", "Future",
    "LimitOrder", "MarketOrder", "Order", "Stock", "StopLimitOrder", "StopOrder", "__version__",
]
