"""Account, portfolio, position and account-summary messages.

1. Round trips of every message at every tested server version (hypothesis).
2. Golden frames: real captures and the checked sv-178 samples in ../shared/vectors decode to the
   values they carry, and encode back to the same fields.
3. Oracles: frames ibwire writes decode in ib_async 2.1.0 (sv 178) and in the official ibapi 9.81
   (sv 157) to the same values; requests those clients build decode in ibwire.

The helpers at the top (strategies, vector loading, the two decoders used as oracles, the fake
connections that capture requests) are shared with test_executions_messages.py.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from collections.abc import Callable, Iterator
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ibwire.models.contract import Contract
from ibwire.protocol.connection import Role, decode_fields, encode_message
from ibwire.protocol.framing import split_fields
from ibwire.protocol.messages.accounts import (
    AccountSummary,
    AccountSummaryEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AcctDownloadEnd,
    AcctUpdateTime,
    AcctValue,
    CancelAccountSummary,
    CancelAccountUpdatesMulti,
    CancelPositions,
    CancelPositionsMulti,
    PortfolioValue,
    PositionData,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    ReqAccountSummary,
    ReqAccountUpdatesMulti,
    ReqAcctData,
    ReqPositions,
    ReqPositionsMulti,
)
from ibwire.protocol.schema import Direction, Message
from ibwire.protocol.versions import IB_ASYNC_VERSION, IBAPI_981_VERSION, TESTED_VERSIONS, Feature

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors"

# --- shared helpers ----------------------------------------------------------------------------

# Printable ASCII without the backslash: ibapi reads simple messages with 'unicode-escape'.
ALPHABET = st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="\\")
texts = st.none() | st.text(ALPHABET, min_size=1, max_size=10)
ints = st.none() | st.integers(-(2**31) + 2, 2**31 - 2)
positive_ints = st.none() | st.integers(1, 2**31 - 2)
floats = st.none() | st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)
strikes = st.none() | st.floats(0.01, 1e6, allow_nan=False, allow_infinity=False)
quantities = st.none() | st.decimals(-(10**9), 10**9, places=4, allow_nan=False, allow_infinity=False)
bools = st.none() | st.booleans()
rights = st.sampled_from([None, "C", "P"])


def contracts(*, primary_exchange: bool = False, con_ids: st.SearchStrategy[int | None] = positive_ints
              ) -> st.SearchStrategy[Contract]:
    """Contracts with exactly the fields a TWS -> client contract block carries."""
    venue = {"primary_exchange": texts} if primary_exchange else {"exchange": texts}
    return st.builds(
        Contract, con_id=con_ids, symbol=texts, sec_type=texts,
        last_trade_date_or_contract_month=texts, strike=strikes, right=rights, multiplier=texts,
        currency=texts, local_symbol=texts, trading_class=texts, **venue)


def wire(msg: Message, sv: int) -> list[str]:
    """The fields of the frame ibwire writes for ``msg``."""
    frame = encode_message(msg, sv)
    assert struct.unpack(">I", frame[:4])[0] == len(frame) - 4
    return split_fields(frame[4:])


def receiver(msg: Message) -> Role:
    return Role.CLIENT if msg.DIRECTION is Direction.TO_CLIENT else Role.SERVER


def round_trip(msg: Message, sv: int) -> tuple[list[str], Any]:
    fields = wire(msg, sv)
    back = decode_fields(fields, sv, receiver(msg))
    assert wire(back, sv) == fields  # the wire form is stable
    return fields, back


def load_captured(names: set[str]) -> list[dict[str, Any]]:
    """Captured frames of these message names at a server version ibwire speaks (or unknown)."""
    path = VECTORS / "captured.json"
    if not path.exists():
        pytest.skip("golden vectors not found: they are in the project's shared/ folder beside this repository (../shared/vectors/), which CI has; see README, Tests")
    out = []
    for entry in json.loads(path.read_text()):
        sv = entry["server_version"]
        if entry["name"] in names and (sv is None or IBAPI_981_VERSION <= sv <= IB_ASYNC_VERSION):
            out.append(entry)
    return out


def captured(name: str, needle: str) -> dict[str, Any]:
    """The one captured entry named ``name`` whose meaning mentions ``needle``."""
    hits = [e for e in load_captured({name}) if needle in e["meaning"]]
    assert len(hits) == 1, (name, needle, len(hits))
    return hits[0]


def sample(name: str) -> list[str]:
    path = VECTORS / "sv178_incoming_samples.json"
    if not path.exists():
        pytest.skip("golden vectors not found: they are in the project's shared/ folder beside this repository (../shared/vectors/), which CI has; see README, Tests")
    fields: list[str] = json.loads(path.read_text())[name]
    return fields


# Oracles: the decoders of ib_async (at 178) and the official ibapi 9.81 (at 157).

class AsyncRecorder:
    """Stands in for ib_async's Wrapper: records every callback the Decoder makes."""

    defaultTimezone = UTC

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.ib = SimpleNamespace(TimezoneTWS=None)

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args))


