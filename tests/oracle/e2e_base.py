"""What the official-client apps of the end-to-end oracle tests share (run with the oracle's Python
path, as scripts: ``python e2e_<domain>_app.py PORT ...``): an EWrapper + EClient that records
callbacks into ``self.r`` under a condition, and waits on it with a timeout, never by sleeping.
Only the official package's public classes are used; none of its code is copied."""

from __future__ import annotations

import queue
import threading
from typing import Any

from ibapi.client import EClient
from ibapi.wrapper import EWrapper

WAIT_S = 15.0


class RecordingApp(EWrapper, EClient):  # type: ignore[misc]
    """``self.r`` holds what the callbacks recorded (each app adds its own keys; ``errors``,
    ``timeouts`` and ``next_id`` are used here)."""

    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.cond = threading.Condition()
        self.r: dict[str, Any] = {"errors": [], "timeouts": [], "next_id": None}
        self._stopping = False

    def note(self, fn: Any) -> None:
        with self.cond:
            fn(self.r)
            self.cond.notify_all()

    def wait(self, pred: Any, what: str) -> bool:
        with self.cond:
            if self.cond.wait_for(lambda: pred(self.r), WAIT_S):
                return True
        self.r["timeouts"].append(what)
        return False

    def start(self, port: int, client_id: int) -> None:
        """Connect to 127.0.0.1:``port``, run the callbacks on a thread of their own (the
        three-thread design) and wait for nextValidId; ``server_version`` is recorded."""
        self.connect("127.0.0.1", port, client_id)
        self._runner = threading.Thread(target=self.run, name="ibapi-run", daemon=True)
        self._runner.start()
        self.wait(lambda r: r["next_id"] is not None, "nextValidId")
        self.r["server_version"] = self.serverVersion()

    def finish(self) -> None:
        """Disconnect from the callback thread itself, between two messages, and let it end.

        (The official run loop goes on with whatever is still queued after a disconnect and
        reads ``serverVersion()`` -- None by then -- for each message: a disconnect from another
        thread while messages stream in ends the callback thread with a TypeError.)"""
        self._stopping = True
        self._runner.join(WAIT_S)
        if self.isConnected():  # the loop did not come round: disconnect from here after all
            self.disconnect()

    def _stop_if_asked(self) -> None:
        if self._stopping and self.isConnected():
            self.disconnect()
            self.msg_queue = queue.Queue()  # (the reader's last messages are dropped: the loop ends)

    def msgLoopRec(self) -> None:  # noqa: N802 - the official hooks, called by run() on its thread
        self._stop_if_asked()

    def msgLoopTmo(self) -> None:  # noqa: N802
        self._stop_if_asked()

    def nextValidId(self, orderId: int) -> None:  # noqa: N802 - the official names
        self.note(lambda r: r.__setitem__("next_id", orderId))

    def error(self, reqId: int, errorTime: int, errorCode: int, errorString: str,  # noqa: N802, N803
              advancedOrderRejectJson: str = "") -> None:  # noqa: N803
        self.note(lambda r: r["errors"].append([reqId, errorCode, errorString]))
