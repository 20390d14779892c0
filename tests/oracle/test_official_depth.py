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

from .harness import ROOT, Oracle, undecodable

APP = Path(__file__).with_name("depth_app.py")
ROWS = 6
AAPL = 265598


def _run(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bad = undecodable(proc.stderr)
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
    lots = 100 if version < 159 else 1  # stock sizes in round lots below 159, as the ticks
    assert sum(b[1] for b in smart["bids"] if b[0] == q.bid) == float(q.bid_size // lots)
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


# --- versions ORACLE_VERSIONS skips, and generated requests ---------------------------------------

def test_depth_exchanges_below_120_decode_like_the_official_client(oracle: Oracle) -> None:
    """Between 112 and 120 each exchange carries an isL2 flag instead of listingExch,
    serviceDataType and aggGroup (no version of ORACLE_VERSIONS falls there)."""
    from ibwire.models.depth import DepthMktDataDescription
    from ibwire.protocol.connection import encode_message
    from ibwire.protocol.messages.depth import MktDepthExchanges

    msg = MktDepthExchanges([DepthMktDataDescription("ISLAND", "STK", "NASDAQ", "Deep2", 7),
                             DepthMktDataDescription("CME", "FUT", "", "Deep", 2)])
    versions = (112, 115, 119, 120, 121)
    results = oracle.run([{"op": "decode", "v": v, "frame": encode_message(msg, v).hex()}
                          for v in versions])
    for v, res in zip(versions, results):
        assert res["exception"] is None, (v, res["exception"])
        ((name, (descs,)),) = res["calls"]
        got = [(d["a"]["exchange"], d["a"]["secType"], d["a"]["listingExch"],
                d["a"]["serviceDataType"]) for d in descs]
        if v < 120:
            assert got == [("ISLAND", "STK", "", ""), ("CME", "FUT", "", "")], v
        else:
            assert got == [("ISLAND", "STK", "NASDAQ", "Deep2"), ("CME", "FUT", "", "Deep")], v


_VERSIONS = (100, 145, 146, 148, 149, 178, 200)


def test_generated_depth_requests_byte_for_byte(oracle: Oracle) -> None:
    """Drawn contracts, row counts and SMART flags at the text versions around each gate: the
    official client's frame, or its refusal (ibwire refuses the same). (The drawn contracts have
    free-text multipliers, which the official client's protobuf form cannot carry: protobuf is
    covered by the fixed cases of cases_depth.py.)"""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from ibwire.protocol.messages.depth import CancelMktDepth, ReqMktDepth

    from .test_requests import _compare, _contracts, _ids

    requests = st.one_of(
        st.builds(ReqMktDepth, _ids, _contracts, st.integers(1, 50), st.booleans()),
        st.builds(CancelMktDepth, _ids, st.booleans()))

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(batch=st.lists(requests, min_size=20, max_size=20))
    def check(batch: list[Any]) -> None:
        _compare(oracle, [(m, v) for v in _VERSIONS for m in batch])

    check()
