"""The threaded socket front end: one TCP connection, one reader thread, one write lock.

The reader thread is the EReader of IB's architecture pages: it reads the socket, feeds the
sans-I/O :class:`~ibwire.protocol.connection.Connection`, and hands each batch of decoded events (one
list per socket read) on. Either to :attr:`Transport.events`, a bounded queue that a dispatcher
empties (``EClient.run()`` in the caller's thread or a dispatcher thread), or, given ``on_events``,
to a function the reader calls itself (the Broker, which handles replies where they are decoded).

Backpressure: :attr:`Transport.events` holds at most ``max_events`` messages (a batch larger than
that goes alone into an empty queue). When it is full the reader stops reading until the dispatcher
catches up; the socket's buffers fill and TCP makes the peer wait. Nothing is dropped.
``events.depth`` shows how many messages wait.

Requests sent before the session is ready (both NEXT_VALID_ID and MANAGED_ACCTS seen) are held and
written, in order, the moment it becomes ready: nothing sent early is lost. At most ``max_held``
are held; a sender finding that many waits until the session is ready. When the socket breaks, for
any reason, the last batch ends with a :class:`ConnectionClosed` carrying the cause, and every later
:meth:`send` raises :class:`~ibwire.errors.ConnectionLost`.

With a :class:`~ibwire.client.pacing.Pacer` (the Broker always gives one) a message goes out at once
while the rate allows and otherwise waits in the pacer's queue; a writer thread drains the queue as
slots free up, in order. A sender finding the pacer's queue full waits for room. Without a pacer
(EClient's default) every message is written at once.

Theory of operation (threads): the sans-I/O Connection is touched by one thread at a time, under
``_conn_lock``: the reader holds it while it decodes one read, a sender while it encodes one
message. Socket writes are serialised by the write lock ``_lock`` (taken before ``_conn_lock``,
never the other way round), so frames go out whole and in the order they were encoded. The reader
never holds the write lock while it reads.
"""

from __future__ import annotations

import gc
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..errors import CONNECT_ADVICE, ConnectError, ConnectionLost, ProtocolError
from ..protocol.connection import (
    LARGE_READ_BYTES,
    Connection,
    ConnectionClosed,
    HandshakeComplete,
    Role,
    SessionReady,
)
from ..protocol.messages.system import StartApi
from ..protocol.schema import Message
from ..protocol.versions import MAX_VERSION, MIN_VERSION
from .pacing import Pacer

__all__ = ["Transport", "EventQueue", "wire_log", "DEFAULT_MAX_EVENTS", "DEFAULT_MAX_HELD"]

wire_log = logging.getLogger("ibwire.wire")
log = logging.getLogger("ibwire.client")

READ_SIZE = 1 << 18
"""Bytes one read takes at most. The reader reads into one buffer of this size, allocated once,
and copies out what arrived (``recv_into``). A plain ``recv(READ_SIZE)`` allocates a 256 KiB
object per read and frees most of it at once; in a process with several threads that costs more
than the whole decode of a small reply (``python -m bench.defaults --parts row``, A/B: the
EClient's p50 of 40 calls in a row 163 / 135 -> 95 / 113 us, the Broker's 184 / 171 -> 126 / 140
us; see bench/RESULTS.md)."""

_gc_lock = threading.Lock()
_gc_pausers = 0  # reader threads decoding a large read with the collector paused by us


def _receive_gc_paused(conn: Connection, data: bytes) -> list[Any]:
    """``conn.receive_data(data)`` with the cyclic garbage collector paused: the front end's policy
    for reads of ``LARGE_READ_BYTES`` and more (the sans-I/O core never touches the collector).
    Readers of several connections share the pause; a collector the application disabled stays
    disabled."""
    global _gc_pausers
    with _gc_lock:
        ours = _gc_pausers > 0 or gc.isenabled()
        if ours:
            _gc_pausers += 1
            gc.disable()
    try:
        return conn.receive_data(data)
    finally:
        if ours:
            with _gc_lock:
                _gc_pausers -= 1
                if _gc_pausers == 0:
                    gc.enable()


DEFAULT_MAX_EVENTS = 5_000
"""Messages the EReader queue holds at most before the reader stops reading."""

DEFAULT_MAX_HELD = 1_000
"""Requests held before the session is ready at most; a sender finding that many waits."""


