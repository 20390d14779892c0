"""Every message ibwire has, in protobuf: declarations, the sheet's real frames, in-memory pairs.

Messages are drawn from their own protobuf declarations (every declared field, nested types
included), so a message added with a ``Proto(...)`` is covered without touching this file.
"""

from __future__ import annotations

import copy
import json
import typing
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibwire.errors import LocalProtocolError
from ibwire.models.order import (
    ExecutionCondition,
    MarginCondition,
    OrderCondition,
    PercentChangeCondition,
    PriceCondition,
    TimeCondition,
    VolumeCondition,
)
from ibwire.models.tag_value import TagValue
from ibwire.protocol.codec import Kind
from ibwire.protocol.connection import (
    BadMessage,
    Connection,
    Encoding,
    Role,
    SessionReady,
    decode_frame,
    encode_message,
)
from ibwire.protocol.framing import FrameBuffer, split_frame
from ibwire.protocol.messages._place_order_pb import NEWER_ORDER_FIELDS
from ibwire.protocol.messages.accounts import PositionMulti
from ibwire.protocol.messages.blocks import COMBO_LEG, ORDER_CONDITION, PricedComboLeg
from ibwire.protocol.messages.depth import RerouteMktDataReq, RerouteMktDepthReq
from ibwire.protocol.messages.executions import ExecutionData, ReqExecutions
from ibwire.protocol.messages.market_data import TickPrice, TickSize
from ibwire.protocol.messages.order_reports import OpenOrder
from ibwire.protocol.messages.orders import CancelOrder, PlaceOrder, ReqGlobalCancel
from ibwire.protocol.messages.scanner import ReqScannerSubscription
from ibwire.protocol.messages.scanner import _from_pb as scanner_pb_message
from ibwire.protocol.messages.system import (
    ErrMsg,
    ManagedAccts,
    NextValidId,
    ReqCurrentTime,
    ReqIds,
    StartApi,
)
from ibwire.protocol.protobuf import PT, P, PbType
from ibwire.protocol.protobuf_wire import raw_fields
from ibwire.protocol.schema import TO_CLIENT, TO_SERVER, Message, UnknownMessage
from ibwire.protocol.versions import Feature

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors"
PROTOBUF_VERSIONS = (201, 203, 204, 205, 206, 207, 208, 212, 213, 219, 226)
ALL = sorted([*TO_SERVER.values(), *TO_CLIENT.values()], key=lambda c: (c.DIRECTION.value, c.MSG_ID))
TEXT_ONLY = [c for c in ALL if c.SCHEMA.pb is None]
"""Messages with no protobuf type (sheet section 2.12: TICK_EFP, DELTA_NEUTRAL_VALIDATION ...)."""
PROTOBUF_ONLY = [c for c in ALL if c.SCHEMA.proto is not None
                 and c.SCHEMA.proto.since > Feature.PROTOBUF_REST_MESSAGES_3]
"""Messages that never had a text form (CANCEL_HISTORICAL_TICKS ...): protobuf from their gate."""
ALL_PB = [c for c in ALL if c not in TEXT_ONLY]


def frame(hexstr: str) -> bytes:
    return bytes.fromhex(hexstr.replace(" ", "").replace("|", ""))


# --- messages drawn from their declarations ----------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
_i32 = st.integers(-(2**31), 2**31 - 2)  # (2**31 - 1 is the text protocol's "unset")
_i64 = st.integers(-(2**63) + 1, 2**63 - 2)
_floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
_decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**9,
                        max_value=10**9)
_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0))
_conditions: st.SearchStrategy[OrderCondition] = st.one_of(
    st.builds(PriceCondition, st.booleans(), st.booleans(), _floats, _i32, st.just(""), _i32),
    st.builds(TimeCondition, st.booleans(), st.booleans(), _text),
    st.builds(MarginCondition, st.booleans(), st.booleans(), _i32),
    st.builds(ExecutionCondition, st.booleans(), _text, _text, _text),
    st.builds(VolumeCondition, st.booleans(), st.booleans(), _i32, _i32, _text),
    st.builds(PercentChangeCondition, st.booleans(), st.booleans(), _floats, _i32, _text),
)


