"""Transcripts of TWS API sessions: a recording proxy and a replay server.

A transcript is JSON Lines. The first line is a header; every other line is one record of one
connection (``conn``, numbered from 1 in accept order), with ``t`` the seconds since recording
started::

    {"ibwire_transcript": 1, "created": "2024-05-01T14:00:00+00:00", "upstream": "127.0.0.1:7497", ...}
    {"t": 0.0, "conn": 1, "event": "open", "peer": "127.0.0.1:50412"}
    {"t": 0.0002, "conn": 1, "from": "client", "raw": "API\\u0000"}
    {"t": 0.0002, "conn": 1, "from": "client", "payload": "v157..178"}
    {"t": 0.0011, "conn": 1, "from": "tws", "fields": ["178", "20240501 10:00:00 EST"]}
    {"t": 0.0013, "conn": 1, "from": "client", "fields": ["71", "2", "1", ""]}
    ...
    {"t": 0.31, "conn": 1, "event": "close", "by": "client"}

A record holds bytes exactly as they crossed the wire, in one of these forms (strings carry bytes
0-255 as the characters of the same code, i.e. latin-1):

* ``fields``: a frame whose payload is NUL-terminated fields -- the 4-byte length, then each field
  followed by NUL;
* ``id`` with ``fields`` or ``protobuf`` (server version 201 and later): a frame with a 4-byte
  binary message id -- ``{"id": 71, "protobuf": "0805"}`` is message 71 as protobuf (on the wire:
  id 271, then the hex body), ``{"id": 9, "fields": [...]}`` message 9 as text fields;
* ``payload``: any other frame (the version range after ``API\\0``): the length, then these bytes;
* ``raw``: bytes that are not a frame (the ``API\\0`` prefix, a stream that breaks framing).

Concatenating one direction's records in order gives that direction's byte stream exactly, which is
what replay sends back and what tests compare.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .. import __version__

__all__ = ["TRANSCRIPT_VERSION", "Splitter", "record_bytes", "read_transcript", "Transcript",
           "Recorder", "Replayer", "ReplayResult", "direction_bytes"]

TRANSCRIPT_VERSION = 1
API_PREFIX = b"API\0"
MAX_FRAME = 0xFFFFFF


def _text(data: bytes) -> str:
    return data.decode("latin-1")


def _frame_record(payload: bytes) -> dict[str, Any]:
    """The record of one frame's payload (see the module docstring for the forms)."""
    if len(payload) >= 4 and payload[0] == 0:  # a binary id (text ids start with a digit)
        msg_id = int.from_bytes(payload[:4], "big")
        rest = payload[4:]
        if msg_id > 200:
            return {"id": msg_id - 200, "protobuf": rest.hex()}
        if rest == b"" or rest.endswith(b"\0"):
            return {"id": msg_id, "fields": _text(rest[:-1]).split("\0") if rest else []}
    if payload.endswith(b"\0"):
        return {"fields": _text(payload[:-1]).split("\0")}
    return {"payload": _text(payload)}


def record_bytes(rec: dict[str, Any]) -> bytes:
    """The exact bytes a data record stands for (b"" for events)."""
    if "id" in rec:
        msg_id = int(rec["id"])
        if "protobuf" in rec:
            body = (msg_id + 200).to_bytes(4, "big") + bytes.fromhex(str(rec["protobuf"]))
        else:
            body = msg_id.to_bytes(4, "big") + "".join(
                f + "\0" for f in rec.get("fields", [])).encode("latin-1")
        return len(body).to_bytes(4, "big") + body
    if "fields" in rec:
        payload = "".join(f + "\0" for f in rec["fields"]).encode("latin-1")
        return len(payload).to_bytes(4, "big") + payload
    if "payload" in rec:
        payload = str(rec["payload"]).encode("latin-1")
        return len(payload).to_bytes(4, "big") + payload
    if "raw" in rec:
        return str(rec["raw"]).encode("latin-1")
    return b""


