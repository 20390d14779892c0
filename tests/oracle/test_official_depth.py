"""Order books through the official client 10.51 (a subprocess with the oracle's ``ibapi``), at
226 (protobuf) and pinned lower, and the same ibapi-style program ported to ibwire by changing its
imports (``ibapi.`` -> ``ibwire.compat.``): each gets books with bids below asks, at least the
requested rows, their top at the gateway's quote, the depth exchanges and SMART's components."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ibwire.gateway import PaperGateway
from ibwire.protocol.versions import MAX_VERSION

from .harness import ROOT, Oracle

APP = Path(__file__).with_name("depth_app.py")
ROWS = 6
AAPL = 265598


def _run(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bad = [line for line in proc.stderr.splitlines()
           if "diff len fields" in line or "BadMessage" in line or "Traceback" in line]
    assert not bad, proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


def _check(report: dict[str, Any], gateway: PaperGateway, version: int) -> None:
    assert report["timeouts"] == [] and report["misfits"] == 0
    assert report["server_version"] == version
    q = gateway.call(lambda ex: ex.quote(AAPL))
    for key in ("1", "2"):
        book = report["books"][key]
        bids, asks = book["bids"], book["asks"]
        assert len(bids) >= ROWS and len(asks) >= ROWS
        assert bids[0][0] < asks[0][0]
        assert [b[0] for b in bids] == sorted((b[0] for b in bids), reverse=True)
        assert [a[0] for a in asks] == sorted(a[0] for a in asks)
    smart = report["books"]["1"]
    assert smart["bids"][0][0] == q.bid and smart["asks"][0][0] == q.ask
    assert sum(b[1] for b in smart["bids"] if b[0] == q.bid) == float(q.bid_size)
    assert all(row[2] for row in smart["bids"] + smart["asks"])  # each row names its exchange
    assert report["smart_flags"] == ([True] if version >= 146 else [False])
    assert all(row[2] == "" for row in report["books"]["2"]["bids"])  # futures: price levels
    assert ["NASDAQ", "STK", "Deep2"] in report["exchanges"]
    assert [2, "NASDAQ", "Q"] in report["components"]
    assert [2, 310] in report["errors"]


@pytest.mark.parametrize("version", [MAX_VERSION, 206, 178, 151])
def test_official_1051_streams_books(oracle: Oracle, version: int) -> None:
    with PaperGateway(port=0, tick_interval=None, max_version=version) as gateway:
        report = _run([sys.executable, str(APP), str(gateway.port), str(ROWS)],
                      oracle.python_env())
        _check(report, gateway, version)


def test_the_program_ports_by_changing_its_imports(tmp_path: Path) -> None:
    source = APP.read_text().replace("from ibapi.", "from ibwire.compat.")
    assert "ibapi" not in source.replace("ibapi-style", "")
    ported = tmp_path / "depth_app_ported.py"
    ported.write_text(source)
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin",
           "PYTHONDONTWRITEBYTECODE": "1"}
    with PaperGateway(port=0, tick_interval=None) as gateway:
        report = _run([sys.executable, str(ported), str(gateway.port), str(ROWS)], env)
        _check(report, gateway, MAX_VERSION)
