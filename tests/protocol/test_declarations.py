"""One declaration per message: the wire form of a flat message's fields is declared on the
model fields themselves (``Annotated[..., W(...)]``), the request kind, the official method and
callback beside it; a name the declaration cannot resolve fails at import, naming it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest

from ibwire.protocol.api import Api, Callback, Request
from ibwire.protocol.codec import Kind
from ibwire.protocol.elements import F, Proto, Version, W
from ibwire.protocol.ids import In, Out
from ibwire.protocol.messages.system import CurrentTime, ErrMsg
from ibwire.protocol.schema import Direction, Message, Schema, _register
from ibwire.protocol.versions import Feature


def test_annotated_fields_are_the_text_layout_after_the_positional_elements() -> None:
    assert [type(e).__name__ for e in ErrMsg.SCHEMA.elements] == ["Version", "F", "F", "F", "F", "F"]
    assert [e.path for e in ErrMsg.SCHEMA.elements if isinstance(e, F)] == [
        "req_id", "error_code", "error_string", "advanced_order_reject_json", "error_time"]
    # the version gate and the protobuf number come from W
    at_178 = ErrMsg.SCHEMA.encoder(178)(ErrMsg(7, 200, "no", None, 5))
    at_194 = ErrMsg.SCHEMA.encoder(194)(ErrMsg(7, 200, "no", None, 5))
    assert at_178 == ["4", "2", "7", "200", "no", ""] and at_194 == ["4", "7", "200", "no", "", "5"]
    assert {f.path: f.number for f in ErrMsg.SCHEMA.pb.fields} == {
        "req_id": 1, "error_time": 2, "error_code": 3, "error_string": 4,
        "advanced_order_reject_json": 5}
    assert CurrentTime.SCHEMA.decoder(178)(["49", "1", "1700000000"]).time == 1700000000


def _declare(*elements: object, registry: dict[int, type[Message]] | None = None,
             **kinds: object) -> type:
    @dataclass(slots=True)
    class Sample(Message):
        req_id: Annotated[int | None, W(Kind.INT, pb=1)] = None
        text: Annotated[str | None, W(Kind.STR, pb=2, since=Feature.ERROR_TIME)] = None

    return _register(9999, Direction.TO_SERVER, elements, {} if registry is None else registry,
                     **kinds)(Sample)  # type: ignore[arg-type]


def test_a_field_declared_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="declared by W"):
        _declare(F("req_id", Kind.INT), Proto("Sample", Feature.PROTOBUF))


def test_official_names_must_name_the_message_fields() -> None:
    proto = Proto("Sample", Feature.PROTOBUF)
    with pytest.raises(TypeError, match="reqSample\\(txt\\) names 'missing'"):
        _declare(Version(1), proto, api=Api("reqSample", "reqId", "txt:missing"))
    with pytest.raises(TypeError, match="request key"):
        _declare(proto, request=Request(replies=(In.CURRENT_TIME,), key="order_id"))
    sample = _declare(Version(1), Proto("Sample", Feature.PROTOBUF),
                      request=Request(replies=(In.CURRENT_TIME,), cancel=Out.CANCEL_MKT_DATA),
                      api=Api("reqSample", "reqId", "text"))
    schema: Schema = sample.SCHEMA  # type: ignore[attr-defined]
    assert schema.request is not None and schema.request.is_subscription
    assert [a.path for a in schema.api.args] == ["req_id", "text"]  # type: ignore[union-attr]
    assert schema.encoder(178)(sample(3, "x")) == ["9999", "1", "3"]
    assert schema.encoder(194)(sample(3, "x")) == ["9999", "1", "3", "x"]


def test_callback_arguments_map_by_name() -> None:
    cb = Callback("sample", "reqId", "value:text.inner", "-ignored")
    assert [(a.name, a.path) for a in cb.args] == [("reqId", "req_id"), ("value", "text.inner"),
                                                   ("ignored", None)]


def test_a_bare_name_places_a_model_declared_field_in_a_mixed_layout() -> None:
    from ibwire.protocol.messages.contracts import ContractDataEnd, ReqContractData

    paths = [getattr(e, "path", type(e).__name__) for e in ReqContractData.SCHEMA.elements[:4]]
    assert paths == ["Version", "req_id", "contract.con_id", "contract.symbol"]
    assert ReqContractData.SCHEMA.pb.fields[0].path == "req_id"  # its number came from W(pb=1)
    assert ContractDataEnd.SCHEMA.decoder(178)(["52", "1", "2147483647"]).req_id is None
    with pytest.raises(TypeError, match="'nope' in the layout"):
        _declare("nope", Proto("Sample", Feature.PROTOBUF))
