"""``ibwire search PATTERN``: the contracts TWS finds for a symbol prefix or part of a name
(REQ_MATCHING_SYMBOLS), with the sec types of their derivatives."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..models.discovery import ContractDescription
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
from .output import Output, contract_json
from .problems import guard
from .tables import Col, FitTable

__all__ = ["match_json", "matches_table"]


def match_json(d: ContractDescription) -> dict[str, Any]:
    """One match as a JSON object: the contract's identifying fields and its derivatives."""
    return {**contract_json(d.contract), "description": d.contract.description or "",
            "derivative_sec_types": list(d.derivative_sec_types)}


def matches_table(pattern: str, found: list[ContractDescription]) -> FitTable:
    table = FitTable(f"contracts matching {pattern!r}",
                     [Col("symbol"), Col("type"), Col("exchange"), Col("currency"),
                      Col("con id", "right", 2), Col("derivatives", drop=1),
                      Col("description", drop=3)])
    for d in found:
        c = d.contract
        table.add_row(c.symbol or "", c.sec_type or "", c.primary_exchange or "",
                      c.currency or "", str(c.con_id or ""), ",".join(d.derivative_sec_types),
                      c.description or "")
    return table


@app.command("search")
def search_cmd(
    pattern: Annotated[str, typer.Argument(help="A symbol prefix (AAP) or part of a company "
                                                "name (apple).")],
    host: HostOpt = DEFAULT_HOST, port: PortOpt = DEFAULT_PORT,
    client_id: ClientIdOpt = DEFAULT_CLIENT_ID, timeout: TimeoutOpt = 10.0,
    json_: JsonOpt = False,
) -> None:
    """Contracts whose symbol starts with PATTERN or whose name contains it (at most 16, as TWS
    answers), with the sec types of their derivatives (OPT, FUT ...).

    --json writes one JSON object per contract, one per line. Finding nothing is not an error
    (exit code 0, a note on stderr).

    Example: ibwire search AAP --json
    """
    if not pattern.strip():
        raise typer.BadParameter("give a symbol prefix or part of a name", param_hint="PATTERN")
    conn, out = Conn(host, port, client_id, timeout), Output(json_)
    with guard(out, conn), connect(conn) as broker:
        found = broker.search_symbols(pattern)
    if not found:
        out.info(f"no contract matches {pattern!r}")
        return
    for d in found:
        out.emit(match_json(d))
    out.print(matches_table(pattern, found))
