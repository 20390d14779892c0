"""One API client connection of the paper gateway: socket I/O, handshake, pacing, dispatch.

A :class:`Session` owns one socket and one sans-I/O ``Connection(Role.SERVER)``; every byte it
reads goes through the connection and every message it writes comes out of ``Connection.send``
encoded for the negotiated server version. Requests are dispatched to the handler tables of the
domain modules (:mod:`.orders_api`, :mod:`.accounts_api`, :mod:`.market_api`); the handlers are
plain synchronous functions that run on the gateway's event loop, so nothing in a session ever
races with the exchange.

Life of a session::

    TCP accept -- peer not trusted --> closed at once (log line)
        "API\\0" + v<min>..<max> -- no overlap with 157..178 --> closed (log line)
        accept(min(client max, 178))
        START_API(client id) -- id in use / 32 clients already --> ERR 326, closed
        MANAGED_ACCTS, NEXT_VALID_ID, [tws mode: 2104 / 2106 / 2158]
        requests ... (paced: > 50 / s gets error 100; sustained abuse closes; not with +PACEAPI)
        EOF / oversize or malformed frame / drop_client() --> closed; the others go on
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import ProtocolError
from ..protocol.connection import (
    BadMessage,
    ClientHello,
    Connection,
    ConnectionClosed,
    Role,
    State,
)
from ..protocol.handshake import negotiate
from ..protocol.messages.system import (
    CurrentTime,
    CurrentTimeInMillis,
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqCurrentTimeInMillis,
    ReqIds,
    ReqManagedAccts,
    StartApi,
)
from ..protocol.schema import Message, UnknownMessage
from ..protocol.versions import MIN_VERSION, Feature, supports
from .pacing import Pacer, PaceVerdict
from .unserved import unserved_error, unserved_message_error

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["Session", "Handler", "FARM_NOTICES", "handles"]

log = logging.getLogger("ibwire.gateway")

Handler = Callable[["Session", Any], None]

_HANDLERS: dict[type[Message], Handler] = {}

FARM_NOTICES = {
    "market": (2104, "Market data farm connection is OK:usfarm"),
    "hmds": (2106, "HMDS data farm connection is OK:ushmds"),
    "secdef": (2158, "Sec-def data farm connection is OK:secdefnj"),
}
"""The farm notices TWS sends (ERR_MSG id -1): at connect in tws mode, on first use in gateway mode."""

_WRITE_BUFFER_LIMIT = 64 * 1024 * 1024
"""A client that lets this much output pile up unread is dropped (it would exhaust memory)."""


def handles(*classes: type[Message]) -> Callable[[Handler], Handler]:
    """Register a handler for one or more incoming message classes."""
    def deco(fn: Handler) -> Handler:
        for cls in classes:
            if cls in _HANDLERS:
                raise TypeError(f"{cls.__name__} already has a handler")
            _HANDLERS[cls] = fn
        return fn
    return deco


def _keepalive(writer: asyncio.StreamWriter) -> None:
    """TCP keepalive, so a peer that vanished without closing (a half-open connection) is noticed."""
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 6)


class Session:
    """One client connection; lives on the gateway's event loop."""

    def __init__(self, core: GatewayCore, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.core = core
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer_host: str = peer[0] if isinstance(peer, tuple) else str(peer)
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.conn = Connection(Role.SERVER, min_version=MIN_VERSION,
                               max_version=core.config.max_version)
        cfg = core.config
        self.pacer = Pacer(cfg.max_msg_rate) if cfg.max_msg_rate else None
        self.client_id: int | None = None  # set once START_API is accepted
        self.closed = False
        self.close_reason = ""
        # request state owned by the domain modules
        self.auto_bind = False
        self.farms_sent: set[str] = set()
        self.state: dict[str, Any] = {}  # per-domain subscription state, keyed by module
        _keepalive(writer)

    def __repr__(self) -> str:
        return f"<Session client {self.client_id} {self.peer} v{self.conn.server_version}>"

    @property
    def version(self) -> int:
        """The negotiated server version (only valid after the handshake)."""
        assert self.conn.server_version is not None
        return self.conn.server_version

    @property
    def ready(self) -> bool:
        return not self.closed and self.client_id is not None

    # --- output --------------------------------------------------------------------------------

    def send(self, msg: Message) -> None:
        """Encode ``msg`` for this session's version and write it (no-op once closed)."""
        self.send_all((msg,))

    def send_all(self, msgs: Iterable[Message]) -> None:
        """Encode ``msgs`` and write them in one write, as TWS writes the ticks of one quote change
        (no-op once closed)."""
        if self.closed or self.conn.state is not State.READY:
            return
        if self.writer.transport.is_closing():
            # the peer went away (reset, broken pipe): the normal end of a session; writing on
            # would only make asyncio warn "socket.send() raised exception"
            self.close("peer closed the connection")
            return
        chunks = []
        for msg in msgs:
            try:
                chunks.append(self.conn.send(self._stamp(msg)))
            except ProtocolError:
                log.exception("client %s: cannot encode %s; not sent", self.client_id,
                              type(msg).__name__)
        if not chunks:
            return
        self.writer.write(b"".join(chunks))
        if self.writer.transport.get_write_buffer_size() > _WRITE_BUFFER_LIMIT:
            self.close(f"more than {_WRITE_BUFFER_LIMIT} bytes unread: the client stopped reading",
                       abort=True)

    def error(self, req_id: int, code: int, text: str) -> None:
        """Send ERR_MSG (``req_id`` -1 for a session-wide notice)."""
        self.send(ErrMsg(req_id=req_id, error_code=code, error_string=text,
                         advanced_order_reject_json=""))

    def _stamp(self, msg: Message) -> Message:
        """ERR_MSG carries TWS's time of the error from ERROR_TIME (194): the market clock's."""
        if type(msg) is ErrMsg and msg.error_time is None and self.conn.server_version \
                and supports(self.conn.server_version, Feature.ERROR_TIME):
            ms = int(self.core.market_time().timestamp() * 1000)
            return dataclasses.replace(msg, error_time=ms)
        return msg

    def farm_notice(self, farm: str) -> None:
        """Send a farm-OK notice once per session (``market``, ``hmds`` or ``secdef``)."""
        if farm in self.farms_sent:
            return
        self.farms_sent.add(farm)
        code, text = FARM_NOTICES[farm]
        self.error(-1, code, text)

    def close(self, reason: str = "", *, abort: bool = False) -> None:
        """Close the socket (flushing what was written unless ``abort``)."""
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        self.conn.close()
        if reason:
            log.info("client %s (%s): connection closed: %s", self.client_id, self.peer, reason)
        try:
            if abort:
                self.writer.transport.abort()
            else:
                self.writer.close()
        except (OSError, RuntimeError):  # pragma: no cover - the loop is going away
            pass
        self.core.release(self)

    # --- input ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until EOF or close."""
        if not self.core.trusted(self.peer_host):
            log.warning("refused connection from %s: not in trusted IPs %s", self.peer,
                        ", ".join(self.core.config.trusted_ips))
            self.close()
            return
        deadline = time.monotonic() + self.core.config.handshake_timeout
        try:
            while not self.closed:
                if self.client_id is None:  # not through START_API yet: a half-open socket idles out
                    left = deadline - time.monotonic()
                    try:
                        data = await asyncio.wait_for(self.reader.read(65536), max(left, 0.0))
                    except TimeoutError:
                        self.close(f"no handshake and START_API within "
                                   f"{self.core.config.handshake_timeout:g} s (idle half-open "
                                   f"connection)", abort=True)
                        break
                else:
                    data = await self.reader.read(65536)
                if not data:
                    self.close("peer closed the connection")
                    break
                self.receive(data, time.monotonic())
        except (ConnectionError, OSError) as exc:
            self.close(f"socket error: {exc}")
        except asyncio.CancelledError:
            self.close("gateway shutting down", abort=True)
            raise
        finally:
            if not self.closed:
                self.close()

    def receive(self, data: bytes, now: float) -> None:
        """Feed bytes read from the socket; handle every event they complete."""
        try:
            events = self.conn.receive_data(data)
        except ProtocolError as exc:
            log.warning("client %s (%s): protocol error, closing this connection: %s",
                        self.client_id, self.peer, exc)
            self.close(f"protocol error: {exc}", abort=True)
            return
        for event in events:
            if self.closed:
                return
            if isinstance(event, Message):
                if isinstance(event, StartApi):
                    self._start_api(event)
                    continue
                if not self._paced(now):
                    continue
                self._dispatch(event)
                self.core.holds.message(self, isinstance(event, ReqCurrentTime))
            elif isinstance(event, ClientHello):
                self._hello(event)
                if not self.closed:
                    # what the client pipelined after its hello (START_API and more): handled in
                    # this same pass (the loop runs on over what extend() adds), not held until
                    # more bytes arrive
                    try:
                        events.extend(self.conn.held_events())
                    except ProtocolError as exc:
                        self.close(f"protocol error: {exc}", abort=True)
                        return
            elif isinstance(event, UnknownMessage):
                if self._paced(now):
                    # no silent request: answer with an error naming it (see .unserved)
                    req_id, code, text = unserved_error(event.msg_id, event.fields, event.body)
                    log.info("client %s: message id %d is not served; error %d", self.client_id,
                             event.msg_id, code)
                    self.error(req_id, code, text)
            elif isinstance(event, BadMessage):
                log.warning("client %s (%s): malformed message, closing this connection: %s",
                            self.client_id, self.peer, event.error)
                self.close(f"malformed message: {event.error}", abort=True)
            elif isinstance(event, ConnectionClosed):
                self.close("peer closed the connection")

    def _paced(self, now: float) -> bool:
        if self.pacer is None:
            return True
        verdict = self.pacer.check(now)
        if verdict is PaceVerdict.OK:
            return True
        if verdict is PaceVerdict.REJECT:
            log.warning("client %s: more than %d messages per second; error 100",
                        self.client_id, self.pacer.limit)
            limit = self.pacer.limit
            self.error(-1, 100, "Max rate of messages per second has been exceeded:"
                                f"max={limit} rec={limit + 1}")
        elif verdict is PaceVerdict.CLOSE:
            self.close(f"sustained pacing violation (more than {self.pacer.limit} messages "
                       "per second)")
        return False

    def _hello(self, hello: ClientHello) -> None:
        top = self.core.config.max_version
        version = negotiate(hello, MIN_VERSION, top)
        if version is None:
            log.warning("refused client %s: its version range v%d..%d does not overlap the "
                        "gateway's v%d..%d", self.peer, hello.min_version, hello.max_version,
                        MIN_VERSION, top)
            self.close(f"version range v{hello.min_version}..{hello.max_version} not supported")
            return
        if "+PACEAPI" in hello.options.upper().split():
            # the client asked TWS to pace it: queueing instead of error 100; a paper gateway
            # has no reason to slow it down, so it simply does not police this connection
            self.pacer = None
        self.writer.write(self.conn.accept(version, self.core.connection_time()))
        log.debug("client %s: negotiated server version %d", self.peer, version)

    def _start_api(self, msg: StartApi) -> None:
        client_id = msg.client_id if msg.client_id is not None else 0
        refusal = self.core.claim(self, client_id)
        if refusal is not None:
            code, text = refusal
            log.warning("refused client id %d from %s: %s", client_id, self.peer, text)
            # conn is READY for START_API's sake: it must be able to send the error
            self.error(-1, code, text)
            self.close(f"client id {client_id} refused")
            return
        self.client_id = client_id
        log.info("client %d connected from %s at server version %d", client_id, self.peer,
                 self.version)
        core = self.core
        self.send(ManagedAccts(accounts_list=",".join(core.accounts)))
        self.send(NextValidId(order_id=core.next_valid_id(client_id)))
        if core.config.mode == "tws":
            for farm in ("market", "hmds", "secdef"):
                self.farm_notice(farm)

    def _dispatch(self, msg: Message) -> None:
        handler = _HANDLERS.get(type(msg))
        if handler is None:
            req_id = getattr(msg, "req_id", None)
            log.info("client %s: %s is not served; error 321", self.client_id, type(msg).__name__)
            self.error(*unserved_message_error(type(msg).MSG_ID,
                                               req_id if isinstance(req_id, int) else None))
            return
        try:
            handler(self, msg)
        except Exception:
            log.exception("client %s: error handling %s", self.client_id, msg)
            self.error(-1, 322, f"Error processing request: {type(msg).__name__} "
                                "(paper gateway internal error)")


# --- session-level requests --------------------------------------------------------------------

@handles(ReqIds)
def _req_ids(session: Session, msg: ReqIds) -> None:
    assert session.client_id is not None
    session.send(NextValidId(order_id=session.core.next_valid_id(session.client_id)))


@handles(ReqCurrentTime)
def _req_current_time(session: Session, msg: ReqCurrentTime) -> None:
    session.send(CurrentTime(time=int(session.core.market_time().timestamp())))


@handles(ReqCurrentTimeInMillis)
def _req_current_time_in_millis(session: Session, msg: ReqCurrentTimeInMillis) -> None:
    session.send(CurrentTimeInMillis(time_ms=int(session.core.market_time().timestamp() * 1000)))


@handles(ReqManagedAccts)
def _req_managed_accts(session: Session, msg: ReqManagedAccts) -> None:
    session.send(ManagedAccts(accounts_list=",".join(session.core.accounts)))
