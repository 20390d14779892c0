"""The session logic shared by :class:`~ibwire.Broker` (threads) and :class:`~ibwire.AsyncBroker`.

:class:`BrokerCore` handles every decoded event (tickets, fills, subscriptions, request replies,
errors, connection state) and writes each request once, as a *flow*: a generator that sends its
messages and yields :class:`Wait` instructions. A front end drives flows its own way: the sync Broker
blocks its calling thread on each wait, the AsyncBroker awaits. Neither duplicates request logic.

Theory of operation: the session state is touched by one thread at a time. In the sync Broker that
is explicit: handlers run on the reader thread holding :attr:`BrokerCore._core_lock` for one read's
events, and a flow (in the caller's thread) holds it for each step between two waits; listeners are
called on the dispatcher thread, never under the lock. In the AsyncBroker everything runs on the
event loop. Handlers complete waiting requests where the reply is decoded; what listeners hear is
handed on (:meth:`BrokerCore._emit`). The events of one read are handled together
(:meth:`BrokerCore._begin_batch` / :meth:`BrokerCore._end_batch`): a ticker changed by several of
them is announced once, after the read. Two callers asking for the same snapshot at once
(positions, an account) share one request instead of confusing TWS with two.

Waiting: a front end that sees a :class:`Wait` time out asks :meth:`BrokerCore._keep_waiting` before
telling the flow. While TWS has lost its own connection to IB (1100, state DEGRADED) or the
:class:`~ibwire.client.pacing.Pacer` still holds messages sent before the wait began, the wait goes
on for another period: requests wait, they do not time out for reasons that are not theirs.
"""

from __future__ import annotations

import collections
import inspect
import logging
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ..errors import (
    CancelRejected,
    ConnectError,
    ConnectionLost,
    ContractError,
    ErrorCategory,
    HistoricalDataError,
    IbwireError,
    OrderRejected,
    PacingViolation,
    RequestError,
    RequestTimeout,
    classify,
)
from ..protocol.connection import BadMessage, ConnectionClosed, HandshakeComplete, SessionReady
from ..protocol.messages.system import (
    CurrentTime,
    CurrentTimeInMillis,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    ReqIds,
)
from ..protocol.schema import Message, UnknownMessage
from ..protocol.versions import MAX_VERSION, MIN_VERSION, Feature, supports
from .flows import front_method
from .journal import Journal, SqliteJournal, open_journal
from .pacing import DEFAULT_MAX_RATE, Pacer
from .requests import Pending, Registry
from .router import Subscriptions, attribute, cancel_message, singleton_key
from .state import ConnectionState, Notice, StateChanged
from .ticker import TickersUpdated

__all__ = ["BrokerCore", "step_out", "step_in", "Wait", "Flow", "Patience", "request_error"]

log = logging.getLogger("ibwire.broker")

T = TypeVar("T")
Listener = Callable[[object], None]


@dataclass(frozen=True, slots=True)
class Wait:
    """A flow's instruction to its driver: wait up to ``timeout`` s for ``pending``; the driver
    sends back True when it finished or failed, False on timeout."""

    pending: Pending[Any]
    timeout: float


Flow = Generator[Wait, bool, T]


def step_out(lock: Any) -> Any:
    """Release every level of the reentrant ``lock`` this thread holds (a flow step whose send has
    to wait for room, so that the reader can go on handling replies); the state for
    :func:`step_in`, None when this thread does not hold it. (What ``Condition.wait`` does.)"""
    if not lock._is_owned():
        return None
    return lock._release_save()


def step_in(lock: Any, state: Any) -> None:
    """Take ``lock`` back as :func:`step_out` left it."""
    if state is not None:
        lock._acquire_restore(state)


class Patience:
    """Decides, each time a wait timed out, whether a front end waits one more period.

    It does while :meth:`BrokerCore._keep_waiting` says so (DEGRADED, or the request still in the
    pacer's queue), and once more after the request finally left the queue: a timeout counts from
    the moment the request was written, not from the moment it was queued.
    """

    __slots__ = ("core", "mark", "queued")

    def __init__(self, core: BrokerCore) -> None:
        self.core = core
        pacer = core.pacer
        self.mark = pacer.mark()
        self.queued = pacer.queue_depth > 0 and not pacer.written_through(self.mark)

    def again(self) -> bool:
        if self.core._keep_waiting(self.mark):
            self.queued = True
            return True
        if self.queued and self.core._transport_connected():
            self.queued = False  # written during the last period: one full period from now
            return True
        return False

