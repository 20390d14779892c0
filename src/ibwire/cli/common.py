"""What a connected command shares beyond its options and output: the connected :class:`Broker`
(:func:`connect`), SIGTERM ending a live view as Ctrl-C does, and the paper-account test. Options
are in :mod:`.options`, output in :mod:`.output` and :mod:`.tables`, errors as advice in
:mod:`.problems`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from ..client.broker import Broker
from ..errors import ConnectionLost
from .options import Conn

__all__ = ["connect", "sigterm_as_interrupt", "run_live", "is_paper"]


@contextmanager
def connect(conn: Conn, journal: str | None = None) -> Iterator[Broker]:
    """A connected Broker (with an order journal file when given), closed at the end."""
    broker = Broker.connect(conn.host, conn.port, client_id=conn.client_id, timeout=conn.timeout,
                            journal=journal)
    try:
        yield broker
    finally:
        broker.disconnect()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM ends a live view the way Ctrl-C does (the screen is restored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_live(view: Callable[[], object], broker: Broker | None = None,
             conn: Conn | None = None) -> None:
    """Run a live view until it ends or the user stops it (Ctrl-C or SIGTERM end it quietly).
    Given ``broker`` and ``conn``, a view that ended because the connection dropped raises
    :class:`~ibwire.errors.ConnectionLost` naming the address."""
    try:
        with sigterm_as_interrupt():
            view()
    except KeyboardInterrupt:
        return
    if broker is not None and conn is not None and not broker.is_connected():
        raise ConnectionLost(f"TWS at {conn.address} closed the connection")


def is_paper(accounts: Sequence[str]) -> bool:
    """True when every managed account is a paper account (ids starting DU)."""
    return bool(accounts) and all(a.upper().startswith("DU") for a in accounts)
