"""Tables, ratios and the issue's targets, from the runner's results (text and Markdown)."""

from __future__ import annotations

from typing import Any

ORDER = ("floor", "ibwire_eclient", "ibwire_broker", "ibasync_client", "ibasync_ib", "ibapi")
PAIRS = (  # (ibwire row, counterpart, label)
    ("ibwire_eclient", "ibasync_client", "ibwire EClient / ib_async Client"),
    ("ibwire_eclient", "ibapi", "ibwire EClient / ibapi 9.81"),
    ("ibwire_broker", "ibasync_ib", "ibwire Broker / ib_async IB"),
    ("ibwire_eclient", "floor", "ibwire EClient / raw floor"),
    ("ibwire_broker", "floor", "ibwire Broker / raw floor"),
    ("ibasync_client", "floor", "ib_async Client / raw floor"),
)

Bound = tuple[float, str]  # (value, "=" exact | "<" upper bound | ">" lower bound)


def _cells(results: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(c["table"], c["send_mode"], c["n"], c["client"]): c for c in results["cells"]}


def _rate(cell: dict[str, Any] | None) -> Bound | None:
    if cell is None:
        return None
    if cell["status"] == "ok" and "msgs_per_s" in cell:
        return (cell["msgs_per_s"], "=")
    if cell["status"] == "TIMEOUT" and cell.get("msgs_per_s_below"):
        return (cell["msgs_per_s_below"], "<")
    return None


def _ratio(a: Bound | None, b: Bound | None) -> Bound | None:
    if a is None or b is None or b[0] == 0:
        return None
    r = a[0] / b[0]
    if a[1] == "=" and b[1] == "=":
        return (r, "=")
    if a[1] == "=" and b[1] == "<":
        return (r, ">")
    if a[1] == "<" and b[1] == "=":
        return (r, "<")
    return None


def _fmt_ratio(r: Bound | None) -> str:
    if r is None:
        return "n/a"
    prefix = {"=": "", ">": "> ", "<": "< "}[r[1]]
    return f"{prefix}{r[0]:.2f}x"