_IDS = singleton_key(ReqIds)
_CURRENT_TIME = singleton_key(ReqCurrentTime)
_CURRENT_TIME_MS = singleton_key(ReqCurrentTimeInMillis)


def flow_signature(fn: Callable[..., Any]) -> inspect.Signature:
    """The signature a front end's method made from flow ``fn`` shows (``help()``, IDEs): the
    flow's parameters, and ``T`` where the flow returns ``Flow[T]``."""
    sig = inspect.signature(fn)
    ret = sig.return_annotation
    if isinstance(ret, str) and ret.startswith("Flow[") and ret.endswith("]"):
        ret = ret[5:-1]
    return sig.replace(return_annotation=ret)


def request_error(code: int, text: str, req_id: int, advanced: str | None = None) -> RequestError:
    """The typed exception for a TWS error code answering a request."""
    category = classify(code).category
    cls: type[RequestError] = RequestError
    if category is ErrorCategory.CONTRACT:
        cls = ContractError
    elif category is ErrorCategory.HISTORICAL:
        cls = HistoricalDataError
    elif category is ErrorCategory.PACING:
        cls = PacingViolation
    elif category in (ErrorCategory.ORDER_REJECT, ErrorCategory.DUPLICATE_ORDER_ID):
        cls = OrderRejected
    elif category is ErrorCategory.CANCEL_FAILURE:
        cls = CancelRejected
    return cls(code, text, req_id, advanced)


