"""The order journal: every order intent, status change, execution and commission, on disk.

``Broker.connect(..., journal="orders.db")`` opens a :class:`SqliteJournal` (stdlib ``sqlite3``, WAL);
without one the Broker keeps a :class:`MemoryJournal` for its lifetime. Both have the same methods,
so submit-once and reconciliation are written once.

Durability: an intent is committed with ``synchronous=FULL`` (fsync: it survives an OS crash), the
rest with ``synchronous=NORMAL`` (it survives the process being killed; after an OS crash the last
status changes and fills may be missing, and the next reconciliation fetches them from TWS again --
an intent is the one thing TWS cannot give back).

What is recorded, and when:

* an order **intent** (client order id, client id, order id, contract, order, time) is committed
  *before* the PLACE_ORDER bytes are handed to the socket, so a process killed right after sending
  finds it on restart. Its ``state`` is ``recorded`` until TWS acknowledges the order
  (``acknowledged``), rejects it (``rejected``), or reconciliation finds that TWS never heard of it
  (``unknown``: reported, never re-sent);
* every status change (status, filled, remaining, average price, perm id), also appended to a log;
* every execution, unique by exec id, and every commission report (also one that arrived first);
* the highest order id used per client id, so a TWS restart that lowers NEXT_VALID_ID cannot make the
  Broker reuse an id (error 103).

The SQLite file is opened with ``locking_mode=EXCLUSIVE``: one process (one Broker) owns a journal at
a time; a second one gets a clear error instead of silently sharing order ids. Within one process the
error names the Broker holding the file; a Broker that went OFFLINE for good (dropped, not
reconnecting) or was disconnected has already released it. The lock dies with the process, so a
crashed process's journal opens at once on restart.

Contracts, orders and executions are stored as tagged JSON of the model dataclasses (only classes of
``ibwire.models`` are ever instantiated when reading; unknown fields are ignored, missing ones keep
their defaults).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import IbwireError
from ..models import CommissionReport, Contract, Execution, Order
from ..models.serialize import from_json as _from_json
from ..models.serialize import to_json as _to_json

__all__ = ["IntentRecord", "StoredFill", "Journal", "MemoryJournal", "SqliteJournal",
           "JournalError", "open_journal", "to_json", "from_json", "TERMINAL_STATUSES"]

TERMINAL_STATUSES = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})

RECORDED, ACKNOWLEDGED, REJECTED, UNKNOWN = "recorded", "acknowledged", "rejected", "unknown"


class JournalError(IbwireError):
    """The journal cannot be opened or written (in use by another process, unreadable ...)."""


# --- tagged JSON of model dataclasses -----------------------------------------------------------

def to_json(obj: Any) -> str:
    """Tagged JSON of a model dataclass (or a value made of them)."""
    return _to_json(obj)


def from_json(text: str) -> Any:
    """The inverse of :func:`to_json`; a record it will not load is a JournalError."""
    try:
        return _from_json(text)
    except ValueError as exc:
        raise JournalError(f"unreadable journal record: {exc}") from None


# --- records ------------------------------------------------------------------------------------

@dataclass(slots=True)
class IntentRecord:
    """One order the Broker sent (or was about to send), as the journal knows it."""

    client_id: int
    order_id: int
    contract: Contract
    order: Order
    client_order_id: str | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: str = RECORDED
    status: str = "PendingSubmit"
    filled: Decimal = Decimal(0)
    remaining: Decimal | None = None
    avg_fill_price: float | None = None
    perm_id: int | None = None
    reject_code: int | None = None
    reject_text: str | None = None

    @property
    def terminal(self) -> bool:
        """Filled, cancelled, rejected or known to TWS never: nothing more will happen to it."""
        return self.status in TERMINAL_STATUSES or self.state in (REJECTED, UNKNOWN)


@dataclass(slots=True)
class StoredFill:
    contract: Contract
    execution: Execution
    commission_report: CommissionReport | None = None

    @property
    def exec_id(self) -> str | None:
        return self.execution.exec_id


# --- the interface ------------------------------------------------------------------------------

class Journal:
    """What the Broker needs from a journal; :class:`MemoryJournal` keeps it in memory."""

    path: Path | None = None

    def __init__(self) -> None:
        self.closed = False
        self._lock = threading.RLock()
        self._intents: dict[tuple[int, int], IntentRecord] = {}
        self._by_ref: dict[str, IntentRecord] = {}
        self._fills: dict[str, StoredFill] = {}
        self._commissions: dict[str, CommissionReport] = {}  # reports whose execution is unknown
        self._max_ids: dict[int, int] = {}
        self._last_exec_time: datetime | None = None

    # reading -------------------------------------------------------------------------------------

    def lookup(self, client_order_id: str) -> IntentRecord | None:
        """The intent recorded under ``client_order_id``, if any."""
        with self._lock:
            return self._by_ref.get(client_order_id)

    def intent(self, client_id: int, order_id: int) -> IntentRecord | None:
        with self._lock:
            return self._intents.get((client_id, order_id))

    def intents(self) -> list[IntentRecord]:
        """Every intent, oldest first."""
        with self._lock:
            return sorted(self._intents.values(), key=lambda r: (r.created, r.order_id))

    def fills(self) -> list[StoredFill]:
        """Every execution recorded, oldest first, with its commission report when known."""
        with self._lock:
            return list(self._fills.values())

    def max_order_id(self, client_id: int) -> int:
        """The highest order id the journal has seen for ``client_id`` (0 when none)."""
        with self._lock:
            return self._max_ids.get(client_id, 0)

    def last_execution_time(self) -> datetime | None:
        with self._lock:
            return self._last_exec_time

    # writing -------------------------------------------------------------------------------------

    def record_intent(self, rec: IntentRecord) -> IntentRecord:
        """Record an intent before it is sent. Returns ``rec``, or the intent already recorded under
        the same client order id (then nothing is written: the caller must not send)."""
        with self._lock:
            if rec.client_order_id is not None:
                existing = self._by_ref.get(rec.client_order_id)
                if existing is not None:
                    return existing
            key = (rec.client_id, rec.order_id)
            if key in self._intents:
                raise JournalError(f"order id {rec.order_id} of client {rec.client_id} is already "
                                   f"in the journal")
            self._write_intent(rec)
            self._intents[key] = rec
            if rec.client_order_id is not None:
                self._by_ref[rec.client_order_id] = rec
            self._note_id(rec.client_id, rec.order_id)
            return rec

    def forget(self, rec: IntentRecord) -> None:
        """Remove an intent that provably never reached the socket (so it may be sent later)."""
        with self._lock:
            self._delete_intent(rec)
            self._intents.pop((rec.client_id, rec.order_id), None)
            if rec.client_order_id is not None and self._by_ref.get(rec.client_order_id) is rec:
                del self._by_ref[rec.client_order_id]

    def update(self, rec: IntentRecord, **changes: Any) -> bool:
        """Apply status changes to ``rec`` (state, status, filled ...); True when something changed
        (then it is written and logged)."""
        with self._lock:
            changed = {k: v for k, v in changes.items() if getattr(rec, k) != v}
            if not changed:
                return False
            if rec.state in (ACKNOWLEDGED, REJECTED) and changed.get("state") == RECORDED:
                del changed["state"]  # never downgrade
            for k, v in changed.items():
                setattr(rec, k, v)
            self._write_update(rec, changed)
            return True

    def note_order_id(self, client_id: int, order_id: int) -> None:
        """Remember that TWS has seen ``order_id`` for ``client_id``."""
        with self._lock:
            if order_id > self._max_ids.get(client_id, 0):
                self._note_id(client_id, order_id)

    def record_execution(self, contract: Contract, execution: Execution) -> StoredFill | None:
        """Record an execution; None when its exec id is already recorded. A commission report that
        came first is attached."""
        exec_id = execution.exec_id or ""
        with self._lock:
            if exec_id in self._fills:
                return None
            fill = StoredFill(contract, execution, self._commissions.pop(exec_id, None))
            self._fills[exec_id] = fill
            t = execution.time
            if t is not None and (self._last_exec_time is None or t > self._last_exec_time):
                self._last_exec_time = t
            self._write_execution(fill)
            return fill

    def record_commission(self, report: CommissionReport) -> bool:
        """Record a commission report (kept aside until its execution is recorded); True if new."""
        exec_id = report.exec_id or ""
        with self._lock:
            fill = self._fills.get(exec_id)
            if fill is not None:
                if fill.commission_report == report:
                    return False
                fill.commission_report = report
            elif self._commissions.get(exec_id) == report:
                return False
            else:
                self._commissions[exec_id] = report
            self._write_commission(report)
            return True

    def close(self) -> None:
        """Release the journal (the SQLite file is closed)."""

    # storage hooks (no-ops in memory) ------------------------------------------------------------

    def _note_id(self, client_id: int, order_id: int) -> None:
        self._max_ids[client_id] = max(order_id, self._max_ids.get(client_id, 0))

    def _write_intent(self, rec: IntentRecord) -> None:
        pass

    def _delete_intent(self, rec: IntentRecord) -> None:
        pass

    def _write_update(self, rec: IntentRecord, changed: dict[str, Any]) -> None:
        pass

    def _write_execution(self, fill: StoredFill) -> None:
        pass

    def _write_commission(self, report: CommissionReport) -> None:
        pass


class MemoryJournal(Journal):
    """The journal of a Broker without a file: the same bookkeeping, for the Broker's lifetime."""

    def __repr__(self) -> str:
        return f"<MemoryJournal {len(self._intents)} intents, {len(self._fills)} fills>"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intents (
    client_id INTEGER NOT NULL, order_id INTEGER NOT NULL, client_order_id TEXT UNIQUE,
    created TEXT NOT NULL, state TEXT NOT NULL, status TEXT NOT NULL, filled TEXT NOT NULL,
    remaining TEXT, avg_fill_price REAL, perm_id INTEGER, reject_code INTEGER, reject_text TEXT,
    contract_json TEXT NOT NULL, order_json TEXT NOT NULL,
    PRIMARY KEY (client_id, order_id));