def ib_async_decode(msg: Message, sv: int = IB_ASYNC_VERSION) -> tuple[str, tuple[Any, ...]]:
    """Decode the frame ibwire writes with ib_async's Decoder; exactly one callback must result."""
    decoder_mod = pytest.importorskip("ib_async.decoder")
    frame = encode_message(msg, sv)
    fields = frame[4:].decode("ascii").split("\0")[:-1]  # as ib_async's Client splits a frame
    rec = AsyncRecorder()
    decoder_mod.Decoder(rec, sv).interpret(fields)  # logs and swallows errors: check the calls
    assert len(rec.calls) == 1, f"ib_async did not accept {fields}: {rec.calls}"
    return rec.calls[0]


IBAPI_CALLBACKS = (
    "updateAccountValue", "updatePortfolio", "updateAccountTime", "accountDownloadEnd", "position",
    "positionEnd", "accountSummary", "accountSummaryEnd", "accountUpdateMulti",
    "accountUpdateMultiEnd", "positionMulti", "positionMultiEnd", "execDetails", "execDetailsEnd",
    "commissionReport", "error",
)


def ibapi_decode(msg: Message, sv: int = IBAPI_981_VERSION) -> tuple[str, tuple[Any, ...]]:
    """Decode the frame ibwire writes with the official ibapi 9.81 Decoder (one callback)."""
    comm = pytest.importorskip("ibapi.comm")
    decoder_mod = pytest.importorskip("ibapi.decoder")
    wrapper_mod = pytest.importorskip("ibapi.wrapper")
    calls: list[tuple[str, tuple[Any, ...]]] = []

    def recorder(name: str) -> Callable[..., None]:
        return lambda self, *args: calls.append((name, args))

    rec_cls = type("Recorder", (wrapper_mod.EWrapper,), {n: recorder(n) for n in IBAPI_CALLBACKS})
    size, payload, rest = comm.read_msg(encode_message(msg, sv))
    assert rest == b"" and size == len(payload)
    decoder_mod.Decoder(rec_cls(), sv).interpret(comm.read_fields(payload))
    assert len(calls) == 1, f"ibapi did not accept {payload!r}: {calls}"
    assert calls[0][0] != "error", calls
    return calls[0]


def ib_async_requests(build: Callable[[Any], None], sv: int = IB_ASYNC_VERSION) -> list[list[str]]:
    """The request frames ib_async's Client writes when ``build(client)`` runs (no socket)."""
    client_mod = pytest.importorskip("ib_async.client")
    client = client_mod.Client(SimpleNamespace())
    client._serverVersion = sv
    client.connState = client_mod.Client.CONNECTED
    sent: list[str] = []
    client.sendMsg = sent.append  # after ib_async's own field formatting, before its throttle
    build(client)
    return [m.split("\0")[:-1] for m in sent]


class _FakeIbapiConn:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def isConnected(self) -> bool:  # noqa: N802 - ibapi's name
        return True

    def sendMsg(self, msg: bytes) -> None:  # noqa: N802 - ibapi's name
        self.sent.append(msg)


def ibapi_requests(build: Callable[[Any], None], sv: int = IBAPI_981_VERSION) -> list[list[str]]:
    """The request frames the official ibapi 9.81 EClient writes when ``build(client)`` runs."""
    client_mod = pytest.importorskip("ibapi.client")
    comm = pytest.importorskip("ibapi.comm")
    wrapper_mod = pytest.importorskip("ibapi.wrapper")
    client = client_mod.EClient(wrapper_mod.EWrapper())
    conn = _FakeIbapiConn()
    client.conn = conn
    client.serverVersion_ = sv
    client.connState = client_mod.EClient.CONNECTED
    build(client)
    out = []
    for frame in conn.sent:
        _size, payload, rest = comm.read_msg(frame)
        assert rest == b""
        out.append([f.decode("ascii") for f in comm.read_fields(payload)])
    return out


_UNSET_FLOATS = (1.7976931348623157e308, 9.223372036854776e18)