def _scalar(f: P) -> st.SearchStrategy[Any]:
    if f.repeated:
        return st.lists(_scalar(P(f.number, f.path, f.kind, pt=f.pt)), max_size=3).map(
            lambda xs: [x for x in xs if x is not None])  # (mapped: filtering costs draws)
    if f.unset is not None:  # written for None, read back as None
        return _scalar_of(f).filter(lambda x: x != f.unset)
    return _scalar_of(f)


def _scalar_of(f: P) -> st.SearchStrategy[Any]:
    kind, pt = f.kind, f.type
    if kind is Kind.INT:
        if pt is PT.BOOL:
            return st.sampled_from([None, 1])  # Execution.isLiquidation: 0 travels as absent
        if pt is PT.STRING:
            return st.none() | st.integers(0, 99_999_999)
        if pt is PT.DOUBLE:
            return st.none() | st.integers(-(2**31), 2**31)
        return st.none() | (_i64 if pt is PT.INT64 else _i32)
    if kind in (Kind.FLOAT, Kind.FLOAT_INF):
        return st.none() | _floats
    if kind is Kind.DECIMAL:
        return st.none() | _decimals
    if kind is Kind.BOOL:
        if pt is PT.BOOL:
            return st.sampled_from([None, True])  # False travels as absent (official client)
        return st.sampled_from([None, False, True])  # tri-state int32
    if kind is Kind.STR:
        if pt is PT.DOUBLE and f.convert is not None:  # multiplier: at most 8 decimals
            return st.none() | st.sampled_from(["100", "0.5", "12.125", "-3", "1000000"])
        if pt is PT.DOUBLE:  # margins: the text of a double
            return st.none() | st.sampled_from(["100.0", "0.5", "12.125", "-3.0", "1000000.0"])
        return st.none() | _text
    if kind is Kind.TAGS:
        return st.lists(st.builds(TagValue, _text, _text), max_size=3)
    if kind is Kind.DATETIME:
        return st.none() | _times
    raise AssertionError(f"no strategy for {f}")


