"""A loopback fake TWS for the benchmarks: plain sockets, one thread per connection.

It speaks just enough of the TWS API for a client to connect, subscribe and be flooded:

* handshake: ``API\\0`` + ``v<min>..<max>`` -> answers ``min(client max, 178)`` (157 for ibapi 9.81,
  178 for ib_async and ibwire) and a connection time;
* START_API -> MANAGED_ACCTS, NEXT_VALID_ID (1001);
* REQ_MKT_DATA: TICK_REQ_PARAMS (81) for each (TWS's usual first answer; a client that waits
  for an answer per subscription needs it); once four distinct request ids are
  subscribed, the burst (see :mod:`bench.burst`) goes out, followed by the sentinel CURRENT_TIME
  (epoch 2,000,000,000);
* REQ_CURRENT_TIME -> CURRENT_TIME at once (round trips);
* the requests ib_async's ``IB.connect`` sends get their end markers, so it connects without timeouts.

Send modes: ``chunked`` writes the burst 256 KiB at a time (a steady stream); ``one-send`` writes
it with a single ``sendall`` (the "one big read" case, as far as the client's reads allow);
``single-send`` writes the last subscription's TICK_REQ_PARAMS, the whole burst and the sentinel in
one ``sendall`` (TWS answers every subscription with TICK_REQ_PARAMS first; the burst follows in the
same write).
The burst is encoded before the subscription completes whenever the request ids are predictable
(the ids this client id used last time, else 1001..1004), so the server is never the bottleneck.

Protobuf mode (``BurstConfig(version=226)``, ``--version 226``; issue 12): the handshake answers
``min(client max, version)``, the session is served by a ``Connection(Role.SERVER)`` of ibwire (which
reads the binary-id and protobuf requests of ibwire and of the official client 10.51), and every
answer -- MANAGED_ACCTS, NEXT_VALID_ID, TICK_REQ_PARAMS, the burst (TICK_PRICE / TICK_SIZE as
protobuf ids 201 / 202) and the sentinel -- is encoded with ibwire's server-role encoders in the
form the negotiated version uses (protobuf at 226). The burst is the text burst's messages,
re-encoded: the same values in the same order, so :func:`bench.burst.expected` still holds. In
this mode (and only in it) the fake TWS uses the library it measures to write bytes; the official
client 10.51 decoding the same bytes to the expected counts and bids is the independent check.

Run alone: ``python -m bench.fake_tws --port 7497 --n 100000 [--version 226]`` (serves until Ctrl-C).
"""

from __future__ import annotations

import argparse
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Any

from bench import burst

SERVER_MAX_VERSION = 178
CONNECTION_TIME = "20240102 10:00:00 EST"
CHUNK = 256 * 1024


@dataclass
class BurstConfig:
    n: int = 100_000
    mode: str = "chunked"  # or "one-send", "single-send"
    version: int = SERVER_MAX_VERSION  # 201 and up: binary ids, protobuf where the version has it

    @property
    def binary(self) -> bool:
        return self.version >= 201


def _reencode(text: bytes, version: int) -> bytes:
    """Text frames (as bench.burst builds them, read at 178) re-encoded by ibwire's encoders in the
    form ``version`` uses (at 226: TICK_PRICE / TICK_SIZE / TICK_REQ_PARAMS / CURRENT_TIME as protobuf)."""
    from ibwire.protocol.connection import Role, decode_frame, encode_message
    from ibwire.protocol.framing import FrameBuffer

    return b"".join(encode_message(decode_frame(p, SERVER_MAX_VERSION, Role.CLIENT), version)
                    for p in FrameBuffer().feed(text))


