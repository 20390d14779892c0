"""Real traffic (../shared/vectors/captured.json) within 100..200, text: every frame of a message
ibwire has decodes, and to what the official client 10.51 makes of the same bytes (callback
arguments field by field); the facts the captures' ``meaning`` states for the layouts that change
between 179 and 200 are asserted; the client's request captures are re-encoded byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ibwire.protocol.connection import Role, decode_fields
from ibwire.protocol.framing import encode_fields
from ibwire.protocol.schema import TO_CLIENT, TO_SERVER, UnknownMessage
from ibwire.protocol.versions import MAX_VERSION, MIN_VERSION

from .harness import Oracle
from .test_incoming import callbacks, compare_calls

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "captured.json"


def _captures(direction: str) -> list[dict[str, Any]]:
    if not VECTORS.exists():
        pytest.skip(f"no golden vectors at {VECTORS}")
    out = []
    for m in json.loads(VECTORS.read_text()):
        v = m.get("server_version")
        if (m.get("direction") == direction and m.get("msg_id") is not None and v is not None
                and MIN_VERSION <= v <= MAX_VERSION and not m.get("msg_id_encoding")):
            out.append(m)
    return out


def test_incoming_captures_decode_like_the_official_client(oracle: Oracle) -> None:
    caps = [m for m in _captures("server->client") if m["msg_id"] in TO_CLIENT]
    assert len(caps) >= 60
    results = oracle.run([{"op": "decode", "v": m["server_version"],
                           "frame": encode_fields([str(f) for f in m["fields"]]).hex()}
                          for m in caps])
    failures = []
    for m, res in zip(caps, results):
        v, name = m["server_version"], f"{m['name']} ({m['source'][:40]})"
        decoded = decode_fields([str(f) for f in m["fields"]], v, Role.CLIENT)
        assert not isinstance(decoded, UnknownMessage)
        if res["exception"]:
            failures.append(f"{name} at {v}: the official decoder raised {res['exception'][-300:]}")
            continue
        problem = compare_calls(name, v, callbacks(decoded, v), res["calls"])
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)


def _one(name: str, version: int, match: dict[int, str] | None = None) -> Any:
    for m in _captures("server->client"):
        if m["name"] == name and m["server_version"] == version and all(
                str(m["fields"][i]) == val for i, val in (match or {}).items()):
            return decode_fields([str(f) for f in m["fields"]], version, Role.CLIENT)
    raise AssertionError(f"no {name} capture at {version}")


def test_what_the_sv200_captures_mean() -> None:
    err = _one("ERR_MSG", 200)
    assert (err.req_id, err.error_code, err.error_time) == (-1, 2104, 1775425766350)
    assert err.error_string == "Market data farm connection is OK:usfarm"
    end = _one("HISTORICAL_DATA_END", 200)
    assert (end.req_id, end.start_date_str, end.end_date_str) == (
        1001, "20260406 07:37:52 US/Eastern", "20260406 08:37:52 US/Eastern")
    bars = _one("HISTORICAL_DATA", 200)
    assert bars.req_id == 1001 and len(bars.bars) == 7 and bars.start_date_str is None
    millis = _one("CURRENT_TIME_IN_MILLIS", 200)
    assert millis.time_ms == 1783641780497
    es = _one("CONTRACT_DATA", 200, {2: "ES"})
    assert es.details.contract.last_trade_date == "20261218"
    assert es.details.contract.last_trade_date_or_contract_month == "20261218"
    assert es.details.last_trade_time is not None
    fill = _one("EXECUTION_DATA", 200)
    assert fill.req_id == -1 and fill.contract.symbol == "AAPL"
    assert fill.execution.shares == Decimal(1) and fill.execution.side == "BOT"
    assert fill.execution.time == datetime(2026, 4, 13, 19, 27, 4, tzinfo=UTC)
    assert fill.execution.submitter is None  # present (empty) at 198+
    done = [m for m in _captures("server->client") if m["name"] == "COMPLETED_ORDER"]
    assert len(done) == 2
    for m in done:
        c = decode_fields([str(f) for f in m["fields"]], 200, Role.CLIENT)
        assert c.contract.symbol == "AAPL" and c.order_state.status == "Cancelled"


def test_outgoing_captures_reencode_byte_for_byte() -> None:
    caps = [m for m in _captures("client->server") if m["msg_id"] in TO_SERVER
            and "not a capture" not in m.get("provenance", "")]  # rust-ibapi's own encoder
    assert len(caps) >= 5
    for m in caps:
        fields = [str(f) for f in m["fields"]]
        msg = decode_fields(fields, m["server_version"], Role.SERVER)
        assert msg.SCHEMA.encoder(m["server_version"])(msg) == fields, m["name"]