CREATE TABLE IF NOT EXISTS status_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, client_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL, changes_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    exec_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, time TEXT, client_id INTEGER,
    order_id INTEGER, perm_id INTEGER, order_ref TEXT, contract_json TEXT NOT NULL,
    execution_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS commissions (
    exec_id TEXT PRIMARY KEY, report_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_ids (
    client_id INTEGER PRIMARY KEY, max_order_id INTEGER NOT NULL);
"""

SCHEMA_VERSION = "1"


_OPEN: weakref.WeakValueDictionary[str, SqliteJournal] = weakref.WeakValueDictionary()
"""The journal files open in this process (resolved path -> journal), to name a holder."""
_OPEN_LOCK = threading.Lock()


def _file_key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


class SqliteJournal(Journal):
    """The journal in an SQLite file (WAL, intents fsynced, exclusive to one process)."""

    owner: object | None = None
    """Who uses this journal (the Broker sets itself), named in the error a second user gets."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._key = _file_key(self.path)
        with _OPEN_LOCK:
            holder = _OPEN.get(self._key)
            if holder is not None and not holder.closed:
                raise JournalError(self._in_use_here(holder))
        try:
            self._db = sqlite3.connect(str(self.path), timeout=0.5, isolation_level=None,
                                       check_same_thread=False)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the order journal {self.path}: {exc}") from None
        try:
            self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            # a write takes the exclusive lock now (or fails at once) and holds it until close()
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('opened', ?)",
                             (datetime.now(UTC).isoformat(),))
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise JournalError(f"the order journal {self.path} has schema {row[0]}; this "
                                   f"ibwire reads schema {SCHEMA_VERSION}")
            self._load()
        except sqlite3.OperationalError as exc:
            self._db.close()
            if "locked" in str(exc):
                with _OPEN_LOCK:
                    holder = _OPEN.get(self._key)
                if holder is not None and not holder.closed:
                    raise JournalError(self._in_use_here(holder)) from None
                raise JournalError(
                    f"the order journal {self.path} is in use by another process (one Broker per "
                    f"journal; this is process {os.getpid()})") from None
            raise JournalError(f"cannot open the order journal {self.path}: {exc}") from None
        except BaseException:
            self._db.close()
            raise
        self._seq = len(self._fills)
        with _OPEN_LOCK:
            _OPEN[self._key] = self

    def _in_use_here(self, holder: SqliteJournal) -> str:
        who = holder.owner
        name = repr(who) if who is not None else f"a journal object ({holder!r})"
        return (f"the order journal {self.path} is in use by {name} in this process (pid "
                f"{os.getpid()}); one Broker per journal: disconnect() that Broker first, or keep "
                f"using it")

    def __repr__(self) -> str:
        return f"<SqliteJournal {self.path} {len(self._intents)} intents, {len(self._fills)} fills>"

    def _load(self) -> None:
        db = self._db
        for (cid, oid, ref, created, state, status, filled, remaining, avg, perm, rcode, rtext,
             cjson, ojson) in db.execute(
                "SELECT client_id, order_id, client_order_id, created, state, status, filled, "
                "remaining, avg_fill_price, perm_id, reject_code, reject_text, contract_json, "
                "order_json FROM intents ORDER BY created, order_id"):
            rec = IntentRecord(cid, oid, from_json(cjson), from_json(ojson), ref,
                               datetime.fromisoformat(created), state, status, Decimal(filled),
                               Decimal(remaining) if remaining is not None else None, avg, perm,
                               rcode, rtext)
            self._intents[(cid, oid)] = rec
            if ref is not None:
                self._by_ref[ref] = rec
            self._max_ids[cid] = max(oid, self._max_ids.get(cid, 0))
        for cid, max_id in db.execute("SELECT client_id, max_order_id FROM order_ids"):
            self._max_ids[cid] = max(max_id, self._max_ids.get(cid, 0))
        reports = {exec_id: from_json(rjson) for exec_id, rjson in
                   db.execute("SELECT exec_id, report_json FROM commissions")}
        for exec_id, cjson, ejson in db.execute(
                "SELECT exec_id, contract_json, execution_json FROM executions ORDER BY seq"):
            ex: Execution = from_json(ejson)
            self._fills[exec_id] = StoredFill(from_json(cjson), ex, reports.pop(exec_id, None))
            if ex.time is not None and (self._last_exec_time is None or ex.time > self._last_exec_time):
                self._last_exec_time = ex.time
        self._commissions = reports

    def _run(self, sql: str, args: Iterable[Any] = ()) -> None:
        try:
            self._db.execute(sql, tuple(args))
        except sqlite3.Error as exc:
            raise JournalError(f"cannot write the order journal {self.path}: {exc}") from exc

    def _write_intent(self, rec: IntentRecord) -> None:
        self._run("PRAGMA synchronous=FULL")  # this commit is fsynced
        try:
            self._write_intent_tx(rec)
        finally:
            self._run("PRAGMA synchronous=NORMAL")

    def _write_intent_tx(self, rec: IntentRecord) -> None:
        self._run("BEGIN")
        try:
            self._run(
                "INSERT INTO intents (client_id, order_id, client_order_id, created, state, status, "
                "filled, remaining, avg_fill_price, perm_id, reject_code, reject_text, "
                "contract_json, order_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (rec.client_id, rec.order_id, rec.client_order_id, rec.created.isoformat(),
                 rec.state, rec.status, str(rec.filled),
                 None if rec.remaining is None else str(rec.remaining), rec.avg_fill_price,
                 rec.perm_id, rec.reject_code, rec.reject_text, to_json(rec.contract),
                 to_json(rec.order)))
            self._log(rec, {"state": rec.state, "status": rec.status})
            self._upsert_id(rec.client_id, rec.order_id)
            self._run("COMMIT")  # durable before the order's bytes are written
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _delete_intent(self, rec: IntentRecord) -> None:
        self._run("DELETE FROM intents WHERE client_id=? AND order_id=?",
                  (rec.client_id, rec.order_id))

    def _write_update(self, rec: IntentRecord, changed: dict[str, Any]) -> None:
        self._run("BEGIN")
        try:
            self._run(
                "UPDATE intents SET state=?, status=?, filled=?, remaining=?, avg_fill_price=?, "
                "perm_id=?, reject_code=?, reject_text=? WHERE client_id=? AND order_id=?",
                (rec.state, rec.status, str(rec.filled),
                 None if rec.remaining is None else str(rec.remaining), rec.avg_fill_price,
                 rec.perm_id, rec.reject_code, rec.reject_text, rec.client_id, rec.order_id))
            self._log(rec, changed)
            self._run("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _log(self, rec: IntentRecord, changed: dict[str, Any]) -> None:
        self._run("INSERT INTO status_log (time, client_id, order_id, changes_json) VALUES (?,?,?,?)",
                  (datetime.now(UTC).isoformat(), rec.client_id, rec.order_id, to_json(changed)))

    def _upsert_id(self, client_id: int, order_id: int) -> None:
        self._run("INSERT INTO order_ids (client_id, max_order_id) VALUES (?, ?) "
                  "ON CONFLICT(client_id) DO UPDATE SET max_order_id=max(max_order_id, excluded.max_order_id)",
                  (client_id, order_id))

    def _note_id(self, client_id: int, order_id: int) -> None:
        super()._note_id(client_id, order_id)
        self._upsert_id(client_id, order_id)

    def _write_execution(self, fill: StoredFill) -> None:
        ex = fill.execution
        self._seq += 1
        self._run(
            "INSERT OR IGNORE INTO executions (exec_id, seq, time, client_id, order_id, perm_id, "
            "order_ref, contract_json, execution_json) VALUES (?,?,?,?,?,?,?,?,?)",
            (ex.exec_id or "", self._seq, ex.time.isoformat() if ex.time else None, ex.client_id,
             ex.order_id, ex.perm_id, ex.order_ref, to_json(fill.contract), to_json(ex)))

    def _write_commission(self, report: CommissionReport) -> None:
        self._run("INSERT OR REPLACE INTO commissions (exec_id, report_json) VALUES (?, ?)",
                  (report.exec_id or "", to_json(report)))

    def status_log(self, client_id: int, order_id: int) -> list[tuple[datetime, dict[str, Any]]]:
        """Every recorded change of one order: ``(time, {field: new value})``, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT time, changes_json FROM status_log WHERE client_id=? AND order_id=? "
                "ORDER BY seq", (client_id, order_id)).fetchall()
        return [(datetime.fromisoformat(t), from_json(c)) for t, c in rows]

    def close(self) -> None:
        with self._lock:
            self.closed = True
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        with _OPEN_LOCK:
            if _OPEN.get(self._key) is self:
                del _OPEN[self._key]


def open_journal(journal: str | Path | Journal | None) -> Journal:
    """A journal from what ``Broker.connect(journal=...)`` was given: a path, a Journal, or None
    (a :class:`MemoryJournal`)."""
    if journal is None:
        return MemoryJournal()
    if isinstance(journal, Journal):
        return journal
    return SqliteJournal(journal)