def _fmt_rate(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "-"
    st = cell["status"]
    if st == "ok":
        return f"{cell['msgs_per_s']:,.0f}"
    if st == "TIMEOUT":
        below = cell.get("msgs_per_s_below")
        return f"< {below:,.0f} (timeout {cell['timeout_s']:g} s)" if below else "TIMEOUT"
    if st == "skipped":
        return "not run"
    return str(st)


def _fmt(cell: dict[str, Any] | None, key: str, spec: str) -> str:
    if cell is None or cell["status"] != "ok" or key not in cell:
        return "-"
    return format(cell[key], spec)


def _labels(results: dict[str, Any]) -> dict[str, str]:
    return dict(results.get("clients", {}))


def _sizes(results: dict[str, Any]) -> list[int]:
    return list(results["settings"]["sizes"])


def burst_rows(results: dict[str, Any], table: str, mode: str | None) -> tuple[list[str], list[list[str]]]:
    cells = _cells(results)
    sizes = _sizes(results)
    head = ["client"]
    for n in sizes:
        head += [f"N={n:,} msg/s", "CPU us/msg", "peak RSS MB"]
    if len(sizes) >= 2:
        head.append(f"{sizes[-1]:,} vs {sizes[0]:,}")
    rows = []
    labels = _labels(results)
    for key in ORDER:
        row_cells = [cells.get((table, mode, n, key)) for n in sizes]
        if all(c is None for c in row_cells):
            continue
        row = [labels.get(key, key)]
        for c in row_cells:
            row += [_fmt_rate(c), _fmt(c, "cpu_us_per_msg", ".2f"), _fmt(c, "peak_rss_mb", ".0f")]
        if len(sizes) >= 2:
            row.append(_fmt_ratio(_ratio(_rate(row_cells[-1]), _rate(row_cells[0]))))
        rows.append(row)
    return head, rows


def ratio_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    cells = _cells(results)
    sizes = _sizes(results)
    modes = results["settings"]["send_modes"]
    cols: list[tuple[str, str | None, int]] = []
    for mode in modes:
        for n in sizes:
            cols.append(("burst", mode, n))
    for n in sizes:
        cols.append(("feed", None, n))
    head = ["msgs/s ratio"] + [f"{'one read' if t == 'feed' else m} N={n:,}" for t, m, n in cols]
    rows = []
    for a, b, label in PAIRS:
        row = [label]
        for t, m, n in cols:
            row.append(_fmt_ratio(_ratio(_rate(cells.get((t, m, n, a))), _rate(cells.get((t, m, n, b))))))
        if any(x != "n/a" for x in row[1:]):
            rows.append(row)
    return head, rows


def cpu_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """CPU per message and peak RSS, ibwire against its counterpart (largest N, chunked)."""
    cells = _cells(results)
    n = _sizes(results)[-1]
    head = [f"at N={n:,}, chunked", "CPU us/msg", "counterpart", "CPU ratio", "RSS MB",
            "counterpart RSS MB"]
    rows = []
    labels = _labels(results)
    for a, b in (("ibwire_eclient", "ibasync_client"), ("ibwire_broker", "ibasync_ib"),
                 ("ibwire_eclient", "ibapi")):
        ca, cb = cells.get(("burst", "chunked", n, a)), cells.get(("burst", "chunked", n, b))
        if ca is None:
            continue
        ratio = "n/a"
        if ca and cb and ca["status"] == cb["status"] == "ok":
            ratio = f"{ca['cpu_us_per_msg'] / cb['cpu_us_per_msg']:.2f}x"
        rows.append([f"{labels.get(a, a)} vs {labels.get(b, b)}", _fmt(ca, "cpu_us_per_msg", ".2f"),
                     _fmt(cb, "cpu_us_per_msg", ".2f"), ratio, _fmt(ca, "peak_rss_mb", ".0f"),
                     _fmt(cb, "peak_rss_mb", ".0f")])
    return head, rows


def rtt_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Best run (least disturbed) and median run of each client; the floor comparison uses the best.

    On a shared or virtual machine whole runs land in slow phases (every wake-up two or three
    times slower), which a median over a handful of runs does not remove; the best run of each
    client is the figure of its code path.
    """
    cells = _cells(results)
    floor = cells.get(("rtt", None, None, "floor"))
    head = ["client", "p50 us (best)", "p99 us (best)", "p50 us (median)", "p99 us (median)",
            "p50 - floor", "p99 - floor"]
    rows = []
    labels = _labels(results)
    for key in ORDER:
        c = cells.get(("rtt", None, None, key))
        if c is None:
            continue
        label = labels.get(key, key)
        if c.get("settings") not in (None, "defaults"):
            label += f" [{c['settings']}, not the default]"
        if c["status"] != "ok":
            rows.append([label, c["status"], "", "", "", "", ""])
            continue
        d50 = d99 = "-"
        if floor and floor["status"] == "ok":
            d50 = f"{c['p50_us_min'] - floor['p50_us_min']:+.1f}"
            d99 = f"{c['p99_us_min'] - floor['p99_us_min']:+.1f}"
        rows.append([label, f"{c['p50_us_min']:.1f}", f"{c['p99_us_min']:.1f}",
                     f"{c['p50_us']:.1f}", f"{c['p99_us']:.1f}", d50, d99])
    return head, rows


def paper_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    cells = _cells(results)
    s = results["settings"]
    head = ["paper gateway", "figure", "p50 / median", "p99"]
    rows = []
    for key, label in (("orders_ibwire", "ibwire Broker"), ("orders_ibasync", "ib_async IB")):
        c = cells.get(("order-rtt", None, None, key))
        if c is None:
            continue
        if c.get("settings") not in (None, "defaults"):
            label += f" [{c['settings']}, not the default]"
        if c["status"] != "ok":
            rows.append([label, "order round trip", c["status"], "; ".join(c["problems"])[:80]])
        else:
            rows.append([label, f"order round trip, submit to Filled ({s['order_count']} orders)",
                         f"{c['p50_us'] / 1000:.2f} ms", f"{c['p99_us'] / 1000:.2f} ms"])
    c = cells.get(("fills", None, None, "fills32"))
    if c is not None:
        what = f"fills/s, {s['fill_clients']} clients x {s['fill_orders']} market orders"
        if c["status"] != "ok":
            rows.append(["32 raw-socket clients", what, c["status"], "; ".join(c["problems"])[:80]])
        else:
            rows.append(["32 raw-socket clients", what, f"{c['fills_per_s']:,.0f} fills/s", ""])
    return head, rows


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The issue's targets: (target, measured, verdict)."""
    cells = _cells(results)
    sizes = _sizes(results)
    small, big = sizes[0], sizes[-1]
    out: list[tuple[str, str, str]] = []

    def rate(t: str, m: str | None, n: int, k: str) -> Bound | None:
        return _rate(cells.get((t, m, n, k)))

    def verdict(r: Bound | None, need: float, higher: bool = True) -> str:
        if r is None:
            return "not measured"
        v, kind = r
        if higher:
            if kind in ("=", ">") and v >= need:
                return "met"
            if kind in ("=", "<") and v < need:
                return "NOT met"
        else:
            if kind in ("=", "<") and v <= need:
                return "met"
            if kind in ("=", ">") and v > need:
                return "NOT met"
        return "undecided"

    for mode in results["settings"]["send_modes"]:
        for a, b, need, label in (("ibwire_eclient", "ibasync_client", 2.5, "EClient >= 2.5x ib_async Client"),
                                  ("ibwire_eclient", "ibapi", 10, "EClient >= 10x ibapi 9.81"),
                                  ("ibwire_broker", "ibasync_ib", 2, "Broker >= 2x ib_async IB")):
            if ("burst", mode, big, a) not in cells and ("burst", mode, big, b) not in cells:
                continue
            r = _ratio(rate("burst", mode, big, a), rate("burst", mode, big, b))
            out.append((f"{label}, N={big:,} ({mode})", _fmt_ratio(r), verdict(r, need)))
    for key, label in (("ibwire_eclient", "EClient"), ("ibwire_broker", "Broker")):
        for t, mode in [("burst", m) for m in results["settings"]["send_modes"]] + [("feed", None)]:
            hi, lo = rate(t, mode, big, key), rate(t, mode, small, key)
            if hi is None and lo is None:
                continue
            r = _ratio(hi, lo)
            where = "one read" if t == "feed" else mode
            out.append((f"{label} linear: N={big:,} at most 10% below N={small:,} ({where})",
                        _fmt_ratio(r), verdict(r, 0.9)))
    floor = cells.get(("rtt", None, None, "floor"))
    for key, label in (("ibwire_eclient", "EClient"), ("ibwire_broker", "Broker")):
        c = cells.get(("rtt", None, None, key))
        if c is None:
            continue
        if c["status"] != "ok" or floor is None or floor["status"] != "ok":
            out.append((f"{label} round trip within 10 us of the floor", "n/a", "not measured"))
            continue
        for q in ("p50", "p99"):
            d = c[f"{q}_us_min"] - floor[f"{q}_us_min"]
            out.append((f"{label} round trip {q} within 10 us of the floor (best runs)",
                        f"{d:+.1f} us", "met" if d <= 10 else "NOT met"))
    for a, b, label in (("ibwire_eclient", "ibasync_client", "EClient"),
                        ("ibwire_broker", "ibasync_ib", "Broker")):
        ca, cb = cells.get(("burst", "chunked", big, a)), cells.get(("burst", "chunked", big, b))
        if ca and cb and ca["status"] == cb["status"] == "ok":
            out.append((f"{label} peak RSS <= its ib_async counterpart (N={big:,})",
                        f"{ca['peak_rss_mb']:.0f} vs {cb['peak_rss_mb']:.0f} MB",
                        "met" if ca["peak_rss_mb"] <= cb["peak_rss_mb"] else "NOT met"))
    return out


# --- rendering ------------------------------------------------------------------------------------

def _text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    out = [line, "-" * len(line)]
    for r in rows:
        out.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))
    return "\n".join(out)


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        out.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(out)