class EventQueue:
    """The EReader queue: batches of decoded events, bounded by the number of messages they hold.

    :meth:`put` waits while the queue is full (a batch goes in when it fits, or alone into an
    empty queue); :meth:`get` is the consumer's side, like :class:`queue.Queue`'s. After
    :meth:`close` (the program disconnected) a waiting :meth:`put` returns at once.

    The batches travel through a :class:`queue.SimpleQueue` (the consumer wakes as fast as with an
    unbounded queue); only the count of queued messages and a full queue's waiting reader use the
    condition variable.
    """

    def __init__(self, max_messages: int = DEFAULT_MAX_EVENTS) -> None:
        if max_messages < 1:
            raise ValueError("the event queue must hold at least one message")
        self.max_messages = max_messages
        self._batches: queue.SimpleQueue[list[Any]] = queue.SimpleQueue()
        self._depth = 0
        self._cond = threading.Condition(threading.Lock())
        self._waiting = False
        self._closed = False
        self.max_depth = 0
        """The most messages the queue has held."""
        self.waits = 0
        """How many times the reader found the queue full and waited."""
        self.stalled = threading.Event()
        """Set while the reader waits for room (it is not reading the socket)."""

    @property
    def depth(self) -> int:
        """Messages waiting for the dispatcher."""
        return self._depth

    def qsize(self) -> int:
        """Batches waiting (as :meth:`queue.Queue.qsize`)."""
        return self._batches.qsize()

    def empty(self) -> bool:
        return self._batches.empty()

    def put(self, batch: list[Any], *, force: bool = False) -> bool:
        """Queue ``batch``, waiting while the queue is full (``force``: never wait). False when the
        queue was closed while waiting (the batch is not queued)."""
        n = len(batch)
        with self._cond:
            if not force and self._depth and self._depth + n > self.max_messages:
                self.waits += 1
                self._waiting = True
                self.stalled.set()
                try:
                    while not self._closed and self._depth and self._depth + n > self.max_messages:
                        self._cond.wait()
                finally:
                    self._waiting = False
                    self.stalled.clear()
                if self._closed:
                    return False
            self._depth += n
            if self._depth > self.max_depth:
                self.max_depth = self._depth
            self._batches.put(batch)
            return True

    def get(self, block: bool = True, timeout: float | None = None) -> list[Any]:
        """The oldest batch; raises :class:`queue.Empty` when none comes within ``timeout``."""
        batch = self._batches.get(block, timeout)
        with self._cond:
            self._depth -= len(batch)
            if self._waiting:
                self._cond.notify_all()
        return batch

    def close(self) -> None:
        """Stop waiting for room: a reader blocked in :meth:`put` returns (the program is leaving)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class Transport:
    """A TWS API socket connection driven by a reader thread."""

    def __init__(self, host: str, port: int, client_id: int, *, timeout: float = 10.0,
                 start_api: bool = True, options: str = "",
                 min_version: int = MIN_VERSION,
                 max_version: int = MAX_VERSION, pacer: Pacer[Any] | None = None,
                 max_events: int = DEFAULT_MAX_EVENTS, max_held: int = DEFAULT_MAX_HELD,
                 on_events: Callable[[list[Any]], None] | None = None) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.timeout = timeout
        self.options = options
        self._auto_start = start_api
        self.events = EventQueue(max_events)
        """Decoded batches for the dispatcher (unused with ``on_events``)."""
        self.on_events = on_events
        self.max_held = max_held
        self.ready = threading.Event()
        self.closed = threading.Event()
        self._conn = Connection(Role.CLIENT, min_version=min_version, max_version=max_version)
        self._conn_lock = threading.Lock()  # the sans-I/O connection: one thread at a time
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()  # writes (and the state below), taken before _conn_lock
        self._wake = threading.Condition(self._lock)  # the writer thread and waiting senders
        self.pacer = pacer
        self._held: list[Message] = []
        self._reader: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self._api_started = False
        self.close_cause: BaseException | None = None
        if wire_log.isEnabledFor(logging.DEBUG):
            self._conn.trace = self._trace

    # --- state --------------------------------------------------------------------------------

    @property
    def server_version(self) -> int | None:
        return self._conn.server_version

    @property
    def connection_time(self) -> datetime | None:
        return self._conn.connection_time

    @property
    def connection_time_text(self) -> str:
        return self._conn.connection_time_text

    @property
    def next_valid_id(self) -> int | None:
        return self._conn.next_valid_id

    @property
    def accounts(self) -> list[str]:
        return list(self._conn.accounts or [])

    def is_connected(self) -> bool:
        return self._sock is not None and not self.closed.is_set()

    def _trace(self, direction: str, fields: list[str]) -> None:
        wire_log.debug("%s %s", direction, "|".join(fields))

    # --- connecting ---------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the socket and complete the version handshake (not yet the session).

        Raises :class:`ConnectError` with code 502 when the socket cannot be opened or the peer
        closes during the handshake, and 503 when the server version is out of range.
        """
        if self._sock is not None:
            raise ConnectError("already connected", code=501, host=self.host, port=self.port)
        where = f"{self.host}:{self.port}"
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except TimeoutError:
            raise ConnectError(
                f"Couldn't connect to TWS at {where} (error 502): no answer within "
                f"{self.timeout:g} s. {CONNECT_ADVICE}", code=502, host=self.host, port=self.port) from None
        except OSError as exc:
            raise ConnectError(
                f"Couldn't connect to TWS at {where} (error 502): {exc.strerror or exc}. "
                f"{CONNECT_ADVICE}", code=502, host=self.host, port=self.port) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        early: list[Any] = []
        try:
            sock.sendall(self._conn.initiate(self.options))
            hello = self._read_handshake(sock, early)
        except ConnectError as exc:
            sock.close()
            exc.host, exc.port = self.host, self.port
            raise
        except (OSError, ProtocolError) as exc:
            sock.close()
            raise ConnectError(
                f"Couldn't connect to TWS at {where} (error 502): the handshake failed: {exc}. "
                f"{CONNECT_ADVICE}", code=502, host=self.host, port=self.port) from None
        sock.settimeout(None)
        self._sock = sock
        log.info("connected to %s, server version %d, connection time %s", where,
                 hello.server_version, hello.connection_time_text)
        if any(isinstance(ev, SessionReady) for ev in early):
            self._on_ready()  # the ids came in the same read as the handshake reply
        self._deliver([*early])  # (the reader thread has not started: still one thread at a time)
        self._reader = threading.Thread(target=self._read_loop, name=f"ibwire-reader-{where}",
                                        daemon=True)
        self._reader.start()
        if self.pacer is not None:
            self._writer = threading.Thread(target=self._write_loop, args=(self.pacer,),
                                            name=f"ibwire-writer-{where}", daemon=True)
            self._writer.start()
        if self._auto_start:
            self.start_api()

    def _read_handshake(self, sock: socket.socket, early: list[Any]) -> HandshakeComplete:
        while True:
            try:
                data = sock.recv(READ_SIZE)
            except TimeoutError:
                raise ConnectError(
                    f"TWS at {self.host}:{self.port} accepted the socket but sent no handshake "
                    f"within {self.timeout:g} s (error 502). {CONNECT_ADVICE}", code=502) from None
            if not data:
                raise ConnectError(
                    f"TWS at {self.host}:{self.port} closed the connection during the handshake "
                    f"(error 502): the API may be disabled, this host may not be in Trusted IPs, or "
                    f"the client id may be in use.", code=502)
            try:
                events = self._conn.receive_data(data)
            except ProtocolError:
                raise ConnectError(
                    f"the peer at {self.host}:{self.port} does not speak the TWS API: it answered "
                    f"{data[:24]!r} (is this the API socket port of TWS / IB Gateway?)",
                    code=502) from None
            for ev in events:
                if isinstance(ev, HandshakeComplete):
                    early.extend(events)
                    return ev

    def start_api(self) -> None:
        """Send START_API (done by :meth:`connect` unless ``start_api=False``)."""
        with self._lock:
            if self._api_started:
                return
            self._api_started = True
            with self._conn_lock:
                data = self._conn.start_api(self.client_id)
            self._write(data)

    # --- sending ------------------------------------------------------------------------------

    def send(self, msg: Message) -> None:
        """Send ``msg``; before the session is ready it is held and sent when ready.

        Waits while ``max_held`` requests are held before readiness, or while the pacer's queue is
        full (never on the reader or writer thread, which are what make room)."""
        with self._lock:
            while True:
                if self.closed.is_set() or self._sock is None:
                    raise ConnectionLost(
                        f"not connected (error 504): cannot send {type(msg).__name__}")
                if not self.ready.is_set() and not isinstance(msg, StartApi):
                    if len(self._held) >= self.max_held and self._may_wait():
                        self._wake.wait(1.0)
                        continue
                    self._held.append(msg)
                    return
                pacer = self.pacer
                if pacer is not None and pacer.full and self._may_wait():
                    self._wake.wait(1.0)  # the writer thread drains and notifies
                    continue
                self._submit(msg)
                return

    def _may_wait(self) -> bool:
        me = threading.current_thread()
        return me is not self._reader and me is not self._writer

    def _submit(self, msg: Message) -> None:
        """Write ``msg`` now, or queue it in the pacer (the lock is held)."""
        with self._conn_lock:
            data = self._conn.send(msg)
        pacer = self.pacer
        if pacer is None or isinstance(msg, StartApi) or pacer.submit(data, time.monotonic(), msg):
            self._write(data)
        else:
            self._wake.notify()

    def _write_loop(self, pacer: Pacer[Any]) -> None:
        """The writer thread: drain the pacer's queue as its rate allows, in order."""
        with self._lock:
            while not self.closed.is_set():
                now = time.monotonic()
                try:
                    for data in pacer.take_due(now):
                        self._write(data)
                except ConnectionLost:
                    return
                self._wake.notify_all()  # close() may be waiting for the queue to drain
                self._wake.wait(pacer.next_due(time.monotonic()))

    def _write(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            raise ConnectionLost("not connected (error 504)")
        try:
            sock.sendall(data)
        except OSError as exc:
            self.close_cause = exc
            self._shutdown()
            raise ConnectionLost(f"connection to {self.host}:{self.port} lost: {exc}") from exc

    def _on_ready(self) -> None:
        with self._lock:
            held, self._held = self._held, []
            for msg in held:
                self._submit(msg)
            self.ready.set()
            self._wake.notify_all()  # senders waiting for room among the held requests

    # --- reading ------------------------------------------------------------------------------

    def _deliver(self, events: list[Any], *, last: bool = False) -> None:
        if self.on_events is not None:
            self.on_events(events)
        else:
            self.events.put(events, force=last)

    def _read_loop(self) -> None:
        sock = self._sock
        assert sock is not None
        conn = self._conn
        conn_lock = self._conn_lock
        deliver = self._deliver
        cause: BaseException | None = None
        buf = bytearray(READ_SIZE)
        view = memoryview(buf)
        recv_into = sock.recv_into
        try:
            while True:
                n = recv_into(buf)
                if not n:
                    break
                data = view[:n].tobytes()
                with conn_lock:
                    if len(data) < LARGE_READ_BYTES:
                        events = conn.receive_data(data)
                    else:  # (not a READ_SIZE read: ~11,000 ticks gain nothing from a pause)
                        events = _receive_gc_paused(conn, data)
                if not events:
                    continue
                if not self.ready.is_set():
                    for ev in events:
                        if isinstance(ev, SessionReady):
                            self._on_ready()
                deliver(events)  # (waits while the dispatcher's queue is full: backpressure)
        except ProtocolError as exc:  # framing broke: this connection cannot go on
            cause = exc
            log.error("closing the connection to %s:%s: %s", self.host, self.port, exc)
        except ConnectionLost as exc:
            cause = exc
        except OSError as exc:
            if not self.closed.is_set():
                cause = exc
        except BaseException as exc:  # never die silently
            cause = exc
            log.exception("reader thread failed")
        finally:
            if cause is not None and self.close_cause is None:
                self.close_cause = cause
            self._shutdown()
            with self._lock:  # the socket is closed: a writer blocked in sendall has let go
                self._wake.notify_all()
            with conn_lock:
                conn.close()
            deliver([ConnectionClosed(self.close_cause)], last=True)

    # --- closing ------------------------------------------------------------------------------

    def _shutdown(self) -> None:
        self.closed.set()
        if self.pacer is not None:
            dropped = self.pacer.clear()
            if dropped:
                log.warning("%d paced messages not sent: the connection closed", dropped)
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self, drain: float = 2.0) -> None:
        """Close the socket; returns once it is closed and the reader thread has ended.

        Messages the pacer still queues (typically the cancels a program sends on its way out)
        get up to ``drain`` seconds to go out first while the connection is healthy."""
        with self._lock:
            pacer = self.pacer
            if pacer is not None and drain > 0 and self._writer is not None:
                mark = pacer.mark()
                deadline = time.monotonic() + drain
                while not self.closed.is_set() and not pacer.written_through(mark):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._wake.notify_all()  # the writer thread drains while this waits
                    due = pacer.next_due(time.monotonic())
                    self._wake.wait(min(left, max(due or 0.0, 0.005)))
            reader, sock = self._reader, self._sock
            graceful = (sock is not None and not self.closed.is_set() and reader is not None
                        and reader.is_alive() and reader is not threading.current_thread())
            if graceful:
                # a graceful close: send our FIN and let the reader see the peer's, so once this
                # returns TWS has released the client id (an immediate reconnect with the same id
                # is not refused with 326, and TWS's list of clients no longer shows this one)
                self.closed.set()
                try:
                    sock.shutdown(socket.SHUT_WR)  # type: ignore[union-attr]
                except OSError:
                    graceful = False
                    self._shutdown()
            else:
                self._shutdown()
            self._wake.notify_all()
        if graceful and reader is not None:
            reader.join(timeout=min(self.timeout, 1.0))
            with self._lock:
                self._shutdown()
                self._wake.notify_all()
        self.events.close()  # a reader waiting for room in the queue lets go
        for thread in (self._reader, self._writer):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=5.0)
