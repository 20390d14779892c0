"""Reading recorded market data for the paper gateway (see :mod:`.replay` for what is made of it).

Formats (the symbol is not in the file: ``SYMBOL=FILE``, else the file name's stem, ``AAPL.csv``):

* **bars** -- the CSV ``ibwire bars --csv`` writes: ``time,open,high,low,close,volume[,wap,
  bar_count]``. Intraday times are ISO 8601 with an offset (``2026-11-20 09:30:00-05:00``) or epoch
  seconds; a bare date (``2026-11-20``, daily bars) stands for that day's regular session.
* **ticks** -- ``time,price,size[,bid,ask]`` (times as above, fractions of a second allowed).
* **Parquet** -- either layout, with the ``parquet`` extra (pyarrow).

Validation: a missing column, an unreadable number or time, a naive time, high below low (or not
around open and close), a negative volume or size, a crossed quote or a time going backwards is a
:class:`DataFileError` naming the file and the line.
"""

from __future__ import annotations

import csv
import importlib
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from os import PathLike
from pathlib import Path

from ..models.contract import Contract

__all__ = ["DataFileError", "DataSet", "load_data", "load_all", "contract_for"]

_BAR_COLS = ("time", "open", "high", "low", "close")
_TICK_COLS = ("time", "price", "size")


class DataFileError(ValueError):
    """A data file the gateway cannot replay; ``path`` and ``line`` (1-based, the header is line
    1; 0 for the whole file) say where."""

    def __init__(self, path: str | PathLike[str], line: int, problem: str) -> None:
        where = f"{path}, line {line}" if line else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


@dataclass(slots=True)
class DataSet:
    """The rows of one data file: ``kind`` ``"bars"`` or ``"ticks"``. Bars are
    ``(start, open, high, low, close, volume)`` with ``start`` an epoch second or a date (daily);
    ticks ``(epoch seconds, price, size, bid, ask)``."""

    symbol: str
    path: Path
    kind: str
    bars: list[tuple[int | date, float, float, float, float, int]] = field(default_factory=list)
    ticks: list[tuple[float, float, int, float | None, float | None]] = field(
        default_factory=list)

    @property
    def start(self) -> datetime:
        """The first bar's start or the first tick (UTC; a daily bar's date at 00:00 UTC until the
        instrument's session is known, see :meth:`DataPath.first_second`)."""
        if self.kind == "ticks":
            return datetime.fromtimestamp(math.floor(self.ticks[0][0]), tz=timezone.utc)
        t = self.bars[0][0]
        if isinstance(t, int):
            return datetime.fromtimestamp(t, tz=timezone.utc)
        return datetime(t.year, t.month, t.day, tzinfo=timezone.utc)


# --- reading ----------------------------------------------------------------------------------