def _sections(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    exp = results["expected"]
    sizes = _sizes(results)
    sizes_txt = ", ".join(f"N={n:,}: {exp[str(n)]['burst_bytes'] / 1e6:.1f} MB" for n in sizes)
    out = []
    for mode in results["settings"]["send_modes"]:
        h, r = burst_rows(results, "burst", mode)
        if r:
            out.append((f"Burst over a socket, {mode} sends ({sizes_txt})", h, r))
    h, r = burst_rows(results, "feed", None)
    if r:
        out.append(("The whole burst in one read (in process, no socket)", h, r))
    h, r = ratio_rows(results)
    if r:
        out.append(("Ratios of messages per second (same bytes, same run)", h, r))
    h, r = cpu_rows(results)
    if r:
        out.append(("CPU per message and peak RSS", h, r))
    h, r = rtt_rows(results)
    if r:
        runs = max(results["settings"]["repeat"], 7)
        out.append((f"Round trips: {results['settings']['rtt_count']:,} REQ_CURRENT_TIME ping-pongs, "
                    f"{runs} runs each (best run and median run)", h, r))
    h, r = paper_rows(results)
    if r:
        out.append(("Paper gateway (ibwire.gateway.PaperGateway, pacing off)", h, r))
    t = targets(results)
    if t:
        out.append(("Targets (issue 6)", ["target", "measured", "verdict"], [list(x) for x in t]))
    return out


def render_text(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [f"machine: {m['nproc']} x {m['cpu_model']}, Python {m['python']}, "
             f"load {' '.join(m['loadavg_at_end'])}, ibwire {m['git_commit']}"]
    for title, h, r in _sections(results):
        parts.append(f"\n{title}\n{_text_table(h, r)}")
    notes = _problem_notes(results)
    if notes:
        parts.append("\nnotes\n" + "\n".join(notes))
    return "\n".join(parts)


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['implementation']} {m['python']}, "
             f"{m['platform']}; load average at the end {' '.join(m['loadavg_at_end'])}. "
             f"ibwire {m['git_commit']}, ib_async {m['versions'].get('ib_async')}, ibapi "
             f"{m['versions'].get('ibapi')}. {m['date']}. Median of {results['settings']['repeat']} "
             f"runs. Command: `{results['command']}` ({results['elapsed_s']:.0f} s)."]
    for title, h, r in _sections(results):
        parts.append(f"### {title}\n\n{_md_table(h, r)}")
    notes = _problem_notes(results)
    if notes:
        parts.append("Notes from this run:\n\n" + "\n".join(f"- {n}" for n in notes))
    return "\n\n".join(parts) + "\n"


def _problem_notes(results: dict[str, Any]) -> list[str]:
    labels = _labels(results)
    notes = []
    for c in results["cells"]:
        if c["status"] != "ok" and c["problems"]:
            where = c["table"] + (f" {c['send_mode']}" if c["send_mode"] else "") + \
                (f" N={c['n']:,}" if c["n"] else "")
            notes.append(f"{labels.get(c['client'], c['client'])}, {where}: {c['status']}: "
                         f"{'; '.join(c['problems'])[:300]}")
    return notes