def _hint(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _optional(cls: type, name: str) -> bool:
    return type(None) in typing.get_args(_hint(cls, name))


def _model(draw: st.DrawFn, t: PbType, cls: type | None = None) -> Any:
    if t.cls is PricedComboLeg:  # PLACE_ORDER's legs: plain legs, the prices are the order's
        t = COMBO_LEG
    cls = cls or t.cls
    top: dict[str, Any] = {}
    nested: list[tuple[str, Any]] = []
    for f in t.fields:
        value: Any
        if not f.path:  # a flat sub-message: its fields are this object's own attributes
            assert f.sub is not None
            own = set(typing.get_type_hints(cls))
            for g in f.sub.fields:
                if g.path in own:
                    top[g.path] = draw(_scalar(g))
            continue
        if f.sub is not None and f.convert is not None:
            if f.sub is ORDER_CONDITION:
                value = draw(st.lists(_conditions, max_size=3))
            else:  # a hook over one model attribute (CANCEL_ORDER's OrderCancel block)
                value = draw(_scalar(P(0, f.path, Kind.STR)))
        elif f.sub is not None:
            item = st.builds(lambda: None).map(lambda _, s=f.sub: draw_sub(draw, s))
            if f.repeated:
                value = draw(st.lists(item, max_size=2))
            else:
                head, _, rest = f.path.partition(".")
                maybe_none = not rest and _optional(cls, head)
                value = draw(st.none() | item) if maybe_none else draw_sub(draw, f.sub)
        else:
            value = draw(_scalar(f))
        head, _, rest = f.path.partition(".")
        if rest:
            nested.append((f.path, value))
        else:
            top[head] = value
    for path, value in nested:  # dotted paths: set on the object the head holds
        head, _, rest = path.partition(".")
        if head not in top:
            top[head] = typing.get_type_hints(cls)[head]() if isinstance(
                typing.get_type_hints(cls)[head], type) else _default_of(cls, head)
        obj = top[head]
        *parents, last = rest.split(".")
        for part in parents:
            obj = getattr(obj, part)
        setattr(obj, last, value)
    return cls(**top)


def _default_of(cls: type, name: str) -> Any:
    import dataclasses

    for fld in dataclasses.fields(cls):
        if fld.name == name:
            if fld.default_factory is not dataclasses.MISSING:
                return fld.default_factory()
            return fld.default
    raise AssertionError(name)


def draw_sub(draw: st.DrawFn, t: PbType) -> Any:
    return _model(draw, t)


@st.composite
def messages(draw: st.DrawFn, cls: type[Message]) -> Message:
    pb = cls.SCHEMA.pb
    assert pb is not None
    msg = _model(draw, pb, cls)
    if cls.__name__ == "ContractData":
        _last_trade_form(msg)
    if cls is ReqScannerSubscription:  # drawn in its protobuf shape (the option maps nest in
        msg = scanner_pb_message(msg)  # the subscription block): the message it stands for
    return typing.cast(Message, msg)


def _last_trade_form(msg: Any) -> None:
    """CONTRACT_DATA carries the last trade time in the contract's date (``date time zone``, in
    protobuf as in text): whitespace separates the parts, and a time needs a date."""
    d = msg.details
    for obj, name in ((d.contract, "last_trade_date_or_contract_month"), (d, "last_trade_time"),
                      (d, "time_zone_id")):
        value = getattr(obj, name)
        if value is not None:
            setattr(obj, name, "".join(value.split()) or None)
    if not d.contract.last_trade_date_or_contract_month:
        d.last_trade_time = None


# --- declarations ------------------------------------------------------------------------------------------

def test_every_message_ibwire_has_has_a_protobuf_type_and_version() -> None:
    # text only at every version (sheet section 2.12)
    assert {(c.DIRECTION.value, c.MSG_ID) for c in TEXT_ONLY} <= {
        ("to_client", 47), ("to_client", 56), ("to_client", 69), ("to_client", 70),
        ("to_server", 72), ("to_server", 73)}
    # protobuf only, each from its own gate
    assert {(c.DIRECTION.value, c.MSG_ID) for c in PROTOBUF_ONLY} <= {
        ("to_server", 106), ("to_server", 107), ("to_server", 108), ("to_server", 109),
        ("to_client", 110), ("to_client", 111)}
    for cls in ALL_PB:
        schema = cls.SCHEMA
        if (cls.DIRECTION.value, cls.MSG_ID) in TEXT_ONLY:
            assert schema.proto is None and schema.pb is None, cls.__name__
            continue
        assert schema.proto is not None and schema.pb is not None, cls.__name__
        assert Feature.PROTOBUF <= schema.proto.since <= Feature.PROTOBUF_REST_MESSAGES_3 or (
            cls in PROTOBUF_ONLY)
        assert not schema.protobuf_at(200)
        assert schema.protobuf_at(max(int(Feature.PROTOBUF_REST_MESSAGES_3), schema.proto.since))


def test_family_gates_from_the_sheet() -> None:
    since = {(c.DIRECTION.value, c.MSG_ID): int(c.SCHEMA.proto.since) for c in ALL_PB  # type: ignore[union-attr]
             }
    assert since[("to_server", 7)] == 201  # REQ_EXECUTIONS
    assert since[("to_client", 4)] == 201  # ERR_MSG
    assert since[("to_server", 3)] == 203 and since[("to_client", 5)] == 203  # orders
    assert since[("to_server", 1)] == 206 and since[("to_client", 1)] == 206  # market data
    assert since[("to_client", 71)] == 207  # POSITION_MULTI: text at 206 (CAP)
    assert since[("to_server", 20)] == 208  # REQ_HISTORICAL_DATA
    assert since[("to_server", 71)] == 213  # START_API


def _fit(msg: Message, version: int | None = None) -> Message:
    """A drawn PLACE_ORDER as a program sends it: attached orders in the order (where decoding
    puts them), and at ``version`` none of the order fields the version refuses."""
    if isinstance(msg, PlaceOrder):
        for name in ("sl_order_id", "sl_order_type", "pt_order_id", "pt_order_type"):
            setattr(msg.order, name, getattr(msg, name))
            setattr(msg, name, None)
        if version is not None:
            for feature, path, _ in NEWER_ORDER_FIELDS:
                if version < feature:
                    name = path.split(".", 1)[1]
                    setattr(msg.order, name, None)  # not sent: absent, as decoded
    return msg


@pytest.mark.parametrize("cls", ALL_PB, ids=lambda c: f"{c.DIRECTION.value}-{c.__name__}")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip(cls: type[Message], data: st.DataObject) -> None:
    msg = _fit(data.draw(messages(cls)))
    body = cls.SCHEMA.pb_encode(msg)
    # a declaration's ``finish`` derives attributes from others (BOND_CONTRACT_DATA's maturity
    # from the contract's lastTradeDateOrContractMonth): decoding gives the drawn message so
    # completed
    assert cls.SCHEMA.pb_decoder()(body, 0) == _finished(cls, msg)


def _finished(cls: type[Message], msg: Message) -> Message:
    """``msg`` completed by its declaration's ``finish`` (what decoding its protobuf gives)."""
    finish = cls.SCHEMA.proto.finish if cls.SCHEMA.proto is not None else None
    return typing.cast(Message, finish(copy.deepcopy(msg))) if finish is not None else msg


# --- real frames (sheet section 1.4) ---------------------------------------------------------------------

def test_err_msg_from_the_sheet_decodes() -> None:
    payload = frame("000000cc | 08 ff ff ff ff ff ff ff ff ff 01 | 10 ce 87 fd fc d5 33 | 18 b8 10 | 22 28"
                    ) + b"Market data farm connection is OK:usfarm"
    msg = decode_frame(payload, 226, Role.CLIENT)
    assert isinstance(msg, ErrMsg)
    assert (msg.req_id, msg.error_code, msg.error_string, msg.advanced_order_reject_json) == (
        -1, 2104, "Market data farm connection is OK:usfarm", None)
    assert raw_fields(payload, 4)[1] == (2, 0, 1775425766350)  # errorTime, epoch ms
    assert getattr(msg, "error_time", 1775425766350) == 1775425766350


@pytest.mark.parametrize("msg, version, wire", [
    (NextValidId(1), 213, "00000006 | 000000d1 | 08 01"),
    (ManagedAccts("DU9000001"), 213, "0000000f | 000000d7 | 0a 09" + b"DU9000001".hex()),
    (StartApi(5), 213, "00000006 | 0000010f | 08 05"),
    (StartApi(0), 213, "00000006 | 0000010f | 08 00"),
    (ReqIds(-1), 213, "0000000f | 000000d0 | 08 ff ff ff ff ff ff ff ff ff 01"),
    (ReqCurrentTime(), 213, "00000004 | 000000f9"),
    (ReqCurrentTime(), 201, "00000006 | 00000031 | 31 00"),  # text with a binary id
    (ReqCurrentTime(), 200, "00000005 | 34 39 00 31 00"),
    (StartApi(5), 201, "00000009 | 00000047 | 32 00 35 00 00"),
    (CancelOrder(7), 203, "00000008 | 000000cc | 08 07 12 00"),
    (ReqGlobalCancel(), 203, "00000006 | 00000102 | 0a 00"),
    (ReqExecutions(4), 201, "0000000a | 000000cf | 08 04 12 02 08 00"),  # clientId 0 = "any"
])
def test_frames_from_the_sheet_are_written_exactly(msg: Message, version: int, wire: str) -> None:
    assert encode_message(msg, version) == frame(wire)
    body = frame(wire)[4:]
    assert decode_frame(body, version, Role.SERVER if msg.DIRECTION.value == "to_server"
                        else Role.CLIENT) == msg


def test_place_order_at_203_has_the_sheets_shape() -> None:
    from ibwire.models.contract import Stock
    from ibwire.models.order import LimitOrder

    order = PlaceOrder(11, Stock("AAPL"), LimitOrder("BUY", 10, 150.0, tif="DAY"))
    payload = encode_message(order, 203)[4:]
    assert payload[:4] == frame("000000cb")
    fields = raw_fields(payload, 4)
    assert fields[0] == (1, 0, 11)
    contract = dict((n, v) for n, _, v in raw_fields(fields[1][2]))
    assert contract[2] == b"AAPL" and contract[3] == b"STK" and contract[8] == b"SMART"
    assert contract[10] == b"USD"
    o = dict((n, v) for n, _, v in raw_fields(fields[2][2]))
    assert o[5] == b"BUY" and o[6] == b"10" and o[8] == b"LMT" and o[11] == b"DAY"
    assert o[9] == frame("00 00 00 00 00 c0 62 40")  # lmtPrice 150.0, double little-endian
    assert o[66] == 1  # transmit
    assert o[72] == 2**64 - 1  # exemptCode -1 as a 10-byte varint
    assert o[105] == b""  # softDollarTier present but empty
    got = decode_frame(payload, 203, Role.SERVER)
    assert (got.order_id, got.contract.symbol, got.order.total_quantity, got.order.lmt_price,
            got.order.transmit, got.order.exempt_code) == (11, "AAPL", Decimal(10), 150.0, True, -1)
    assert got.order.outside_rth is None  # False travels as "absent", as the official client sends it


def test_place_order_carries_combo_leg_prices_inside_the_legs() -> None:
    from ibwire.models.contract import ComboLeg, Contract
    from ibwire.models.order import LimitOrder, OrderComboLeg

    bag = Contract(symbol="SPY", sec_type="BAG", exchange="SMART", currency="USD",
                   combo_legs=[ComboLeg(con_id=1, ratio=1, action="BUY", exchange="SMART"),
                               ComboLeg(con_id=2, ratio=1, action="SELL", exchange="SMART")])
    order = LimitOrder("BUY", 1, 1.5, order_combo_legs=[OrderComboLeg(1.0), OrderComboLeg(0.5)])
    msg = PlaceOrder(16, bag, order)
    payload = encode_message(msg, 226)[4:]
    contract = dict(((n, i), v) for i, (n, _, v) in enumerate(raw_fields(raw_fields(payload, 4)[1][2])))
    legs = [v for (n, _), v in contract.items() if n == 20]
    assert [dict((n, v) for n, _, v in raw_fields(leg))[9] for leg in legs] == [
        frame("00 00 00 00 00 00 f0 3f"), frame("00 00 00 00 00 00 e0 3f")]  # 1.0, 0.5
    got = decode_frame(payload, 226, Role.SERVER)
    assert got.contract.combo_legs == bag.combo_legs
    assert all(type(leg) is ComboLeg for leg in got.contract.combo_legs)
    assert got.order.order_combo_legs == order.order_combo_legs
    assert msg.contract.combo_legs == bag.combo_legs  # the message sent is unchanged


def _captured() -> list[dict[str, Any]]:
    path = VECTORS / "captured.json"
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/vectors)")
    entries: list[dict[str, Any]] = json.loads(path.read_text())
    return [e for e in entries if (e.get("server_version") or 0) > 200]


