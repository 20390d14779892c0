"""``ibwire gateway``'s work: run a :class:`~ibwire.gateway.PaperGateway` in the foreground."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from types import FrameType
from zoneinfo import ZoneInfo

__all__ = ["run_gateway", "log_to"]

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to(level: str = "WARNING", path: str | None = None) -> None:
    """Log records of ``level`` and above to stderr (or append them to ``path``), unless the
    program that runs the gateway configured logging itself."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler: logging.Handler = (logging.FileHandler(path, encoding="utf-8") if path
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def run_gateway(host: str, port: int, accounts: Sequence[str], state: str | None, seed: int,
                mode: str, *, market_start: datetime | None = None, calendar: str = "open",
                instruments: str | None = None, speed: float | str = 1.0,
                max_version: int | None = None, data: Sequence[str] = (),
                report: str | None = None, slippage: int = 0,
                react: float | str | None = None) -> int:
    """Serve until SIGINT / SIGTERM; print ``listening on HOST:PORT`` first; save state (and
    write the ``report``); return 0 (2 when the ``instruments`` CSV or a ``data`` file has a bad
    row: the message names the file and the line)."""
    from ..gateway import PaperGateway

    log_to()  # (the command configured it already; here for programs that call this directly)
    extra = None
    if instruments is not None:
        from ..gateway.instruments import InstrumentFileError, load_stocks

        try:
            extra = load_stocks(instruments)
        except InstrumentFileError as exc:
            print(f"ibwire gateway: {exc}", file=sys.stderr, flush=True)
            return 2
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, _stop)
    from ..gateway.replay import DataFileError

    try:
        gw = PaperGateway(host=host, port=port, accounts=tuple(accounts), state_path=state,
                          seed=seed, instruments=extra, mode=mode, market_start=market_start,
                          calendar=calendar, speed=speed, max_version=max_version,
                          data=data or None, report=report, slippage=slippage, react=react)
    except DataFileError as exc:
        print(f"ibwire gateway: {exc}", file=sys.stderr, flush=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        return 2
    try:
        try:
            gw.start()
        except OSError as exc:
            print(f"ibwire gateway: cannot listen on {host}:{port}: {exc.strerror or exc} (another "
                  "gateway, TWS or IB Gateway may be using that port; pick another with --port, or "
                  "--port 0 for a free one)", file=sys.stderr, flush=True)
            return 3
        print(f"listening on {host}:{gw.port}", flush=True)
        shown = gw.market_time().astimezone(ZoneInfo("America/New_York"))
        print(f"market time {shown:%a %Y-%m-%d %H:%M:%S %Z} (calendar {calendar}"
              + (", speed max" if speed == "max" else f", speed {speed:g}x" if speed != 1 else "")
              + (f", replaying {len(data)} file{'s' if len(data) != 1 else ''}" if data else "")
              + ")", file=sys.stderr, flush=True)
        while not done.wait(0.5):
            pass
    finally:
        gw.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if report:
            _say_report(report)
    return 0


def _say_report(report: str) -> None:
    """Name the report's files on stderr (and how to get the chart without the plot extra)."""
    import importlib.util

    from ..gateway.report import report_paths

    files = report_paths(report)
    plotted = importlib.util.find_spec("matplotlib") is not None
    names = [str(files[k]) for k in ("pnl", "fills", "equity") if files[k].exists()]
    if plotted and files["png"].exists():
        names.append(str(files["png"]))
    note = "" if plotted else " (no equity chart: pip install 'ibwire[plot]' for a PNG)"
    print(f"report: {', '.join(names) or 'not written (see the log)'}{note}", file=sys.stderr,
          flush=True)