class Splitter:
    """Cuts one direction's byte stream into records. ``client=True`` expects the ``API\\0`` prefix
    first; a stream that does not frame (a pre-v100 client, a length over 16 MiB) goes on as raw."""

    def __init__(self, client: bool) -> None:
        self._buf = bytearray()
        self._want_prefix = client
        self._raw = False

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self._raw:
            return [{"raw": _text(data)}] if data else []
        self._buf += data
        if self._want_prefix:
            if len(self._buf) < len(API_PREFIX) and API_PREFIX.startswith(bytes(self._buf)):
                return out
            self._want_prefix = False
            if bytes(self._buf[:4]) == API_PREFIX:
                out.append({"raw": _text(API_PREFIX)})
                del self._buf[:4]
            else:
                self._raw = True
                rest, self._buf = bytes(self._buf), bytearray()
                return [{"raw": _text(rest)}]
        pos = 0
        buf = self._buf
        while len(buf) - pos >= 4:
            n = int.from_bytes(buf[pos:pos + 4], "big")
            if n > MAX_FRAME:
                self._raw = True
                out.append({"raw": _text(bytes(buf[pos:]))})
                pos = len(buf)
                break
            if len(buf) - pos - 4 < n:
                break
            payload = bytes(buf[pos + 4:pos + 4 + n])
            pos += 4 + n
            out.append(_frame_record(payload))
        del buf[:pos]
        return out

    def flush(self) -> list[dict[str, Any]]:
        """Bytes left over at the end (an incomplete frame), as one raw record."""
        rest, self._buf = bytes(self._buf), bytearray()
        return [{"raw": _text(rest)}] if rest else []


# --- reading ----------------------------------------------------------------------------------------

@dataclass
class Transcript:
    header: dict[str, Any]
    records: list[dict[str, Any]]

    def connections(self) -> list[int]:
        seen: dict[int, None] = {}
        for r in self.records:
            seen.setdefault(int(r["conn"]), None)
        return list(seen)

    def of(self, conn: int) -> list[dict[str, Any]]:
        return [r for r in self.records if int(r["conn"]) == conn]


def read_transcript(source: str | Path | Iterable[str]) -> Transcript:
    """Parse a transcript; raises ValueError naming the line of a bad record."""
    lines: Iterable[str]
    if isinstance(source, (str, Path)):
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    else:
        lines = source
    header: dict[str, Any] | None = None
    records: list[dict[str, Any]] = []
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {no}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"line {no}: a record is a JSON object")
        if header is None:
            if obj.get("ibwire_transcript") != TRANSCRIPT_VERSION:
                raise ValueError(f"line {no}: not an ibwire transcript (version "
                                 f"{TRANSCRIPT_VERSION} header expected)")
            header = obj
            continue
        if "conn" not in obj or not ({"event", "fields", "payload", "raw", "id"} & obj.keys()):
            raise ValueError(f"line {no}: a record needs conn and one of event / fields / id / "
                             "payload / raw")
        if "event" not in obj and obj.get("from") not in ("client", "tws"):
            raise ValueError(f"line {no}: 'from' is client or tws")
        records.append(obj)
    if header is None:
        raise ValueError("empty transcript")
    return Transcript(header, records)


def direction_bytes(records: Iterable[dict[str, Any]], sender: str) -> bytes:
    """Everything ``sender`` ("client" or "tws") sent, as one byte string."""
    return b"".join(record_bytes(r) for r in records if r.get("from") == sender)


# --- the loop thread both servers run on ---------------------------------------------------------------

class _LoopThread:
    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()


async def _close(writer: asyncio.StreamWriter) -> None:
    try:
        writer.close()
        await writer.wait_closed()
    except (OSError, ConnectionError):
        pass


# --- recording --------------------------------------------------------------------------------------

