"""SQLite persistence for the paper exchange (stdlib ``sqlite3``, WAL journal).

Real tables, one per kind of state: ``meta`` (seed, market start and step, perm id and exec id
counters), ``accounts`` + ``cash``, ``positions``, ``orders`` (every order, open ones included: the
main fields as columns plus the full :class:`~ibwire.models.Order` and contract as JSON),
``executions`` (with their commission reports) and ``order_id_floors`` (the highest order id each
client id has used). Writes happen inside one open transaction; :meth:`Store.commit` ends it, so
saving after every operation costs one commit of the rows that changed.

The JSON of orders and contracts is a tagged form of the dataclasses (``{"$cls":
"ibwire.models.order:Order", ...}``); decoding only instantiates dataclasses from ``ibwire``
modules, ignores fields a newer or older model does not have, and leaves missing fields at their
defaults, so a state file survives model changes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ..models.contract import Contract
from ..models.execution import CommissionReport, Execution
from ..models.order import Order
from ..models.serialize import from_json, to_json
from .accounts import PositionRecord
from .order_events import OrderRecord

__all__ = ["Store", "StoredState", "to_json", "from_json", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account TEXT PRIMARY KEY, ordinal INTEGER NOT NULL, realized_pnl REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cash (
    account TEXT NOT NULL, currency TEXT NOT NULL, amount REAL NOT NULL,
    PRIMARY KEY (account, currency));
CREATE TABLE IF NOT EXISTS positions (
    account TEXT NOT NULL, con_id INTEGER NOT NULL, quantity TEXT NOT NULL,
    avg_cost REAL NOT NULL, avg_price REAL NOT NULL, realized_pnl REAL NOT NULL,
    PRIMARY KEY (account, con_id));
CREATE TABLE IF NOT EXISTS orders (
    perm_id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL, order_id INTEGER NOT NULL,
    con_id INTEGER NOT NULL, account TEXT NOT NULL, action TEXT, order_type TEXT,
    total_quantity TEXT, lmt_price REAL, aux_price REAL, tif TEXT, order_ref TEXT,
    status TEXT NOT NULL, filled TEXT NOT NULL, remaining TEXT NOT NULL,
    avg_fill_price REAL NOT NULL, last_fill_price REAL NOT NULL, why_held TEXT NOT NULL,
    triggered INTEGER NOT NULL, trading_day TEXT NOT NULL, submitted_at TEXT NOT NULL,
    completed_at TEXT, completed_status TEXT NOT NULL, commission REAL NOT NULL,
    contract_json TEXT NOT NULL, order_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_by_client ON orders (client_id, order_id);
CREATE TABLE IF NOT EXISTS executions (
    exec_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, perm_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL, order_id INTEGER NOT NULL, con_id INTEGER NOT NULL,
    account TEXT NOT NULL, time TEXT NOT NULL, exchange TEXT NOT NULL, side TEXT NOT NULL,
    shares TEXT NOT NULL, price REAL NOT NULL, cum_qty TEXT NOT NULL, avg_price REAL NOT NULL,
    order_ref TEXT, last_liquidity INTEGER NOT NULL, contract_json TEXT NOT NULL,
    commission REAL NOT NULL, commission_currency TEXT NOT NULL, realized_pnl REAL);
CREATE TABLE IF NOT EXISTS order_id_floors (
    client_id INTEGER PRIMARY KEY, max_order_id INTEGER NOT NULL);
"""


# --- tagged JSON for model dataclasses -------------------------------------------------------------

# --- the store ---------------------------------------------------------------------------------------

