"""Tick-by-tick (issue 13): a burst of 200,000 TICK_BY_TICK ticks into ibwire, ib_async and the
official client 10.51.

``python -m bench.tbt`` (or ``python bench/tbt.py``); ``--quick``: one repetition; ``--n``,
``--repeat``, ``--clients``, ``--commit REV`` (ibwire's ``src/`` as committed at REV, as in
``bench.protobuf``).

The fake TWS is :mod:`bench.fake_tws`'s text session (handshake at ``min(client max, 178)``,
START_API, the end markers ib_async's connect waits for) plus REQ_TICK_BY_TICK_DATA: once a client
asked for both AAPL streams (``Last`` and ``BidAsk``), it answers with the whole burst of
:mod:`bench.tbt_stream` -- the paper gateway's tape of AAPL, trades and quote changes -- and the
sentinel CURRENT_TIME, in one ``sendall``. Every client gets the same bytes at server version 178,
each in its own subprocess, with its default settings, one at a time, interleaved per repetition;
median of ``--repeat`` (3). Each run is verified: every trade and quote handled (counts, the sum of
the trade sizes) and the last trade and quote right. Prints the table; writes ``bench/out/tbt.json``.
"""

from __future__ import annotations

if __package__ in (None, ""):  # run as a script: import bench from the repository root
    import sys as _sys
    from pathlib import Path as _Path

    _ROOT = _Path(__file__).resolve().parents[1]
    _sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _ROOT / "bench"]
    _sys.path.insert(0, str(_ROOT))

import argparse
import json
import socket
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from bench import tbt_stream
from bench.fake_tws import _Session
from bench.protobuf import export_src, oracle_path, source_state, use_src
from bench.run import OUT, machine, run_module

TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    client_id: int
    oracle: bool = False


ROWS = (
    Row("ibwire_eclient", "ibwire EClient", 5),
    Row("ibwire_broker", "ibwire Broker + LiveStreams", 6),
    Row("ib_async_client", "ib_async Client", 7),
    Row("ib_async_ib", "ib_async IB + Ticker.tickByTicks", 8),
    Row("official1051", "official client 10.51", 9, oracle=True),
)
BY_KEY = {r.key: r for r in ROWS}


class _TbtSession(_Session):
    """The text fake's session; the second REQ_TICK_BY_TICK_DATA gets the whole burst."""

    stream: tbt_stream.Stream
    ids: dict[str, int]

    def _handle(self, f: list[str]) -> None:
        if int(f[0]) == 97:  # REQ_TICK_BY_TICK_DATA: request id, 12 contract fields, tick type
            self.ids[f[14]] = int(f[1])
            if "Last" in self.ids and "BidAsk" in self.ids:
                self.conn.sendall(self.stream.bytes_for(self.ids["Last"], self.ids["BidAsk"]))
            return
        super()._handle(f)