def test_captured_binary_id_frames() -> None:
    entries = _captured()
    assert entries, "no capture above 200"
    seen = 0
    for e in entries:
        if e["fields"]:  # text with a binary id: the body is the text fields after the id
            payload = e["msg_id"].to_bytes(4, "big") + "".join(
                f + "\0" for f in e["fields"]).encode()
        else:
            payload = frame(e["raw_hex"])
            if len(payload) - 4 == int.from_bytes(payload[:4], "big"):
                payload = payload[4:]
        msg_id, encoding, body = split_frame(payload, True)
        assert msg_id == e["msg_id"]
        msg = decode_frame(payload, e["server_version"], Role.CLIENT)
        if e["msg_id"] == 71:
            assert encoding is Encoding.TEXT
            assert isinstance(msg, PositionMulti)
            assert (msg.req_id, msg.account, msg.contract.con_id, msg.contract.symbol) == (
                1, "U1", 45602025, "MELI")
            assert (msg.position, msg.avg_cost, msg.model_code) == (Decimal(1), 1581.09, None)
        elif encoding is Encoding.PROTOBUF:  # REROUTE_MKT_DATA_REQ at 225
            assert isinstance(msg, RerouteMktDataReq)
            assert raw_fields(body) == [(1, 0, 1), (2, 0, 8314), (3, 2, b"SMART")]
            assert (msg.req_id, msg.con_id, msg.exchange) == (1, 8314, "SMART")
            assert encode_message(msg, e["server_version"])[4:] == payload
        else:  # REROUTE_MKT_DATA_REQ / REROUTE_MKT_DEPTH_REQ as text with a binary id
            assert isinstance(msg, (RerouteMktDataReq, RerouteMktDepthReq))
            assert msg.MSG_ID == e["msg_id"]
            assert [str(msg.req_id), str(msg.con_id), msg.exchange] == e["fields"]
        seen += 1
    assert seen == len(entries)


