"""``ibwire monitor``: a full-screen live view of one TWS session.

It shows the connection (state, server version, accounts), account values, positions with
unrealized PnL, open orders, the last fills and TWS's notices. When the connection drops the view
stays up, says OFFLINE and why, keeps the last data (marked stale) and reconnects every
``--retry`` seconds.

:class:`Monitor` holds the state and talks to TWS; :func:`render` turns a :class:`MonitorState`
into a rich renderable, so a frame can be printed to any console (tests render frames to text).
"""

from __future__ import annotations

import collections
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..client.broker import Broker
from ..client.state import ConnectionState, FillEvent, Notice, OrderEvent, StateChanged
from ..client.tickets import Fill, OrderTicket
from ..errors import IbwireError
from .account import all_open_orders, fill_json, order_kind, ticket_json
from .app import app
from .common import sigterm_as_interrupt
from .options import DEFAULT_HOST, DEFAULT_PORT, Conn, HostOpt, JsonOpt, PortOpt, TimeoutOpt, TzOpt
from .output import Output, contract_json, fmt_money, fmt_price, fmt_qty, fmt_time, jsonable
from .problems import ExitCode, describe, guard
from .tables import Col, FitTable

__all__ = ["MonitorState", "Monitor", "render", "state_json", "MONITOR_VALUES"]

MONITOR_VALUES = ("NetLiquidation", "TotalCashValue", "BuyingPower", "AvailableFunds", "ExcessLiquidity",
                  "GrossPositionValue", "MaintMarginReq", "UnrealizedPnL", "RealizedPnL")


@dataclass
class MonitorState:
    """Everything one frame shows."""

    address: str
    client_id: int
    state: str = "CONNECTING"
    reason: str = ""
    since: datetime | None = None
    server_version: int | None = None
    accounts: list[str] = field(default_factory=list)
    values: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    positions: list[dict[str, Any]] = field(default_factory=list)
    orders: list[OrderTicket] = field(default_factory=list)
    fills: collections.deque[Fill] = field(default_factory=lambda: collections.deque(maxlen=10))
    notices: collections.deque[Notice] = field(default_factory=lambda: collections.deque(maxlen=8))
    updated: datetime | None = None
    problem: str | None = None
    retry_at: datetime | None = None
    attempts: int = 0  # reconnect attempts since the connection dropped
    attempt_at: datetime | None = None
    attempt_error: str = ""  # why the last attempt failed (the reason above stays the drop's)


