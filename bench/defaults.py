"""The threaded front ends with the settings users get (issue 11): ``python -m bench.defaults``.

Every client connects with its defaults (ibwire: pacing at 45 messages in any second, the default
queue bounds; ib_async: its own pacing on), against ``bench/fake_tws.py`` on 127.0.0.1, one client
per subprocess, clients interleaved within each repetition:

1. **burst, single-send**: the last subscription's TICK_REQ_PARAMS, then N = 1,000,000 TICK_PRICE /
   TICK_SIZE frames and the sentinel in one ``sendall`` (median of ``--repeat``): messages per
   second, CPU per message, peak RSS; every run verified (counts per type, final bids);
2. **N requests in a row**: ``--rounds`` rounds of 40 REQ_CURRENT_TIME calls back to back, a quiet
   1.2 s before each (as a program that asks 40 questions at once): ``Broker.current_time()``,
   EClient (each request sent from the previous ``currentTime`` callback), ib_async's
   ``IB.reqCurrentTime()`` and the raw socket floor; p50 / p99 per call, and how many of the
   Broker's messages waited for the pacer;
3. **slow consumer**: the same burst with 20 us of busy Python work (holding the GIL) per
   ``tickPrice`` / ``tickSize`` callback (EClient) or per Ticker notification (a Broker listener),
   and the Broker without a listener: peak RSS over the idle process (VmRSS just before
   subscribing) and, for the Broker, how long ``current_time()`` issued as the burst starts takes
   (TWS's answer is read after the burst, so it measures whether the reply waits for the listener).

Prints the tables (Markdown) and the issue's targets, writes ``bench/out/defaults.json``.
``--quick``: one repetition, 3 rounds.
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
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import burst
from bench.fake_tws import BurstConfig, FakeTws
from bench.run import BY_KEY, OUT, machine, run_module

BURST_CLIENTS = ("floor", "ibwire_eclient", "ibwire_broker", "ibasync_client", "ibasync_ib")
ROW_CLIENTS = ("floor", "floor_threaded", "ibwire_eclient", "ibwire_broker", "ibasync_ib")
MODE = "single-send"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return statistics.median(vals) if vals else None


def _verify(report: dict[str, Any], key: str, n: int) -> list[str]:
    problems = burst.check(report, burst.expected(n), synthetic_ok=BY_KEY[key].synthetic_sizes)
    upd = report.get("ticker_updates")
    if upd is not None and upd != n + 4:
        problems.append(f"ticker updates {upd} != {n + 4}")
    return problems


def run(n: int, repeat: int, rounds: int, listener_us: float, parts: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": n, "repeat": repeat, "rounds": rounds, "listener_us": listener_us,
                           "mode": MODE, "burst": {}, "row": {}, "slow": {}, "problems": []}
    t_start = time.perf_counter()
    with FakeTws() as tws:
        tws.config = BurstConfig(10_000, MODE)
        _log("warm-up (not measured)")
        for key in BURST_CLIENTS:
            c = BY_KEY[key]
            run_module(c.module, ["--port", str(tws.port), "--mode", "burst", "--n", "10000",
                                  "--client-id", str(c.client_id)], 60.0)
        tws.config = BurstConfig(n, MODE)
        tws.prepare()
        if "burst" in parts:
            runs: dict[str, list[dict[str, Any]]] = {k: [] for k in BURST_CLIENTS}
            for rep in range(repeat):
                for key in BURST_CLIENTS:
                    c = BY_KEY[key]
                    status, rep_, detail, _ = run_module(
                        c.module, ["--port", str(tws.port), "--mode", "burst", "--n", str(n),
                                   "--client-id", str(c.client_id)], 120.0)
                    bad = [detail] if status != "ok" else _verify(rep_, key, n)
                    _log(f"  burst {key:<15} rep {rep + 1}: {status} "
                         f"{rep_.get('msgs_per_s', 0):,.0f} msg/s {'; '.join(bad)[:120]}")
                    if bad:
                        out["problems"].append(f"burst {key}: {'; '.join(bad)[:200]}")
                    else:
                        runs[key].append(rep_)
            for key, rs in runs.items():
                out["burst"][key] = {"runs": rs, "msgs_per_s": _median(rs, "msgs_per_s"),
                                     "cpu_us_per_msg": _median(rs, "cpu_us_per_msg"),
                                     "peak_rss_mb": _median(rs, "peak_rss_mb")}
        if "row" in parts:
            rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ROW_CLIENTS}
            for rep in range(repeat):
                for key in ROW_CLIENTS:
                    c = BY_KEY[key]
                    status, rep_, detail, _ = run_module(
                        c.module, ["--port", str(tws.port), "--mode", "row", "--rounds",
                                   str(rounds), "--per-round", "40", "--client-id",
                                   str(c.client_id)], 120.0)
                    _log(f"  row   {key:<15} rep {rep + 1}: {status} p50 "
                         f"{rep_.get('p50_us', 0):.1f} us p99 {rep_.get('p99_us', 0):.1f} us "
                         f"{detail[:120]}")
                    if status != "ok":
                        out["problems"].append(f"row {key}: {detail[:200]}")
                    else:
                        rows[key].append(rep_)
            for key, rs in rows.items():
                if not rs:
                    continue
                best = min(rs, key=lambda r: r["p50_us"])
                out["row"][key] = {
                    "runs": rs, "p50_us": best["p50_us"], "p99_us": best["p99_us"],
                    "max_us": best["max_us"], "p50_us_median": _median(rs, "p50_us"),
                    "p99_us_median": _median(rs, "p99_us"),
                    "pacer_delayed": (sum(r["pacer_delayed"] for r in rs)
                                      if all("pacer_delayed" in r for r in rs) else None)}
        if "slow" in parts:
            # the EClient's slow run takes ~30 s (20 us x 1.34 M callbacks): once; the Broker's
            # pair (with / without the listener) alternates --repeat times, median
            plan = [("ibwire_eclient", listener_us)]
            for _ in range(repeat):
                plan += [("ibwire_broker", listener_us), ("ibwire_broker", 0.0)]
            slow: dict[str, list[dict[str, Any]]] = {}
            for key, us in plan:
                c = BY_KEY[key]
                status, rep_, detail, _ = run_module(
                    c.module, ["--port", str(tws.port), "--mode", "slow", "--n", str(n),
                               "--listener-us", str(us), "--client-id", str(c.client_id)],
                    max(120.0, n * 1.5 * us / 1e6 * 3))
                bad = [detail] if status != "ok" else _verify(rep_, key, n)
                _log(f"  slow  {key:<15} {us:g} us: {status} growth "
                     f"{rep_.get('rss_growth_mb', 0):.1f} MB reply "
                     f"{rep_.get('current_time_reply_ms', 0):.0f} ms {'; '.join(bad)[:120]}")
                if bad:
                    out["problems"].append(f"slow {key} {us:g} us: {'; '.join(bad)[:200]}")
                else:
                    slow.setdefault(f"{key}@{us:g}", []).append(rep_)
            for k, rs in slow.items():
                cell = dict(rs[0])
                for f in ("idle_rss_mb", "peak_rss_mb", "wall_s", "current_time_reply_ms"):
                    cell[f] = _median(rs, f)
                cell["rss_growth_mb"] = max(r["rss_growth_mb"] for r in rs)  # the worst run
                cell["runs"] = rs
                out["slow"][k] = cell
    out["elapsed_s"] = time.perf_counter() - t_start
    return out


def _f(v: Any, spec: str = ",.0f") -> str:
    return "-" if v is None else format(v, spec)


def render(res: dict[str, Any]) -> str:
    label = {k: c.label for k, c in BY_KEY.items()}
    lines: list[str] = []
    b = res["burst"]
    if b:
        lines += [f"### Burst, {res['mode']} (N = {res['n']:,}, median of {res['repeat']}, "
                  f"default settings)", "",
                  "| client | msgs/s | CPU us/msg | peak RSS MB |", "|---|---|---|---|"]
        for key in BURST_CLIENTS:
            c = b.get(key, {})
            lines.append(f"| {label[key]} | {_f(c.get('msgs_per_s'))} | "
                         f"{_f(c.get('cpu_us_per_msg'), '.2f')} | {_f(c.get('peak_rss_mb'), '.0f')} |")
        lines.append("")
    r = res["row"]
    if r:
        floor = r.get("floor", {})
        lines += [f"### 40 REQ_CURRENT_TIME in a row ({res['rounds']} rounds of 40, a quiet 1.2 s "
                  f"before each, {res['repeat']} runs per client: best run and median run; "
                  "default settings)", "",
                  "| client | p50 us (best) | p99 us (best) | p50 us (median) | p99 us (median) | "
                  "p50 - floor (best) | calls that waited for the pacer |",
                  "|---|---|---|---|---|---|---|"]
        for key in ROW_CLIENTS:
            c = r.get(key, {})
            d = (c["p50_us"] - floor["p50_us"]) if "p50_us" in c and "p50_us" in floor else None
            waited = c.get("pacer_delayed")
            lines.append(f"| {label[key]} | {_f(c.get('p50_us'), '.1f')} | "
                         f"{_f(c.get('p99_us'), '.1f')} | {_f(c.get('p50_us_median'), '.1f')} | "
                         f"{_f(c.get('p99_us_median'), '.1f')} | "
                         f"{_f(d, '+.1f')} | {'-' if waited is None else waited} |")
        lines.append("")
    s = res["slow"]
    if s:
        lines += [f"### Slow consumer ({res['listener_us']:g} us of work per callback / ticker "
                  f"notification, N = {res['n']:,}, {res['mode']}, default settings; EClient one "
                  f"run, Broker median of {res['repeat']}, growth: the worst run)", "",
                  "| client | consumer | idle RSS MB | peak RSS MB | growth MB | burst wall s | "
                  "current_time() reply ms |", "|---|---|---|---|---|---|---|"]
        for k, c in s.items():
            key, us = k.split("@")
            what = ("none" if float(us) == 0 else
                    f"{us} us per callback" if key == "ibwire_eclient" else
                    f"{us} us per Ticker notification ({c.get('listener_calls', 0):,} calls)")
            lines.append(f"| {label[key]} | {what} | {_f(c.get('idle_rss_mb'), '.0f')} | "
                         f"{_f(c.get('peak_rss_mb'), '.0f')} | {_f(c.get('rss_growth_mb'), '.1f')} | "
                         f"{_f(c.get('wall_s'), '.2f')} | {_f(c.get('current_time_reply_ms'), '.0f')} |")
        lines.append("")
    lines += ["### Targets", "", "| target | figure | verdict |", "|---|---|---|"]
    lines += [f"| {t} | {fig} | {v} |" for t, fig, v in targets(res)]
    if res["problems"]:
        lines += ["", "Problems: " + "; ".join(res["problems"])]
    return "\n".join(lines)


def targets(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    r = res["row"]
    f, e, br = (r.get(k, {}).get("p50_us") for k in ("floor", "ibwire_eclient", "ibwire_broker"))
    if None not in (f, e, br):
        assert f is not None and e is not None and br is not None
        out.append(("Broker p50 within 15 us of EClient's (40 in a row, best runs)",
                    f"{br - e:+.1f} us", verdict(br - e <= 15)))
        out.append(("EClient p50 within 15 us of the floor", f"{e - f:+.1f} us", verdict(e - f <= 15)))
        out.append(("Broker p50 within 15 us of the floor", f"{br - f:+.1f} us", verdict(br - f <= 15)))
        ft = r.get("floor_threaded", {}).get("p50_us")
        if ft is not None:  # not an issue target: what one thread hop costs on this machine
            out.append(("(reference) one thread hop: floor + reader thread minus the floor",
                        f"{ft - f:+.1f} us", "-"))
            out.append(("(reference) EClient p50 minus the threaded floor", f"{e - ft:+.1f} us",
                        "-"))
            out.append(("(reference) Broker p50 minus the threaded floor", f"{br - ft:+.1f} us",
                        "-"))
    waited = r.get("ibwire_broker", {}).get("pacer_delayed")
    if waited is not None:
        out.append(("40 calls in a row: none waits for the pacer", f"{waited} of "
                    f"{sum(x['count'] for x in r['ibwire_broker']['runs'])} waited",
                    verdict(waited == 0)))
    s = res["slow"]
    for k, name in (("ibwire_eclient@", "EClient"), ("ibwire_broker@", "Broker")):
        c = next((v for kk, v in s.items() if kk.startswith(k) and not kk.endswith("@0")), None)
        if c and "rss_growth_mb" in c:
            out.append((f"{name} slow consumer: peak RSS <= idle + 20 MB",
                        f"+{c['rss_growth_mb']:.1f} MB", verdict(c["rss_growth_mb"] <= 20)))
    slow = next((v for kk, v in s.items() if kk.startswith("ibwire_broker@") and
                 not kk.endswith("@0")), None)
    base = s.get("ibwire_broker@0")
    if slow and base and "current_time_reply_ms" in slow and "current_time_reply_ms" in base:
        ratio = slow["current_time_reply_ms"] / base["current_time_reply_ms"]
        out.append(("Broker current_time() during the burst: with the slow listener as without "
                    "(at most 1.2x)", f"{slow['current_time_reply_ms']:.0f} vs "
                    f"{base['current_time_reply_ms']:.0f} ms ({ratio:.2f}x)", verdict(ratio <= 1.2)))
    b = res["burst"]
    for a, c, name in (("ibwire_eclient", "ibasync_client", "EClient >= 2.5x ib_async Client"),
                       ("ibwire_broker", "ibasync_ib", "Broker >= 2.5x ib_async IB")):
        x, y = b.get(a, {}).get("msgs_per_s"), b.get(c, {}).get("msgs_per_s")
        if x and y:
            out.append((name, f"{x / y:.2f}x", verdict(x / y >= 2.5)))
        x, y = b.get(a, {}).get("peak_rss_mb"), b.get(c, {}).get("peak_rss_mb")
        if x and y:
            out.append((f"{name.split()[0]} peak RSS <= ib_async's", f"{x:.0f} vs {y:.0f} MB",
                        verdict(x <= y)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.defaults", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one repetition, 3 rounds")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--listener-us", type=float, default=20.0)
    p.add_argument("--parts", default="burst,row,slow")
    a = p.parse_args(argv)
    if a.quick:
        a.repeat, a.rounds = 1, 3
    res = run(a.n, a.repeat, a.rounds, a.listener_us, set(a.parts.split(",")))
    res["machine"] = machine()
    res["command"] = " ".join(["python", "-m", "bench.defaults", *(argv if argv is not None
                                                                   else sys.argv[1:])])
    OUT.mkdir(parents=True, exist_ok=True)
    Path(OUT / "defaults.json").write_text(json.dumps(res, indent=1, default=str))
    print(render(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