# --- in-memory client / server pairs -------------------------------------------------------------------

def pair(version: int) -> tuple[Connection, Connection]:
    client = Connection(Role.CLIENT, min_version=100, max_version=version)
    server = Connection(Role.SERVER, min_version=100, max_version=version)
    assert server.receive_data(client.initiate())
    client.receive_data(server.accept(version, datetime(2026, 1, 2, tzinfo=UTC)))
    server.receive_data(client.start_api(5))
    events = client.receive_data(server.send(NextValidId(1)) + server.send(ManagedAccts("DU1")))
    assert isinstance(events[-1], SessionReady)
    return client, server


@pytest.mark.parametrize("version", [200, 201, 203, 206, 207, 212, 213, 226])
def test_handshake_and_start_api(version: int) -> None:
    client, server = pair(version)
    assert server.client_id == 5
    assert client.server_version == server.server_version == version


CHUNKS = 16  # (every message in one example would draw more than hypothesis allows)


@pytest.mark.parametrize("chunk", range(CHUNKS))
@pytest.mark.parametrize("version", PROTOBUF_VERSIONS)
@settings(max_examples=5, deadline=None,  # (one example draws a message of every class)
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_message_in_protobuf_both_roles(version: int, chunk: int,
                                              data: st.DataObject) -> None:
    client, server = pair(version)
    for cls in ALL_PB[chunk::CHUNKS]:
        msg = _fit(data.draw(messages(cls)), version)
        sender, receiver = (client, server) if cls in TO_SERVER.values() else (server, client)
        wire = sender.send(msg, Encoding.PROTOBUF)
        assert int.from_bytes(wire[4:8], "big") == cls.MSG_ID + 200
        assert receiver.receive_data(wire) == [_finished(cls, msg)], cls.__name__


@pytest.mark.parametrize("version", PROTOBUF_VERSIONS)
def test_default_encoding_follows_the_family_gates(version: int) -> None:
    client, server = pair(version)
    for cls in ALL:
        msg = cls()
        sender, receiver = (client, server) if cls in TO_SERVER.values() else (server, client)
        if cls in PROTOBUF_ONLY and version < cls.SCHEMA.proto.since:  # type: ignore[union-attr]
            with pytest.raises(LocalProtocolError):
                sender.send(msg)
            continue
        wire = sender.send(msg)
        raw = int.from_bytes(wire[4:8], "big")
        pb_since = cls.SCHEMA.proto.since if cls.SCHEMA.proto is not None else 1 << 30
        assert (raw > 200) == (version >= pb_since), cls.__name__
        (got,) = receiver.receive_data(wire)
        assert type(got) is cls


@pytest.mark.parametrize("version", [201, 206, 213, 226])
def test_text_with_a_binary_id_decodes_as_the_same_text_at_200(version: int) -> None:
    """Text layouts stop changing at 200; from 201 only the id moves into 4 bytes."""
    for cls in ALL:
        if cls in PROTOBUF_ONLY:
            continue
        msg = cls()
        at_200 = decode_frame(encode_message(msg, 200)[4:], 200, Role.SERVER if cls in TO_SERVER.values()
                              else Role.CLIENT)
        wire = encode_message(msg, version, Encoding.TEXT)
        assert int.from_bytes(wire[4:8], "big") == cls.MSG_ID
        got = decode_frame(wire[4:], version, Role.SERVER if cls in TO_SERVER.values() else Role.CLIENT)
        assert got == at_200, cls.__name__


def test_a_receiver_takes_either_form_frame_by_frame_in_one_read() -> None:
    client, server = pair(226)
    ticks = [TickPrice(1, 1, 150.25, Decimal(100), 0), TickSize(1, 0, Decimal(5)),
             TickPrice(2, 2, 150.5, None, 1)]
    data = b"".join(encode_message(t, 226, enc) for t, enc in
                    zip(ticks, (Encoding.PROTOBUF, Encoding.TEXT, Encoding.PROTOBUF)))
    data = data * 3
    assert client.receive_data(data) == ticks * 3
    assert client.receive_data(data[:7]) == []  # partial frames wait
    assert client.receive_data(data[7:]) == ticks * 3


def test_requests_both_forms_at_201() -> None:
    client, server = pair(201)
    req = ReqExecutions(4)
    assert client.send(req)[4:8] == frame("000000cf")  # protobuf from 201 (sheet section 3.1)
    assert server.receive_data(client.send(req)) == [req]
    assert server.receive_data(client.send(req, Encoding.TEXT)) == [req]


def test_a_bad_protobuf_frame_is_a_bad_message_naming_the_field() -> None:
    client, _ = pair(226)
    good = encode_message(OpenOrder(7), 226)
    bad = good[:4] + good[4:8] + b"\x08\x80"  # orderId: a truncated varint
    bad = len(bad[4:]).to_bytes(4, "big") + bad[4:]
    events = client.receive_data(bad + encode_message(ExecutionData(), 226))
    assert isinstance(events[0], BadMessage)
    assert events[0].error.msg_id == 5 and events[0].error.field_index == 1
    assert "OpenOrder.order_id (field 1)" in str(events[0].error)
    assert isinstance(events[1], ExecutionData)


def test_an_unknown_protobuf_id_is_delivered_with_its_body() -> None:
    client, _ = pair(226)
    # id 250 (raw 450): no message of the official client 10.51 has it
    wire = frame("00000010 | 000001c2 | 08 01 | 10 fa 40 | 1a 05") + b"SMART"
    (msg,) = client.receive_data(wire)
    assert isinstance(msg, UnknownMessage) and msg.msg_id == 250 and msg.body == wire[8:]


def test_no_protobuf_below_201() -> None:
    from ibwire.errors import LocalProtocolError

    with pytest.raises(LocalProtocolError):
        encode_message(NextValidId(1), 200, Encoding.PROTOBUF)


def test_frame_buffer_is_unchanged_by_binary_ids() -> None:
    wire = b"".join(encode_message(TickPrice(i, 1, 1.5, None, 0), 226) for i in range(100))
    payloads = FrameBuffer().feed(wire)
    assert len(payloads) == 100 and all(p[:4] == frame("000000c9") for p in payloads)