class Monitor:
    """Keeps a :class:`MonitorState` current from one Broker connection; survives disconnects."""

    def __init__(self, conn: Conn, refresh: float = 3.0, retry: float = 5.0,
                 clock: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> None:
        self.conn = conn
        self.refresh_every = refresh
        self.retry_every = retry
        self.clock = clock
        self.state = MonitorState(conn.address, conn.client_id)
        self.broker = Broker(conn.host, conn.port, conn.client_id, conn.timeout)
        self.changed = threading.Event()
        self.lock = threading.RLock()
        self.broker.add_listener(self._on_event)

    # --- events from the Broker (its dispatcher thread) -------------------------------------------

    def _on_event(self, ev: object) -> None:
        s = self.state
        with self.lock:
            if isinstance(ev, StateChanged):
                if ev.new is ConnectionState.OFFLINE and ev.old is ConnectionState.CONNECTING:
                    return  # a connection attempt failed: connect() says so
                if ev.new is ConnectionState.CONNECTING and s.state == ConnectionState.OFFLINE.value:
                    return  # an attempt while offline: the reason the connection dropped stays
                s.state = ev.new.value
                s.reason = ev.reason + (f" (error {ev.code})" if ev.code and str(ev.code) not in ev.reason
                                        else "")
                s.since = self.clock()
                if ev.new is ConnectionState.OFFLINE:
                    s.retry_at = None  # the connection dropped: the next step reconnects at once
                    s.attempts, s.attempt_at, s.attempt_error = 0, None, ""
            elif isinstance(ev, Notice):
                if ev not in s.notices:  # (connect() may have taken it from the Broker first)
                    s.notices.append(ev)
            elif isinstance(ev, FillEvent):
                if all(f.exec_id != ev.fill.exec_id for f in s.fills):
                    s.fills.append(ev.fill)
            elif isinstance(ev, OrderEvent):
                t = ev.ticket
                s.orders = [o for o in s.orders if o is not t] + ([] if t.is_done else [t])
            else:
                return
        self.changed.set()

    # --- talking to TWS ------------------------------------------------------------------------------

    def connect(self) -> bool:
        """(Re)connect; on failure the state says OFFLINE and why. After a drop, the reason stays
        the drop's, and the attempts are counted beside it."""
        s = self.state
        with self.lock:
            retry = s.state == ConnectionState.OFFLINE.value and bool(s.reason)
        try:
            self.broker.open()
        except IbwireError as exc:
            with self.lock:
                headline = describe(exc, self.conn).headline
                if retry:
                    s.attempts += 1
                    s.attempt_at = self.clock()
                    s.attempt_error = headline
                else:
                    s.state = ConnectionState.OFFLINE.value
                    s.reason = headline
                    s.since = s.since or self.clock()
            self.changed.set()
            return False
        with self.lock:
            s.server_version = self.broker.server_version
            s.accounts = list(self.broker.accounts)
            s.state = self.broker.state.value
            s.reason = "session ready"
            s.problem = None
            s.attempts, s.attempt_at, s.attempt_error = 0, None, ""
            # the session's notices so far (listeners hear of them a moment later, on another
            # thread: a one-shot frame must not miss them)
            for n in list(self.broker.notices)[-(s.notices.maxlen or 8):]:
                if n not in s.notices:
                    s.notices.append(n)
        self.refresh()
        return True

    def _merge_fills(self, fills: list[Fill]) -> None:
        s = self.state
        with self.lock:
            known = {f.exec_id for f in s.fills}
            new = [f for f in fills if f.exec_id not in known]
            if new:
                merged = sorted([*s.fills, *new], key=lambda f: f.time.timestamp() if f.time else 0.0)
                s.fills.clear()
                s.fills.extend(merged)

    def refresh(self) -> None:
        """Ask for account values, portfolio, open orders and the day's executions once."""
        b, s = self.broker, self.state
        try:
            values: dict[str, dict[str, tuple[str, str]]] = {}
            positions: list[dict[str, Any]] = []
            for acct in list(b.accounts):
                row: dict[str, tuple[str, str]] = {}
                for v in b.account_values(acct):
                    if v.key in MONITOR_VALUES and (v.key not in row or v.currency == "BASE"):
                        row[v.key or ""] = (v.value or "", v.currency or "")
                values[acct] = row
                for item in b.portfolio(acct):
                    if item.position:
                        positions.append({"account": item.account or acct, "contract": item.contract,
                                          "position": item.position, "avg_cost": item.average_cost,
                                          "market_price": item.market_price,
                                          "market_value": item.market_value,
                                          "unrealized_pnl": item.unrealized_pnl,
                                          "realized_pnl": item.realized_pnl})
            orders = all_open_orders(b)  # every client's (REQ_OPEN_ORDERS gives one client's)
            fills = b.executions()  # every client's: only our own arrive by themselves
        except IbwireError as exc:
            self._note(exc)
            return
        positions.sort(key=lambda r: (r["account"], str(r["contract"])))
        self._merge_fills(fills)
        with self.lock:
            s.values, s.positions = values, positions
            s.orders = sorted(orders, key=lambda t: (t.order.client_id or 0, t.order_id))
            s.updated = self.clock()
            s.problem = None
        self.changed.set()

    def _note(self, exc: IbwireError) -> None:
        with self.lock:
            self.state.problem = describe(exc, self.conn).headline
        self.changed.set()

    def step(self) -> None:
        """One tick of the loop: reconnect when offline and due, else refresh."""
        s = self.state
        now = self.clock()
        if self.broker.is_connected():
            self.refresh()
            return
        if s.retry_at is None or now >= s.retry_at:
            if not self.connect():
                with self.lock:
                    s.retry_at = datetime.fromtimestamp(now.timestamp() + self.retry_every, now.tzinfo)

    def close(self) -> None:
        self.broker.remove_listener(self._on_event)
        self.broker.disconnect()

    def snapshot(self, live: bool = True) -> RenderableType:
        """One frame; ``live``: the footer says how to quit."""
        with self.lock:
            return render(self.state, self.clock(), live)


# --- rendering ---------------------------------------------------------------------------------------

_STATE_STYLE = {"CONNECTED": "bold green", "DEGRADED": "bold yellow", "CONNECTING": "bold cyan",
                "OFFLINE": "bold white on red"}


def _ago(t: datetime | None, now: datetime) -> str:
    if t is None:
        return "never"
    return fmt_time(t, short=True)


class _Beside:
    """Two renderables side by side when there is room for both, else one above the other."""

    def __init__(self, left: RenderableType, right: RenderableType, gap: int = 3) -> None:
        self.left, self.right, self.gap = left, right, gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.measure import Measurement
        lw = Measurement.get(console, options, self.left).maximum
        rw = Measurement.get(console, options, self.right).maximum
        if lw + self.gap + rw <= options.max_width:
            grid = Table.grid(padding=(0, self.gap))
            grid.add_row(self.left, self.right)
            yield grid
        else:
            yield self.left
            yield self.right


def render(s: MonitorState, now: datetime | None = None, live: bool = True) -> RenderableType:
    """One frame of the monitor; ``live``: it says how to quit (a one-shot frame does not)."""
    now = now or datetime.now().astimezone()
    offline = s.state == "OFFLINE"
    head = Text()
    head.append("ibwire monitor ", style="bold")
    head.append(f"{s.address} client {s.client_id}  ")
    head.append(f" {s.state} ", style=_STATE_STYLE.get(s.state, "bold"))
    if s.server_version is not None:
        head.append(f"  server v{s.server_version}")
    if s.accounts:
        head.append(f"  accounts {', '.join(s.accounts)}")
    head.append(f"  {fmt_time(now, short=True)}", style="dim")
    lines: list[RenderableType] = [head]
    if offline:
        lines.append(Text(f"OFFLINE since {_ago(s.since, now)}: {s.reason or 'not connected'}",
                          style="red"))
        attempt = Text()
        if s.attempts:
            attempt.append(f"reconnect attempt {s.attempts} at {_ago(s.attempt_at, now)} failed: "
                           f"{s.attempt_error}", style="yellow")
        if s.retry_at is not None and live:
            wait = max(0, int((s.retry_at - now).total_seconds() + 0.999))
            attempt.append(("  " if s.attempts else "") + f"(reconnecting in {wait} s)", style="dim")
        if attempt.plain:
            lines.append(attempt)
        if s.updated is not None:
            lines.append(Text(f"the data below is from {_ago(s.updated, now)} and may be stale",
                              style="yellow"))
    elif s.state == "DEGRADED":
        lines.append(Text(f"TWS lost its connection to IB: {s.reason}", style="yellow"))
    if s.problem:
        lines.append(Text(f"last refresh failed: {s.problem}", style="yellow"))
    if offline and s.updated is None:
        # never connected: no data to show, only why
        if live:
            lines.append(Text("Ctrl-C to quit", style="dim"))
        return Group(*lines)
    dim = "dim" if offline else ""

    values = FitTable("account", [Col("key"), *(Col(a, "right") for a in s.values)], style=dim)
    for key in MONITOR_VALUES:
        cells = [fmt_money(s.values[a].get(key, ("", ""))[0] or None, key.endswith("PnL"))
                 for a in s.values]
        if any(c != "-" for c in cells):
            values.add_row(key, *cells)

    positions = FitTable("positions", [
        Col("account", drop=5), Col("contract"), Col("position", "right"),
        Col("avg cost", "right", 3), Col("price", "right"), Col("value", "right", 2),
        Col("unrealized PnL", "right", 1)], style=dim)
    for r in s.positions:
        positions.add_row(r["account"], str(r["contract"]), fmt_qty(r["position"]),
                          fmt_price(r["avg_cost"], 4), fmt_price(r["market_price"]),
                          fmt_money(r["market_value"]), fmt_money(r["unrealized_pnl"], True))
    if not s.positions:
        positions.add_row("", "no positions", "", "", "", "", "")

    orders = FitTable("open orders", [
        Col("id", "right"), Col("client", "right", 3), Col("side"), Col("qty", "right"),
        Col("contract"), Col("type"), Col("status"), Col("filled", "right", 2),
        Col("ref", drop=1)], style=dim)
    for t in s.orders:
        o = t.order
        kind = order_kind(o.order_type, o.lmt_price, o.aux_price)
        orders.add_row(str(t.order_id), str(o.client_id), o.action or "?", fmt_qty(o.total_quantity),
                       str(t.contract), kind, t.status, fmt_qty(t.filled), t.client_order_id or "")
    if not s.orders:
        orders.add_row("", "", "", "", "no open orders", "", "", "", "")

    fills = FitTable("last fills", [
        Col("time", drop=1), Col("side"), Col("shares", "right"), Col("contract"),
        Col("price", "right"), Col("commission", "right", 2), Col("order", "right", 3)], style=dim)
    for f in list(s.fills)[::-1]:
        ex, cr = f.execution, f.commission_report
        fills.add_row(fmt_time(ex.time, short=True), ex.side or "?",
                      fmt_qty(ex.shares), str(f.contract), fmt_price(ex.price),
                      "-" if cr is None or cr.commission is None else fmt_money(cr.commission),
                      f"{ex.client_id}/{ex.order_id}")
    if not s.fills:
        fills.add_row("", "", "", "no fills yet", "", "", "")

    notices = Table(title="notices", title_justify="left", show_header=False, style=dim)
    notices.add_column("time", no_wrap=True)
    notices.add_column("code", justify="right")
    notices.add_column("message")
    for n in list(s.notices)[::-1]:
        notices.add_row(fmt_time(n.time, short=True), str(n.code), n.message)
    if not s.notices:
        notices.add_row("", "", "none")
    footer = Text(f"refreshed {_ago(s.updated, now)}" + ("   Ctrl-C to quit" if live else ""),
                  style="dim")
    return Group(*lines, _Beside(values, positions), orders, _Beside(fills, notices), footer)


def state_json(s: MonitorState) -> dict[str, Any]:
    return {
        "address": s.address, "client_id": s.client_id, "state": s.state, "reason": s.reason,
        "server_version": s.server_version, "accounts": s.accounts,
        "values": {a: {k: {"value": v, "currency": c} for k, (v, c) in row.items()}
                   for a, row in s.values.items()},
        "positions": [{**r, "contract": contract_json(r["contract"])} for r in s.positions],
        "orders": [ticket_json(t) for t in s.orders],
        "fills": [fill_json(f) for f in s.fills],
        "notices": [{"code": n.code, "message": n.message, "time": n.time} for n in s.notices],
        "updated": s.updated, "problem": s.problem,
        "reconnect": {"attempts": s.attempts, "last_at": s.attempt_at,
                      "last_error": s.attempt_error or None} if s.attempts else None,
    }


@app.command("monitor")
def monitor(
    refresh: Annotated[float, typer.Option("--refresh", min=0.5, help="Seconds between refreshes of "
                                                                      "account, positions and orders.")] = 3.0,
    retry: Annotated[float, typer.Option("--retry", min=0.5, help="Seconds between reconnection "
                                                                  "attempts while offline.")] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="Print one frame and exit (exit 3 when "
                                                      "TWS cannot be reached).")] = False,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: Annotated[int, typer.Option(
        "--client-id", envvar="IBWIRE_MONITOR_CLIENT_ID", rich_help_panel="Connection", min=0,
        help="API client id; 0 by default here, which leaves IBWIRE_CLIENT_ID free for the other "
             "commands.")] = 0,
    timeout: TimeoutOpt = 10.0, json_: JsonOpt = False, tz: TzOpt = None,
) -> None:
    """A full-screen live view: connection, account, positions and PnL, orders, fills, notices.

    It survives a disconnect: the view says OFFLINE and why, and reconnects by itself.
    Example: ibwire monitor --refresh 2
    """
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    mon = Monitor(conn, refresh, retry)
    with guard(out, conn), sigterm_as_interrupt():
        try:
            if once:
                ok = mon.connect()
                if out.json_mode:
                    out.emit(state_json(mon.state))
                else:
                    out.console.print(mon.snapshot(live=False))
                raise typer.Exit(0 if ok else int(ExitCode.CONNECTION))
            _run(mon, out)
        except KeyboardInterrupt:
            pass
        finally:
            mon.close()


