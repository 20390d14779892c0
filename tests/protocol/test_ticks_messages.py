"""Tick-level messages (protocol/messages/ticks.py): layouts, attribute masks, version gates and
the tick-by-tick dispatch. The byte-for-byte and callback comparisons with the official client 10.51
are tests/oracle/cases_ticks.py's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ibwire.errors import LocalProtocolError
from ibwire.models.contract import Contract
from ibwire.models.ticks import (
    HistoricalTick,
    HistoricalTickBidAsk,
    HistoricalTickLast,
    TickAttribBidAsk,
    TickAttribLast,
)
from ibwire.protocol.connection import Encoding, Role, decode_frame, encode_message
from ibwire.protocol.messages import ticks
from ibwire.protocol.versions import TESTED_VERSIONS, Feature

from ..oracle.cases_ticks import INCOMING, REQUESTS

AAPL = Contract(symbol="AAPL", sec_type="STK", exchange="SMART", currency="USD")
T0 = 1796396400


def fields(msg: object, version: int) -> list[str]:
    return msg.SCHEMA.encoder(version)(msg)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("version", [*TESTED_VERSIONS, 200, 201, 207, 208, 215, 226])
def test_every_case_round_trips_in_both_encodings(version: int) -> None:
    for since, msg in INCOMING:
        if since is not None and version < since:
            continue
        wire = encode_message(msg, version)
        again = decode_frame(wire[4:], version, Role.CLIENT)
        assert encode_message(again, version) == wire, type(msg).__name__
        if version >= Feature.PROTOBUF and msg.SCHEMA.pb is not None:
            pb = encode_message(msg, version, Encoding.PROTOBUF)
            got = decode_frame(pb[4:], version, Role.CLIENT)
            assert encode_message(got, version, Encoding.PROTOBUF) == pb
            assert type(got) is type(msg)
    for req in REQUESTS:
        try:
            wire = encode_message(req, version)
        except LocalProtocolError:
            continue  # (below the request's gate: see the next test)
        assert encode_message(decode_frame(wire[4:], version, Role.SERVER), version) == wire


def test_requests_are_refused_below_their_gates() -> None:
    req = ticks.ReqTickByTickData(1, AAPL, "Last", 0, False)
    with pytest.raises(LocalProtocolError, match="140"):
        encode_message(req, 139)
    assert fields(req, 140)[-3:] == ["Last", "0", "0"]
    with pytest.raises(LocalProtocolError, match="137"):
        encode_message(ticks.CancelTickByTickData(1), 136)
    with pytest.raises(LocalProtocolError, match="130"):
        encode_message(ticks.ReqHistoricalTicks(1, AAPL, "20261204 09:30:00 US/Eastern"), 129)
    # protobuf only, from 215
    with pytest.raises(LocalProtocolError, match="215"):
        encode_message(ticks.CancelHistoricalTicks(1), 214)
    assert int.from_bytes(encode_message(ticks.CancelHistoricalTicks(1), 215)[4:8], "big") == 307


def test_tick_by_tick_layouts_by_type() -> None:
    last = ticks.TickByTick(7, 1, last=HistoricalTickLast(
        T0, TickAttribLast(True, False), 150.25, Decimal(100), "NASDAQ", "I"))
    assert fields(last, 178) == ["99", "7", "1", str(T0), "150.25", "100", "1", "NASDAQ", "I"]
    quote = ticks.TickByTick(7, 3, bid_ask=HistoricalTickBidAsk(
        T0, TickAttribBidAsk(bid_past_low=True), 150.2, 150.3, Decimal(3), Decimal(5)))
    assert fields(quote, 178) == ["99", "7", "3", str(T0), "150.2", "150.3", "3", "5", "1"]
    mid = ticks.TickByTick(7, 4, mid_point=HistoricalTick(T0, 150.25, Decimal(0)))
    assert fields(mid, 178) == ["99", "7", "4", str(T0), "150.25"]
    # the official client reads type 0 as the time alone
    assert decode_frame(encode_message(ticks.TickByTick(7, 0), 178)[4:], 178,
                        Role.CLIENT) == ticks.TickByTick(7, 0)
    with pytest.raises(LocalProtocolError):
        encode_message(ticks.TickByTick(7, 3, last=last.last), 178)  # a trade as a quote


def test_bid_ask_masks_differ_between_tick_by_tick_and_historical_ticks() -> None:
    attrib = TickAttribBidAsk(bid_past_low=True, ask_past_high=False)
    tbt = ticks.TickByTick(1, 3, bid_ask=HistoricalTickBidAsk(T0, attrib, 1.0, 2.0, Decimal(1),
                                                               Decimal(1)))
    hist = ticks.HistoricalTicksBidAsk(1, [HistoricalTickBidAsk(T0, attrib, 1.0, 2.0, Decimal(1),
                                                                Decimal(1))], True)
    assert fields(tbt, 178)[-1] == "1"  # bit 0 bidPastLow
    assert fields(hist, 178)[4] == "2"  # bit 1 bidPastLow (bit 0 askPastHigh)


def test_tick_by_tick_calls_the_callback_of_its_type() -> None:
    calls = [ticks.tick_by_tick_call(m) for _, m in INCOMING if isinstance(m, ticks.TickByTick)]
    assert [c[0] for c in calls if c] == ["tickByTickAllLast", "tickByTickAllLast",
                                          "tickByTickBidAsk", "tickByTickBidAsk",
                                          "tickByTickMidPoint"]
    assert ticks.tick_by_tick_call(ticks.TickByTick(1, 0)) is None


def test_absent_protobuf_attributes_read_as_false() -> None:
    body = ticks.TickByTick.SCHEMA.pb_encode(ticks.TickByTick(1, 1, last=HistoricalTickLast(
        T0, TickAttribLast(), 1.0, Decimal(1), None, None)))
    got = ticks.TickByTick.SCHEMA.pb_decoder()(body, 0)
    assert got.last is not None and got.last.tick_attrib_last == TickAttribLast(False, False)
