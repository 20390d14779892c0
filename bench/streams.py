"""What the stream benchmarks (``bench.depth``, ``bench.tbt``) share: the client rows, the loopback
fake TWS that serves one prepared stream, the measuring loop (each client in its own subprocess,
interleaved per repetition, every run checked against the stream) and the table.

A benchmark supplies its session class (how its request is answered), its client module, its
stream and its check; everything else is here, once.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.fake_tws import _Session
from bench.protobuf import export_src, oracle_path, source_state, use_src
from bench.run import OUT, machine, run_module

__all__ = ["Row", "StreamTws", "measure", "table", "main"]

TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    client_id: int
    oracle: bool = False


class StreamTws:
    """A loopback fake TWS whose sessions (``session_cls``, a :class:`bench.fake_tws._Session`)
    each get ``setup(session)`` (the stream to serve, their own state) before they run."""

    def __init__(self, session_cls: type[_Session], setup: Callable[[Any], None]) -> None:
        self.session_cls = session_cls
        self.setup = setup
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
            session = self.session_cls(conn, cache, BurstConfig(mode="chunked"))
            self.setup(session)
            threading.Thread(target=self._serve, args=(session, conn), daemon=True).start()

    @staticmethod
    def _serve(session: _Session, conn: socket.socket) -> None:
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


def measure(rows: list[Row], tws: StreamTws, client_module: str, n: int, repeat: int,
            check: Callable[[dict[str, Any]], list[str]], unit: str, t0: float,
            out: dict[str, Any]) -> dict[str, Any]:
    """Run every row ``repeat`` times (interleaved), check each run, fill ``out["rows"]`` with
    the medians of the valid runs and ``out["problems"]``; closes ``tws``."""
    oracle, why = oracle_path() if any(r.oracle for r in rows) else (None, "")
    try:
        def one(row: Row) -> tuple[str, dict[str, Any], list[str]]:
            if row.oracle and oracle is None:
                return "unavailable", {}, [why]
            status, rep, detail, _ = run_module(
                client_module, ["--client", row.key, "--port", str(tws.port),
                                "--client-id", str(row.client_id), "--n", str(n)],
                TIMEOUT_S, path_first=oracle if row.oracle else None)
            if status != "ok":
                return status, rep, [detail]
            bad = check(rep)
            return ("INVALID" if bad else "ok"), rep, bad

        runs: dict[str, list[dict[str, Any]]] = {r.key: [] for r in rows}
        for rep_i in range(repeat):
            for row in rows:
                status, rep, bad = one(row)
                _log(f"  [{time.perf_counter() - t0:6.1f}s] {row.key:<16} rep {rep_i + 1}: "
                     f"{status:<8} {rep.get('msgs_per_s') or 0:>10,.0f} {unit}s/s "
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


def table(res: dict[str, Any], unit: str) -> str:
    base = (res["rows"].get("official1051") or {}).get("msgs_per_s")
    lines = [f"| client | {unit}s/s | CPU us/{unit} | peak RSS MB | vs official 10.51 | "
             "valid runs |", "|---|---|---|---|---|---|"]
    for r in res["rows"].values():
        rate = r["msgs_per_s"]
        ratio = f"{rate / base:.2f}x" if rate and base else "-"
        lines.append(f"| {r['label']} | {rate:,.0f} | {r['cpu_us_per_msg']:.2f} | "
                     f"{r['peak_rss_mb']:.1f} | {ratio} | {r['valid']} of {res['repeat']} |"
                     if rate else f"| {r['label']} | - | - | - | - | 0 of {res['repeat']} |")
    return "\n".join(lines)


def main(doc: str, name: str, default_n: int, keys: list[str],
         run: Callable[[int, int, list[str]], dict[str, Any]],
         headline: Callable[[dict[str, Any]], str], unit: str) -> None:
    """The command line of a stream benchmark: parse, run, write ``bench/out/<name>.json``,
    print the headline and the table."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--n", type=int, default=default_n)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="one repetition")
    p.add_argument("--clients", default=",".join(keys))
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
    (OUT / f"{name}.json").write_text(json.dumps(res, indent=1, default=str))
    print(f"\n{headline(res)}\n")
    print(table(res, unit))
    for problem in res["problems"]:
        print(f"  problem: {problem}")