class BrokerCore:
    """Session state, event handlers and request flows; front ends add I/O and waiting."""

    _HANDLERS: ClassVar[dict[type, str]] = {
        HandshakeComplete: "_on_handshake",
        SessionReady: "_on_ready",
        NextValidId: "_on_next_valid_id",
        ManagedAccts: "_on_managed_accts",
        ErrMsg: "_on_error",
        CurrentTime: "_on_current_time",
        CurrentTimeInMillis: "_on_current_time_in_millis",
        BadMessage: "_on_bad_message",
        UnknownMessage: "_on_unknown",
        ConnectionClosed: "_on_closed",
    }

    def __init__(self, host: str = "127.0.0.1", port: int = 7497, client_id: int = 1,
                 timeout: float = 10.0, *, journal: str | Path | Journal | None = None,
                 reconnect: bool = False, max_rate: float = DEFAULT_MAX_RATE,
                 max_version: int = MAX_VERSION) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.timeout = timeout
        self.reconnect = reconnect
        """Reconnect with capped exponential backoff when the connection drops (default off)."""
        if not MIN_VERSION <= max_version <= MAX_VERSION:
            raise ValueError(f"max_version must be in {MIN_VERSION}..{MAX_VERSION}, not "
                             f"{max_version!r}")
        self.max_version = max_version
        """The highest server version offered (``v100..max_version``); TWS answers at most it."""
        self.reconnect_initial_delay = 0.25
        self.reconnect_max_delay = 30.0
        self._core_lock = threading.RLock()
        """Held by whoever touches the session state: the reader handling a read, a flow's step."""
        self._changed: dict[int, Any] | None = None  # tickers changed by the current read, by id
        self._journal_spec = journal
        self.journal: Journal = self._open_journal()
        """Every order intent, status change, execution and commission (a MemoryJournal without a
        file)."""
        self.pacer: Pacer[Any] = Pacer(max_rate)
        """Outgoing message pacing of the connection (``pacer.queue_depth``: messages waiting)."""
        self._closing = False  # disconnect() was called: no reconnect
        self._live_reads: dict[int | str, Callable[[], None]] = {}  # re-sent after 1101
        self._subs = Subscriptions()
        """Live subscriptions (market data ...): renewed after 1101 or a reconnect, cancelled
        when dropped, from their declared request kinds (see :mod:`.router`)."""
        self._reconciled = Pending[Any]("reconciliation with TWS", "__reconciled__")
        self.state = ConnectionState.OFFLINE
        self.accounts: list[str] = []
        self.server_version: int | None = None
        self.connection_time: datetime | None = None
        self.notices: collections.deque[Notice] = collections.deque(maxlen=1000)
        self.unknown_messages: collections.deque[UnknownMessage] = collections.deque(maxlen=100)
        self._registry = Registry()
        self._listeners: list[Listener] = []
        self._next_id = 0
        self._id_lock = threading.Lock()
        self._session = Pending[None]("session", "__session__")
        self._handlers: dict[type, Callable[[Any], None]] = {
            t: getattr(self, name) for t, name in self._all_handlers().items()}
        self._init_state()

    def _init_state(self) -> None:
        """Hook for mixins to set up their state (each calls super()._init_state())."""

    def _open_journal(self) -> Journal:
        journal = open_journal(self._journal_spec)
        if isinstance(journal, SqliteJournal):
            journal.owner = self  # named when a second Broker in this process asks for the file
        return journal

    def _release_journal(self) -> None:
        """Close a journal file this Broker opened itself (so that another Broker in this process
        can use it); the next connect opens it again."""
        spec = self._journal_spec
        if spec is not None and not isinstance(spec, Journal) and not self.journal.closed:
            self.journal.close()

    @classmethod
    def _all_handlers(cls) -> dict[type, str]:
        merged: dict[type, str] = {}
        for klass in reversed(cls.__mro__):
            merged.update(klass.__dict__.get("_HANDLERS", {}))
        return merged

    # --- I/O hooks a front end provides -------------------------------------------------------

    def _send(self, msg: Message) -> None:
        raise NotImplementedError

    def _transport_connected(self) -> bool:
        raise NotImplementedError

    def is_connected(self) -> bool:
        """True while the socket is open and the session ready."""
        return self._transport_connected() and self._session.done and self._session.error is None

    def send(self, msg: Message) -> None:
        """Send a raw protocol message (advanced use)."""
        self._send(msg)

    def _keep_waiting(self, mark: int) -> bool:
        """True while a request's timeout should not run: TWS lost its connection to IB (1100:
        requests wait) or the pacer has not yet written every message submitted up to ``mark``."""
        if not self._transport_connected():
            return False
        return self.state is ConnectionState.DEGRADED or not self.pacer.written_through(mark)

    def _patience(self) -> Patience:
        """For a front end about to wait on a :class:`Wait` (see :class:`Patience`)."""
        return Patience(self)

    # --- events -------------------------------------------------------------------------------

    def handle(self, ev: object) -> None:
        """Handle one decoded event (called by the front end, one thread at a time)."""
        handler = self._handlers.get(type(ev))
        if handler is not None:
            try:
                handler(ev)
            except Exception:
                log.exception("error handling %s", type(ev).__name__)

    def handle_batch(self, events: list[Any]) -> None:
        """Handle the events of one read, in order (one thread at a time)."""
        changed = self._begin_batch()
        handlers = self._handlers
        try:
            for ev in events:
                handler = handlers.get(type(ev))
                if handler is not None:
                    try:
                        handler(ev)
                    except Exception:
                        log.exception("error handling %s", type(ev).__name__)
        finally:
            self._end_batch(changed)

    def _begin_batch(self) -> dict[int, Any]:
        """Start collecting the tickers the next events change (announced by :meth:`_end_batch`)."""
        changed: dict[int, Any] = {}
        self._changed = changed
        return changed

    def _end_batch(self, changed: dict[int, Any]) -> None:
        self._changed = None
        if changed:
            self._tickers_changed(list(changed.values()))

    def _tickers_changed(self, tickers: list[Any]) -> None:
        """Tell listeners which tickers one read changed: each Ticker once (in the order first
        changed), then one :class:`~ibwire.client.ticker.TickersUpdated` with all of them."""
        for t in tickers:
            self._emit(t)
        self._emit(TickersUpdated(tuple(tickers)))

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every Broker event (StateChanged, Notice, OrderEvent,
        FillEvent, ...), from the thread that handles events. Keep it quick."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: object) -> None:
        """Hand ``event`` to the listeners (a front end may queue it for its dispatcher)."""
        self._deliver(event)

    def _deliver(self, event: object) -> None:
        if not self._listeners:
            return
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed", listener)

    def _set_state(self, new: ConnectionState, reason: str, code: int | None = None) -> None:
        old = self.state
        if old is new:
            return
        self.state = new
        self._emit(StateChanged(old, new, reason, code))

    def _begin_session(self) -> Pending[None]:
        """Reset per-connection state; the returned request completes when the session is ready."""
        ids = self._registry._ids  # request ids stay unique for the Broker's lifetime
        self._registry = Registry()
        self._registry._ids = ids
        self._session = Pending[None]("session", "__session__")
        self._reconciled = Pending[Any]("reconciliation with TWS", "__reconciled__")
        self._live_reads.clear()
        self.pacer.clear()
        if self.journal.closed:
            self.journal = self._open_journal()
        self._set_state(ConnectionState.CONNECTING, "connecting")
        return self._session

    def _session_failed(self, error: IbwireError) -> None:
        self._session.fail(error)

    # --- session handlers ---------------------------------------------------------------------

    def _on_handshake(self, ev: HandshakeComplete) -> None:
        self.server_version = ev.server_version
        self.connection_time = ev.connection_time

    def _on_ready(self, ev: SessionReady) -> None:
        with self._id_lock:
            # never below an id this client id has used (a restarted TWS may answer lower: 103)
            self._next_id = max(self._next_id, ev.next_valid_id,
                                self.journal.max_order_id(self.client_id) + 1)
        self.accounts = list(ev.accounts)
        self._set_state(ConnectionState.CONNECTED, "session ready")
        self._session.finish()

    def _on_next_valid_id(self, msg: NextValidId) -> None:
        if msg.order_id is not None:
            with self._id_lock:
                self._next_id = max(self._next_id, msg.order_id,
                                    self.journal.max_order_id(self.client_id) + 1)
        p = self._registry.pop(_IDS)
        if p is not None:
            p.finish(msg.order_id)

    def _on_managed_accts(self, msg: ManagedAccts) -> None:
        self.accounts = msg.accounts

    def _on_current_time(self, msg: CurrentTime) -> None:
        p = self._registry.pop(_CURRENT_TIME)
        if p is not None and msg.time is not None:
            p.finish(datetime.fromtimestamp(msg.time, tz=UTC))

    def _on_current_time_in_millis(self, msg: CurrentTimeInMillis) -> None:
        p = self._registry.pop(_CURRENT_TIME_MS)
        if p is not None and msg.time_ms is not None:
            p.finish(datetime.fromtimestamp(msg.time_ms / 1000, tz=UTC))

    def _on_unknown(self, msg: UnknownMessage) -> None:
        log.warning("unknown message id %d with %d fields", msg.msg_id, len(msg.fields))
        self.unknown_messages.append(msg)
        self._emit(msg)

    def _on_bad_message(self, ev: BadMessage) -> None:
        """A frame that does not decode fails the request it belongs to (found from the request
        kinds, see :mod:`.router`); order traffic is left to reconciliation; a frame that cannot
        be tied to a request fails every pending read (none of them can trust its reply)."""
        err = ev.error
        log.error("cannot decode a frame: %s", err)
        where = attribute(ev, self.server_version)
        targets: list[Pending[Any]] = []
        for route, key in where.targets:
            if route.kind.key is None:
                p = self._registry.get(singleton_key(route.request))
            elif route.kind.key == "req_id" and key is not None:
                p = self._registry.get(key)
            else:
                p = None  # an order's traffic: reconciled, never a read's reply
            if p is not None and p not in targets:
                targets.append(p)
        for p in targets:
            p.fail(err)
        if not where.targets and not where.order_traffic:
            for p in self._registry.all():
                if not p.name.startswith(("order", "cancel")):
                    p.fail(err)
        self._emit(ev)

    def _on_closed(self, ev: ConnectionClosed) -> None:
        cause = ev.cause
        detail = f"connection to {self.host}:{self.port} closed" + (f": {cause}" if cause else "")
        if not self._session.done:
            self._session.fail(ConnectError(
                f"TWS at {self.host}:{self.port} closed the connection before the session was "
                f"ready (is client id {self.client_id} already in use? is the API enabled?)",
                code=502, host=self.host, port=self.port))
        lost = ConnectionLost(detail)
        self._registry.fail_all(lost)
        self._reconciled.fail(lost)
        self._connection_lost(lost)
        if not self.reconnect and not self._closing:
            # OFFLINE for good (nobody reconnects): free the journal file for a new Broker
            self._release_journal()
        self._set_state(ConnectionState.OFFLINE, detail)

    def _connection_lost(self, lost: ConnectionLost) -> None:
        """Hook for mixins: fail what waits on the connection (tickets ...)."""

    def _on_error(self, msg: ErrMsg) -> None:
        code = msg.error_code or 0
        text = msg.error_string or ""
        req_id = msg.req_id if msg.req_id is not None else -1
        info = classify(code)
        if req_id >= 0:
            p = self._registry.get(req_id)
            if p is not None:
                if info.is_error:
                    self._registry.discard(p)
                    p.fail(request_error(code, text, req_id, msg.advanced_order_reject_json))
                else:
                    self._notice(code, text, req_id)
                return
            if self._route_error(req_id, code, text, msg.advanced_order_reject_json):
                return
        if info.category is ErrorCategory.CONNECTIVITY:
            self._connectivity(code, text)
        elif info.category is ErrorCategory.CONNECTION and not self._session.done:
            self._session.fail(ConnectError(f"{text} (error {code})", code=code,
                                            host=self.host, port=self.port))
        self._notice(code, text, req_id)

    def _route_error(self, req_id: int, code: int, text: str, advanced: str | None) -> bool:
        """Hook for mixins: route an error naming an id that is not a pending request; each mixin
        handles its own ids and passes the rest to super()."""
        return False

    def _notice(self, code: int, text: str, req_id: int) -> None:
        notice = Notice(code, text, req_id, datetime.now(UTC))
        self.notices.append(notice)
        self._emit(notice)

    def _connectivity(self, code: int, text: str) -> None:
        if code == 1100:
            self._set_state(ConnectionState.DEGRADED, text, code)
        elif code in (1101, 1102):
            if code == 1101:  # restored, data lost: TWS dropped every subscription
                self._resubscribe(new_connection=False)  # (renewed before CONNECTED is announced)
            if self.state is ConnectionState.DEGRADED:
                self._set_state(ConnectionState.CONNECTED, text, code)

    def _resubscribe(self, new_connection: bool) -> None:
        """Ask again for what TWS forgot: after 1101 (same connection) or a reconnect. Mixins add
        their subscriptions (tickers ...) and call super()."""
        if not new_connection:  # (after a reconnect, requests in flight failed at the drop)
            for key, resend in list(self._live_reads.items()):
                p = self._registry.get(key)
                if p is not None and not p.done:
                    log.info("re-requesting %s after connectivity was restored with data lost",
                             p.name)
                    p.rows.clear()
                    try:
                        resend()
                    except IbwireError as exc:
                        p.fail(exc)
        for old, new, renewed in self._subs.renew(self._registry.next_id):
            log.info("re-requesting %s (%s)", type(new).__name__,
                     f"request id {getattr(old, 'req_id', '')} -> {getattr(new, 'req_id', '')}")
            if renewed is not None:
                renewed(new)
            try:
                if not new_connection and new is not old:
                    self._send(cancel_message(old))
                self._send(new)
            except IbwireError as exc:
                log.warning("cannot re-request %s: %s", type(new).__name__, exc)

    # --- flows --------------------------------------------------------------------------------

    def _ensure_connected(self) -> None:
        if not self.is_connected():
            raise ConnectionLost(f"not connected to {self.host}:{self.port} (error 504)")

    def _read_flow(self, name: str, key: int | str, send: Callable[[], None],
                   timeout: float | None, *, resubscribe: bool = False, **extra: Any) -> Flow[Any]:
        """Send a read-only request and wait for its reply; ask once more if nothing came back
        (TWS can drop requests made right after the handshake). ``resubscribe``: a subscription
        (positions, account) that is asked for again when 1101 says TWS lost its data."""
        self._ensure_connected()
        total = self.timeout if timeout is None else timeout
        while True:
            existing = self._registry.get(key)
            if existing is None:
                break
            if existing.extra == extra:  # the same request is already on its way: share it
                if not (yield Wait(existing, total)):
                    raise RequestTimeout(name, total)
                return existing.check()
            yield Wait(existing, total)  # a different one holds the key: wait for it to end
        p: Pending[Any] = Pending(name, key)
        p.extra.update(extra)
        self._registry.add(p)
        if resubscribe:
            self._live_reads[key] = send
        try:
            send()
            if not (yield Wait(p, total / 2)) and not p.rows:
                log.info("%s: no reply within %.1f s, asking once more", name, total / 2)
                send()
            if not p.done and not (yield Wait(p, total / 2)):
                raise RequestTimeout(name, total)
            return p.check()
        finally:
            self._registry.discard(p)
            if self._live_reads.get(key) is send:
                del self._live_reads[key]

    def flow_current_time(self, timeout: float | None = None) -> Flow[datetime]:
        """TWS's clock, as an aware UTC datetime: to the millisecond where the server has
        REQ_CURRENT_TIME_IN_MILLIS (197+), else to the second."""
        millis = self.server_version is not None and supports(
            self.server_version, Feature.CURRENT_TIME_IN_MILLIS)
        request: Message = ReqCurrentTimeInMillis() if millis else ReqCurrentTime()
        result: datetime = yield from self._read_flow(
            "current time", _CURRENT_TIME_MS if millis else _CURRENT_TIME,
            lambda: self._send(request), timeout)
        return result

    def flow_next_order_id(self, timeout: float | None = None) -> Flow[int]:
        """Ask TWS for its next valid order id; returns the id the next order will use."""
        yield from self._read_flow("next valid id", _IDS, lambda: self._send(ReqIds(1)), timeout)
        with self._id_lock:
            return max(self._next_id, self.journal.max_order_id(self.client_id) + 1)

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.host}:{self.port} client_id={self.client_id} "
                f"{self.state.value} v{self.server_version}>")

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    current_time = front_method(flow_current_time)
    next_order_id = front_method(flow_next_order_id)
