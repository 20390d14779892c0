"""PaperGateway: a TWS-compatible paper gateway on 127.0.0.1, in a background thread.

::

    with PaperGateway(port=0) as gw:          # port 0: a free port, see gw.port
        ...  # any TWS API client (ibwire, ib_async, the official ibapi) connects to gw.port

The gateway runs its own asyncio event loop in a daemon thread, so synchronous code (tests,
scripts, the CLI) can use it without an event loop of its own, and asyncio code can use it too
(it never touches the caller's loop). Every public method is thread-safe: it runs its work on
the gateway's loop and waits for it.

Test hooks: :meth:`step` advances the market synchronously and delivers what it caused (fills,
account updates); the fault methods (:meth:`drop_client`, :meth:`send_connectivity`,
:meth:`hold_acks` / :meth:`release_acks`, :meth:`reject_next_order`, :meth:`restart`) make the
gateway misbehave on purpose; :meth:`call` runs a function on the gateway's exchange.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, TypeVar

from ..models.contract import Contract
from ..models.order import Order
from ..protocol.versions import MAX_VERSION, MIN_VERSION
from .clock import CALENDAR_MODES
from .core import GatewayConfig, GatewayCore
from .exchange import PaperExchange
from .fastclock import REACT_S, parse_react
from .instruments import Instrument, load_stocks, universe
from .replay import data_paths, load_all

__all__ = ["PaperGateway"]

log = logging.getLogger("ibwire.gateway")

_T = TypeVar("_T")

_CALL_TIMEOUT = 30.0


class PaperGateway:
    """A paper TWS: version negotiation, sessions, orders, fills, accounts, persistence, faults.

    ``accounts`` are the paper account ids (MANAGED_ACCTS); ``state_path`` an SQLite file that
    keeps accounts, positions, orders, executions and order-id floors across restarts (in memory
    without it); ``seed`` drives the deterministic market; ``mode`` is ``"tws"`` (farm notices
    2104 / 2106 / 2158 at connect) or ``"gateway"`` (notices only once data is requested);
    ``trusted_ips`` the peers allowed to connect (``"*"`` for any). ``tick_interval`` is how often
    (seconds) the market clock follows wall time; None stops the clock, so the market moves only
    through :meth:`step` (what deterministic tests want). ``max_msg_rate`` is the pacing limit
    (messages per second per client; None disables pacing). ``handshake_timeout`` is how long a
    socket may stay connected without completing the handshake and START_API before it is closed
    as an idle half-open connection. ``max_version`` caps the server version the gateway answers
    (default :data:`~ibwire.protocol.versions.MAX_VERSION`): a client offering ``v<lo>..<hi>``
    gets ``min(hi, max_version)`` when that is at least ``lo`` (and at least 100).

    The market clock (see :mod:`ibwire.gateway.clock` and docs/market-clock.md): ``market_start``
    is the market time of a new state (default: the close of the last full NYSE session before
    now, so a fresh gateway always has a whole day of history behind it); ``speed`` runs market
    time that many times faster than wall time; ``calendar="open"`` (default) keeps the clock
    where every market is open, skipping nights, weekends and holidays, so the gateway trades at
    any hour; ``calendar="strict"`` runs the clock continuously and follows real sessions (no
    trades and frozen quotes while a market is closed, DAY orders expire at the close, orders sent
    outside regular hours without outsideRth wait as PreSubmitted for the open). With
    ``tick_interval=None`` and no ``market_start``, :attr:`default_market_start` is used when set
    (test suites pin it so that stepping the market never depends on when the tests run).

    ``instruments`` extends the built-in universe (see :mod:`ibwire.gateway.instruments`): a path
    to a stocks CSV in the format of the shipped ``data/stocks.csv``, or
    :class:`~ibwire.gateway.instruments.Instrument` objects; each adds an instrument or replaces
    the built-in one with the same con id, or the same sec type, symbol, exchange and currency.
    A bad CSV row raises :class:`~ibwire.gateway.instruments.InstrumentFileError` naming the file
    and the line.

    Backtesting (see :mod:`ibwire.gateway.replay` and docs/backtesting.md): ``data`` is a list of
    files of recorded bars (the CSV ``ibwire bars --csv`` writes) or ticks, ``"SYMBOL=FILE"`` or a
    file named ``SYMBOL.csv``; those instruments take their prices from the data (the rest keep
    the walk) and ``market_start`` defaults to the start of the data. A bad row raises
    :class:`~ibwire.gateway.replay.DataFileError` naming the file and the line. ``speed="max"``
    runs market time as fast as every connected client drains what it was sent (see
    :mod:`ibwire.gateway.fastclock`; message pacing is off then). ``report`` is a CSV path: at
    :meth:`stop` the gateway writes the fills, the PnL per instrument and the equity curve there
    (see :mod:`ibwire.gateway.report`). ``slippage`` (ticks, default 0) makes market orders and
    triggered stops fill that many ticks beyond the touch (worse for the trader); limit prices are
    always honoured. ``react`` (speed max only): how the clock holds at a decision point (a new
    keepUpToDate bar) for the clients' orders, so that they fill at the held second -- seconds of
    quiet (default :data:`~ibwire.gateway.fastclock.REACT_S`, 0.010) or ``"sync"`` (until each client sends reqCurrentTime); see
    :mod:`ibwire.gateway.fastclock`.
    """

    default_market_start: ClassVar[datetime | None] = None

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 accounts: Sequence[str] = ("DU1234567",), state_path: str | Path | None = None,
                 seed: int = 0, mode: str = "tws", trusted_ips: Sequence[str] = ("127.0.0.1",),
                 *, tick_interval: float | None = 0.25, max_clients: int = 32,
                 max_msg_rate: int | None = 50, starting_cash: float = 1_000_000.0,
                 handshake_timeout: float = 10.0, market_start: datetime | None = None,
                 calendar: str = "open", speed: float | str = 1.0,
                 max_version: int | None = None,
                 instruments: str | PathLike[str] | Iterable[Instrument] | None = None,
                 data: Iterable[str | PathLike[str]] | None = None,
                 report: str | PathLike[str] | None = None, slippage: int = 0,
                 react: float | str | None = None) -> None:
        if mode not in ("tws", "gateway"):
            raise ValueError(f"mode must be 'tws' or 'gateway', not {mode!r}")
        if not isinstance(slippage, int) or slippage < 0:
            raise ValueError(f"slippage is a whole number of ticks >= 0, not {slippage!r}")
        if react is not None and speed != "max":
            raise ValueError(f"react holds the clock at speed 'max' only; speed is {speed!r}")
        react = parse_react(REACT_S if react is None else react)
        accts = tuple(accounts)
        if not accts:
            raise ValueError("give at least one account")
        if calendar not in CALENDAR_MODES:
            raise ValueError(f"calendar must be one of {', '.join(CALENDAR_MODES)}, not {calendar!r}")
        if speed != "max" and (isinstance(speed, str) or not speed > 0):
            raise ValueError(f"speed must be positive or 'max', not {speed!r}")
        if speed == "max":  # pacing counts wall time; a month may pass in seconds here
            max_msg_rate = None
        if max_version is None:
            max_version = MAX_VERSION
        if not MIN_VERSION <= max_version <= MAX_VERSION:
            raise ValueError(f"max_version must be in {MIN_VERSION}..{MAX_VERSION}, not "
                             f"{max_version!r}")
        if market_start is not None and market_start.tzinfo is None:
            raise ValueError(f"market_start {market_start!r} has no time zone; give an aware "
                             "datetime")
        extra: tuple[Instrument, ...] = ()
        if isinstance(instruments, (str, PathLike)):
            extra = tuple(load_stocks(instruments))
        elif instruments is not None:
            extra = tuple(instruments)
        datasets = tuple(load_all(data)) if data is not None else ()
        self.config = GatewayConfig(
            host=host, port=port, accounts=accts,
            state_path=str(state_path) if state_path is not None else None, seed=seed, mode=mode,
            trusted_ips=tuple(trusted_ips), tick_interval=tick_interval, max_clients=max_clients,
            max_msg_rate=max_msg_rate, starting_cash=starting_cash,
            handshake_timeout=handshake_timeout,
            market_start=market_start if market_start is not None or tick_interval is not None
            or datasets else PaperGateway.default_market_start, calendar=calendar, speed=speed,
            max_version=max_version, instruments=extra, data=datasets,
            report=str(report) if report is not None else None, slippage=slippage,
            react=react)
        if extra:  # a clash (a duplicate con id) is an error here, not when the gateway starts
            universe(self.config.market_start, extra)
        if datasets:  # every symbol names one instrument (DataFileError otherwise)
            data_paths(datasets, universe(self.config.market_start or min(
                ds.start for ds in datasets), extra), seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._core: GatewayCore | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = f"listening on {self.config.host}:{self.port}" if self.running else "stopped"
        return f"<PaperGateway {state}>"

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._core is not None

    @property
    def port(self) -> int:
        """The port listened on (the real one once started, also with ``port=0``)."""
        return self._core.port if self._core is not None else self.config.port

    @property
    def address(self) -> tuple[str, int]:
        return (self.config.host, self.port)

    def start(self) -> PaperGateway:
        """Start listening (idempotent); returns self."""
        with self._lock:
            if self._core is not None:
                return self
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=self._run_loop, args=(loop,),
                                      name="ibwire-paper-gateway", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
            try:
                self._core = asyncio.run_coroutine_threadsafe(self._start_core(), loop).result(
                    _CALL_TIMEOUT)
            except BaseException:
                self._shutdown_loop()
                raise
            self.config.port = self._core.port
        return self

    async def _start_core(self) -> GatewayCore:
        core = GatewayCore(self.config)  # created on the loop thread: SQLite is thread-bound
        try:
            await core.start()
        except BaseException:
            core.exchange.close()
            raise
        return core

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())

    def stop(self) -> None:
        """Close every connection, save the state and stop the thread (idempotent)."""
        with self._lock:
            core, loop = self._core, self._loop
            if core is None or loop is None:
                return
            try:
                asyncio.run_coroutine_threadsafe(core.stop(), loop).result(_CALL_TIMEOUT)
            finally:
                self._core = None
                self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(_CALL_TIMEOUT)
        if loop is not None and not loop.is_running():
            loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> PaperGateway:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- running things on the loop ------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, _T]) -> _T:
        loop = self._loop
        if loop is None or self._core is None:
            coro.close()
            raise RuntimeError("the paper gateway is not running; call start() first")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(_CALL_TIMEOUT)

    def _on_core(self, fn: Callable[[GatewayCore], _T]) -> _T:
        async def run() -> _T:
            assert self._core is not None
            return fn(self._core)
        return self._run(run())

    def call(self, fn: Callable[[PaperExchange], _T]) -> _T:
        """Run ``fn(exchange)`` on the gateway's loop and return its result (for tests)."""
        return self._on_core(lambda core: fn(core.exchange))

    # --- test API ------------------------------------------------------------------------------

    def market_time(self) -> datetime:
        """The market clock's time now (aware, UTC)."""
        return self._on_core(lambda core: core.market_time()) if self._core is not None \
            else (self.config.market_start or datetime.now().astimezone())

    def step(self, n: int = 1) -> None:
        """Advance the market ``n`` seconds now; fills and updates are written before it returns."""
        if n < 0:
            raise ValueError("the market does not run backwards")
        self._on_core(lambda core: core.advance(n))

    def submit_tws_order(self, contract: Contract, order: Order) -> int:
        """Enter an order "by hand in TWS": with client 0 auto-bound (REQ_AUTO_OPEN_ORDERS) it
        becomes client 0's order under client 0's next order id; otherwise client 0 sees it as a
        manual order with order id 0. Returns its perm id."""
        return self._on_core(lambda core: core.submit_tws_order(contract, order))

    def clients(self) -> list[int]:
        """Client ids connected right now."""
        return self._on_core(lambda core: core.clients())

    # --- faults --------------------------------------------------------------------------------

    def drop_client(self, client_id: int) -> bool:
        """Close the socket of ``client_id`` abruptly; False if it is not connected."""
        return self._on_core(lambda core: core.drop_client(client_id))

    def send_connectivity(self, code: int) -> None:
        """Send the connectivity notice 1100 (lost), 1101 (restored, data lost) or 1102
        (restored, data maintained) to every client; 1300 (port reset) is accepted too."""
        self._on_core(lambda core: core.send_connectivity(code))

    def reset_depth(self) -> None:
        """Reset every open market depth book as TWS does when its depth feed restarts: error 317
        to each book's client, then the whole book again as inserts."""
        self._on_core(lambda core: core.reset_depth())

    def hold_acks(self) -> None:
        """Withhold OPEN_ORDER / ORDER_STATUS (and the fills behind them) until release_acks()."""
        self._on_core(lambda core: core.hold_acks())

    def release_acks(self) -> None:
        """Deliver everything hold_acks() withheld, in order."""
        self._on_core(lambda core: core.release_acks())

    def commission_before_execution(self) -> int:
        """Among what hold_acks() withheld, send each commission report before its execution
        (when released); returns how many pairs were reordered."""
        result: int = self._on_core(lambda core: core.acks.commission_first())
        return result

    def lower_next_valid_id(self, client_id: int, next_valid_id: int = 1) -> None:
        """Make NEXT_VALID_ID of ``client_id`` drop to ``next_valid_id`` (its orders are kept), as
        after a TWS restart; saved to the state file when there is one."""
        self._on_core(lambda core: core.exchange.lower_next_valid_id(client_id, next_valid_id))

    def reject_next_order(self, reason: str = "Rejected by the paper gateway (fault injection)"
                          ) -> None:
        """Make the next new order fail with error 201 and ``reason``."""
        self._on_core(lambda core: core.exchange.reject_next_order(reason))

    def restart(self) -> None:
        """Close every socket, reload the state (from the state file, if any) and listen again
        on the same port."""
        async def run() -> None:
            assert self._core is not None
            await self._core.restart()
        self._run(run())
