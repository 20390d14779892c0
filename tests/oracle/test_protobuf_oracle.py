"""Protobuf against the official client 10.51, from server version 201.

* Requests: every fixed request of test_requests.py, at versions where its family travels as
  protobuf (and, below its gate, as text with a binary id), equals the official client's frame
  byte for byte (combo leg prices included).
* Incoming: every fixed message of test_incoming.py, written by ibwire's gateway role in the
  form the version uses, fed to the official decoder, gives the same callbacks as ibwire's
  client decodes from the same frame.

All cases of a test go to the oracle in one subprocess call (see harness.py / driver.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ibwire.compat.client import EClient as CompatEClient
from ibwire.protocol.connection import Role, decode_frame, encode_message
from ibwire.protocol.schema import Message

from .harness import Oracle
from .test_requests import _compare, all_fixed

PROTOBUF_VERSIONS = (201, 203, 204, 205, 206, 207, 208, 212, 213, 219, 222, 226)


def test_fixed_requests_byte_for_byte_from_201(oracle: Oracle) -> None:
    cases = [(m, v) for v in PROTOBUF_VERSIONS for m in all_fixed()]
    assert _compare(oracle, cases) == len(cases)


def _incoming() -> Any:
    try:
        from . import test_incoming
        from .calls import dump_compat
    except ImportError as exc:  # the incoming oracle checks are not there yet
        pytest.skip(f"tests/oracle/test_incoming.py cannot be imported: {exc}")
    test_incoming.dump_compat = dump_compat
    return test_incoming


def ours(msg: Message, version: int, incoming: Any) -> list[list[Any]]:
    """ibwire.compat's callbacks for the frame ibwire's gateway role writes at ``version``."""
    frame = encode_message(msg, version)
    decoded = decode_frame(frame[4:], version, Role.CLIENT)
    assert type(decoded) is type(msg)
    rec = incoming._Recorder()
    client = CompatEClient(rec)
    client._transport = SimpleNamespace(server_version=version)  # type: ignore[assignment]
    handler = CompatEClient._make_handler(type(decoded))
    assert handler is not None, type(decoded).__name__
    handler(client, decoded)
    return [[incoming._CALLBACK_RENAMES.get(n, n), incoming.dump_compat(a)] for n, a in rec.calls]


def test_incoming_decodes_like_the_official_client_from_201(oracle: Oracle) -> None:
    incoming = _incoming()
    cases = incoming.all_cases(PROTOBUF_VERSIONS)
    results = oracle.run([{"op": "decode", "v": v, "frame": encode_message(m, v).hex()}
                          for m, v in cases])
    failures = []
    for (m, v), res in zip(cases, results):
        name = type(m).__name__
        if res["exception"]:
            failures.append(f"{name} at {v}: the official decoder raised {res['exception']}")
            continue
        # 10.51 also hands the raw protobuf object to an extra ``...ProtoBuf`` callback first
        # (ibwire's EWrapper calls the ...ProtoBuf callbacks only for the config answers, which
        # 10.51 hands nothing else: with ibwire's decoded models, not comparable to its objects)
        mine = [c for c in ours(m, v, incoming) if not c[0].endswith("ProtoBuf")]
        theirs = [c for c in res["calls"] if not c[0].endswith("ProtoBuf")]
        problem = incoming.compare_calls(name, v, mine, theirs)
        if problem:
            failures.append(problem)
    assert not failures, f"{len(failures)} of {len(cases)} differ:\n" + "\n".join(failures[:40])
