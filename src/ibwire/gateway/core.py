"""The gateway's in-loop state: the listener, the sessions, the exchange and event routing.

Everything here runs on one asyncio event loop (the gateway's thread), so sessions, handlers, the
market clock and the fault hooks never race: the exchange is touched from one thread only.
:class:`~ibwire.gateway.server.PaperGateway` wraps this in a thread with a synchronous API.

Routing (what TWS does, as far as the protocol shows it):

* ``OrderUpdate`` -> OPEN_ORDER + ORDER_STATUS to the client that owns the order, and to client 0
  when client 0 asked for auto-binding (REQ_AUTO_OPEN_ORDERS true);
* ``FillEvent`` -> EXECUTION_DATA (req id -1) then COMMISSION_REPORT, to the same clients;
* ``OrderError`` -> ERR_MSG with the order id, to the owner;
* orders entered "in TWS" (:meth:`GatewayCore.submit_tws_order`) belong to client 0 when it is
  auto-bound, else they are manual orders client 0 sees with order id 0;
* ``AccountUpdate`` -> the account streams (REQ_ACCT_DATA, REQ_POSITIONS, *_MULTI, account
  summary) are refreshed; they send only what changed.

While acks are held (fault injection) the order-stream messages are queued, see :mod:`.faults`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..models.contract import Contract
from ..models.order import Order
from ..protocol.messages.executions import CommissionReportMsg, ExecutionData
from ..protocol.messages.order_reports import OrderBound
from ..protocol.messages.system import ErrMsg
from ..protocol.schema import Message
from ..protocol.versions import MAX_VERSION
from . import (
    accounts_api,
    depth_api,
    discovery_api,
    market_api,
    news_api,
    options_api,
    orders_api,
    pnl_api,
    reference_api,
    scanner_api,
    ticks_api,
)
from .calendar import OpenBand, last_full_close, utc
from .clock import MarketClock
from .exchange import (
    AccountUpdate,
    Event,
    FillEvent,
    OrderError,
    OrderUpdate,
    PaperExchange,
)
from .fastclock import REACT_S, Holds, run_max
from .faults import CONNECTIVITY_TEXTS, AckGate
from .instruments import Instrument, clock_classes, universe
from .orders_api import MANUAL_CLIENT_ID, open_order_messages
from .pacing import HistoricalPacing
from .replay import DATA_ENDED_CODE, DataPath, DataSet, data_paths
from .report import Recorder
from .session import Session

__all__ = ["GatewayConfig", "GatewayCore"]

log = logging.getLogger("ibwire.gateway")

REVALUE_S = 180
"""Market seconds between price-driven account revaluations (TWS: about every three minutes)."""

# the handler modules register themselves with the session dispatcher when imported
_HANDLER_MODULES = (orders_api, accounts_api, market_api, depth_api, options_api, pnl_api,
                    ticks_api, reference_api, discovery_api, scanner_api, news_api)


@dataclass(slots=True)
class GatewayConfig:
    """What :class:`~ibwire.gateway.PaperGateway` was asked for (see its docstring)."""

    host: str = "127.0.0.1"
    port: int = 0
    accounts: tuple[str, ...] = ("DU1234567",)
    state_path: str | None = None
    seed: int = 0
    mode: str = "tws"
    trusted_ips: tuple[str, ...] = ("127.0.0.1",)
    tick_interval: float | None = 0.25
    max_clients: int = 32
    max_msg_rate: int | None = 50
    starting_cash: float = 1_000_000.0
    handshake_timeout: float = 10.0
    market_start: datetime | None = None
    calendar: str = "open"
    speed: float | str = 1.0  # or "max" (see .fastclock)
    instruments: tuple[Instrument, ...] = ()  # added to / replacing the built-in universe
    max_version: int = MAX_VERSION
    data: tuple[DataSet, ...] = ()  # recorded prices (see .replay)
    report: str | None = None  # the end-of-run report's CSV (see .report)
    slippage: int = 0  # ticks a market order fills beyond the touch
    react: float | str = REACT_S  # speed max: the hold at a decision point (see .fastclock)


class GatewayCore:
    """The paper gateway on its event loop."""

    def __init__(self, config: GatewayConfig) -> None:
        if config.mode not in ("tws", "gateway"):
            raise ValueError(f"mode must be 'tws' or 'gateway', not {config.mode!r}")
        if not config.accounts:
            raise ValueError("give at least one account")
        self.config = config
        self.replay: dict[int, DataPath] = {}
        self._data_ended: set[int] = set()
        self._told_ended: set[tuple[int, Session]] = set()
        self.exchange = self._open_exchange()
        # the equity curve: a sample per bar of the data, at least a minute apart
        every = max(60, min((p.bar_size for p in self.replay.values()), default=60))
        self.recorder = Recorder(config.report, every) if config.report else None
        self.sessions: dict[int, Session] = {}  # client id -> session (after START_API)
        self.connections: set[Session] = set()  # every open socket
        self.acks = AckGate()
        self.holds = Holds()  # speed max: decision points and the clients' reactions
        self.historical_pacing = HistoricalPacing()
        self.port = config.port
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._accounts_dirty = False
        self._revalued_at = self.exchange.market.step_second

    def _open_exchange(self) -> PaperExchange:
        cfg = self.config
        start = cfg.market_start
        if start is None and cfg.data:  # replaying data: from its start
            start = min(ds.start for ds in cfg.data)
        if start is None:  # the default: the close of the last full NYSE session (see .clock)
            start = utc(last_full_close(datetime.now(timezone.utc)))
        classes = clock_classes(universe(start, cfg.instruments))
        if cfg.calendar == "open":
            band = OpenBand(classes)
            s = int(start.timestamp())
            if band.interval_at(s) is None:
                start = utc(band.next_open(s))
        # the futures months listed are those of the market date
        table = universe(start, cfg.instruments)
        exchange = PaperExchange(accounts=cfg.accounts, seed=cfg.seed, instruments=table,
                                 starting_cash=cfg.starting_cash,
                                 state_path=Path(cfg.state_path) if cfg.state_path else None,
                                 market_start=start, calendar=cfg.calendar,
                                 slippage=cfg.slippage)
        self.replay = data_paths(cfg.data, exchange.instruments, cfg.seed)
        for con_id, path in self.replay.items():
            exchange.market.use_path(con_id, path)
        self.clock = MarketClock(exchange.market.step_second, time.time(), cfg.speed,
                                 cfg.calendar, classes)
        return exchange

    def market_time(self) -> datetime:
        """Market time now (what CURRENT_TIME, executions and bars report)."""
        return self.exchange.now()

    @property
    def accounts(self) -> tuple[str, ...]:
        return self.exchange.managed_accounts

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> int:
        """Listen; return the bound port. Starts the market clock when ``tick_interval`` is set."""
        self._server = await asyncio.start_server(self._on_connect, self.config.host, self.port,
                                                  reuse_address=True)
        sock = self._server.sockets[0]
        self.port = sock.getsockname()[1]
        log.info("paper gateway listening on %s:%d (mode %s, accounts %s)", self.config.host,
                 self.port, self.config.mode, ",".join(self.accounts))
        if self.config.tick_interval and self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(
                run_max(self) if self.clock.max else self._tick_loop())
        return self.port

    async def stop(self) -> None:
        """Close every connection and the listener, save and close the state."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self._close_connections()
        if self.recorder is not None:
            try:
                self.recorder.write(self.exchange)
            except OSError:
                log.exception("cannot write the report %s", self.config.report)
        self.exchange.close()

    async def _close_connections(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.connections):
            session.close("gateway closing", abort=True)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def restart(self) -> None:
        """Fault: close all sockets, reload the exchange from its state file (the in-memory state
        is kept without one), listen on the same port. Held acks are dropped with the sockets."""
        log.info("restarting the paper gateway")
        await self._close_connections()
        self.acks = AckGate()
        if self.config.state_path:
            self.exchange.close()
            self.exchange = self._open_exchange()
        await self.start()

    def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(self, reader, writer)
        self.connections.add(session)
        task = asyncio.get_running_loop().create_task(session.run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tick_loop(self) -> None:
        interval = self.config.tick_interval or 0.25
        while True:
            await asyncio.sleep(interval)
            try:
                self.deliver(self.exchange.advance_to(utc(self.clock.market_time(time.time()))))
                self.market_tick()
            except Exception:  # pragma: no cover - must never kill the clock
                log.exception("market clock step failed")

    # --- sessions ------------------------------------------------------------------------------

    def trusted(self, host: str) -> bool:
        return host in self.config.trusted_ips or "*" in self.config.trusted_ips

    def connection_time(self) -> datetime:
        return self.exchange.now()

    def claim(self, session: Session, client_id: int) -> tuple[int, str] | None:
        """Register ``client_id`` for ``session``, or say why not: (code, text)."""
        if client_id in self.sessions:
            return 326, ("Unable to connect as the client id is already in use. "
                         "Retry with a unique client id.")
        if len(self.sessions) >= self.config.max_clients:
            return 326, (f"Unable to connect: the maximum number of API clients "
                         f"({self.config.max_clients}) is already connected.")
        self.sessions[client_id] = session
        return None

    def release(self, session: Session) -> None:
        """Forget a closed session (its orders live on, as in TWS)."""
        self.connections.discard(session)
        self.holds.forget(session)
        if session.client_id is not None and self.sessions.get(session.client_id) is session:
            del self.sessions[session.client_id]

    def next_valid_id(self, client_id: int) -> int:
        return self.exchange.next_valid_id(client_id)

    def clients(self) -> list[int]:
        return sorted(self.sessions)

    # --- events --------------------------------------------------------------------------------

    def owners(self, client_id: int) -> list[Session]:
        """The session that owns orders of ``client_id`` (client 0 for manual orders)."""
        owner = self.sessions.get(0 if client_id == MANUAL_CLIENT_ID else client_id)
        return [owner] if owner is not None else []

    def order_targets(self, client_id: int) -> list[Session]:
        """Who hears about an order of ``client_id``: the owner, and client 0 if auto-bound.
        Unbound manual (TWS) orders go to client 0, as in TWS."""
        if client_id == MANUAL_CLIENT_ID:
            return self.owners(client_id)
        out = []
        owner = self.sessions.get(client_id)
        if owner is not None:
            out.append(owner)
        if client_id != 0:
            zero = self.sessions.get(0)
            if zero is not None and zero.auto_bind:
                out.append(zero)
        return out

    def _order_stream(self, client_id: int, msgs: Iterable[Message]) -> None:
        if self.acks.held:
            self.acks.queue.extend((client_id, m) for m in msgs)
            return
        targets = self.order_targets(client_id)
        for m in msgs:
            for s in targets:
                s.send(m)

    def deliver(self, events: Iterable[Event]) -> None:
        """Turn exchange events into wire messages for the sessions concerned."""
        # a fill goes out as TWS sends it: EXECUTION_DATA, then OPEN_ORDER + ORDER_STATUS, then
        # the COMMISSION_REPORT (see docs/gateway-sequences.md)
        reports: list[tuple[int, CommissionReportMsg]] = []
        for ev in events:
            if isinstance(ev, OrderUpdate):
                self._order_stream(ev.record.client_id, open_order_messages(ev.record))
                for client_id, report in reports:
                    self._order_stream(client_id, (report,))
                reports.clear()
            elif isinstance(ev, FillEvent):
                execution = ev.execution
                if ev.record.client_id == MANUAL_CLIENT_ID:
                    execution = dataclasses.replace(execution, client_id=0, order_id=0)
                self._order_stream(ev.record.client_id, (
                    ExecutionData(req_id=-1, contract=ev.contract, execution=execution),))
                reports.append((ev.record.client_id,
                                CommissionReportMsg(commission_report=ev.commission)))
                ticks_api.on_fill(self, ev)  # the fill prints on the tape
            elif isinstance(ev, OrderError):
                msg = ErrMsg(req_id=ev.order_id, error_code=ev.code, error_string=ev.text,
                             advanced_order_reject_json="")
                if self.acks.held:
                    self.acks.queue.append((ev.client_id, msg))
                else:
                    for s in self.owners(ev.client_id):
                        s.send(msg)
            elif isinstance(ev, AccountUpdate):
                self._accounts_dirty = True
        for client_id, report in reports:
            self._order_stream(client_id, (report,))
        if self._accounts_dirty:
            self._accounts_dirty = False
            self._revalued_at = self.exchange.market.step_second
            accounts_api.refresh(self)
            pnl_api.refresh(self)

    def market_tick(self) -> None:
        """After the market moved: stream market data; revalue the account subscriptions every
        :data:`REVALUE_S` seconds of market time (TWS sends price-driven account values and
        portfolio rows every few minutes; trades and position changes go out at once)."""
        market_api.refresh(self)
        depth_api.refresh(self)
        pnl_api.refresh(self)  # TWS pushes PnL about once a second
        ticks_api.refresh(self)
        scanner_api.refresh(self)
        news_api.refresh(self)
        now = self.exchange.market.step_second
        if now - self._revalued_at >= REVALUE_S:
            self._revalued_at = now
            accounts_api.refresh(self)
        if self.replay:
            self.replay_tick(now)
        if self.recorder is not None:
            self.recorder.sample(self.exchange)

    def replay_tick(self, now: int) -> None:
        """Say so (ERR_MSG -1 to every client, also to those connecting later, and a log line)
        when a replayed instrument's data ends; its last price holds from then on."""
        for con_id, path in self.replay.items():
            if now < path.end_second:
                continue
            when = utc(path.end_second).isoformat()
            text = (f"Replay data of {path.symbol} (con id {con_id}) ended at {when}: holding "
                    "its last price")
            if con_id not in self._data_ended:
                self._data_ended.add(con_id)
                log.warning("%s (%s)", text, path.data.path)
            for session in list(self.sessions.values()):
                if (con_id, session) not in self._told_ended and not session.closed:
                    self._told_ended.add((con_id, session))
                    session.error(-1, DATA_ENDED_CODE, text)

    def advance(self, n: int = 1) -> None:
        """Step the market ``n`` seconds and deliver what happened."""
        self.deliver(self.exchange.step(n))
        self.market_tick()

    def submit_tws_order(self, contract: Contract, order: Order) -> int:
        """An order entered by hand "in TWS": bound to client 0 (with client 0's next order id)
        when client 0 asked for auto-binding, else a manual order client 0 sees with id 0.
        Returns the order's perm id (0 if it was refused before it existed)."""
        zero = self.sessions.get(0)
        client_id = 0 if zero is not None and zero.auto_bind else MANUAL_CLIENT_ID
        order_id = self.exchange.next_valid_id(client_id)
        events = self.exchange.place_order(client_id, order_id, contract, order)
        rec = self.exchange.order(client_id, order_id)
        if rec is not None and client_id == 0 and zero is not None:
            # TWS tells client 0 which API order id the manual order is bound to
            zero.send(OrderBound(perm_id=rec.perm_id, client_id=0, order_id=order_id))
        self.deliver(events)
        return rec.perm_id if rec is not None else 0

    # --- faults --------------------------------------------------------------------------------

    def drop_client(self, client_id: int) -> bool:
        session = self.sessions.get(client_id)
        if session is None:
            return False
        session.close("dropped (fault injection)", abort=True)
        return True

    def send_connectivity(self, code: int) -> None:
        text = CONNECTIVITY_TEXTS.get(code)
        if text is None:
            raise ValueError(f"connectivity codes are {sorted(CONNECTIVITY_TEXTS)}, not {code}")
        for session in list(self.sessions.values()):
            session.error(-1, code, text)

    def reset_depth(self) -> None:
        """Reset every open market depth book (317, then the whole book again)."""
        depth_api.reset(self)

    def hold_acks(self) -> None:
        self.acks.hold()

    def release_acks(self) -> None:
        for client_id, msg in self.acks.release():
            if isinstance(msg, ErrMsg):
                targets = self.owners(client_id)
            else:
                targets = self.order_targets(client_id)
            for s in targets:
                s.send(msg)