class _Server:
    """A listening socket served by coroutines on a :class:`_LoopThread` (Recorder, Replayer)."""

    def __init__(self, host: str, port: int, thread_name: str) -> None:
        self.host = host
        self.requested_port = port
        self.port = 0
        self.done = threading.Event()
        self._lt = _LoopThread(thread_name)
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        """Start the loop thread and listen (the real port lands in ``self.port``)."""
        self._lt.start()
        try:
            self._lt.call(self._listen())
        except BaseException:
            self.stop()
            raise

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.requested_port)
        self.port = self._server.sockets[0].getsockname()[1]

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def _stop_serving(self) -> None:
        """Close the listener, cancel the connections' tasks, end the loop thread."""
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._lt.loop.is_running():
            try:
                self._lt.call(shutdown())
            except (TimeoutError, RuntimeError):
                pass
        self._lt.stop()

    def stop(self) -> None:
        self._stop_serving()
        self.done.set()


class Recorder(_Server):
    """A transparent TCP proxy to ``upstream`` that writes every byte both ways to a transcript.

    Bytes are forwarded as they arrive (nothing is re-framed or delayed); the recording is cut into
    frames on the side. ``start()`` runs it on a background thread; ``stop()`` closes everything.
    With ``once``, it stops accepting after the first connection ends (see ``wait()``).
    """

    def __init__(self, upstream: tuple[str, int], out: str | Path | IO[str],
                 host: str = "127.0.0.1", port: int = 0, once: bool = False) -> None:
        super().__init__(host, port, "ibwire-record")
        self.upstream = upstream
        self.once = once
        self.connections = 0
        self.records = 0
        self._own_file = not hasattr(out, "write")
        self._out: IO[str] = (open(out, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
                              if isinstance(out, (str, Path)) else out)
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Recorder:
        self._write({"ibwire_transcript": TRANSCRIPT_VERSION, "ibwire": __version__,
                     "created": datetime.now(UTC).isoformat(timespec="seconds"),
                     "upstream": f"{self.upstream[0]}:{self.upstream[1]}"})
        self._serve()
        return self

    def stop(self) -> None:
        self._stop_serving()
        with self._lock:
            if self._own_file:
                self._out.close()
            else:
                self._out.flush()
        self.done.set()

    def _write(self, obj: dict[str, Any]) -> None:
        with self._lock:
            if self._out.closed:
                return
            self._out.write(json.dumps(obj, ensure_ascii=True) + "\n")
            self._out.flush()

    def _stamp(self) -> float:
        return round(time.monotonic() - self._t0, 6)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        conn = self.connections
        peer = writer.get_extra_info("peername")
        self._write({"t": self._stamp(), "conn": conn, "event": "open",
                     "peer": f"{peer[0]}:{peer[1]}" if peer else "?"})
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError as exc:
                self._write({"t": self._stamp(), "conn": conn, "event": "upstream_failed",
                             "error": str(exc.strerror or exc)})
                await _close(writer)
                return
            closed: list[str] = []
            pumps = [asyncio.ensure_future(self._pump(reader, up_writer, conn, "client", closed)),
                     asyncio.ensure_future(self._pump(up_reader, writer, conn, "tws", closed))]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for p in pumps:
                    p.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
                await _close(up_writer)
                await _close(writer)
            self._write({"t": self._stamp(), "conn": conn, "event": "close",
                         "by": closed[0] if closed else "proxy"})
        finally:
            self._tasks.discard(task)
            if self.once:
                if self._server is not None:
                    self._server.close()
                self.done.set()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: int,
                    sender: str, closed: list[str]) -> None:
        splitter = Splitter(client=sender == "client")
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                t = self._stamp()
                for rec in splitter.feed(data):
                    self.records += 1
                    self._write({"t": t, "conn": conn, "from": sender, **rec})
                await writer.drain()
        except (OSError, ConnectionError):
            pass
        finally:
            for rec in splitter.flush():
                self._write({"t": self._stamp(), "conn": conn, "from": sender, **rec})
            closed.append(sender)


# --- replay -----------------------------------------------------------------------------------------

@dataclass
class ReplayResult:
    """How one replayed connection went: client frames that matched the recording, and those
    that did not (index in the connection's client records, expected, got)."""

    conn: int
    matched: int = 0
    mismatches: list[tuple[int, str, str]] = field(default_factory=list)
    missing: int = 0  # recorded client frames the client never sent
    extra: int = 0  # client frames beyond the recording

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.missing and not self.extra


