"""Shared fixtures: a paper gateway on 127.0.0.1:0 and a raw wire client for it.

``gateway`` starts :class:`ibwire.gateway.PaperGateway` on a free port with the market clock
stopped (``tick_interval=None``), so the market moves only when a test calls ``gateway.step(n)``
and every outcome is deterministic. ``wire`` connects :class:`WireClient` objects: minimal TWS API
clients built directly on ibwire's sans-I/O ``Connection(Role.CLIENT)``, which let a test send any
message (or any bytes) and wait for what comes back, without sleeping.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.connection import (
    BadMessage,
    Connection,
    ConnectionClosed,
    HandshakeComplete,
    Role,
    SessionReady,
)
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import IB_ASYNC_VERSION, IBAPI_981_VERSION

WAIT_S = 10.0
"""Upper bound for waiting on an expected message (never reached when things work)."""


class WireClient:
    """A bare TWS API client for gateway tests: every event it decodes lands in ``inbox``."""

    def __init__(self, port: int, *, min_version: int = IBAPI_981_VERSION,
                 max_version: int = IB_ASYNC_VERSION, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=WAIT_S)
        self.conn = Connection(Role.CLIENT, min_version=min_version, max_version=max_version)
        self.inbox: list[Any] = []
        self.closed = False
        self.server_version: int | None = None
        self.next_valid_id: int | None = None
        self.accounts: list[str] = []
        self.greeting: list[Any] = []  # what arrived up to SessionReady

    # --- connecting ----------------------------------------------------------------------------

    def handshake(self) -> int:
        """Send the banner; return the server version the gateway answered."""
        self.sock.sendall(self.conn.initiate())
        ev = self.expect(HandshakeComplete)
        self.server_version = ev.server_version
        return ev.server_version

    def start(self, client_id: int) -> SessionReady:
        """START_API; wait for MANAGED_ACCTS + NEXT_VALID_ID."""
        self.sock.sendall(self.conn.start_api(client_id))
        ready = self.expect(SessionReady)
        self.greeting = self.inbox[:] + self.sync()  # incl. the farm notices
        self.inbox.clear()
        self.next_valid_id = ready.next_valid_id
        self.accounts = ready.accounts
        return ready

    # --- sending -------------------------------------------------------------------------------

    def send(self, *msgs: Message) -> None:
        self.sock.sendall(b"".join(self.conn.send(m) for m in msgs))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    # --- receiving -----------------------------------------------------------------------------

    def _pump(self, deadline: float) -> bool:
        """Read once (until ``deadline``); False when the connection is closed or time is up."""
        if self.closed:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 16)
        except TimeoutError:
            return False
        except OSError:
            data = b""
        events = self.conn.receive_data(data)
        for ev in events:
            if isinstance(ev, BadMessage):
                raise AssertionError(f"the gateway sent an undecodable frame: {ev.error}")
            if isinstance(ev, ConnectionClosed):
                self.closed = True
        self.inbox.extend(events)
        return not self.closed

    def expect(self, cls: type, where: Callable[[Any], bool] | None = None,
               timeout: float = WAIT_S) -> Any:
        """Remove and return the first event of type ``cls`` (matching ``where``) from the inbox,
        reading until it arrives; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.inbox):
                if isinstance(ev, cls) and (where is None or where(ev)):
                    return self.inbox.pop(i)
            if not self._pump(deadline):
                if self.closed:
                    # events decoded before the close are still in the inbox: one last look
                    for i, ev in enumerate(self.inbox):
                        if isinstance(ev, cls) and (where is None or where(ev)):
                            return self.inbox.pop(i)
                    raise AssertionError(f"connection closed before {cls.__name__} arrived; "
                                         f"inbox: {self.inbox!r}")
                raise AssertionError(f"no {cls.__name__} within {timeout} s; inbox: {self.inbox!r}")

    def until(self, marker: type, where: Callable[[Any], bool] | None = None,
              timeout: float = WAIT_S) -> list[Any]:
        """Read until a ``marker`` event arrives; return (and remove) everything before it."""
        deadline = time.monotonic() + timeout
        while True:
            for i, ev in enumerate(self.inbox):
                if isinstance(ev, marker) and (where is None or where(ev)):
                    before = self.inbox[:i]
                    del self.inbox[:i + 1]
                    return before
            if not self._pump(deadline):
                raise AssertionError(f"no {marker.__name__} within {timeout} s "
                                     f"(closed={self.closed}); inbox: {self.inbox!r}")

    def sync(self) -> list[Any]:
        """Round trip a REQ_CURRENT_TIME; return everything that arrived before its answer.

        The gateway handles one connection's messages in order, so whatever an earlier request
        caused has been written before the CURRENT_TIME: this is how a test proves that something
        did *not* happen, without sleeping. (Not a scan's first run: it answers after pricing its
        candidates, between turns of the gateway's loop; see gateway/scanner_api.py.)
        """
        self.send(ReqCurrentTime())
        return self.until(CurrentTime)

    def drain(self) -> list[Any]:
        """Wait for everything in flight (see :meth:`sync`); empty the inbox; return what it held."""
        got = self.inbox[:] + self.sync()
        self.inbox.clear()
        return got

    def ask(self, msg: Message, marker: type, where: Callable[[Any], bool] | None = None,
            timeout: float = WAIT_S) -> list[Any]:
        """Drain what is in flight (see :meth:`sync`), send ``msg`` and return what arrives
        before its ``marker`` (e.g. OPEN_ORDER_END): the answer to that request alone."""
        self.drain()
        self.send(msg)
        return self.until(marker, where, timeout)

    def take(self, cls: type) -> list[Any]:
        """Remove and return every event of type ``cls`` already in the inbox."""
        found = [ev for ev in self.inbox if isinstance(ev, cls)]
        self.inbox = [ev for ev in self.inbox if not isinstance(ev, cls)]
        return found

    def wait_closed(self, timeout: float = WAIT_S) -> bool:
        """Read until the gateway closes the socket; True if it did within ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self.closed and self._pump(deadline):
            pass
        return self.closed

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


# Market time of every hand-stepped paper gateway in the suite: a weekday, mid-session in New York,
# so stepping the market never crosses the midnight at which DAY orders expire, whatever the hour
# the tests run at.
MARKET_START = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True, scope="session")
def _pinned_market_time() -> Iterator[None]:
    PaperGateway.default_market_start = MARKET_START
    yield
    PaperGateway.default_market_start = None


@pytest.fixture
def gateway() -> Iterator[PaperGateway]:
    """A paper gateway on 127.0.0.1:0; the market moves only through ``gateway.step(n)``."""
    with PaperGateway(port=0, tick_interval=None) as gw:
        yield gw


@pytest.fixture
def wire(gateway: PaperGateway) -> Iterator[Callable[..., WireClient]]:
    """``wire(client_id)`` -> a WireClient connected to ``gateway`` (closed after the test).

    ``wire(None)`` only opens the socket; keyword arguments go to :class:`WireClient`
    (``min_version`` / ``max_version`` for the advertised range, ``port``)."""
    clients: list[WireClient] = []

    def connect(client_id: int | None = 1, *, port: int | None = None, **kw: Any) -> WireClient:
        c = WireClient(port if port is not None else gateway.port, **kw)
        clients.append(c)
        if client_id is not None:
            c.handshake()
            c.start(client_id)
        return c

    yield connect
    for c in clients:
        c.close()
