"""A scripted, in-process TWS peer for client tests: ``FakeTws(script)``.

It listens on 127.0.0.1 (port 0 by default), speaks the handshake with ibwire's sans-I/O
``Connection(Role.SERVER)``, answers START_API with MANAGED_ACCTS, NEXT_VALID_ID and (optionally)
the farm notices, then answers each message with the reply function registered for its class::

    def place(msg, session):
        return [OpenOrder(...), OrderStatus(...)]        # None, one message, or several

    with FakeTws({PlaceOrder: place}) as tws:             # or FakeTws().on(PlaceOrder, place)
        client.connect(tws.host, tws.port, 1)
        msg = tws.wait_for(PlaceOrder)                    # what the client sent
        tws.session().send(ErrMsg(...))                   # push anything, any time
        tws.session().close()                             # drop the connection

Every message a client sends is recorded (``received``); ``wait_for`` waits for one of a class
(each recorded message is returned once). Nothing here sleeps: waits are on events.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ibwire.client.ewrapper import EWrapper
from ibwire.protocol.connection import ClientHello, Connection, Role, encode_message
from ibwire.protocol.framing import encode_fields
from ibwire.protocol.handshake import negotiate
from ibwire.protocol.messages.system import ErrMsg, ManagedAccts, NextValidId, StartApi
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import IB_ASYNC_VERSION, IBAPI_981_VERSION

__all__ = ["FakeTws", "FakeSession", "ReplyFn", "FARM_NOTICES", "Recorder", "free_port"]

ReplyFn = Callable[[Any, "FakeSession"], "Message | Iterable[Message] | None"]

FARM_NOTICES = (
    (2104, "Market data farm connection is OK:usfarm"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefnj"),
)

CONNECTION_TIME = datetime(2024, 1, 2, 15, 0, 0, tzinfo=UTC)


class FakeSession:
    """One client connection to the fake."""

    def __init__(self, tws: FakeTws, sock: socket.socket) -> None:
        self.tws = tws
        self.sock = sock
        self.conn = Connection(Role.SERVER, min_version=tws.min_version, max_version=tws.version)
        self.client_id: int | None = None
        self.hello: ClientHello | None = None
        self.errors: list[str] = []  # protocol errors the client caused (e.g. a request before START_API)
        self.started = threading.Event()  # START_API received and answered
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="fake-tws-session", daemon=True)

    @property
    def version(self) -> int | None:
        return self.conn.server_version

    def send(self, *msgs: Message) -> None:
        """Send messages to the client (any thread)."""
        with self._lock:
            version = self.conn.server_version
            assert version is not None, "the handshake is not done"
            self._write(b"".join(encode_message(m, version) for m in msgs))

    def send_raw(self, fields: list[str]) -> None:
        """Send one frame built from raw text fields (e.g. an unknown message id)."""
        with self._lock:
            self._write(encode_fields(fields))

    def close(self) -> None:
        """Drop the connection, like TWS closing the socket."""
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed.set()

    def _send_ids(self) -> None:
        tws = self.tws
        msgs: list[Message] = [ManagedAccts(",".join(tws.accounts)),
                               NextValidId(tws.next_valid_id)]
        if tws.farm_notices:
            msgs += [ErrMsg(-1, code, text, None) for code, text in FARM_NOTICES]
        self.send(*msgs)

    def _run(self) -> None:
        try:
            while not self.closed.is_set():
                try:
                    data = self.sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                try:
                    events = self.conn.receive_data(data)
                except Exception as exc:  # a client that breaks the protocol: record it, go on
                    self.errors.append(str(exc))
                    self.tws._note_error(self, exc)
                    continue
                for ev in events:
                    self._handle(ev)
        finally:
            self.closed.set()
            try:
                self.sock.close()
            except OSError:
                pass

    def _handle(self, ev: Any) -> None:
        tws = self.tws
        if isinstance(ev, ClientHello):
            self.hello = ev
            if not tws.answer_handshake:
                return
            version = negotiate(ev, tws.min_version, tws.version)
            if version is None:
                self.close()
                return
            with self._lock:
                self._write(self.conn.accept(version, CONNECTION_TIME))
            if tws.ids_before_start_api:
                self._send_ids()
            return
        if not isinstance(ev, Message):
            return
        tws._record(self, ev)
        if isinstance(ev, StartApi):
            self.client_id = ev.client_id
            if tws.hold_ready is not None:  # the session becomes ready when the test says so
                gate = tws.hold_ready
                threading.Thread(target=lambda: gate.wait(30) and self._send_ids(),
                                 daemon=True).start()
            elif not tws.ids_before_start_api:
                self._send_ids()
            self.started.set()
        reply = tws.script.get(type(ev))
        if reply is None:
            return
        out = reply(ev, self)
        if out is None:
            return
        if isinstance(out, Message):
            out = [out]
        msgs = list(out)
        if msgs and not self.closed.is_set():
            self.send(*msgs)


class FakeTws:
    """A scripted TWS on 127.0.0.1. Use as a context manager (or ``start()`` / ``stop()``)."""

    def __init__(self, script: Mapping[type, ReplyFn] | None = None, *, version: int = IB_ASYNC_VERSION,
                 min_version: int = IBAPI_981_VERSION, accounts: Iterable[str] = ("DU123456",),
                 next_valid_id: int = 1, farm_notices: bool = True, answer_handshake: bool = True,
                 ids_before_start_api: bool = False, host: str = "127.0.0.1", port: int = 0,
                 hold_ready: threading.Event | None = None) -> None:
        self.script: dict[type, ReplyFn] = dict(script or {})
        self.version = version
        self.min_version = min_version
        self.accounts = list(accounts)
        self.next_valid_id = next_valid_id
        self.farm_notices = farm_notices
        self.answer_handshake = answer_handshake
        self.ids_before_start_api = ids_before_start_api
        self.hold_ready = hold_ready
        """When given: NEXT_VALID_ID / MANAGED_ACCTS wait until it is set (readiness on cue)."""
        self.host = host
        self.sessions: list[FakeSession] = []
        self.received: list[tuple[FakeSession, Message]] = []
        self._taken: set[int] = set()
        self._cond = threading.Condition()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, name="fake-tws", daemon=True)

    # --- script ----------------------------------------------------------------------------------

    def on(self, msg_cls: type, reply_fn: ReplyFn) -> FakeTws:
        """Answer every ``msg_cls`` the client sends with ``reply_fn(msg, session)``."""
        self.script[msg_cls] = reply_fn
        return self

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeTws:
        self._listener.listen(8)
        self._listener.settimeout(1.0)  # a safety net: stop() wakes accept() by shutting down
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for s in list(self.sessions):
            s.close()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        if self._acceptor.is_alive():
            self._acceptor.join(timeout=5)
        for s in list(self.sessions):
            if s._thread.is_alive():
                s._thread.join(timeout=5)

    def __enter__(self) -> FakeTws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            sock.settimeout(None)
            session = FakeSession(self, sock)
            with self._cond:
                self.sessions.append(session)
                self._cond.notify_all()
            session._thread.start()

    # --- observation -----------------------------------------------------------------------------

    def _record(self, session: FakeSession, msg: Message) -> None:
        with self._cond:
            self.received.append((session, msg))
            self._cond.notify_all()

    def _note_error(self, session: FakeSession, exc: BaseException) -> None:
        with self._cond:
            self._cond.notify_all()

    def session(self, index: int = -1, timeout: float = 5.0) -> FakeSession:
        """A connected session (the latest by default), waiting for it to connect."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.sessions) > (index if index >= 0 else 0),
                                       timeout):
                raise TimeoutError("no client connected to the fake TWS")
            return self.sessions[index]

    def wait_for(self, msg_cls: type, timeout: float = 5.0,
                 where: Callable[[Any], bool] | None = None) -> Any:
        """The next not yet returned message of ``msg_cls`` a client sent (waits for it)."""
        def find() -> Any:
            for i, (_, msg) in enumerate(self.received):
                if i not in self._taken and isinstance(msg, msg_cls) and (where is None or where(msg)):
                    self._taken.add(i)
                    return msg
            return None

        with self._cond:
            found: list[Any] = []

            def ready() -> bool:
                m = find()
                if m is not None:
                    found.append(m)
                    return True
                return False

            if not self._cond.wait_for(ready, timeout):
                raise TimeoutError(f"the client sent no {msg_cls.__name__}")
            return found[0]

    def wait_error(self, session: FakeSession, timeout: float = 5.0) -> str:
        """The first protocol error a client caused on ``session`` (waits for it)."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(session.errors), timeout):
                raise TimeoutError("the client caused no protocol error")
            return session.errors[0]


def free_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class Recorder(EWrapper):
    """An EWrapper that records every callback as ``(name, args)``; ``wait`` blocks for one."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.threads: dict[str, set[str]] = {}
        self._taken: set[int] = set()
        self._cond = threading.Condition()

    def _record(self, name: str, args: tuple[Any, ...]) -> None:
        with self._cond:
            self.calls.append((name, args))
            self.threads.setdefault(name, set()).add(threading.current_thread().name)
            self._cond.notify_all()

    def wait(self, name: str, timeout: float = 5.0,
             where: Callable[..., bool] | None = None) -> tuple[Any, ...]:
        """The arguments of the next not yet returned ``name`` callback (waits for it)."""
        found: list[tuple[Any, ...]] = []

        def ready() -> bool:
            for i, (n, args) in enumerate(self.calls):
                if i not in self._taken and n == name and (where is None or where(*args)):
                    self._taken.add(i)
                    found.append(args)
                    return True
            return False

        with self._cond:
            if not self._cond.wait_for(ready, timeout):
                raise TimeoutError(f"no {name} callback; got {[n for n, _ in self.calls]}")
        return found[0]

    def all(self, name: str) -> list[tuple[Any, ...]]:
        with self._cond:
            return [args for n, args in self.calls if n == name]

    def names(self) -> list[str]:
        with self._cond:
            return [n for n, _ in self.calls]


def _recording(name: str) -> Callable[..., None]:
    def method(self: Recorder, *args: Any) -> None:
        self._record(name, args)
    method.__name__ = name
    return method


for _name in [n for n in vars(EWrapper) if not n.startswith("_")]:
    setattr(Recorder, _name, _recording(_name))