class _Cache:
    """Encoded bursts keyed by (request ids, n, mode); small and shared by all connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cycles: dict[tuple[tuple[int, ...], int], bytes] = {}
        self._whole: dict[tuple[tuple[int, ...], int, str, int], bytes] = {}
        self.last_ids: dict[int, tuple[int, ...]] = {}

    def plan(self, ids: tuple[int, ...], cfg: BurstConfig, version: int | None = None) -> list[bytes]:
        """The list of buffers to send for this burst (with the sentinel); ``version``: the session's
        negotiated version in protobuf mode (default: the config's)."""
        v = version if version is not None else cfg.version
        pb = v >= 201

        def form(text: bytes) -> bytes:
            return _reencode(text, v) if pb else text

        with self._lock:
            cyc = self._cycles.get((ids, v))
            if cyc is None:
                cyc = self._cycles[(ids, v)] = form(burst.cycle_bytes(ids))
            if cfg.mode in ("one-send", "single-send"):
                key = (ids, cfg.n, cfg.mode, v)
                whole = self._whole.get(key)
                if whole is None:
                    if len(self._whole) > 4:
                        self._whole.clear()
                    head = form(_params(str(ids[-1]))) if cfg.mode == "single-send" else b""
                    full = cfg.n // burst.CYCLE
                    whole = self._whole[key] = (head + cyc * full
                                                + form(burst.tail_bytes(cfg.n, ids)
                                                       + burst.sentinel_frame()))
                return [whole]
        reps_per_chunk = max(1, CHUNK // len(cyc))
        chunk = cyc * reps_per_chunk
        full, _ = divmod(cfg.n, burst.CYCLE)
        out = [chunk] * (full // reps_per_chunk)
        rest = full % reps_per_chunk
        if rest:
            out.append(cyc * rest)
        out.append(form(burst.tail_bytes(cfg.n, ids) + burst.sentinel_frame()))
        return out


class FakeTws:
    """Threaded fake TWS on 127.0.0.1. ``config`` may be changed between client runs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, config: BurstConfig | None = None) -> None:
        self.config = config or BurstConfig()
        self._sock = socket.create_server((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._cache = _Cache()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fake-tws", daemon=True)
        self._conns: set[socket.socket] = set()

    def start(self) -> FakeTws:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        for c in list(self._conns):
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self) -> FakeTws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def prepare(self, ids: tuple[int, ...] = burst.DEFAULT_REQ_IDS) -> None:
        """Encode the burst for the current config ahead of time."""
        self._cache.plan(ids, self.config)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        cfg = BurstConfig(self.config.n, self.config.mode, self.config.version)
        try:
            if cfg.binary:
                _PbSession(conn, self._cache, cfg).run()
            else:
                _Session(conn, self._cache, cfg).run()
        except (OSError, ConnectionError):
            pass
        finally:
            self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass


class _Session:
    def __init__(self, conn: socket.socket, cache: _Cache, cfg: BurstConfig) -> None:
        self.conn = conn
        self.cache = cache
        self.cfg = cfg
        self.buf = bytearray()
        self.client_id = -1
        self.version = 0
        self.subscribed: list[int] = []
        self.plan: list[bytes] | None = None
        self.planned_ids: tuple[int, ...] | None = None

    def _recv(self) -> bool:
        data = self.conn.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def _frames(self) -> list[list[str]]:
        out: list[list[str]] = []
        buf = self.buf
        pos = 0
        while len(buf) - pos >= 4:
            (n,) = struct.unpack_from(">I", buf, pos)
            if len(buf) - pos - 4 < n:
                break
            out.append(bytes(buf[pos + 4:pos + 4 + n]).decode("ascii").split("\0"))
            pos += 4 + n
        del buf[:pos]
        return out

    def run(self) -> None:
        while len(self.buf) < 4:
            if not self._recv():
                return
        if bytes(self.buf[:4]) != b"API\0":
            return
        del self.buf[:4]
        hello = self._frames()
        while not hello:
            if not self._recv():
                return
            hello = self._frames()
        text = hello[0][0]
        lo_hi = text.split(" ")[0].lstrip("v").split("..")
        client_max = int(lo_hi[-1])
        self.version = min(client_max, SERVER_MAX_VERSION)
        self.conn.sendall(burst.frame(str(self.version), CONNECTION_TIME))
        pending = hello[1:]
        while True:
            for fields in pending:
                self._handle(fields)
            if not self._recv():
                return
            pending = self._frames()

    def _handle(self, f: list[str]) -> None:
        msg_id = int(f[0])
        send = self.conn.sendall
        if msg_id == 49:  # REQ_CURRENT_TIME
            send(_PONG)
        elif msg_id == 1:  # REQ_MKT_DATA
            req_id = int(f[2])
            if req_id not in self.subscribed:
                self.subscribed.append(req_id)
            if len(self.subscribed) < 4 or self.cfg.mode != "single-send":
                send(_params(f[2]))  # TWS's first answer (single-send: in the burst's write)
            if len(self.subscribed) == 4:
                ids = tuple(self.subscribed)
                self.cache.last_ids[self.client_id] = ids
                plan = self.plan if ids == self.planned_ids else None
                if plan is None:
                    plan = self.cache.plan(ids, self.cfg)
                for part in plan:
                    send(part)
                self.subscribed = []
                self.plan = None
        elif msg_id == 71:  # START_API
            self.client_id = int(f[2])
            ids = self.cache.last_ids.get(self.client_id, burst.DEFAULT_REQ_IDS)
            self.plan = self.cache.plan(ids, self.cfg)
            self.planned_ids = ids
            send(burst.frame("15", "1", burst.ACCOUNT) + burst.frame("9", "1", str(burst.NEXT_VALID_ID)))
        elif msg_id == 61:  # REQ_POSITIONS
            send(burst.frame("62", "1"))
        elif msg_id in (5, 16):  # REQ_OPEN_ORDERS, REQ_ALL_OPEN_ORDERS
            send(burst.frame("53", "1"))
        elif msg_id == 99:  # REQ_COMPLETED_ORDERS
            send(burst.frame("102"))
        elif msg_id == 6:  # REQ_ACCT_DATA
            if f[2] == "1":
                send(burst.frame("8", "1", "10:00") + burst.frame("54", "1", burst.ACCOUNT))
        elif msg_id == 76:  # REQ_ACCOUNT_UPDATES_MULTI
            send(burst.frame("74", "1", f[2]))
        elif msg_id == 7:  # REQ_EXECUTIONS
            send(burst.frame("55", "1", f[2]))
        elif msg_id == 62:  # REQ_ACCOUNT_SUMMARY
            send(burst.frame("64", "1", f[2]))
        elif msg_id == 17:  # REQ_MANAGED_ACCTS
            send(burst.frame("15", "1", burst.ACCOUNT))
        elif msg_id == 8:  # REQ_IDS
            send(burst.frame("9", "1", str(burst.NEXT_VALID_ID)))
        # anything else (REQ_MARKET_DATA_TYPE, REQ_AUTO_OPEN_ORDERS, cancels ...) is ignored, as TWS does


class _PbSession:
    """A session at 201+ (protobuf mode): ibwire's server-role Connection reads the requests and
    encodes the answers; the same answers as :class:`_Session`, in the negotiated version's form."""

    def __init__(self, conn: socket.socket, cache: _Cache, cfg: BurstConfig) -> None:
        from ibwire.protocol.connection import Connection, Role

        self.sock = conn
        self.cache = cache
        self.cfg = cfg
        self.conn = Connection(Role.SERVER, min_version=100, max_version=cfg.version)
        self.client_id = -1
        self.version = 0
        self.subscribed: list[int] = []
        self.plan: list[bytes] | None = None
        self.planned_ids: tuple[int, ...] | None = None

    def _text(self, *fields: str) -> Any:
        """The message these text fields (as the text fake sends them) carry."""
        from ibwire.protocol.connection import Role, decode_fields

        return decode_fields(list(fields), SERVER_MAX_VERSION, Role.CLIENT)

    def _send(self, *msgs: Any) -> None:
        self.sock.sendall(b"".join(self.conn.send(m) for m in msgs))

    def run(self) -> None:
        from ibwire.protocol.connection import ClientHello
        from ibwire.protocol.schema import Message

        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            for ev in self.conn.receive_data(data):
                if isinstance(ev, ClientHello):
                    self.version = min(ev.max_version, self.cfg.version)
                    self.sock.sendall(self.conn.accept(self.version))
                elif isinstance(ev, Message):
                    self._handle(ev)

    def _handle(self, m: Any) -> None:
        msg_id = m.MSG_ID
        if msg_id == 49:  # REQ_CURRENT_TIME
            self._send(self._text("49", "1", str(burst.PONG_EPOCH)))
        elif msg_id == 1:  # REQ_MKT_DATA
            req_id = int(m.req_id)
            if req_id not in self.subscribed:
                self.subscribed.append(req_id)
            if len(self.subscribed) < 4 or self.cfg.mode != "single-send":
                self._send(self._text(*_params_fields(str(req_id))))
            if len(self.subscribed) == 4:
                ids = tuple(self.subscribed)
                self.cache.last_ids[self.client_id] = ids
                plan = self.plan if ids == self.planned_ids else None
                if plan is None:
                    plan = self.cache.plan(ids, self.cfg, self.version)
                for part in plan:
                    self.sock.sendall(part)
                self.subscribed = []
                self.plan = None
        elif msg_id == 71:  # START_API
            self.client_id = int(m.client_id or 0)
            ids = self.cache.last_ids.get(self.client_id, burst.DEFAULT_REQ_IDS)
            self.plan = self.cache.plan(ids, self.cfg, self.version)
            self.planned_ids = ids
            self._send(self._text("15", "1", burst.ACCOUNT),
                       self._text("9", "1", str(burst.NEXT_VALID_ID)))
        elif msg_id == 61:  # REQ_POSITIONS
            self._send(self._text("62", "1"))
        elif msg_id in (5, 16):  # REQ_OPEN_ORDERS, REQ_ALL_OPEN_ORDERS
            self._send(self._text("53", "1"))
        elif msg_id == 99:  # REQ_COMPLETED_ORDERS
            self._send(self._text("102"))
        elif msg_id == 17:  # REQ_MANAGED_ACCTS
            self._send(self._text("15", "1", burst.ACCOUNT))
        elif msg_id == 8:  # REQ_IDS
            self._send(self._text("9", "1", str(burst.NEXT_VALID_ID)))
        elif msg_id in (7, 62, 76):  # REQ_EXECUTIONS, REQ_ACCOUNT_SUMMARY, REQ_ACCOUNT_UPDATES_MULTI
            end = {7: "55", 62: "64", 76: "74"}[msg_id]
            self._send(self._text(end, "1", str(m.req_id)))
        # anything else is ignored, as in the text session


_PONG = burst.pong_frame()


def _params(req_id: str) -> bytes:
    """TICK_REQ_PARAMS, TWS's first answer to a subscription."""
    return burst.frame(*_params_fields(req_id))


def _params_fields(req_id: str) -> tuple[str, ...]:
    return ("81", req_id, "0.01", "9c0001", "3")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=7497)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--mode", choices=("chunked", "one-send", "single-send"), default="chunked")
    p.add_argument("--version", type=int, default=SERVER_MAX_VERSION,
                   help="highest server version (178: text; 201+, e.g. 226: binary ids, protobuf)")
    a = p.parse_args()
    with FakeTws(port=a.port, config=BurstConfig(a.n, a.mode, a.version)) as tws:
        print(f"fake TWS listening on {tws.host}:{tws.port} (burst {a.n}, {a.mode}, "
              f"v{a.version})", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
