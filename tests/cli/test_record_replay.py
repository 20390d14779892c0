"""``ibwire record`` / ``ibwire replay``: transcripts, and replay reproducing a session byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ibwire import Broker, MarketOrder, Stock
from ibwire.cli import app
from ibwire.cli.transcript import (
    Recorder,
    Replayer,
    Splitter,
    direction_bytes,
    read_transcript,
    record_bytes,
)
from ibwire.gateway import PaperGateway
from ibwire.protocol.framing import encode_fields
from ibwire.protocol.versions import MAX_CLIENT_VERSION, MIN_CLIENT_VERSION


def session(port: int, client_id: int = 5) -> None:
    """A deterministic client session: snapshots, an order and its fill, executions."""
    with Broker.connect("127.0.0.1", port, client_id=client_id, timeout=5) as b:
        b.positions()
        b.account_values()
        b.current_time()
        b.submit_order(Stock("AAPL"), MarketOrder("BUY", 10), client_order_id="rr-1").wait_done(5)
        b.executions()


# --- the transcript format ----------------------------------------------------------------------------

def test_splitter_cuts_prefix_frames_and_keeps_every_byte() -> None:
    stream = (b"API\0" + (9).to_bytes(4, "big") + b"v157..178" + encode_fields(["71", "2", "5", ""])
              + encode_fields(["49", "1"]))
    for chunk in (1, 3, 7, len(stream)):  # however the bytes arrive
        sp = Splitter(client=True)
        records = []
        for i in range(0, len(stream), chunk):
            records += sp.feed(stream[i:i + chunk])
        records += sp.flush()
        assert records == [{"raw": "API\0"}, {"payload": "v157..178"},
                           {"fields": ["71", "2", "5", ""]}, {"fields": ["49", "1"]}]
        assert b"".join(record_bytes(r) for r in records) == stream


def test_splitter_falls_back_to_raw_for_bytes_that_do_not_frame() -> None:
    sp = Splitter(client=True)
    assert sp.feed(b"hello") == [{"raw": "hello"}]
    assert sp.feed(b"\0\xff") == [{"raw": "\0\xff"}]
    tws = Splitter(client=False)
    oversize = (0x1000000).to_bytes(4, "big") + b"xx"
    assert tws.feed(oversize) == [{"raw": oversize.decode("latin-1")}]
    partial = Splitter(client=False)
    assert partial.feed(b"\0\0\0\x09abc") == []
    assert partial.flush() == [{"raw": "\0\0\0\x09abc"}]


def test_read_transcript_checks_its_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        read_transcript([])
    with pytest.raises(ValueError, match="line 1: not an ibwire transcript"):
        read_transcript(['{"hello": 1}'])
    with pytest.raises(ValueError, match="line 2: not JSON"):
        read_transcript(['{"ibwire_transcript": 1}', "{oops"])
    with pytest.raises(ValueError, match="line 2: 'from' is client or tws"):
        read_transcript(['{"ibwire_transcript": 1}', '{"conn": 1, "from": "x", "raw": ""}'])


# --- recording and replaying --------------------------------------------------------------------------

def test_record_writes_every_frame_with_time_and_direction(gw: PaperGateway, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    with Recorder(("127.0.0.1", gw.port), out, once=True) as rec:
        session(rec.port)
        assert rec.wait(10)
    t = read_transcript(out)
    assert t.header["upstream"] == f"127.0.0.1:{gw.port}"
    recs = t.of(1)
    assert recs[0]["event"] == "open" and recs[-1] == {**recs[-1], "event": "close", "by": "client"}
    data = [r for r in recs if "from" in r]
    assert data[0] == {**data[0], "from": "client", "raw": "API\0"}
    assert data[1]["payload"] == f"v{MIN_CLIENT_VERSION}..{MAX_CLIENT_VERSION}"
    assert data[2]["from"] == "tws" and data[2]["fields"][0] == str(MAX_CLIENT_VERSION)  # the server version
    # from 201 frames carry binary ids, and at 226 every message ibwire has travels as protobuf
    start_api = next(r for r in data if r.get("id") == 71)
    assert start_api["from"] == "client" and start_api["protobuf"] == "0805"  # clientId = 5
    place = next(r for r in data if r["from"] == "client" and r.get("id") == 3)
    assert b"rr-1" in bytes.fromhex(place["protobuf"])
    assert any(r["from"] == "tws" and r.get("id") == 11 for r in data)  # execution
    times = [r["t"] for r in recs]
    assert times == sorted(times)
    # every line is plain JSON, one object per line
    for line in out.read_text().splitlines():
        assert isinstance(json.loads(line), dict)


def test_replay_reproduces_the_session_byte_for_byte(gw: PaperGateway, tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    with Recorder(("127.0.0.1", gw.port), first, once=True) as rec:
        session(rec.port)
        assert rec.wait(10)
    gw.stop()  # from here on, nothing but the recording answers
    original = read_transcript(first)
    second = tmp_path / "second.jsonl"
    with Replayer(original) as rep, Recorder(("127.0.0.1", rep.port), second, once=True) as rec:
        session(rec.port)
        assert rec.wait(10) and rep.wait(10)
    assert [r.ok for r in rep.results] == [True]
    assert rep.results[0].matched == sum(1 for r in original.of(1) if r.get("from") == "client")
    again = read_transcript(second)
    for sender in ("client", "tws"):
        assert direction_bytes(again.of(1), sender) == direction_bytes(original.of(1), sender)
        assert direction_bytes(again.of(1), sender)  # not trivially empty


def test_replay_reports_a_client_that_differs(gw: PaperGateway, tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with Recorder(("127.0.0.1", gw.port), path, once=True) as rec:
        session(rec.port, client_id=5)
        assert rec.wait(10)
    with Replayer(path, client_timeout=2.0) as rep:
        with Broker.connect("127.0.0.1", rep.port, client_id=6, timeout=5) as b:  # another id
            b.positions()
        assert rep.wait(10)
    result = rep.results[0]
    assert not result.ok
    # START_API as protobuf at 226: clientId 5 recorded, 6 sent
    assert result.mismatches[0][1] == "#71 proto:0805" and result.mismatches[0][2] == "#71 proto:0806"


def test_replay_serves_each_recorded_connection_in_turn(gw: PaperGateway, tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl"
    with Recorder(("127.0.0.1", gw.port), path) as rec:
        for cid in (7, 8):
            with Broker.connect("127.0.0.1", rec.port, client_id=cid, timeout=5) as b:
                b.current_time()
    t = read_transcript(path)
    assert t.connections() == [1, 2]
    with Replayer(t) as rep:
        for cid in (7, 8):
            with Broker.connect("127.0.0.1", rep.port, client_id=cid, timeout=5) as b:
                assert b.current_time() is not None
        assert rep.wait(10)
    assert [r.ok for r in rep.results] == [True, True]


def test_record_to_a_dead_upstream_notes_it(tmp_path: Path) -> None:
    with PaperGateway(port=0, tick_interval=None) as g:
        dead = g.port
    path = tmp_path / "dead.jsonl"
    with Recorder(("127.0.0.1", dead), path, once=True) as rec:
        with pytest.raises(Exception):  # noqa: B017 - the client sees a refused connection
            Broker.connect("127.0.0.1", rec.port, client_id=1, timeout=2)
        assert rec.wait(10)
    events = [r.get("event") for r in read_transcript(path).records]
    assert events == ["open", "upstream_failed"]


# --- the commands (real processes) --------------------------------------------------------------------

def _ibwire(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "ibwire.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _port_of(proc: subprocess.Popen[str]) -> int:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on 127.0.0.1:"), (line, proc.stderr.read() if proc.stderr else "")
    return int(line.split(",")[0].rsplit(":", 1)[1])


def test_record_and_replay_commands(gw: PaperGateway, tmp_path: Path) -> None:
    path = tmp_path / "cmd.jsonl"
    rec = _ibwire("record", "--listen", "0", "--upstream", f"127.0.0.1:{gw.port}", "--out", str(path),
                  "--once")
    try:
        session(_port_of(rec))
        _, err = rec.communicate(timeout=20)
    finally:
        rec.kill()
    assert rec.returncode == 0, err
    assert "recorded 1 connections" in err
    rep = _ibwire("replay", str(path), "--port", "0", "--strict")
    try:
        session(_port_of(rep))
        _, err = rep.communicate(timeout=20)
    finally:
        rep.kill()
    assert rep.returncode == 0, err
    assert "connection 1:" in err and "matched" in err and "DIFFERS" not in err


def test_replay_of_a_bad_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    r = CliRunner().invoke(app, ["replay", str(bad), "--port", "0"])
    assert r.exit_code == 2 and "not JSON" in r.stderr


def test_a_port_in_use_is_reported_and_nothing_leaks(tmp_path: Path) -> None:
    with Replayer(read_transcript(['{"ibwire_transcript": 1}',
                                   '{"conn": 1, "event": "open"}'])) as busy:
        with pytest.raises(OSError):
            Recorder(("127.0.0.1", 1), tmp_path / "x.jsonl", port=busy.port).start()
        r = CliRunner().invoke(app, ["record", "--listen", str(busy.port), "--upstream", "127.0.0.1:1",
                                     "--out", str(tmp_path / "y.jsonl")])
        assert r.exit_code == 1 and "in use" in r.stderr