@dataclass(slots=True)
class StoredState:
    """Everything :meth:`Store.load` found (empty containers for a new file)."""

    meta: dict[str, str] = field(default_factory=dict)
    accounts: list[tuple[str, float]] = field(default_factory=list)  # (account, realized PnL)
    cash: list[tuple[str, str, float]] = field(default_factory=list)  # (account, ccy, amount)
    positions: list[PositionRecord] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)  # by perm id
    executions: list[tuple[Execution, Contract, CommissionReport]] = field(default_factory=list)
    floors: dict[int, int] = field(default_factory=dict)  # client id -> highest order id used

    @property
    def empty(self) -> bool:
        return not self.meta


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Store:
    """One SQLite state file. Open it, :meth:`load`, write with the ``put_*`` methods, then
    :meth:`commit` (cheap: one transaction) and finally :meth:`close`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._in_tx = False

    def _tx(self) -> sqlite3.Connection:
        if not self._in_tx:
            self._db.execute("BEGIN")
            self._in_tx = True
        return self._db

    # --- reading ---------------------------------------------------------------------------------
    def load(self) -> StoredState:
        """Read the whole state."""
        db = self._db
        st = StoredState()
        st.meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        st.accounts = [(a, r) for a, r in db.execute(
            "SELECT account, realized_pnl FROM accounts ORDER BY ordinal")]
        st.cash = list(db.execute("SELECT account, currency, amount FROM cash"))
        st.positions = [
            PositionRecord(a, c, Decimal(q), ac, ap, r) for a, c, q, ac, ap, r in db.execute(
                "SELECT account, con_id, quantity, avg_cost, avg_price, realized_pnl "
                "FROM positions")]
        for row in db.execute(
                "SELECT client_id, order_id, perm_id, con_id, account, status, filled, remaining,"
                " avg_fill_price, last_fill_price, why_held, triggered, trading_day, submitted_at,"
                " completed_at, completed_status, commission, contract_json, order_json"
                " FROM orders ORDER BY perm_id"):
            contract = from_json(row[17])
            order = from_json(row[18])
            if not isinstance(contract, Contract) or not isinstance(order, Order):
                raise ValueError(f"corrupt order row for perm id {row[2]}")
            st.orders.append(OrderRecord(
                client_id=row[0], order_id=row[1], perm_id=row[2], con_id=row[3],
                account=row[4], contract=contract, order=order, status=row[5],
                filled=Decimal(row[6]), remaining=Decimal(row[7]), avg_fill_price=row[8],
                last_fill_price=row[9], why_held=row[10], triggered=bool(row[11]),
                trading_day=row[12], submitted_at=datetime.fromisoformat(row[13]),
                completed_at=_dt(row[14]), completed_status=row[15], commission=row[16]))
        for row in db.execute(
                "SELECT exec_id, perm_id, client_id, order_id, account, time, exchange, side,"
                " shares, price, cum_qty, avg_price, order_ref, last_liquidity, contract_json,"
                " commission, commission_currency, realized_pnl FROM executions ORDER BY seq"):
            contract = from_json(row[14])
            execution = Execution(
                exec_id=row[0], time=datetime.fromisoformat(row[5]), acct_number=row[4],
                exchange=row[6], side=row[7], shares=Decimal(row[8]), price=row[9],
                perm_id=row[1], client_id=row[2], order_id=row[3], liquidation=0,
                cum_qty=Decimal(row[10]), avg_price=row[11], order_ref=row[12],
                last_liquidity=row[13])
            report = CommissionReport(exec_id=row[0], commission=row[15], currency=row[16],
                                      realized_pnl=row[17])
            st.executions.append((execution, contract, report))
        st.floors = dict(db.execute("SELECT client_id, max_order_id FROM order_id_floors"))
        return st

    # --- writing ---------------------------------------------------------------------------------
    def put_meta(self, values: dict[str, str | int]) -> None:
        self._tx().executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                               [(k, str(v)) for k, v in values.items()])

    def put_account(self, account: str, ordinal: int, realized_pnl: float,
                    cash: dict[str, float]) -> None:
        db = self._tx()
        db.execute("INSERT OR REPLACE INTO accounts (account, ordinal, realized_pnl) "
                   "VALUES (?, ?, ?)", (account, ordinal, realized_pnl))
        db.executemany("INSERT OR REPLACE INTO cash (account, currency, amount) VALUES (?, ?, ?)",
                       [(account, ccy, amount) for ccy, amount in cash.items()])

    def put_position(self, pos: PositionRecord) -> None:
        self._tx().execute(
            "INSERT OR REPLACE INTO positions (account, con_id, quantity, avg_cost, avg_price, "
            "realized_pnl) VALUES (?, ?, ?, ?, ?, ?)",
            (pos.account, pos.con_id, str(pos.quantity), pos.avg_cost, pos.avg_price,
             pos.realized_pnl))

    def put_order(self, rec: OrderRecord) -> None:
        o = rec.order
        self._tx().execute(
            "INSERT OR REPLACE INTO orders (perm_id, client_id, order_id, con_id, account, action,"
            " order_type, total_quantity, lmt_price, aux_price, tif, order_ref, status, filled,"
            " remaining, avg_fill_price, last_fill_price, why_held, triggered, trading_day,"
            " submitted_at, completed_at, completed_status, commission, contract_json, order_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (rec.perm_id, rec.client_id, rec.order_id, rec.con_id, rec.account, o.action,
             o.order_type, str(o.total_quantity), o.lmt_price, o.aux_price, o.tif, o.order_ref,
             rec.status, str(rec.filled), str(rec.remaining), rec.avg_fill_price,
             rec.last_fill_price, rec.why_held, int(rec.triggered), rec.trading_day,
             rec.submitted_at.isoformat(),
             rec.completed_at.isoformat() if rec.completed_at else None, rec.completed_status,
             rec.commission, to_json(rec.contract), to_json(o)))

    def put_execution(self, seq: int, con_id: int, execution: Execution, contract: Contract,
                      report: CommissionReport) -> None:
        e = execution
        if e.time is None:
            raise ValueError("an execution needs a time")
        self._tx().execute(
            "INSERT OR REPLACE INTO executions (exec_id, seq, perm_id, client_id, order_id, con_id,"
            " account, time, exchange, side, shares, price, cum_qty, avg_price, order_ref,"
            " last_liquidity, contract_json, commission, commission_currency, realized_pnl)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (e.exec_id, seq, e.perm_id, e.client_id, e.order_id, con_id, e.acct_number,
             e.time.isoformat(), e.exchange, e.side, str(e.shares), e.price, str(e.cum_qty),
             e.avg_price, e.order_ref, e.last_liquidity or 0, to_json(contract),
             report.commission or 0.0, report.currency or "USD", report.realized_pnl))

    def put_floor(self, client_id: int, max_order_id: int) -> None:
        self._tx().execute("INSERT OR REPLACE INTO order_id_floors (client_id, max_order_id) "
                           "VALUES (?, ?)", (client_id, max_order_id))

    def commit(self) -> None:
        """End the open transaction (no-op if nothing was written)."""
        if self._in_tx:
            self._db.execute("COMMIT")
            self._in_tx = False

    def close(self) -> None:
        """Commit and close the file."""
        self.commit()
        self._db.close()
