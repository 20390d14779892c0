"""Fault injection for tests: the pieces of :class:`~ibwire.gateway.PaperGateway` that misbehave.

The gateway's public fault API (``drop_client``, ``send_connectivity``, ``hold_acks`` /
``release_acks``, ``reject_next_order``, ``restart``) is implemented in :mod:`.core`; this module
holds the state those faults need and the texts TWS uses.

``hold_acks()`` withholds the whole order stream -- OPEN_ORDER, ORDER_STATUS, and also the
EXECUTION_DATA / COMMISSION_REPORT / order errors that follow them -- so that a client never sees a
fill before the acknowledgement of its order; ``release_acks()`` delivers everything withheld, in
the original order, to whatever connection holds each client id by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..protocol.schema import Message

__all__ = ["CONNECTIVITY_TEXTS", "AckGate"]

CONNECTIVITY_TEXTS: dict[int, str] = {
    1100: "Connectivity between IB and Trader Workstation has been lost.",
    1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
    1102: "Connectivity between IB and Trader Workstation has been restored - data maintained.",
    1300: "TWS socket port has been reset and this connection is being dropped. "
          "Please reconnect on the new port - ",
}
"""TWS's texts for the connectivity notices (ERR_MSG id -1)."""


@dataclass(slots=True)
class AckGate:
    """While ``held``, order-stream messages queue here as (client id, message) instead of going out."""

    held: bool = False
    queue: list[tuple[int, Message]] = field(default_factory=list)

    def hold(self) -> None:
        self.held = True

    def commission_first(self) -> int:
        """Put every withheld commission report before its execution; returns how many moved."""
        from ..protocol.messages.executions import CommissionReportMsg, ExecutionData

        q, moved = self.queue, 0
        for i in range(len(q)):
            report = q[i][1]
            if not isinstance(report, CommissionReportMsg):
                continue
            exec_id = report.commission_report.exec_id
            for j in range(i):
                ex = q[j][1]
                if isinstance(ex, ExecutionData) and ex.execution.exec_id == exec_id:
                    q.insert(j, q.pop(i))
                    moved += 1
                    break
        return moved

    def release(self) -> list[tuple[int, Message]]:
        """Stop holding; return what was withheld, oldest first."""
        self.held = False
        out, self.queue = self.queue, []
        return out
