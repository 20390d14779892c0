"""The gateway's end-of-run report (``--report FILE`` / ``PaperGateway(report=...)``).

While the gateway runs, :class:`Recorder` samples every account's equity (NetLiquidation) once per
``interval`` seconds of market time (the replayed data's bar size, at least a minute). At stop,
:meth:`Recorder.write` writes, for ``FILE`` = ``run.csv``:

* ``run.csv`` -- PnL per instrument and account (position, average cost, last mark, realized and
  unrealized PnL, commissions, total) and a ``TOTAL`` row per account;
* ``run.fills.csv`` -- every fill (time, account, symbol, side, quantity, price, commission,
  realized PnL);
* ``run.equity.csv`` -- the equity curve (time, account, equity);
* ``run.png`` -- the equity curve drawn, when matplotlib is installed (the ``plot`` extra).

Times are market time, ISO 8601 in UTC.
"""

from __future__ import annotations

import csv
import importlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .exchange import PaperExchange

__all__ = ["Recorder", "report_paths"]

log = logging.getLogger("ibwire.gateway")

_UNSET = 1e300  # realized PnL of an opening fill is "unset" (TWS sends DBL_MAX)


def report_paths(path: str | Path) -> dict[str, Path]:
    """The files a report at ``path`` consists of: ``pnl``, ``fills``, ``equity``, ``png``."""
    p = Path(path)
    stem = p.with_suffix("") if p.suffix.lower() == ".csv" else p
    return {"pnl": stem.with_suffix(".csv"), "fills": Path(f"{stem}.fills.csv"),
            "equity": Path(f"{stem}.equity.csv"), "png": stem.with_suffix(".png")}


def _iso(t: datetime | int) -> str:
    when = datetime.fromtimestamp(t, UTC) if isinstance(t, int) else t.astimezone(UTC)
    return when.isoformat()


class Recorder:
    """Equity samples of one gateway run; :meth:`write` renders the report."""

    def __init__(self, path: str | Path, interval: int = 60) -> None:
        self.path = Path(path)
        self.interval = max(1, int(interval))
        self.samples: list[tuple[int, str, float]] = []
        self._next: int | None = None

    def sample(self, exchange: PaperExchange, force: bool = False) -> None:
        """Record each account's equity if market time reached the next sample time."""
        now = exchange.market.step_second
        if not force and self._next is not None and now < self._next:
            return
        if self.samples and self.samples[-1][0] == now:
            if not force:
                return
            self.samples = [x for x in self.samples if x[0] != now]  # the final word
        self._next = (now // self.interval + 1) * self.interval
        for code in exchange.managed_accounts:
            self.samples.append((now, code, round(exchange.accounts.net_liquidation(code), 2)))

    def write(self, exchange: PaperExchange) -> list[Path]:
        """Write the report files; return their paths."""
        self.sample(exchange, force=True)
        files = report_paths(self.path)
        files["pnl"].parent.mkdir(parents=True, exist_ok=True)
        commissions: dict[tuple[str, int], float] = {}
        with open(files["fills"], "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["time", "account", "symbol", "con_id", "side", "quantity", "price",
                        "commission", "realized_pnl", "order_id", "client_id", "exec_id"])
            for ex, contract, report in exchange.executions():
                con_id = contract.con_id or 0
                key = (ex.acct_number or "", con_id)
                commissions[key] = commissions.get(key, 0.0) + (report.commission or 0.0)
                realized = report.realized_pnl
                w.writerow([_iso(ex.time) if ex.time is not None else "", ex.acct_number,
                            contract.local_symbol or contract.symbol, con_id, ex.side,
                            ex.shares, ex.price, report.commission,
                            "" if realized is None or abs(realized) >= _UNSET
                            else round(realized, 2),
                            ex.order_id, ex.client_id, ex.exec_id])
        with open(files["pnl"], "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["account", "symbol", "con_id", "position", "average_cost", "mark",
                        "realized_pnl", "unrealized_pnl", "commissions", "total_pnl"])
            for code in exchange.managed_accounts:
                tot_r = tot_u = tot_c = 0.0
                for item in exchange.portfolio(code):
                    con_id = item.contract.con_id or 0
                    r = round(item.realized_pnl or 0.0, 2)
                    u = round(item.unrealized_pnl or 0.0, 2)
                    c = round(commissions.get((code, con_id), 0.0), 2)
                    tot_r, tot_u, tot_c = tot_r + r, tot_u + u, tot_c + c
                    w.writerow([code, item.contract.local_symbol or item.contract.symbol, con_id,
                                item.position, item.average_cost, item.market_price, r, u, c,
                                round(r + u, 2)])
                w.writerow([code, "TOTAL", "", "", "", "", round(tot_r, 2), round(tot_u, 2),
                            round(tot_c, 2), round(tot_r + tot_u, 2)])
        with open(files["equity"], "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["time", "account", "equity"])
            for t, code, eq in self.samples:
                w.writerow([_iso(t), code, eq])
        out = [files["pnl"], files["fills"], files["equity"]]
        if self._plot(files["png"]):
            out.append(files["png"])
        log.info("report written: %s", ", ".join(str(p) for p in out))
        return out

    def _plot(self, png: Path) -> bool:
        try:
            importlib.import_module("matplotlib").use("Agg")
            plt = importlib.import_module("matplotlib.pyplot")
        except ImportError:
            log.info("no equity chart: matplotlib is not installed (pip install 'ibwire[plot]')")
            return False
        fig, ax = plt.subplots(figsize=(10, 4))
        for code in sorted({c for _t, c, _e in self.samples}):
            pts = [(datetime.fromtimestamp(t, UTC), e) for t, c, e in self.samples if c == code]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=code)
        ax.set_title("equity (NetLiquidation)")
        ax.legend()
        fig.autofmt_xdate()
        fig.savefig(png, dpi=100)
        plt.close(fig)
        return True