class TbtTws:
    """A loopback fake TWS serving :class:`_DepthSession`s."""

    def __init__(self, stream: tbt_stream.Stream) -> None:
        self.stream = stream
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        from bench.fake_tws import BurstConfig, _Cache

        cache = _Cache()
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = _TbtSession(conn, cache, BurstConfig(mode="chunked"))
            session.stream = self.stream
            session.ids = {}
            threading.Thread(target=self._serve, args=(session, conn), daemon=True).start()

    @staticmethod
    def _serve(session: _TbtSession, conn: socket.socket) -> None:
        try:
            session.run()
        except (OSError, ConnectionError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(n: int, repeat: int, keys: list[str]) -> dict[str, Any]:
    rows = [BY_KEY[k] for k in keys]
    t0 = time.perf_counter()
    stream = tbt_stream.build(n)
    out: dict[str, Any] = {
        "n": n, "repeat": repeat, "rows": {}, "problems": [],
        "stream": {"bytes": len(stream.bytes_for(tbt_stream.LAST_ID, tbt_stream.BID_ASK_ID)),
                   "trades": stream.trades, "quotes": stream.quotes,
                   "built_s": time.perf_counter() - t0}}
    oracle, why = oracle_path() if any(r.oracle for r in rows) else (None, "")
    tws = TbtTws(stream)
    try:
        def one(row: Row) -> tuple[str, dict[str, Any], list[str]]:
            if row.oracle and oracle is None:
                return "unavailable", {}, [why]
            status, rep, detail, _ = run_module(
                "bench.clients.tbt", ["--client", row.key, "--port", str(tws.port),
                                        "--client-id", str(row.client_id), "--n", str(n)],
                TIMEOUT_S, path_first=oracle if row.oracle else None)
            if status != "ok":
                return status, rep, [detail]
            bad = tbt_stream.check(rep, stream)
            return ("INVALID" if bad else "ok"), rep, bad

        runs: dict[str, list[dict[str, Any]]] = {r.key: [] for r in rows}
        for rep_i in range(repeat):
            for row in rows:
                status, rep, bad = one(row)
                _log(f"  [{time.perf_counter() - t0:6.1f}s] {row.key:<16} rep {rep_i + 1}: "
                     f"{status:<8} {rep.get('msgs_per_s') or 0:>10,.0f} ticks/s "
                     f"{'; '.join(bad)[:200]}")
                if status == "ok":
                    runs[row.key].append(rep)
                else:
                    out["problems"].append(f"{row.key} rep {rep_i + 1}: {status}: "
                                           f"{'; '.join(bad)[:300]}")
    finally:
        tws.close()
    for row in rows:
        got = runs[row.key]

        def med(key: str, got: list[dict[str, Any]] = got) -> float | None:
            vals = [r[key] for r in got if isinstance(r.get(key), (int, float))]
            return statistics.median(vals) if vals else None

        out["rows"][row.key] = {"label": row.label, "valid": len(got), "runs": got,
                                "msgs_per_s": med("msgs_per_s"),
                                "cpu_us_per_msg": med("cpu_us_per_msg"),
                                "peak_rss_mb": med("peak_rss_mb")}
    out["elapsed_s"] = time.perf_counter() - t0
    return out


def table(res: dict[str, Any]) -> str:
    base = (res["rows"].get("official1051") or {}).get("msgs_per_s")
    lines = ["| client | ticks/s | CPU us/tick | peak RSS MB | vs official 10.51 | valid runs |",
             "|---|---|---|---|---|---|"]
    for r in res["rows"].values():
        rate = r["msgs_per_s"]
        ratio = f"{rate / base:.2f}x" if rate and base else "-"
        lines.append(f"| {r['label']} | {rate:,.0f} | {r['cpu_us_per_msg']:.2f} | "
                     f"{r['peak_rss_mb']:.1f} | {ratio} | {r['valid']} of {res['repeat']} |"
                     if rate else f"| {r['label']} | - | - | - | - | 0 of {res['repeat']} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=tbt_stream.N)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one repetition")
    p.add_argument("--clients", default=",".join(BY_KEY))
    p.add_argument("--commit", default=None, help="measure ibwire's src/ as committed at REV")
    a = p.parse_args()
    commit = None
    if a.commit:
        src, commit = export_src(a.commit)
        use_src(src)
    res = run(a.n, 1 if a.quick else a.repeat, [k for k in a.clients.split(",") if k])
    res["machine"] = machine()
    res["source"] = source_state(commit)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tbt.json").write_text(json.dumps(res, indent=1, default=str))
    print(f"\ntick-by-tick: {res['n']:,} TICK_BY_TICK at server version 178 "
          f"({res['stream']['bytes']:,} bytes: {res['stream']['trades']:,} trades, "
          f"{res['stream']['quotes']:,} quotes), median of {res['repeat']}; {res['source']}\n")
    print(table(res))
    for problem in res["problems"]:
        print(f"  problem: {problem}")


if __name__ == "__main__":
    main()
