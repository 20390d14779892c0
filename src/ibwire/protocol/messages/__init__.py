"""Message schemas, one module per domain. Importing this package registers them all."""

from . import system  # noqa: F401
from . import accounts  # noqa: F401
from . import executions  # noqa: F401
from . import market_data  # noqa: F401
from . import contracts  # noqa: F401
from . import historical  # noqa: F401
from . import orders  # noqa: F401

__all__ = ["system", "accounts", "executions", "market_data", "contracts", "historical", "orders"]