def _split_spec(spec: str | PathLike[str]) -> tuple[str, Path]:
    text = str(spec)
    head, eq, tail = text.partition("=")
    if eq and head and "/" not in head and "\\" not in head:
        return head.strip().upper(), Path(tail)
    path = Path(text)
    name = path.name
    for suffix in (".csv", ".parquet", ".pq", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.upper(), path


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row with lower-cased keys) of a CSV or Parquet file."""
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            pq = importlib.import_module("pyarrow.parquet")
        except ImportError:
            raise DataFileError(path, 0, "reading Parquet needs pyarrow: pip install "
                                         "'ibwire[parquet]' (or pip install pyarrow), or give "
                                         "the data as CSV") from None
        table = pq.read_table(path)
        for i, row in enumerate(table.to_pylist(), start=2):
            yield i, {str(k).strip().lower(): ("" if v is None else _text(v))
                      for k, v in row.items()}
        return
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise DataFileError(path, 0, f"cannot read it: {exc.strerror or exc}") from None
    with fh:
        reader = csv.reader(fh)
        header: list[str] | None = None
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip().lower() for c in row]
                yield 1, {"__header__": ",".join(header)}
                continue
            if len(row) > len(header):
                raise DataFileError(path, line, f"{len(row)} fields, the header has "
                                                f"{len(header)}")
            yield line, {header[i]: row[i].strip() for i in range(len(row))}


def _text(v: object) -> str:
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


_EPOCH_RE = re.compile(r"^\d{9,11}(\.\d+)?$")


def _parse_time(text: str, *, allow_date: bool) -> float | date:
    t = text.strip()
    if not t:
        raise ValueError("no time")
    if _EPOCH_RE.match(t):
        return float(t)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{8}", t):
        if not allow_date:
            raise ValueError(f"time {t!r} is a date: ticks need a time with a zone")
        return date.fromisoformat(t) if "-" in t else datetime.strptime(t, "%Y%m%d").date()
    try:
        when = datetime.fromisoformat(t)
    except ValueError:
        raise ValueError(f"cannot read the time {t!r}: write ISO 8601 with an offset "
                         "(2026-11-20 09:30:00-05:00) or epoch seconds") from None
    if when.tzinfo is None:
        raise ValueError(f"time {t!r} has no zone: add an offset (2026-11-20 09:30:00-05:00)")
    return when.timestamp()


def _num(row: dict[str, str], name: str, *, optional: bool = False) -> float | None:
    raw = row.get(name, "").strip()
    if not raw:
        if optional:
            return None
        raise ValueError(f"no {name}")
    try:
        v = float(raw)
    except ValueError:
        raise ValueError(f"{name} {raw!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} {raw!r} is not a finite number")
    return v


def _count(row: dict[str, str], name: str) -> int:
    raw = row.get(name, "").strip()
    if not raw:
        return 0
    try:
        v = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{name} {raw!r} is not a number") from None
    if v == -1:  # what TWS sends for bars without volume (MIDPOINT, forex)
        return 0
    if not v.is_finite() or v < 0:
        raise ValueError(f"{name} {raw!r} is negative")
    return int(v)


def load_data(spec: str | PathLike[str]) -> DataSet:
    """Read one file: ``"SYMBOL=FILE"`` or ``"FILE"`` (the symbol is the file name's stem).
    Raises :class:`DataFileError` naming the file and the line of the first bad row."""
    symbol, path = _split_spec(spec)
    if not symbol:
        raise DataFileError(path, 0, "no symbol: write SYMBOL=FILE or name the file SYMBOL.csv")
    ds: DataSet | None = None
    prev: float | date | None = None
    for line, row in _rows(path):
        if "__header__" in row:
            cols = row["__header__"].split(",")
            ds = _new_set(symbol, path, cols)
            continue
        if ds is None:
            ds = _new_set(symbol, path, list(row))
        try:
            if ds.kind == "bars":
                t = _parse_time(row.get("time", ""), allow_date=True)
                o, h, lo, c = (_num(row, k) for k in ("open", "high", "low", "close"))
                assert o is not None and h is not None and lo is not None and c is not None
                if h < lo:
                    raise ValueError(f"high {h!r} is below low {lo!r}")
                if not lo <= o <= h or not lo <= c <= h:
                    raise ValueError(f"open {o!r} and close {c!r} must lie between low {lo!r} "
                                     f"and high {h!r}")
                vol = _count(row, "volume")
                start: int | date = t if isinstance(t, date) else math.floor(t)
                if prev is not None and (type(prev) is not type(start) or start <= prev):
                    raise ValueError(f"time {row.get('time')!r} is not after the previous bar's")
                prev = start
                ds.bars.append((start, o, h, lo, c, vol))
            else:
                t = _parse_time(row.get("time", ""), allow_date=False)
                assert isinstance(t, float)
                p = _num(row, "price")
                assert p is not None
                size = _count(row, "size")
                bid, ask = _num(row, "bid", optional=True), _num(row, "ask", optional=True)
                if (bid is None) != (ask is None):
                    raise ValueError("give both bid and ask, or neither")
                if bid is not None and ask is not None and ask < bid:
                    raise ValueError(f"crossed quote: ask {ask!r} below bid {bid!r}")
                if prev is not None and t < prev:  # type: ignore[operator]
                    raise ValueError(f"time {row.get('time')!r} is before the previous tick's")
                prev = t
                ds.ticks.append((t, p, size, bid, ask))
        except ValueError as exc:
            raise DataFileError(path, line, str(exc)) from None
    if ds is None or not (ds.bars or ds.ticks):
        raise DataFileError(path, 0, "no data rows")
    return ds


def _new_set(symbol: str, path: Path, cols: Sequence[str]) -> DataSet:
    have = set(cols)
    if all(c in have for c in _BAR_COLS):
        return DataSet(symbol, path, "bars")
    if all(c in have for c in _TICK_COLS):
        return DataSet(symbol, path, "ticks")
    raise DataFileError(path, 1, f"columns {', '.join(cols)}: bars need "
                                 f"{', '.join(_BAR_COLS)} (and volume), ticks "
                                 f"{', '.join(_TICK_COLS)} (and bid, ask)")


def load_all(specs: Iterable[str | PathLike[str]]) -> list[DataSet]:
    """:func:`load_data` for each; one symbol at most once."""
    out: list[DataSet] = []
    seen: dict[str, Path] = {}
    for spec in specs:
        ds = load_data(spec)
        if ds.symbol in seen:
            raise DataFileError(ds.path, 0, f"{ds.symbol} already comes from {seen[ds.symbol]}")
        seen[ds.symbol] = ds.path
        out.append(ds)
    return out


def contract_for(symbol: str) -> Contract:
    """``AAPL`` (a stock), ``EUR.USD`` (a pair), ``ES:202612`` (a future month) as a contract."""
    text = symbol.strip().upper()
    if ":" in text:
        sym, _, month = text.partition(":")
        return Contract(symbol=sym, sec_type="FUT", last_trade_date_or_contract_month=month)
    if len(text) == 7 and text[3] == "." and text.replace(".", "").isalpha():
        return Contract(symbol=text[:3], sec_type="CASH", currency=text[4:], exchange="IDEALPRO")
    return Contract(symbol=text, sec_type="STK", exchange="SMART", currency="USD")