def norm(value: Any) -> Any:
    """A value as one of the official clients hands it over, in ibwire's terms (unset = None)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (bytes, str)):
        s = value.decode() if isinstance(value, bytes) else value
        return s or None
    if isinstance(value, int):
        return None if value == 2147483647 else value
    if isinstance(value, float):
        return None if value in _UNSET_FLOATS else value
    if isinstance(value, Decimal):
        return float(value)
    return value


def ours(*values: Any) -> tuple[Any, ...]:
    return tuple(float(v) if isinstance(v, Decimal) else v for v in values)


def theirs(*values: Any) -> tuple[Any, ...]:
    return tuple(norm(v) for v in values)


def their_contract(c: Any, *, primary_exchange: bool = False) -> tuple[Any, ...]:
    venue = c.primaryExchange if primary_exchange else c.exchange
    right = norm(c.right)
    return (
        norm(c.conId) or None, norm(c.symbol), norm(c.secType), norm(c.lastTradeDateOrContractMonth),
        norm(c.strike) or None, None if right in ("0", "?") else right, norm(c.multiplier),
        norm(venue), norm(c.currency), norm(c.localSymbol), norm(c.tradingClass),
    )


def our_contract(c: Contract, *, primary_exchange: bool = False) -> tuple[Any, ...]:
    venue = c.primary_exchange if primary_exchange else c.exchange
    return (c.con_id, c.symbol, c.sec_type, c.last_trade_date_or_contract_month, c.strike, c.right,
            c.multiplier, venue, c.currency, c.local_symbol, c.trading_class)


# --- 1. round trips ----------------------------------------------------------------------------

STRATEGIES: dict[str, st.SearchStrategy[Message]] = {
    "ReqAcctData": st.builds(ReqAcctData, subscribe=bools, acct_code=texts),
    "ReqPositions": st.just(ReqPositions()),
    "CancelPositions": st.just(CancelPositions()),
    "ReqAccountSummary": st.builds(ReqAccountSummary, req_id=ints, group_name=texts, tags=texts),
    "CancelAccountSummary": st.builds(CancelAccountSummary, req_id=ints),
    "ReqAccountUpdatesMulti": st.builds(ReqAccountUpdatesMulti, req_id=ints, account=texts,
                                        model_code=texts, ledger_and_nlv=bools),
    "CancelAccountUpdatesMulti": st.builds(CancelAccountUpdatesMulti, req_id=ints),
    "ReqPositionsMulti": st.builds(ReqPositionsMulti, req_id=ints, account=texts, model_code=texts),
    "CancelPositionsMulti": st.builds(CancelPositionsMulti, req_id=ints),
    "AcctValue": st.builds(AcctValue, key=texts, value=texts, currency=texts, account_name=texts),
    "PortfolioValue": st.builds(
        PortfolioValue, contract=contracts(primary_exchange=True), position=quantities,
        market_price=floats, market_value=floats, average_cost=floats, unrealized_pnl=floats,
        realized_pnl=floats, account_name=texts),
    "AcctUpdateTime": st.builds(AcctUpdateTime, time_stamp=texts),
    "AcctDownloadEnd": st.builds(AcctDownloadEnd, account_name=texts),
    "PositionData": st.builds(PositionData, account=texts, contract=contracts(), position=quantities,
                              avg_cost=floats),
    "PositionEnd": st.just(PositionEnd()),
    "AccountSummary": st.builds(AccountSummary, req_id=ints, account=texts, tag=texts, value=texts,
                                currency=texts),
    "AccountSummaryEnd": st.builds(AccountSummaryEnd, req_id=ints),
    "AccountUpdateMulti": st.builds(AccountUpdateMulti, req_id=ints, account=texts, model_code=texts,
                                    key=texts, value=texts, currency=texts),
    "AccountUpdateMultiEnd": st.builds(AccountUpdateMultiEnd, req_id=ints),
    "PositionMulti": st.builds(PositionMulti, req_id=ints, account=texts, model_code=texts,
                               contract=contracts(), position=quantities, avg_cost=floats),
    "PositionMultiEnd": st.builds(PositionMultiEnd, req_id=ints),
}

# (message id, field count incl. the id) -- the same at every version 157..178.
LAYOUT: dict[str, tuple[int, int]] = {
    "ReqAcctData": (6, 4), "ReqPositions": (61, 2), "CancelPositions": (64, 2),
    "ReqAccountSummary": (62, 5), "CancelAccountSummary": (63, 3),
    "ReqAccountUpdatesMulti": (76, 6), "CancelAccountUpdatesMulti": (77, 3),
    "ReqPositionsMulti": (74, 5), "CancelPositionsMulti": (75, 3),
    "AcctValue": (6, 6), "PortfolioValue": (7, 20), "AcctUpdateTime": (8, 3),
    "AcctDownloadEnd": (54, 3), "PositionData": (61, 16), "PositionEnd": (62, 2),
    "AccountSummary": (63, 7), "AccountSummaryEnd": (64, 3), "AccountUpdateMulti": (73, 8),
    "AccountUpdateMultiEnd": (74, 3), "PositionMulti": (71, 18), "PositionMultiEnd": (72, 3),
}


@pytest.mark.parametrize("sv", TESTED_VERSIONS)
@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_round_trip(name: str, sv: int, data: st.DataObject) -> None:
    if "Multi" in name and sv < Feature.MODELS_SUPPORT:
        pytest.skip("the *_MULTI messages exist from MODELS_SUPPORT (103)")
    msg = data.draw(STRATEGIES[name])
    fields, back = round_trip(msg, sv)
    assert back == msg
    msg_id, count = LAYOUT[name]
    assert fields[0] == str(msg_id)
    assert len(fields) == count


def test_unset_numbers_are_written_in_tws_forms() -> None:
    """ib_async unpacks PORTFOLIO_VALUE numbers with bare float(): never write them empty."""
    fields = wire(PortfolioValue(), IB_ASYNC_VERSION)
    assert fields[13] == "9223372036854775807"
    assert fields[14:19] == ["1.7976931348623157E308"] * 5
    assert fields[6:8] == ["0", "0"]  # strike and right of a non-option, as TWS writes them
    assert wire(PositionData(), IB_ASYNC_VERSION)[7:9] == ["0.0", ""]
    assert wire(AccountSummaryEnd(), IB_ASYNC_VERSION) == ["64", "1", "2147483647"]


def test_no_strike_and_no_right_decode_to_none() -> None:
    fields = sample("POSITION_DATA")
    fields = fields[:7] + ["0", "?"] + fields[9:]
    msg = decode_fields(fields, IB_ASYNC_VERSION, Role.CLIENT)
    assert msg.contract.strike is None and msg.contract.right is None


def test_a_bad_field_names_message_index_and_value() -> None:
    from ibwire.errors import RemoteProtocolError

    fields = sample("POSITION_DATA")
    fields = fields[:14] + ["lots"] + fields[15:]
    with pytest.raises(RemoteProtocolError) as info:
        decode_fields(fields, IB_ASYNC_VERSION, Role.CLIENT)
    assert info.value.field_index == 14 and info.value.raw == "lots"
    assert "PositionData" in str(info.value) and "61" in str(info.value)


# --- 2. golden frames ----------------------------------------------------------------------------

MY_NAMES = {
    "ACCT_VALUE", "PORTFOLIO_VALUE", "ACCT_UPDATE_TIME", "ACCT_DOWNLOAD_END", "POSITION_DATA",
    "POSITION_END", "ACCOUNT_SUMMARY", "ACCOUNT_SUMMARY_END", "ACCOUNT_UPDATE_MULTI",
    "ACCOUNT_UPDATE_MULTI_END", "POSITION_MULTI", "POSITION_MULTI_END", "REQ_ACCT_DATA",
    "REQ_POSITIONS", "CANCEL_POSITIONS", "REQ_ACCOUNT_SUMMARY", "CANCEL_ACCOUNT_SUMMARY",
    "REQ_ACCOUNT_UPDATES_MULTI", "CANCEL_ACCOUNT_UPDATES_MULTI", "REQ_POSITIONS_MULTI",
    "CANCEL_POSITIONS_MULTI",
}


def _captured_ids() -> Iterator[Any]:
    if not (VECTORS / "captured.json").exists():
        return
    for e in load_captured(MY_NAMES):
        yield pytest.param(e, id=f"{e['name']}-{e['server_version']}-{e['fields'][2:4]}")


@pytest.mark.parametrize("entry", list(_captured_ids()))
def test_every_captured_frame_decodes_and_re_encodes(entry: dict[str, Any]) -> None:
    sv = entry["server_version"] or IB_ASYNC_VERSION
    role = Role.CLIENT if entry["direction"] == "server->client" else Role.SERVER
    msg = decode_fields(entry["fields"], sv, role)
    assert type(msg).__name__ != "UnknownMessage"
    assert wire(msg, sv) == entry["fields"]


def test_captured_frames_are_present() -> None:
    names = {e["name"] for e in load_captured(MY_NAMES)}
    assert {"POSITION_DATA", "POSITION_END", "ACCOUNT_SUMMARY", "ACCOUNT_SUMMARY_END",
            "REQ_POSITIONS", "REQ_ACCOUNT_SUMMARY"} <= names


def test_captured_short_stock_position() -> None:
    e = captured("POSITION_DATA", "position -110 (short)")
    msg = decode_fields(e["fields"], e["server_version"], Role.CLIENT)
    assert isinstance(msg, PositionData)
    assert msg.account == "ACCOUNT_ID"
    assert msg.position == Decimal("-110") and msg.position < 0
    assert msg.avg_cost == 201.8829709
    c = msg.contract
    assert (c.con_id, c.symbol, c.sec_type, c.exchange, c.currency) == (265598, "AAPL", "STK", "NASDAQ", "USD")
    assert (c.local_symbol, c.trading_class) == ("AAPL", "NMS")
    assert c.strike is None and c.right is None and c.multiplier is None
    assert c.last_trade_date_or_contract_month is None and c.primary_exchange is None


def test_captured_future_position() -> None:
    e = captured("POSITION_DATA", "ES FUT")
    msg = decode_fields(e["fields"], e["server_version"], Role.CLIENT)
    assert isinstance(msg, PositionData)
    c = msg.contract
    assert (c.con_id, c.symbol, c.sec_type) == (637533641, "ES", "FUT")
    assert c.last_trade_date_or_contract_month == "20250919"
    assert c.multiplier == "50"
    assert c.exchange is None  # TWS sent an empty exchange for this future
    assert (c.currency, c.local_symbol, c.trading_class) == ("USD", "ESU5", "ES")
    assert msg.position == Decimal("1") and msg.avg_cost == 315114.75


def test_captured_position_end_and_request() -> None:
    end = captured("POSITION_END", "version 1")
    assert decode_fields(end["fields"], end["server_version"], Role.CLIENT) == PositionEnd()
    for req in load_captured({"REQ_POSITIONS"}):
        assert decode_fields(req["fields"], req["server_version"], Role.SERVER) == ReqPositions()
        assert wire(ReqPositions(), req["server_version"]) == ["61", "1"]


def test_captured_account_summary() -> None:
    req = captured("REQ_ACCOUNT_SUMMARY", "reqId 9000")
    assert decode_fields(req["fields"], req["server_version"], Role.SERVER) == ReqAccountSummary(
        req_id=9000, group_name="All", tags="NetLiquidation,TotalCashValue,GrossPositionValue")
    got = {}
    for e in load_captured({"ACCOUNT_SUMMARY"}):
        msg = decode_fields(e["fields"], e["server_version"], Role.CLIENT)
        assert isinstance(msg, AccountSummary)
        assert (msg.req_id, msg.account, msg.currency) == (9000, "ACCOUNT_ID", "USD")
        got[msg.tag] = msg.value
    assert got == {"GrossPositionValue": "23172.60", "NetLiquidation": "246447.83",
                   "TotalCashValue": "269339.33"}
    end = captured("ACCOUNT_SUMMARY_END", "reqId 9000")
    assert decode_fields(end["fields"], end["server_version"], Role.CLIENT) == AccountSummaryEnd(9000)


def _sample_msg(name: str) -> Any:
    fields = sample(name)
    msg = decode_fields(fields, IB_ASYNC_VERSION, Role.CLIENT)
    assert wire(msg, IB_ASYNC_VERSION) == fields
    return msg


def test_sample_account_stream() -> None:
    assert _sample_msg("ACCT_VALUE") == AcctValue("NetLiquidation", "100000.00", "USD", "DU123456")
    pv = _sample_msg("PORTFOLIO_VALUE")
    assert isinstance(pv, PortfolioValue)
    c = pv.contract
    assert (c.con_id, c.symbol, c.sec_type, c.primary_exchange, c.exchange) == (
        265598, "AAPL", "STK", "NASDAQ", None)
    assert c.strike is None and c.right is None  # "0" / "0" on the wire
    assert (pv.position, pv.market_price, pv.market_value, pv.average_cost) == (
        Decimal("100"), 190.5, 19050.0, 150.0)
    assert (pv.unrealized_pnl, pv.realized_pnl, pv.account_name) == (3950.0, 0.0, "DU123456")
    assert _sample_msg("ACCT_UPDATE_TIME") == AcctUpdateTime("15:30")
    assert _sample_msg("ACCT_DOWNLOAD_END") == AcctDownloadEnd("DU123456")


def test_sample_positions_and_summary() -> None:
    pos = _sample_msg("POSITION_DATA")
    assert isinstance(pos, PositionData)
    assert (pos.account, pos.contract.symbol, pos.contract.exchange) == ("DU123456", "AAPL", "NASDAQ")
    assert (pos.position, pos.avg_cost) == (Decimal("100"), 150.0)
    assert _sample_msg("POSITION_END") == PositionEnd()
    assert _sample_msg("ACCOUNT_SUMMARY") == AccountSummary(5, "DU123456", "NetLiquidation",
                                                            "100000.00", "USD")
    assert _sample_msg("ACCOUNT_SUMMARY_END") == AccountSummaryEnd(5)


def _v200_capture(name: str, needle: str) -> dict[str, Any]:
    path = VECTORS / "captured.json"
    if not path.exists():
        pytest.skip("golden vectors not found: they are in the project's shared/ folder beside this repository (../shared/vectors/), which CI has; see README, Tests")
    hits = [e for e in json.loads(path.read_text())
            if e["name"] == name and e["server_version"] == 200 and needle in e["meaning"]]
    assert len(hits) == 1
    return hits[0]


def test_sv200_account_frames_have_the_178_layout() -> None:
    """Live sv-200 captures of messages whose layout did not change after 178 decode at 178."""
    pv = decode_fields(_v200_capture("PORTFOLIO_VALUE", "position -100")["fields"],
                       IB_ASYNC_VERSION, Role.CLIENT)
    assert isinstance(pv, PortfolioValue)
    assert pv.position == Decimal("-100") and pv.market_value == -29162.34
    assert (pv.unrealized_pnl, pv.realized_pnl, pv.account_name) == (-35.74, -71.44, "DU9000001")
    assert pv.contract.primary_exchange == "NASDAQ" and pv.contract.right is None
    multi = _v200_capture("ACCOUNT_UPDATE_MULTI", "key Currency")
    assert decode_fields(multi["fields"], IB_ASYNC_VERSION, Role.CLIENT) == AccountUpdateMulti(
        1001, "DU9000001", None, "Currency", "EUR", "EUR")
    for name, cls in (("ACCOUNT_UPDATE_MULTI_END", AccountUpdateMultiEnd),
                      ("POSITION_MULTI_END", PositionMultiEnd)):
        e = _v200_capture(name, "reqId 1001")
        assert decode_fields(e["fields"], IB_ASYNC_VERSION, Role.CLIENT) == cls(1001)
        assert wire(cls(1001), IB_ASYNC_VERSION) == e["fields"]
    acct = _v200_capture("ACCT_VALUE", "key AccountCode")
    assert decode_fields(acct["fields"], IB_ASYNC_VERSION, Role.CLIENT) == AcctValue(
        "AccountCode", "DU9000001", None, "DU9000001")


def test_sv206_position_multi_body_has_the_178_layout() -> None:
    """The sv-206 POSITION_MULTI capture (binary msg id) carries the classic text body."""
    path = VECTORS / "captured.json"
    if not path.exists():
        pytest.skip("golden vectors not found: they are in the project's shared/ folder beside this repository (../shared/vectors/), which CI has; see README, Tests")
    hits = [x for x in json.loads(path.read_text()) if x["name"] == "POSITION_MULTI"]
    assert len(hits) == 1
    msg = decode_fields(["71", *hits[0]["fields"]], IB_ASYNC_VERSION, Role.CLIENT)
    assert isinstance(msg, PositionMulti)
    assert (msg.req_id, msg.account, msg.model_code) == (1, "U1", None)
    assert (msg.contract.con_id, msg.contract.symbol, msg.contract.exchange) == (45602025, "MELI", "NASDAQ")
    assert (msg.position, msg.avg_cost) == (Decimal("1"), 1581.09)


# --- 3. oracles: ib_async 2.1.0 at 178, ibapi 9.81 at 157 --------------------------------------

STOCK_SHORT = Contract(con_id=265598, symbol="AAPL", sec_type="STK", exchange="NASDAQ",
                       currency="USD", local_symbol="AAPL", trading_class="NMS")
FUTURE = Contract(con_id=637533641, symbol="ES", sec_type="FUT",
                  last_trade_date_or_contract_month="20250919", multiplier="50", exchange="CME",
                  currency="USD", local_symbol="ESU5", trading_class="ES")
OPTION = Contract(con_id=512345678, symbol="SPY", sec_type="OPT",
                  last_trade_date_or_contract_month="20251219", strike=450.0, right="C",
                  multiplier="100", exchange="SMART", currency="USD",
                  local_symbol="SPY   251219C00450000", trading_class="SPY")

POSITIONS = [
    PositionData("DU123456", STOCK_SHORT, Decimal("-110"), 201.8829709),
    PositionData("DU123456", FUTURE, Decimal("1"), 315114.75),
    PositionData("DU123456", OPTION, Decimal("2.5"), 3.21),
    PositionData("DU123456", Contract(con_id=1, symbol="X", sec_type="STK")),  # unset numbers
]


def _check_position(msg: PositionData, name: str, args: tuple[Any, ...]) -> None:
    assert name == "position"
    account, c, position, avg_cost = args
    assert their_contract(c) == our_contract(msg.contract)
    assert theirs(account, position, avg_cost) == ours(msg.account, msg.position, msg.avg_cost)


@pytest.mark.parametrize("msg", POSITIONS)
def test_positions_decode_in_ib_async_and_ibapi(msg: PositionData) -> None:
    _check_position(msg, *ib_async_decode(msg))
    _check_position(msg, *ibapi_decode(msg))


@settings(max_examples=30, deadline=None)
@given(msg=STRATEGIES["PositionData"])
def test_any_position_decodes_in_ib_async_and_ibapi(msg: PositionData) -> None:
    _check_position(msg, *ib_async_decode(msg))
    _check_position(msg, *ibapi_decode(msg))


def _check_portfolio(msg: PortfolioValue, name: str, args: tuple[Any, ...]) -> None:
    assert name == "updatePortfolio"
    c, *rest = args
    assert their_contract(c, primary_exchange=True) == our_contract(msg.contract, primary_exchange=True)
    assert theirs(*rest) == ours(msg.position, msg.market_price, msg.market_value, msg.average_cost,
                                 msg.unrealized_pnl, msg.realized_pnl, msg.account_name)


PORTFOLIO = [
    PortfolioValue(Contract(con_id=265598, symbol="AAPL", sec_type="STK", primary_exchange="NASDAQ",
                            currency="USD", local_symbol="AAPL", trading_class="NMS"),
                   Decimal("-100"), 291.6234436, -29162.34, 291.2660812, -35.74, -71.44, "DU9000001"),
    PortfolioValue(Contract(con_id=637533641, symbol="ES", sec_type="FUT", multiplier="50",
                            last_trade_date_or_contract_month="20250919", currency="USD",
                            local_symbol="ESU5", trading_class="ES"),
                   Decimal("2"), 5000.25, 500025.0, 250000.0, 25.0, 0.0, "DU9000001"),
    PortfolioValue(Contract(con_id=1, symbol="X"), account_name="DU1"),  # every number unset
]


@pytest.mark.parametrize("msg", PORTFOLIO)
def test_portfolio_rows_decode_in_ib_async_and_ibapi(msg: PortfolioValue) -> None:
    _check_portfolio(msg, *ib_async_decode(msg))
    _check_portfolio(msg, *ibapi_decode(msg))


@settings(max_examples=30, deadline=None)
@given(msg=STRATEGIES["PortfolioValue"])
def test_any_portfolio_row_decodes_in_ib_async_and_ibapi(msg: PortfolioValue) -> None:
    _check_portfolio(msg, *ib_async_decode(msg))
    _check_portfolio(msg, *ibapi_decode(msg))


def _check_position_multi(msg: PositionMulti, name: str, args: tuple[Any, ...]) -> None:
    assert name == "positionMulti"
    req_id, account, model_code, c, position, avg_cost = args
    assert their_contract(c) == our_contract(msg.contract)
    assert theirs(req_id, account, model_code, position, avg_cost) == ours(
        msg.req_id, msg.account, msg.model_code, msg.position, msg.avg_cost)


@settings(max_examples=30, deadline=None)
@given(msg=STRATEGIES["PositionMulti"])
def test_position_multi_decodes_in_ib_async_and_ibapi(msg: PositionMulti) -> None:
    _check_position_multi(msg, *ib_async_decode(msg))
    _check_position_multi(msg, *ibapi_decode(msg))


SIMPLE = [
    (AcctValue("NetLiquidation", "100000.00", "USD", "DU123456"),
     "updateAccountValue", ("NetLiquidation", "100000.00", "USD", "DU123456")),
    (AcctValue("AccountCode", "DU123456", None, "DU123456"),
     "updateAccountValue", ("AccountCode", "DU123456", None, "DU123456")),
    (AcctUpdateTime("15:30"), "updateAccountTime", ("15:30",)),
    (AcctDownloadEnd("DU123456"), "accountDownloadEnd", ("DU123456",)),
    (PositionEnd(), "positionEnd", ()),
    (AccountSummary(5, "DU123456", "BuyingPower", "300000.00", "EUR"),
     "accountSummary", (5, "DU123456", "BuyingPower", "300000.00", "EUR")),
    (AccountSummaryEnd(5), "accountSummaryEnd", (5,)),
    (AccountUpdateMulti(1001, "DU123456", None, "Currency", "EUR", "EUR"),
     "accountUpdateMulti", (1001, "DU123456", None, "Currency", "EUR", "EUR")),
    (AccountUpdateMultiEnd(1001), "accountUpdateMultiEnd", (1001,)),
    (PositionMultiEnd(1001), "positionMultiEnd", (1001,)),
]


@pytest.mark.parametrize(("msg", "callback", "values"), SIMPLE,
                         ids=[type(m).__name__ for m, _, _ in SIMPLE])
def test_simple_messages_decode_in_ib_async_and_ibapi(msg: Message, callback: str,
                                                      values: tuple[Any, ...]) -> None:
    """These are the messages ibapi drops unless the field count is exact."""
    for name, args in (ib_async_decode(msg), ibapi_decode(msg)):
        assert name == callback
        assert theirs(*args) == values


@settings(max_examples=30, deadline=None)
@given(msg=STRATEGIES["AccountSummary"] | STRATEGIES["AccountUpdateMulti"] | STRATEGIES["AcctValue"])
def test_any_summary_value_decodes_in_ib_async_and_ibapi(msg: Message) -> None:
    expected = dataclasses.astuple(msg)  # callback arguments come in field order
    for _name, args in (ib_async_decode(msg), ibapi_decode(msg)):
        assert theirs(*args) == expected


def _request_cases() -> list[tuple[str, Callable[[Any], None], Message]]:
    return [
        ("reqAccountUpdates", lambda c: c.reqAccountUpdates(True, "DU123456"),
         ReqAcctData(True, "DU123456")),
        ("reqAccountUpdates-off", lambda c: c.reqAccountUpdates(False, ""), ReqAcctData(False, None)),
        ("reqPositions", lambda c: c.reqPositions(), ReqPositions()),
        ("cancelPositions", lambda c: c.cancelPositions(), CancelPositions()),
        ("reqAccountSummary", lambda c: c.reqAccountSummary(9000, "All", "NetLiquidation,BuyingPower"),
         ReqAccountSummary(9000, "All", "NetLiquidation,BuyingPower")),
        ("cancelAccountSummary", lambda c: c.cancelAccountSummary(9000), CancelAccountSummary(9000)),
        ("reqAccountUpdatesMulti", lambda c: c.reqAccountUpdatesMulti(7, "DU123456", "", False),
         ReqAccountUpdatesMulti(7, "DU123456", None, False)),
        ("reqAccountUpdatesMulti-ledger", lambda c: c.reqAccountUpdatesMulti(8, "DU1", "M1", True),
         ReqAccountUpdatesMulti(8, "DU1", "M1", True)),
        ("cancelAccountUpdatesMulti", lambda c: c.cancelAccountUpdatesMulti(7),
         CancelAccountUpdatesMulti(7)),
        ("reqPositionsMulti", lambda c: c.reqPositionsMulti(3, "DU123456", "M1"),
         ReqPositionsMulti(3, "DU123456", "M1")),
        ("cancelPositionsMulti", lambda c: c.cancelPositionsMulti(3), CancelPositionsMulti(3)),
    ]


REQUESTS = _request_cases()


@pytest.mark.parametrize(("build", "expected"), [(b, m) for _, b, m in REQUESTS],
                         ids=[n for n, _, _ in REQUESTS])
@pytest.mark.parametrize("client", ["ib_async@178", "ibapi@157"])
def test_requests_built_by_ib_async_and_ibapi_decode(client: str, build: Callable[[Any], None],
                                                     expected: Message) -> None:
    if client == "ib_async@178":
        sv, frames = IB_ASYNC_VERSION, ib_async_requests(build)
    else:
        sv, frames = IBAPI_981_VERSION, ibapi_requests(build)
    assert len(frames) == 1
    msg = decode_fields(frames[0], sv, Role.SERVER)
    assert msg == expected
    assert wire(msg, sv) == frames[0]  # and ibwire writes exactly what they write


def test_float_fields_survive_exactly() -> None:
    """repr() floats: what ibwire writes parses back to the same double in every client."""
    msg = PositionData("A", STOCK_SHORT, Decimal("0.0001"), 0.1 + 0.2)
    (_, (_, _, pos, cost)) = ib_async_decode(msg)
    assert cost == 0.1 + 0.2 and math.isclose(pos, 0.0001)
