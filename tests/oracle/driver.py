"""Drive the official TWS API client (``ibapi-latest``, test-only oracle) from a subprocess.

Run with a Python whose ``ibapi`` is the oracle (``PYTHONPATH=<oracle dir>``). It reads one JSON
list of commands on stdin and writes one JSON list of results on stdout, so a test can batch
hundreds of cases into one process start. Nothing of the official client is copied here: this
script only imports it and calls its public classes.

Commands:

* ``{"op": "encode", "v": V, "client_id": N, "call": [method, [args...]]}`` -- call
  ``EClient.<method>(*args)`` on a client "connected" at server version ``V`` whose socket is a
  recorder (opened with the intent to authenticate unless ``"extra_auth": false``); result ``{"frames": [hex...], "errors": [[code, text]...]}`` (each frame is what the
  client hands its socket: length prefix included).
* ``{"op": "decode", "v": V, "frame": hex}`` -- feed one frame (length prefix included) to the
  official decoder at ``V`` as its message loop would; result ``{"calls": [[callback, [args...]]],
  "exception": text | null}``.
* ``{"op": "info"}`` -- ``{"version": ibapi version, "max_client_version": N}``.
* ``{"op": "ids"}`` -- every message id of the official client: ``{"in": {name: id}, "out":
  {name: id}, "in_text": [ids], "in_protobuf": [ids], "out_text": [ids], "out_protobuf": [ids]}``
  (incoming: the decoder's text and protobuf handler tables; outgoing: the ids its EClient sends
  as text, ``sendMsg(OUT.X, ...)``, and as protobuf, ``OUT.X + PROTOBUF_MSG_ID``).

Values: objects travel as ``{"$": class name, "a": {attribute: value}}``, ``Decimal`` as
``{"$dec": text}``, the official client's protobuf messages as ``{"$pb": type name, "a": {field:
value}}``; floats use JSON's ``Infinity`` / ``NaN`` extension. Order conditions are made by the
official factory ``order_condition.Create(condType)``, then given their attributes.
"""

from __future__ import annotations

import enum
import inspect
import json
import sys
import traceback
from decimal import Decimal
from typing import Any

import ibapi
from ibapi import comm
from ibapi.client import EClient
from ibapi.common import WshEventData
from ibapi.contract import ComboLeg, Contract, DeltaNeutralContract
from ibapi.decoder import Decoder
from ibapi.execution import ExecutionFilter
from ibapi.order import Order, OrderComboLeg
from ibapi.order_cancel import OrderCancel
from ibapi.order_condition import Create as create_condition
from ibapi.scanner import ScannerSubscription
from ibapi.server_versions import MAX_CLIENT_VER, MIN_SERVER_VER_PROTOBUF
from ibapi.softdollartier import SoftDollarTier
from ibapi.tag_value import TagValue
from ibapi.wrapper import EWrapper

CLASSES: dict[str, Any] = {
    "Contract": Contract, "ComboLeg": ComboLeg, "DeltaNeutralContract": DeltaNeutralContract,
    "Order": Order, "OrderComboLeg": OrderComboLeg, "OrderCancel": OrderCancel,
    "SoftDollarTier": SoftDollarTier, "TagValue": TagValue, "ExecutionFilter": ExecutionFilter,
    "WshEventData": WshEventData,
    "ScannerSubscription": ScannerSubscription,
}


def build_pb(v: dict[str, Any]) -> Any:
    """``{"$pb": "ConfigRequest", "a": {field: value}}``: the official client's own protobuf
    message (for the requests whose only official method takes one, e.g. reqConfigProtoBuf)."""
    import importlib

    name = v["$pb"]
    msg = getattr(importlib.import_module(f"ibapi.protobuf.{name}_pb2"), name)()
    for field, value in v["a"].items():
        if isinstance(value, dict) and "$pb" in value:
            getattr(msg, field).CopyFrom(build_pb(value))
        elif isinstance(value, list):
            target = getattr(msg, field)
            for item in value:
                if isinstance(item, dict) and "$pb" in item:
                    target.add().CopyFrom(build_pb(item))
                else:
                    target.append(item)
        else:
            setattr(msg, field, value)
    return msg


def build(v: Any) -> Any:
    if isinstance(v, list):
        return [build(x) for x in v]
    if isinstance(v, dict):
        if "$dec" in v:
            return Decimal(v["$dec"])
        if "$pb" in v:
            return build_pb(v)
        if v["$"].endswith("Condition"):  # the official factory, by type number
            obj = create_condition(v["a"]["condType"])
            if obj is None or type(obj).__name__ != v["$"]:
                raise TypeError(f"Create({v['a']['condType']}) did not make a {v['$']}")
        else:
            obj = CLASSES[v["$"]]()
        for name, value in v["a"].items():
            if not hasattr(obj, name):
                raise AttributeError(f"{v['$']} has no attribute {name!r}")
            setattr(obj, name, build(value))
        return obj
    return v


