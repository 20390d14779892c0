"""Market data, contract details and historical bars (issue 4) -- placeholder, filled in next."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["refresh"]


def refresh(core: GatewayCore) -> None:
    """Stream market data subscriptions after the market moved."""
