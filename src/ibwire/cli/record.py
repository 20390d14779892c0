"""``ibwire record`` (a recording proxy in front of TWS) and ``ibwire replay`` (serve a recording).

    ibwire record --listen 7600 --upstream 127.0.0.1:7497 --out session.jsonl
    # point any client (ibwire, ib_async, ibapi) at port 7600, use it, then Ctrl-C
    ibwire replay session.jsonl --port 7600
    # the same client, pointed at 7600 again, gets TWS's recorded answers

The transcript format is described in :mod:`ibwire.cli.transcript`.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from .app import app
from .output import Output
from .problems import ExitCode, Problem, fail, guard
from .transcript import Recorder, Replayer, read_transcript

__all__ = ["parse_upstream"]


def parse_upstream(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise typer.BadParameter(f"HOST:PORT, such as 127.0.0.1:7497, not {text!r}",
                                 param_hint="--upstream")
    return host.strip("[]") or "127.0.0.1", int(port)


def _serve_until_signal(done: threading.Event) -> None:
    """Block until ``done`` is set, Ctrl-C or SIGTERM."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.is_set() and not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@app.command("record")
def record(
    upstream: Annotated[str, typer.Option("--upstream", metavar="HOST:PORT",
                                          help="Where TWS / IB Gateway listens.")],
    out_file: Annotated[Path, typer.Option("--out", metavar="FILE.jsonl", dir_okay=False,
                                           help="The transcript to write.")],
    listen: Annotated[int, typer.Option("--listen", metavar="PORT", min=0, max=65535,
                                        help="Port for clients (0 picks a free one).")] = 7600,
    listen_host: Annotated[str, typer.Option("--listen-host",
                                             help="Address to listen on (loopback by default).")] = "127.0.0.1",
    once: Annotated[bool, typer.Option("--once", help="Stop when the first client disconnects.")] = False,
) -> None:
    """Record a session: a transparent proxy between any TWS API client and TWS that writes
    every frame, both ways, with time and direction, to a JSON Lines transcript.

    Attach the transcript to a bug report, or replay it with `ibwire replay`.
    """
    out = Output()
    target = parse_upstream(upstream)
    with guard(out):
        rec = Recorder(target, out_file, listen_host, listen, once=once).start()
    try:
        print(f"listening on {listen_host}:{rec.port}, forwarding to {target[0]}:{target[1]}, "
              f"recording to {out_file}", flush=True)
        _serve_until_signal(rec.done)
    finally:
        rec.stop()
    out.info(f"recorded {rec.connections} connections, {rec.records} frames to {out_file}")


@app.command("replay")
def replay(
    transcript: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                               help="A transcript written by `ibwire record`.")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Port for the client (0 picks a free one).")] = 7497,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    speed: Annotated[float, typer.Option("--speed", min=0.0,
                                         help="0 as fast as the client goes; 1 keeps the recorded "
                                              "pauses; 2 twice as fast.")] = 0.0,
    loop: Annotated[bool, typer.Option("--loop", help="Serve the recording to every client "
                                                      "until Ctrl-C.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the client's frames "
                                                          "differ from the recording.")] = False,
    client_timeout: Annotated[float, typer.Option("--client-timeout", min=0.1,
                                                  help="Seconds to wait for each recorded client "
                                                       "frame.")] = 10.0,
) -> None:
    """Serve a recorded session back: a client connecting to --port gets TWS's recorded answers.

    The n-th client gets the n-th recorded connection; each TWS frame goes out once the client sent
    the frames recorded before it. Ends when every recorded connection was served.
    """
    out = Output()
    try:
        data = read_transcript(transcript)
    except ValueError as exc:
        fail(out, Problem(ExitCode.USAGE, f"{transcript}: {exc}", [], None, "usage"))
    with guard(out):
        rep = Replayer(data, host, port, speed=speed, client_timeout=client_timeout, loop=loop).start()
    try:
        print(f"listening on {host}:{rep.port}, replaying {len(data.connections())} connections "
              f"from {transcript}", flush=True)
        _serve_until_signal(rep.done)
    finally:
        rep.stop()
    bad = 0
    for r in rep.results:
        state = "matched" if r.ok else "DIFFERS"
        out.info(f"connection {r.conn}: {r.matched} client frames matched, {len(r.mismatches)} "
                 f"differ, {r.missing} missing, {r.extra} extra: {state}")
        for index, expected, got in r.mismatches[:5]:
            out.err.print(f"  client frame {index}: recorded {expected!r}, got {got!r}")
        bad += 0 if r.ok else 1
    sys.stdout.flush()
    if strict and bad:
        raise typer.Exit(int(ExitCode.FAILED))