def _run(mon: Monitor, out: Output) -> None:
    """The live loop: refresh every ``refresh`` s (retry every ``retry`` s while offline) and
    redraw on every Broker event and once a second."""
    def loop(redraw: Callable[[bool], None]) -> None:
        next_step = 0.0
        while True:
            stepped = False
            if time.monotonic() >= next_step:
                mon.step()
                stepped = True
                interval = mon.refresh_every if mon.broker.is_connected() else 1.0
                next_step = time.monotonic() + interval
            redraw(stepped)
            mon.changed.wait(max(0.05, min(1.0, next_step - time.monotonic())))
            mon.changed.clear()

    if out.json_mode:
        last = [""]

        def emit(_: bool) -> None:
            doc = json.dumps(jsonable(state_json(mon.state)))
            if doc != last[0]:
                last[0] = doc
                sys.stdout.write(doc + "\n")
                sys.stdout.flush()
        loop(emit)
    elif not out.console.is_terminal:
        def frame(stepped: bool) -> None:  # no full screen in a pipe: one frame per refresh
            if stepped:
                out.console.rule()
                out.console.print(mon.snapshot())
        loop(frame)
    else:
        with Live(mon.snapshot(), console=out.console, screen=True, auto_refresh=False) as live:
            loop(lambda _: live.update(mon.snapshot(), refresh=True))
