"""EClient: the official callback API (method names, argument order, error codes) over ibwire.

    from ibwire import EClient, EWrapper, Stock

    class App(EWrapper, EClient):
        def __init__(self):
            EClient.__init__(self, self)

        def nextValidId(self, orderId):
            self.reqCurrentTime()

        def currentTime(self, time):
            print(time)
            self.disconnect()

    app = App()
    app.connect("127.0.0.1", 7497, clientId=1)
    app.run()

Threading. A reader thread (:class:`~ibwire.client.transport.Transport`) reads the socket and
decodes; callbacks are delivered by one dispatcher:

* two threads: call :meth:`EClient.run` in your own thread after :meth:`EClient.connect`; it
  delivers callbacks until the connection ends (disconnect or drop) and then returns;
* three threads: call :meth:`EClient.start_dispatcher` after ``connect()`` (or start
  ``threading.Thread(target=app.run)`` yourself); your thread stays free to send requests, which
  is safe from any thread.

``connectionClosed()`` is delivered exactly once per connection: by :meth:`disconnect` in the
calling thread, or by the dispatcher when the socket breaks. Nobody delivers it if nobody runs
the dispatcher, as in the official client; :meth:`isConnected` turns false at once either way.
The queue between the two holds at most :attr:`EClient.max_queue_messages` messages: callbacks that
fall behind make the reader stop reading (TCP then makes TWS wait), nothing is dropped.

Errors. As in the official client, problems are reported through ``error()``, never raised: 502
when the connection cannot be made (the text says why and what to check), 503 when the server
version is out of range, 504 for a request made while not connected, 505 for a message id ibwire
cannot decode and 508 for a message that does not decode (both are also kept in
:attr:`EClient.unhandled`), 5xx when a request cannot be encoded. ``connect()`` never hangs: it
gives up after :attr:`EClient.connect_timeout` seconds. An exception raised by a callback is logged
with its traceback and dispatch goes on, unless :attr:`EClient.raise_callback_errors` is set
(then ``run()`` disconnects and re-raises it, like the official client).

Asynchronous connect (deprecated in the official API, supported): set ``client.asynchronous =
True`` before ``connect()``; START_API is then not sent, ``connectAck()`` fires, and the program
calls :meth:`startApi` (typically from ``connectAck``).

Requests accept ibwire's typed models and also camelCase objects (:mod:`ibwire.compat`, or the
official package's): they are converted at the edge.
"""

from __future__ import annotations

import collections
import logging
import operator
import queue
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import CONNECT_ADVICE, ConnectError, ConnectionLost, LocalProtocolError, ServerTooOld
from ..protocol import messages as _messages  # noqa: F401 - registers every schema
from ..protocol.codec import UNSET_INT, format_tws_time
from ..protocol.connection import BadMessage, ConnectionClosed, HandshakeComplete, SessionReady
from ..protocol.ids import Out
from ..protocol.messages.config import ReqConfig, UpdateConfig
from ..protocol.messages.orders import CancelOrder, ReqGlobalCancel
from ..protocol.messages.ticks import tick_by_tick_call
from ..protocol.schema import TO_CLIENT, Message, UnknownMessage
from ..protocol.versions import MAX_VERSION, MIN_VERSION
from .eapi import (
    ApiSpec,
    CallbackSpec,
    api_specs,
    callback_specs,
    config_request,
    item_getter,
    make_method,
    send_error,
)
from .ecallbacks import (
    ALREADY_CONNECTED,
    ATTRIBS,
    CONNECT_FAIL,
    FAIL_SEND,
    IMPLIED_SIZE_TICK,
    INVALID_SYMBOL,
    NO_VALID_ID,
    NOT_CONNECTED,
    SPECIAL,
    UPDATE_TWS,
    Handler,
    error_arity,
    historical_data_ends,
    ignore,
    on_bad,
    on_closed,
    on_unhandled,
    on_unknown,
    tick_attr_mask,
)
from .ewrapper import EWrapper
from .transport import DEFAULT_MAX_EVENTS, Transport

__all__ = ["EClient", "NO_VALID_ID", "IMPLIED_SIZE_TICK"]

log = logging.getLogger("ibwire.eclient")