def dump(v: Any) -> Any:
    if isinstance(v, Decimal):
        return {"$dec": str(v)}
    if isinstance(v, (set, frozenset)):  # (SECURITY_DEFINITION_OPTION_PARAMETER's expirations)
        return sorted(dump(x) for x in v)
    if isinstance(v, (list, tuple)):
        return [dump(x) for x in v]
    if isinstance(v, dict):
        return {str(k): dump(x) for k, x in v.items()}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, enum.Enum):
        return {"$enum": f"{type(v).__name__}.{v.name}"}
    attrs = getattr(v, "__dict__", None)
    if attrs is None:
        return repr(v)
    return {"$": type(v).__name__, "a": {k: dump(x) for k, x in attrs.items()}}


class _Conn:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def isConnected(self) -> bool:  # noqa: N802 - the official name
        return True

    def sendMsg(self, msg: bytes) -> None:  # noqa: N802
        self.sent.append(msg)


class Recorder(EWrapper):
    """Records every callback (name, args) instead of acting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[Any]] = []


def _recording(name: str) -> Any:
    def method(self: Recorder, *args: Any) -> None:
        self.calls.append([name, list(args)])
    return method


for _name, _fn in inspect.getmembers(EWrapper, inspect.isfunction):
    if not _name.startswith("_") and _name not in ("logAnswer",):
        setattr(Recorder, _name, _recording(_name))


def encode(cmd: dict[str, Any]) -> dict[str, Any]:
    wrapper = Recorder()
    client = EClient(wrapper)
    conn = _Conn()
    client.conn = conn
    client.serverVersion_ = cmd["v"]
    client.clientId = cmd.get("client_id", 0)
    client.optCapab = cmd.get("opt_capab")
    client.connState = EClient.CONNECTED
    client.extraAuth = cmd.get("extra_auth", True)  # the verify requests are sent only with it
    method, args = cmd["call"]
    getattr(client, method)(*build(args))
    errors = [c[1] for c in wrapper.calls if c[0] == "error"]
    return {"frames": [f.hex() for f in conn.sent], "errors": dump(errors)}


def decode(cmd: dict[str, Any]) -> dict[str, Any]:
    v = cmd["v"]
    wrapper = Recorder()
    decoder = Decoder(wrapper, v)
    raw = bytes.fromhex(cmd["frame"])
    size, text, rest = comm.read_msg(raw)
    if rest or size != len(text):
        return {"calls": [], "exception": f"bad framing: size {size}, rest {rest!r}"}
    exc = None
    try:
        if v >= MIN_SERVER_VER_PROTOBUF:
            msg_id = int.from_bytes(text[:4], "big")
            text = text[4:]
        else:
            msg_id = int(text[:text.index(b"\0")])
            text = text[text.index(b"\0") + 1:]
        if msg_id > 200:
            decoder.processProtoBuf(text, msg_id - 200)
        else:
            decoder.interpret(comm.read_fields(text), msg_id)
    except Exception:  # noqa: BLE001 - reported to the test
        exc = traceback.format_exc(limit=3)
    return {"calls": dump(wrapper.calls), "exception": exc}


def ids() -> dict[str, Any]:
    import re

    from ibapi import client as client_module
    from ibapi.message import IN, OUT

    source = inspect.getsource(client_module)
    text = {OUT[n] for n in re.findall(r"sendMsg\(\s*OUT\.(\w+)", source)}
    proto = {OUT[n] for n in re.findall(r"OUT\.(\w+)\s*\+\s*PROTOBUF_MSG_ID", source)}
    return {"in": {m.name: int(m) for m in IN}, "out": {m.name: int(m) for m in OUT},
            "in_text": sorted(int(i) for i in Decoder.msgId2handleInfo),
            "in_protobuf": sorted(int(i) for i in Decoder.msgId2handleInfoProtoBuf),
            "out_text": sorted(int(i) for i in text), "out_protobuf": sorted(int(i) for i in proto)}


def main() -> None:
    cmds = json.load(sys.stdin)
    out = []
    for cmd in cmds:
        try:
            if cmd["op"] == "encode":
                out.append(encode(cmd))
            elif cmd["op"] == "decode":
                out.append(decode(cmd))
            elif cmd["op"] == "ids":
                out.append(ids())
            elif cmd["op"] == "info":
                out.append({"version": getattr(ibapi, "__version__", None) or ibapi.get_version_string(),
                            "max_client_version": MAX_CLIENT_VER})
            else:
                out.append({"failure": f"unknown op {cmd['op']!r}"})
        except Exception:  # noqa: BLE001
            out.append({"failure": traceback.format_exc(limit=4)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
