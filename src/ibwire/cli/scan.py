"""``ibwire scan``: one market scan (TOP_PERC_GAIN, MOST_ACTIVE ...), ranked, with the quotes.

The scan code, instrument, location and filters are checked against the scanner parameters TWS
publishes (``ibwire scan --list`` shows them); each row is shown with its quote (last, change
against the previous close, volume) from a market-data snapshot, unless ``--no-quotes``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..client.broker import Broker
from ..models.scanner import ScanData, ScannerParameters
from .app import app
from .common import connect
from .options import (
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PORT,
    ClientIdOpt,
    Conn,
    HostOpt,
    JsonOpt,
    PortOpt,
    TimeoutOpt,
)
from .output import Output, contract_json, fmt_price, fmt_qty
from .problems import ExitCode, Problem, fail, guard
from .tables import Col, FitTable

__all__ = ["parse_filters"]


def parse_filters(specs: list[str]) -> dict[str, str]:
    """``["priceAbove=5", "volumeAbove=100000"]`` -> a dict; typer.BadParameter on nonsense."""
    out: dict[str, str] = {}
    for spec in specs:
        tag, sep, value = spec.partition("=")
        if not sep or not tag.strip() or not value.strip():
            raise typer.BadParameter(f"a filter is CODE=VALUE (e.g. priceAbove=5), not {spec!r}",
                                     param_hint="--filter")
        out[tag.strip()] = value.strip()
    return out


def _row_json(r: ScanData, quote: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"rank": r.rank, "contract": contract_json(r.contract),
                           "market_name": r.contract_details.market_name}
    for key in ("distance", "benchmark", "projection", "legs_str"):
        value = getattr(r, key)
        if value:
            doc[key] = value
    if quote is not None:
        doc.update(quote)
    return doc


def _quote(broker: Broker, r: ScanData, timeout: float) -> dict[str, Any]:
    t = broker.snapshot(r.contract, timeout=timeout)
    change = None
    if t.last is not None and t.close:
        change = round((t.last - t.close) / t.close * 100.0, 4)
    return {"last": t.last, "close": t.close, "change_pct": change, "volume": t.volume}


def _listing(params: ScannerParameters, out: Output) -> None:
    out.emit({"scan_codes": [{"code": s.code, "name": s.name, "instruments": list(s.instruments)}
                             for s in params.scan_codes],
              "instruments": [{"type": i.type, "name": i.name} for i in params.instruments],
              "locations": [{"code": loc.code, "name": loc.name, "parent": loc.parent,
                             "instruments": list(loc.instruments)} for loc in params.locations],
              "filters": [{"id": f.id, "name": f.name, "codes": list(f.codes)}
                          for f in params.filters]})
    for title, rows in (
            ("scan codes", [(s.code, s.name) for s in params.scan_codes]),
            ("instruments", [(i.type, i.name) for i in params.instruments]),
            ("locations", [(loc.code, loc.name + (f"  (in {loc.parent})" if loc.parent else ""))
                           for loc in params.locations]),
            ("filters", [(", ".join(f.codes), f.name) for f in params.filters])):
        table = FitTable(title, [Col("code"), Col("name")])
        for code, name in rows:
            table.add_row(code, name)
        out.print(table)


@app.command("scan")
def scan(
    code: Annotated[str | None, typer.Argument(metavar="CODE", show_default=False,
                                               help="Scan code: TOP_PERC_GAIN, TOP_PERC_LOSE, "
                                                    "MOST_ACTIVE, HOT_BY_VOLUME ... "
                                                    "(--list shows them).")] = None,
    instrument: Annotated[str, typer.Option("--instrument", help="Instrument type "
                                            "(STK, ETF.EQ.US, FUT.US ...).")] = "STK",
    location: Annotated[str, typer.Option("--location", help="Location code "
                                          "(STK.US.MAJOR, STK.NASDAQ ...).")] = "STK.US.MAJOR",
    rows: Annotated[int, typer.Option("--rows", min=1, max=50, help="Rows (at most 50).")] = 20,
    filters: Annotated[list[str] | None, typer.Option(
        "--filter", metavar="CODE=VALUE",
        help="A filter of the scanner parameters, e.g. priceAbove=5 (repeatable).")] = None,
    quotes: Annotated[bool, typer.Option("--quotes/--no-quotes",
                                         help="Show each row's quote (a snapshot).")] = True,
    list_: Annotated[bool, typer.Option("--list", help="List the scan codes, instruments, "
                                        "locations and filters TWS offers.")] = False,
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: ClientIdOpt = DEFAULT_CLIENT_ID, timeout: TimeoutOpt = 10.0, json_: JsonOpt = False,
) -> None:
    """Run a market scanner once and print its ranked rows.

    Examples: ibwire scan TOP_PERC_GAIN; ibwire scan MOST_ACTIVE --location STK.NASDAQ
    --filter priceAbove=10 --rows 10 --json; ibwire scan --list
    """
    wanted = parse_filters(filters or [])
    if code is None and not list_:
        raise typer.BadParameter("give a scan code (ibwire scan --list shows them)",
                                 param_hint="CODE")
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        if list_:
            _listing(broker.scanner_parameters(), out)
            return
        assert code is not None
        try:
            found = broker.scan(code.upper(), instrument, location, rows, wanted)
        except ValueError as exc:
            fail(out, Problem(ExitCode.USAGE, str(exc), ["ibwire scan --list shows what TWS "
                                                         "offers"], None, "usage"))
        quoted = [_quote(broker, r, timeout) if quotes else None for r in found]
        if out.json_mode:
            for r, q in zip(found, quoted):
                out.emit(_row_json(r, q))
            return
        cols = [Col("rank", "right"), Col("symbol"), Col("type"), Col("exchange"),
                Col("currency", drop=2)]
        if quotes:
            cols += [Col("last", "right"), Col("change %", "right"), Col("volume", "right", 1)]
        table = FitTable(f"{code.upper()} {instrument} {location}", cols)
        for r, q in zip(found, quoted):
            c = r.contract
            cells = [str(r.rank), c.local_symbol or c.symbol or "", c.sec_type or "",
                     c.exchange or "", c.currency or ""]
            if q is not None:
                ch = q["change_pct"]
                cells += [fmt_price(q["last"]), "" if ch is None else f"{ch:+.2f}",
                          fmt_qty(q["volume"])]
            table.add_row(*cells)
        if not found:
            out.print(f"{code.upper()}: no rows")
        else:
            out.print(table)
