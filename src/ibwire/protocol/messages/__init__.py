"""Message schemas, one module per domain. Importing this package registers them all."""

from . import (
    accounts,  # noqa: F401
    contracts,  # noqa: F401
    executions,  # noqa: F401
    historical,  # noqa: F401
    market_data,  # noqa: F401
    orders,  # noqa: F401
    system,  # noqa: F401
)

__all__ = ["system", "accounts", "executions", "market_data", "contracts", "historical", "orders"]