class Replayer(_Server):
    """Serves a transcript back: the n-th client to connect gets connection n's TWS bytes.

    TWS's bytes are sent in recorded order, each once the client has sent every frame recorded
    before it (``client_timeout`` s at most per frame); ``speed`` > 0 also keeps the recorded
    pauses (1 real time, 2 twice as fast). Client frames are compared with the recording.
    """

    def __init__(self, transcript: Transcript | str | Path, host: str = "127.0.0.1", port: int = 0,
                 speed: float = 0.0, client_timeout: float = 10.0, loop: bool = False) -> None:
        super().__init__(host, port, "ibwire-replay")
        self.transcript = transcript if isinstance(transcript, Transcript) else read_transcript(transcript)
        self.speed = speed
        self.client_timeout = client_timeout
        self.repeat = loop
        self.results: list[ReplayResult] = []
        self._conns = self.transcript.connections()
        self._served = 0

    def __enter__(self) -> Replayer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Replayer:
        if not self._conns:
            raise ValueError("the transcript holds no connection")
        self._serve()
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        index = self._served
        self._served += 1
        if index >= len(self._conns) and not self.repeat:
            await _close(writer)  # nothing recorded for this one
            self._tasks.discard(task)
            return
        conn = self._conns[index % len(self._conns)]
        result = ReplayResult(conn)
        try:
            await self._play(self.transcript.of(conn), reader, writer, result)
        except (OSError, ConnectionError):
            pass
        finally:
            await _close(writer)
            self.results.append(result)
            self._tasks.discard(task)
            if not self.repeat and len(self.results) >= len(self._conns):
                if self._server is not None:
                    self._server.close()
                self.done.set()

    async def _play(self, records: list[dict[str, Any]], reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter, result: ReplayResult) -> None:
        splitter = Splitter(client=True)
        received: list[dict[str, Any]] = []
        eof = False
        client_index = 0
        start = time.monotonic()
        t0 = next((float(r["t"]) for r in records if "t" in r), 0.0)

        async def next_client_record() -> dict[str, Any] | None:
            nonlocal eof
            while not received and not eof:
                try:
                    data = await asyncio.wait_for(reader.read(65536), self.client_timeout)
                except TimeoutError:
                    return None
                if not data:
                    eof = True
                    received.extend(splitter.flush())
                    break
                received.extend(splitter.feed(data))
            return received.pop(0) if received else None

        for rec in records:
            if self.speed > 0 and "t" in rec:
                due = start + (float(rec["t"]) - t0) / self.speed
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            sender = rec.get("from")
            if sender == "client":
                got = await next_client_record()
                expected = record_bytes(rec)
                if got is None:
                    result.missing += 1
                elif record_bytes(got) == expected:
                    result.matched += 1
                else:
                    result.mismatches.append((client_index, _show(expected), _show(record_bytes(got))))
                client_index += 1
            elif sender == "tws":
                writer.write(record_bytes(rec))
                await writer.drain()
            elif rec.get("event") == "close":
                if rec.get("by") == "client":
                    while await next_client_record() is not None:
                        result.extra += 1
                break
        else:
            return
        # after a close by the client the recording ends; anything else the client sends is extra
        result.extra += len(received)


def _show(data: bytes) -> str:
    """A frame as a mismatch report shows it: text fields joined by ``|``; a binary-id frame as
    ``#ID`` then its fields or ``proto:HEX``."""
    payload = data[4:] if len(data) >= 4 else data
    rec = _frame_record(payload) if len(data) >= 4 else {"payload": payload.decode("latin-1")}
    if "id" in rec:
        body = f"proto:{rec['protobuf']}" if "protobuf" in rec else "|".join(rec["fields"]) + "|"
        return f"#{rec['id']} {body}"[:200]
    return payload.decode("latin-1").replace("\0", "|")[:200]

