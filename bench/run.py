"""Run the whole benchmark suite side by side: ``python -m bench.run`` (or ``python bench/run.py``).

Every measurement runs each client in its own subprocess, repeated (median of ``--repeat``, at least
3), clients interleaved within each repetition so that background load hits them alike:

1. burst over a socket from the fake TWS (N = 100,000 and 1,000,000), the burst written in 256 KiB
   pieces ("chunked") and in one ``sendall`` ("one-send");
2. the whole burst handed to the client in one read, in process ("one read");
3. round trips: 10,000 REQ_CURRENT_TIME ping-pongs, p50 / p99 (best and median of at least 7 runs);
4. the paper gateway: order round trip (submit to Filled) with ibwire's Broker and ib_async, and
   fills per second with 32 clients at once.

Every burst run is checked (count of each message type, final bid per request id); a run that
differs is INVALID and its figures are not used. A client that cannot be imported is
"unavailable"; a run that exceeds its time limit is TIMEOUT (its throughput is then only bounded).
Prints the tables and writes ``bench/out/results.json`` and ``bench/out/results.md``.
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
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import burst
from bench.fake_tws import BurstConfig, FakeTws
from bench.report import render_markdown, render_text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


@dataclass(frozen=True)
class Client:
    key: str
    label: str
    module: str
    client_id: int
    feed: bool = False
    burst: bool = True
    synthetic_sizes: bool = False  # official callback API: implied tickSize after BID/ASK/LAST


CLIENTS = (
    Client("floor", "raw socket floor", "bench.clients.floor", 1, feed=True),
    Client("floor_threaded", "raw socket + reader thread (one hop)",
           "bench.clients.floor_threaded", 8, burst=False),
    Client("ibwire_eclient", "ibwire EClient", "bench.clients.ibwire_eclient", 5, feed=True,
           synthetic_sizes=True),
    Client("ibwire_broker", "ibwire Broker + Tickers", "bench.clients.ibwire_broker", 6),
    Client("ibasync_client", "ib_async Client", "bench.clients.ibasync_client", 2, feed=True),
    Client("ibasync_ib", "ib_async IB + Tickers", "bench.clients.ibasync_ib", 3),
    Client("ibapi", "ibapi 9.81", "bench.clients.ibapi981", 4, synthetic_sizes=True),
)
BY_KEY = {c.key: c for c in CLIENTS}


@dataclass
class Settings:
    sizes: tuple[int, ...] = (100_000, 1_000_000)
    repeat: int = 3
    rtt_count: int = 10_000
    order_count: int = 300
    fill_clients: int = 32
    fill_orders: int = 100
    burst_timeout: dict[int, float] = field(default_factory=dict)
    feed_limit_s: float = 60.0  # a one-read run predicted to take longer than this is not started
    rtt_timeout: float = 120.0
    send_modes: tuple[str, ...] = ("chunked", "one-send")
    clients: tuple[str, ...] = tuple(c.key for c in CLIENTS if c.burst)
    parts: tuple[str, ...] = ("burst", "feed", "rtt", "paper")

    def timeout_for(self, n: int) -> float:
        return self.burst_timeout.get(n, max(30.0, n / 1_000_000 * 60.0))


@dataclass
class Run:
    table: str
    client: str
    n: int | None
    rep: int
    status: str
    send_mode: str | None = None
    report: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    timeout_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _env(first: str | None = None) -> dict[str, str]:
    """The client's environment: the repository on PYTHONPATH (after ``first`` when given)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if first:
        env["PYTHONPATH"] = first + os.pathsep + env["PYTHONPATH"]
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_module(module: str, args: list[str], timeout: float,
               path_first: str | None = None) -> tuple[str, dict[str, Any], str, float]:
    """Run ``python -m module args``; return (status, report, detail, elapsed). ``path_first``: a
    directory put first on the client's PYTHONPATH (the official client 10.51's own directory)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=_env(path_first),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", {}, f"no result within {timeout:g} s", time.perf_counter() - t0
    elapsed = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    report: dict[str, Any] = {}
    if lines:
        try:
            report = json.loads(lines[-1])
        except json.JSONDecodeError:
            report = {}
    if "unavailable" in report:
        return "unavailable", report, str(report["unavailable"]), elapsed
    if proc.returncode != 0 or not report:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        return "error", report, " | ".join(tail)[-600:], elapsed
    return "ok", report, "", elapsed


class Suite:
    def __init__(self, s: Settings, log: Any = print) -> None:
        self.s = s
        self.runs: list[Run] = []
        self.log = log
        self.t_start = time.perf_counter()
        self.expected = {n: burst.expected(n) for n in s.sizes}

    def _note(self, r: Run) -> None:
        self.runs.append(r)
        c = BY_KEY.get(r.client)
        label = c.label if c else r.client
        what = r.table + (f"/{r.send_mode}" if r.send_mode else "") + (f" N={r.n:,}" if r.n else "")
        fig = ""
        rep = r.report
        if r.status == "ok":
            if "msgs_per_s" in rep:
                fig = f"{rep['msgs_per_s']:,.0f} msg/s"
            elif "p50_us" in rep:
                fig = f"p50 {rep['p50_us']:.1f} us  p99 {rep['p99_us']:.1f} us"
            elif "fills_per_s" in rep:
                fig = f"{rep['fills_per_s']:,.0f} fills/s"
        extra = "; ".join(r.problems)[:160]
        self.log(f"  [{time.perf_counter() - self.t_start:6.1f}s] {what:<28} {label:<24} "
                 f"rep {r.rep + 1}: {r.status:<11} {fig} {extra}")

    # --- burst over a socket -------------------------------------------------------------------

    def bursts(self, tws: FakeTws) -> None:
        s = self.s
        for mode in s.send_modes:
            for n in s.sizes:
                self.log(f"burst, {mode} sends, N = {n:,}")
                tws.config = BurstConfig(n, mode)
                tws.prepare()
                dead: set[str] = set()
                for rep in range(s.repeat):
                    for c in self._clients():
                        if c.key in dead:
                            continue
                        r = self._burst_run(c, n, rep, mode, tws.port)
                        self._note(r)
                        if r.status in ("TIMEOUT", "unavailable", "error"):
                            dead.add(c.key)  # do not repeat a run that cannot give a figure

    def _clients(self) -> list[Client]:
        return [BY_KEY[k] for k in self.s.clients]

    def _burst_run(self, c: Client, n: int, rep: int, mode: str, port: int) -> Run:
        timeout = self.s.timeout_for(n)
        status, report, detail, elapsed = run_module(
            c.module, ["--port", str(port), "--mode", "burst", "--n", str(n),
                       "--client-id", str(c.client_id)], timeout)
        r = Run("burst", c.key, n, rep, status, mode, report, [detail] if detail else [], elapsed,
                timeout)
        if status == "ok":
            self._verify(r, c, n)
        return r

    def _verify(self, r: Run, c: Client, n: int) -> None:
        problems = burst.check(r.report, self.expected[n], synthetic_ok=c.synthetic_sizes)
        upd = r.report.get("ticker_updates")
        if upd is not None and upd != n + 4:  # every tick + the four TICK_REQ_PARAMS
            problems.append(f"ticker updates {upd} != {n + 4}")
        if problems:
            r.status = "INVALID"
            r.problems = problems

    # --- the whole burst in one read (in process) -----------------------------------------------

    def feeds(self) -> None:
        s = self.s
        predicted_ok: dict[str, float] = {}
        for n in s.sizes:
            self.log(f"one read (in process), N = {n:,}")
            dead: set[str] = set()
            for rep in range(s.repeat):
                for c in self._clients():
                    if not c.feed or c.key in dead:
                        continue
                    # a client whose one-read time grows with N squared is not started where the
                    # smaller run predicts more than the limit (the skip says so, with the figure)
                    prev = predicted_ok.get(c.key)
                    if prev is not None and n > min(s.sizes):
                        est = prev * (n / min(s.sizes)) ** 2
                        if c.key == "ibasync_client" and est > s.feed_limit_s:
                            self._note(Run("feed", c.key, n, rep, "skipped", problems=[
                                f"not run: {min(s.sizes):,} in one read took {prev:.1f} s and its "
                                f"buffer handling is quadratic (one copy of the rest per message), "
                                f"so this would take about {est:,.0f} s"]))
                            dead.add(c.key)
                            continue
                    timeout = max(s.timeout_for(n), 120.0)
                    status, report, detail, elapsed = run_module(
                        c.module, ["--mode", "feed", "--n", str(n)], timeout)
                    r = Run("feed", c.key, n, rep, status, None, report,
                            [detail] if detail else [], elapsed, timeout)
                    if status == "ok":
                        self._verify(r, c, n)
                        if n == min(s.sizes):
                            predicted_ok[c.key] = max(predicted_ok.get(c.key, 0.0), report["wall_s"])
                    self._note(r)
                    if status in ("TIMEOUT", "unavailable", "error"):
                        dead.add(c.key)

    # --- round trips ----------------------------------------------------------------------------

    def rtts(self, tws: FakeTws) -> None:
        s = self.s
        self.log(f"round trips: {s.rtt_count:,} REQ_CURRENT_TIME ping-pongs")
        tws.config = BurstConfig(1000, "chunked")
        dead: set[str] = set()
        # latency is noisier than throughput (scheduler wake-ups): at least seven runs each
        for rep in range(max(s.repeat, 7)):
            for c in self._clients():
                if c.key in dead:
                    continue
                # 10,000 pings exceed any pacing: the Broker runs with pacing off here (its row is
                # labelled with the setting; the default-settings figure is bench.defaults' "in a row")
                unpaced = ["--unpaced"] if c.key == "ibwire_broker" else []
                status, report, detail, elapsed = run_module(
                    c.module, ["--port", str(tws.port), "--mode", "rtt", "--count", str(s.rtt_count),
                               "--client-id", str(c.client_id), *unpaced], s.rtt_timeout)
                r = Run("rtt", c.key, None, rep, status, None, report, [detail] if detail else [],
                        elapsed, s.rtt_timeout)
                if status == "ok" and report.get("count") != s.rtt_count:
                    r.status, r.problems = "INVALID", [f"{report.get('count')} samples"]
                self._note(r)
                if status in ("TIMEOUT", "unavailable", "error"):
                    dead.add(c.key)

    # --- the paper gateway ----------------------------------------------------------------------

    def paper(self) -> None:
        """A fresh gateway for every run: its account history (orders, executions) would otherwise
        grow from run to run, and ib_async loads all of it when it connects."""
        s = self.s
        self.log("paper gateway: order round trips and 32-client fills (a fresh gateway per run)")
        dead: set[str] = set()
        jobs = (("order-rtt", "orders_ibwire", 101), ("order-rtt", "orders_ibasync", 102),
                ("fills", "fills32", 1000))
        for rep in range(s.repeat):
            for table, key, cid in jobs:
                if key in dead:
                    continue
                if table == "fills":
                    args = ["--clients", str(s.fill_clients), "--orders", str(s.fill_orders),
                            "--first-client-id", str(cid)]
                else:
                    args = ["--count", str(s.order_count), "--client-id", str(cid)]
                r = self._paper_run(table, key, rep, args)
                self._note(r)
                if r.status in ("TIMEOUT", "unavailable", "error"):
                    dead.add(key)

    def _paper_run(self, table: str, key: str, rep: int, args: list[str]) -> Run:
        s = self.s
        try:
            gw = subprocess.Popen([sys.executable, "-m", "bench.paper_gateway"], cwd=ROOT, env=_env(),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        except OSError as exc:
            return Run(table, key, None, rep, "error", problems=[f"gateway: {exc}"])
        try:
            assert gw.stdout is not None
            line = gw.stdout.readline().strip()
            if not line.startswith("PORT "):
                status = "unavailable" if line.startswith("UNAVAILABLE") else "error"
                return Run(table, key, None, rep, status, problems=[line or "the gateway gave no port"])
            status, report, detail, elapsed = run_module(
                f"bench.clients.{key}", ["--port", line.split()[1], *args], 180.0)
            r = Run(table, key, None, rep, status, None, report, [detail] if detail else [], elapsed,
                    180.0)
            if status != "ok":
                return r
            if table == "order-rtt" and report.get("not_filled"):
                r.status = "INVALID"
                r.problems = [f"{report['not_filled']} orders not filled: {report.get('stuck')}"]
            if table == "fills":
                total = s.fill_clients * s.fill_orders
                if report.get("orders_filled") != total or report.get("executions") != total \
                        or report.get("n_errors"):
                    r.status = "INVALID"
                    r.problems = [f"filled {report.get('orders_filled')}/{total}, executions "
                                  f"{report.get('executions')}, errors {report.get('errors')}"]
            return r
        finally:
            if gw.stdin is not None:
                gw.stdin.close()
            try:
                gw.wait(15)
            except subprocess.TimeoutExpired:
                gw.kill()
                gw.wait(5)

    # --- everything -----------------------------------------------------------------------------

    def warm_up(self, tws: FakeTws) -> None:
        """One small unmeasured burst per client: imports cached, request ids known to the server."""
        self.log("warm-up (not measured)")
        tws.config = BurstConfig(10_000, "chunked")
        for c in self._clients():
            run_module(c.module, ["--port", str(tws.port), "--mode", "burst", "--n", "10000",
                                  "--client-id", str(c.client_id)], 60.0)

    def run(self) -> dict[str, Any]:
        s = self.s
        with FakeTws() as tws:
            if "burst" in s.parts or "rtt" in s.parts:
                self.warm_up(tws)
            if "burst" in s.parts:
                self.bursts(tws)
            if "feed" in s.parts:
                self.feeds()
            if "rtt" in s.parts:
                self.rtts(tws)
        if "paper" in s.parts:
            self.paper()
        return self.results()

    def results(self) -> dict[str, Any]:
        s = self.s
        return {
            "machine": machine(),
            "command": " ".join([Path(sys.executable).name, "-m", "bench.run", *sys.argv[1:]]),
            "settings": {"sizes": list(s.sizes), "repeat": s.repeat, "rtt_count": s.rtt_count,
                         "order_count": s.order_count, "fill_clients": s.fill_clients,
                         "fill_orders": s.fill_orders, "send_modes": list(s.send_modes),
                         "burst_timeouts_s": {str(n): s.timeout_for(n) for n in s.sizes}},
            "expected": {str(n): {"counts": e.counts, "final_bid": e.bid, "burst_bytes": e.burst_bytes}
                         for n, e in self.expected.items()},
            "clients": {c.key: c.label for c in CLIENTS},
            "cells": summarize(self.runs),
            "runs": [r.as_dict() for r in self.runs],
            "elapsed_s": time.perf_counter() - self.t_start,
        }


def summarize(runs: list[Run]) -> list[dict[str, Any]]:
    """One cell per (table, send mode, N, client): status and median figures over the good runs."""
    groups: dict[tuple[Any, ...], list[Run]] = {}
    for r in runs:
        groups.setdefault((r.table, r.send_mode, r.n, r.client), []).append(r)
    cells = []
    for (table, mode, n, client), rs in groups.items():
        statuses = [r.status for r in rs]
        ok = [r for r in rs if r.status == "ok"]
        status = "ok"
        for bad in ("INVALID", "error", "unavailable", "TIMEOUT", "skipped"):
            if bad in statuses:
                status = bad
                break
        cell: dict[str, Any] = {"table": table, "send_mode": mode, "n": n, "client": client,
                                "status": status, "runs": len(rs), "good_runs": len(ok),
                                "problems": sorted({p for r in rs for p in r.problems})[:4],
                                "settings": next((r.report["settings"] for r in rs
                                                  if r.report.get("settings")), None)}
        if status == "TIMEOUT":
            t = next(r.timeout_s for r in rs if r.status == "TIMEOUT")
            cell["timeout_s"] = t
            if n:
                cell["msgs_per_s_below"] = n / t if t else None
        if status == "ok" and ok:
            for key in ("msgs_per_s", "cpu_us_per_msg", "peak_rss_mb", "wall_s", "p50_us", "p99_us",
                        "mean_us", "fills_per_s", "client_cpu_s"):
                vals = [r.report[key] for r in ok if isinstance(r.report.get(key), (int, float))]
                if vals:
                    cell[key] = statistics.median(vals)
                    cell[key + "_all"] = vals
                    cell[key + "_min"] = min(vals)
        cells.append(cell)
    return cells


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    versions: dict[str, str] = {}
    for mod in ("ibwire", "ib_async"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:
            versions[mod] = "unavailable"
    try:
        from importlib.metadata import version
        versions["ibapi"] = version("ibapi")
    except Exception:
        versions["ibapi"] = "unavailable"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        if commit and dirty:
            commit += " + uncommitted changes in src/"
    except (OSError, subprocess.TimeoutExpired):
        commit = ""
    return {"nproc": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform(),
            "loadavg_at_end": load, "versions": versions, "git_commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def parse(argv: list[str] | None = None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="smaller sizes (20,000 / 100,000), 2,000 round trips: about two minutes")
    p.add_argument("--repeat", type=int, default=3, help="runs per figure (median; default 3)")
    p.add_argument("--clients", default="", help="comma list of client keys (default: all): "
                   + ", ".join(c.key for c in CLIENTS))
    p.add_argument("--parts", default="burst,feed,rtt,paper", help="comma list: burst,feed,rtt,paper")
    p.add_argument("--sizes", default="", help="comma list of burst sizes (default 100000,1000000)")
    p.add_argument("--send-modes", default="chunked,one-send")
    p.add_argument("--render", metavar="RESULTS_JSON",
                   help="run nothing: print the tables of an earlier results.json (and rewrite results.md)")
    a = p.parse_args(argv)
    if a.render:
        results = json.loads(Path(a.render).read_text())
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.md").write_text(render_markdown(results))
        print(render_text(results))
        raise SystemExit(0)
    s = Settings()
    if a.quick:
        s.sizes = (20_000, 100_000)
        s.rtt_count = 2_000
        s.order_count = 100
        s.fill_orders = 30
        s.burst_timeout = {20_000: 20.0, 100_000: 30.0}
        s.feed_limit_s = 20.0
    if a.sizes:
        s.sizes = tuple(int(x) for x in a.sizes.split(","))
    s.repeat = max(1, a.repeat)
    if a.clients:
        unknown = [k for k in a.clients.split(",") if k not in BY_KEY]
        if unknown:
            p.error(f"unknown client(s): {', '.join(unknown)}")
        s.clients = tuple(a.clients.split(","))
    s.parts = tuple(x for x in a.parts.split(",") if x)
    s.send_modes = tuple(x for x in a.send_modes.split(",") if x)
    return s


def main(argv: list[str] | None = None) -> int:
    s = parse(argv)
    if s.repeat < 3:
        print(f"note: --repeat {s.repeat}: published figures use the median of at least 3 runs")
    suite = Suite(s)
    results = suite.run()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (OUT / "results.md").write_text(render_markdown(results))
    print()
    print(render_text(results))
    print(f"\nwrote {OUT / 'results.json'} and {OUT / 'results.md'} "
          f"({results['elapsed_s']:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
