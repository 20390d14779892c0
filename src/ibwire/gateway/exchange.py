"""The paper exchange: orders, matching, fills, commissions -- pure, synchronous logic.

No sockets, no asyncio, no threads: the gateway's sessions call these methods and turn the returned
events into wire messages (OPEN_ORDER + ORDER_STATUS for :class:`OrderUpdate`, EXECUTION_DATA +
COMMISSION_REPORT for :class:`FillEvent`, ERR_MSG for :class:`OrderError`, account streams for
:class:`AccountUpdate`). Work in progress: the API below is stable; see the docstrings.
"""

from __future__ import annotations

__all__: list[str] = []