def _order_cancel(value: Any) -> dict[str, Any]:
    """CANCEL_ORDER's fields from a manual cancel time or an official ``OrderCancel``."""
    if value is None or isinstance(value, str):
        return {"manual_order_cancel_time": value or None}
    indicator = getattr(value, "manualOrderIndicator", None)
    return {"manual_order_cancel_time": getattr(value, "manualOrderCancelTime", "") or None,
            "ext_operator": getattr(value, "extOperator", "") or None,
            "manual_order_indicator": None if indicator in (None, UNSET_INT) else indicator}


class EClient:
    """Requests with the official names; answers arrive as :class:`EWrapper` callbacks."""

    (DISCONNECTED, CONNECTING, CONNECTED) = range(3)

    _handler_cache: ClassVar[dict[type, dict[type, Handler]]] = {}

    def __init__(self, wrapper: EWrapper) -> None:
        self.wrapper = wrapper
        self.asynchronous = False
        """Asynchronous connect: ``connect()`` does not send START_API; call :meth:`startApi`."""
        self.connectionOptions = ""
        self.connect_timeout = 10.0
        """Seconds ``connect()`` waits for the socket and the handshake before reporting 502."""
        self.max_version = MAX_VERSION
        """The highest server version ``connect()`` offers (``v100..max_version``); set it lower,
        e.g. 178, before connecting to pin what TWS may answer."""
        self.raise_callback_errors = False
        """Re-raise an exception from a callback out of ``run()`` (after disconnecting)."""
        self.max_queue_messages = DEFAULT_MAX_EVENTS
        """Decoded messages waiting for callbacks at most (set before ``connect()``): when the
        callbacks fall behind, the reader stops reading and TCP makes TWS wait; nothing is lost."""
        self.unhandled: collections.deque[UnknownMessage | BadMessage | Message] = (
            collections.deque(maxlen=1000))
        """Messages no callback took (unknown ids, undecodable frames), most recent last."""
        self.host: str | None = None
        self.port: int | None = None
        self.clientId: int | None = None
        self.connState = EClient.DISCONNECTED
        self._transport: Transport | None = None
        self._closed_lock = threading.Lock()
        self._closed_notified: weakref.WeakSet[Transport] = weakref.WeakSet()
        self._error_fn: Any = None
        self._error_arity = 4

    # --- connection ----------------------------------------------------------------------------

    def setConnectionOptions(self, opts: str) -> None:
        """Connect options sent with the version range, e.g. ``"+PACEAPI"``."""
        self.connectionOptions = opts

    def connect(self, host: str, port: int, clientId: int, max_version: int | None = None) -> None:
        """Connect and (unless :attr:`asynchronous`) start the API session.

        ``max_version`` (default :attr:`max_version`) caps the server versions offered.

        Returns once the server answered the version handshake, then calls ``connectAck()``;
        ``nextValidId`` / ``managedAccounts`` follow through the dispatcher. On failure
        ``error(-1, 502 | 503, reason)`` is called and the client stays disconnected.
        """
        if self.isConnected():
            self._client_error(NO_VALID_ID, ALREADY_CONNECTED, "Already connected.")
            return
        self.host, self.port, self.clientId = host, port, clientId
        top = self.max_version if max_version is None else max_version
        if not MIN_VERSION <= top <= MAX_VERSION:
            self._client_error(NO_VALID_ID, CONNECT_FAIL, f"max_version must be in "
                               f"{MIN_VERSION}..{MAX_VERSION}, not {top!r}")
            return
        self.connState = EClient.CONNECTING
        transport = Transport(host or "127.0.0.1", port, clientId, timeout=self.connect_timeout,
                              max_version=top, start_api=not self.asynchronous,
                              options=self.connectionOptions or "",
                              max_events=self.max_queue_messages)
        try:
            transport.connect()
        except ConnectError as exc:
            self.connState = EClient.DISCONNECTED
            self._client_error(NO_VALID_ID, exc.code, str(exc))
            return
        except Exception as exc:  # a bad host name or port must not escape as an exception
            self.connState = EClient.DISCONNECTED
            self._client_error(NO_VALID_ID, CONNECT_FAIL,
                               f"Couldn't connect to TWS at {host}:{port} (error 502): {exc}. "
                               f"{CONNECT_ADVICE}")
            return
        self._transport = transport
        self.connState = EClient.CONNECTED
        self.wrapper.connectAck()

    def startApi(self) -> None:
        """Send START_API (only needed in :attr:`asynchronous` mode; a repeat is ignored)."""
        t = self._transport
        if t is None or not t.is_connected():
            self._client_error(NO_VALID_ID, NOT_CONNECTED, "Not connected")
            return
        try:
            t.start_api()
        except ConnectionLost:
            self._client_error(NO_VALID_ID, NOT_CONNECTED, "Not connected")

    def disconnect(self) -> None:
        """Close the connection; ``connectionClosed()`` follows (once). Open orders stay open."""
        t = self._transport
        self.connState = EClient.DISCONNECTED
        if t is None:
            return
        self._transport = None
        t.close()
        self._notify_closed(t)

    def isConnected(self) -> bool:
        """True while the socket is open (from the handshake on; not only once ready)."""
        t = self._transport
        return t is not None and t.is_connected()

    def serverVersion(self) -> int | None:
        """The negotiated server version, or None when not connected."""
        t = self._transport
        return t.server_version if t is not None else None

    def twsConnectionTime(self) -> str | None:
        """The connection time TWS reported in the handshake, as its text."""
        t = self._transport
        if t is None:
            return None
        text = getattr(t, "connection_time_text", None)
        if text:
            return str(text)
        when = t.connection_time
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return format_tws_time(when)

    # --- dispatching ---------------------------------------------------------------------------

    def run(self) -> None:
        """Deliver callbacks in this thread until the connection ends (then return).

        Call it after :meth:`connect`. When the socket breaks, the events read before the break
        are delivered, then ``connectionClosed()``. :meth:`disconnect` calls ``connectionClosed()``
        itself; events read before it may still follow (as in the official client).
        """
        t = self._transport
        if t is None:
            return
        handlers = self._handlers()
        q = t.events
        try:
            while True:
                try:
                    batch = q.get(timeout=1.0)
                except queue.Empty:  # the timeout only keeps Ctrl-C responsive
                    if t.closed.is_set() and self._transport is not t:
                        break
                    continue
                if self._dispatch(batch, handlers, t):
                    break
        finally:
            if self._transport is t:
                self.disconnect()
            else:
                self._notify_closed(t)

    def start_dispatcher(self) -> threading.Thread:
        """Run :meth:`run` in a new daemon thread (the three-thread design); returns the thread.

        Call it after :meth:`connect`; the thread ends when the connection does.
        """
        th = threading.Thread(target=self.run, name="ibwire-dispatcher", daemon=True)
        th.start()
        return th

    def _dispatch(self, batch: list[Any], handlers: dict[type, Handler], t: Transport) -> bool:
        """Deliver one batch read from ``t``; True when it ended the connection."""
        n = len(batch)
        i = 0
        closed = False
        while i < n:
            try:
                while i < n:
                    ev = batch[i]
                    i += 1
                    h = handlers.get(ev.__class__)
                    if h is None:
                        h = self._handler_for(ev, handlers)
                    if h is on_closed:
                        closed = True
                        h(self, ev)
                        self._notify_closed(t)
                        continue
                    h(self, ev)
            except Exception:
                if self.raise_callback_errors:
                    raise
                log.exception("a callback raised; dispatch goes on")
        return closed

    def _handlers(self) -> dict[type, Handler]:
        cls = type(self)
        table = EClient._handler_cache.get(cls)
        if table is None:
            table = {
                ConnectionClosed: on_closed,
                HandshakeComplete: ignore,
                SessionReady: ignore,
                UnknownMessage: on_unknown,
                BadMessage: on_bad,
            }
            for msg_cls in TO_CLIENT.values():
                h = self._make_handler(msg_cls)
                if h is not None:
                    table[msg_cls] = h
            EClient._handler_cache[cls] = table
        return table

    def _handler_for(self, ev: Any, handlers: dict[type, Handler]) -> Handler:
        h = self._make_handler(type(ev)) if isinstance(ev, Message) else None
        if h is None:
            h = on_unhandled
        handlers[type(ev)] = h
        return h

    @classmethod
    def _make_handler(cls, msg_cls: type) -> Handler | None:
        special = SPECIAL.get(msg_cls)
        if special is not None:
            return getattr(cls, special)  # type: ignore[no-any-return]
        spec = callback_specs().get(msg_cls)
        if spec is None:
            return None
        first = cls._callback_handler(spec)
        if spec.then is None:
            return first
        then = cls._callback_handler(spec.then)

        def both(self: EClient, m: Any) -> None:
            first(self, m)
            then(self, m)
        return both

    @classmethod
    def _callback_handler(cls, spec: CallbackSpec) -> Handler:
        """A handler that calls ``wrapper.<callback>`` with the message's attributes (once per
        item of :attr:`CallbackSpec.each` when it has one)."""
        callback = spec.name
        if spec.each is not None:
            items = operator.attrgetter(spec.each)
            getters = [item_getter(p) for p in spec.paths]

            def each(self: EClient, m: Any) -> None:
                fn = getattr(self.wrapper, callback)
                for item in items(m) or ():
                    fn(*[g(m, item) for g in getters])
            return each
        if not spec.paths:
            def h0(self: EClient, m: Any) -> None:
                getattr(self.wrapper, callback)()
            return h0
        if len(spec.paths) == 1:
            one = operator.attrgetter(spec.paths[0])

            def h1(self: EClient, m: Any) -> None:
                getattr(self.wrapper, callback)(one(m))
            return h1
        getter = operator.attrgetter(*spec.paths)

        def hn(self: EClient, m: Any) -> None:
            getattr(self.wrapper, callback)(*getter(m))
        return hn

    def _on_tick_price(self, m: Any) -> None:
        w = self.wrapper
        mask = m.attr_mask
        if mask:
            mask = tick_attr_mask(mask, self._server_version_or_none())
        w.tickPrice(m.req_id, m.tick_type, m.price, ATTRIBS[mask])
        size_tick = IMPLIED_SIZE_TICK.get(m.tick_type)
        if size_tick is not None:
            w.tickSize(m.req_id, size_tick, m.size)

    def _on_historical_data(self, m: Any) -> None:
        w = self.wrapper
        for bar in m.bars:
            w.historicalData(m.req_id, bar)
        if historical_data_ends(self._server_version_or_none()):
            w.historicalDataEnd(m.req_id, m.start_date_str, m.end_date_str)

    def _on_err_msg(self, m: Any) -> None:
        self._call_error(m.req_id, m.error_code, m.error_string,
                         m.advanced_order_reject_json or "", m.error_time)

    def _on_tick_by_tick(self, m: Any) -> None:
        call = tick_by_tick_call(m)
        if call is not None:
            getattr(self.wrapper, call[0])(*call[1])

    def _server_version_or_none(self) -> int | None:
        """The negotiated version; None (read as the newest layouts) before a connection."""
        return self.serverVersion()

    # --- errors --------------------------------------------------------------------------------

    def _client_error(self, req_id: int, code: int, text: str) -> None:
        self._call_error(req_id, code, text, "")

    def _call_error(self, req_id: Any, code: Any, text: Any, advanced: str,
                    error_time: int | None = None) -> None:
        """Call ``wrapper.error`` with the arguments its signature takes: ibapi 9.81 programs
        define ``error(reqId, errorCode, errorString)``, 10.x ones add
        ``advancedOrderRejectJson``, recent ones put ``errorTime`` (ms) second (TWS's own from
        server version 194, else now)."""
        fn = self.wrapper.error
        key = getattr(fn, "__func__", fn)
        if key is not self._error_fn:
            self._error_fn = key
            self._error_arity = error_arity(fn)
        arity = self._error_arity
        if arity == 3:
            fn(req_id, code, text)
        elif arity == 5:
            when = int(time.time() * 1000) if error_time is None else error_time
            fn(req_id, when, code, text, advanced)  # type: ignore[call-arg]
        else:
            fn(req_id, code, text, advanced)

    def _notify_closed(self, t: Transport) -> None:
        with self._closed_lock:
            if t in self._closed_notified:
                return
            self._closed_notified.add(t)
        self.wrapper.connectionClosed()

    # --- requests ------------------------------------------------------------------------------

    def _send(self, msg: Message, req_id: int = NO_VALID_ID, code: int = FAIL_SEND,
              what: str = "Request sending error") -> None:
        t = self._transport
        if t is None or not t.is_connected():
            self._client_error(req_id, NOT_CONNECTED, "Not connected")
            return
        try:
            t.send(msg)
        except ConnectionLost:
            self._client_error(req_id, NOT_CONNECTED, "Not connected")
        except ServerTooOld as exc:  # as the official client: 503, naming what is missing
            self._client_error(req_id, UPDATE_TWS,
                               f"The TWS is out of date and must be upgraded. {exc}")
        except LocalProtocolError as exc:
            text = str(exc)
            if "not printable ASCII" in text or "non-ASCII" in text:
                code, what = INVALID_SYMBOL, "Invalid symbol in string"
            self._client_error(req_id, code, f"{what} - {text}")

    def _send_built(self, req_id: int, code: int, what: str, build: Callable[[], Message]) -> None:
        """Send the message ``build()`` makes from the caller's arguments: error 504 when not
        connected, ``code`` when the arguments cannot be converted or encoded."""
        if not self.isConnected():
            self._client_error(req_id, NOT_CONNECTED, "Not connected")
            return
        try:
            msg = build()
        except (TypeError, ValueError) as exc:
            self._client_error(req_id, code, f"{what} - {exc}")
            return
        self._send(msg, req_id, code, what)

    def _send_api(self, spec: ApiSpec, values: tuple[Any, ...]) -> None:
        """The body of every declared official request method (see :mod:`.eapi`)."""
        req_id = values[spec.id_index] if spec.id_index is not None else NO_VALID_ID
        self._send_built(req_id, spec.code, spec.what, lambda: spec.build(values))

    def cancelOrder(self, orderId: int, manualCancelOrderTime: Any = "") -> None:
        """Cancel an order (answers: ``orderStatus`` Cancelled and error 202, or 10147/10148).

        The second argument is the manual cancel time (ibapi 9.81 / 10.x before 10.3x) or an
        ``OrderCancel`` object (10.51: manualOrderCancelTime, extOperator, manualOrderIndicator,
        sent from server version 192)."""
        self._send(CancelOrder(order_id=orderId, **_order_cancel(manualCancelOrderTime)),
                   orderId, 515, "Cancel Order Sending Error")

    def reqGlobalCancel(self, orderCancel: Any = None) -> None:
        """Cancel every open order, whoever placed it (10.51 passes an ``OrderCancel``)."""
        fields = _order_cancel(orderCancel)
        fields.pop("manual_order_cancel_time", None)
        self._send(ReqGlobalCancel(**fields))

    def reqConfigProtoBuf(self, configRequestProto: Any) -> None:  # noqa: N802, N803
        """Ask TWS for its configuration (server version 219+; protobuf only): the argument is
        the official client's ``ConfigRequest`` object, or any object with ``reqId`` (or a
        :class:`~ibwire.protocol.messages.config.ReqConfig`). Answers: configResponseProtoBuf."""
        req_id = getattr(configRequestProto, "reqId", None) or getattr(
            configRequestProto, "req_id", None)
        self._send_built(req_id if isinstance(req_id, int) else NO_VALID_ID,
                         *send_error(Out.REQ_CONFIG),
                         lambda: config_request(configRequestProto, ReqConfig))

    def updateConfigProtoBuf(self, updateConfigRequestProto: Any) -> None:  # noqa: N802, N803
        """Change TWS's configuration (server version 221+; protobuf only): the argument is the
        official client's ``UpdateConfigRequest`` object (reqId, lockAndExit, messages, api,
        orders, acceptedWarnings, resetAPIOrderSequence by their protobuf names), or an
        :class:`~ibwire.protocol.messages.config.UpdateConfig`. Answers:
        updateConfigResponseProtoBuf."""
        req_id = getattr(updateConfigRequestProto, "reqId", None) or getattr(
            updateConfigRequestProto, "req_id", None)
        self._send_built(req_id if isinstance(req_id, int) else NO_VALID_ID,
                         *send_error(Out.UPDATE_CONFIG),
                         lambda: config_request(updateConfigRequestProto, UpdateConfig))

    if TYPE_CHECKING:  # the declared official methods are added below, from the API table
        def __getattr__(self, name: str) -> Callable[..., None]: ...


def _install_api_methods() -> None:
    """Every declared official request becomes an EClient method (unless written by hand)."""
    for name, spec in api_specs().items():
        if name not in EClient.__dict__:
            setattr(EClient, name, make_method(spec))


_install_api_methods()
