"""No silent request: every request the official client 10.51 can send gets an answer from the
paper gateway -- data, an end marker, or an error naming the request (under its request id).

The frames are written by the official client itself (the oracle, in a subprocess) at the server
version the gateway negotiated with a bare wire client, then sent to the gateway unchanged.
"""

from __future__ import annotations

from typing import Any

from ibwire.gateway import PaperGateway
from ibwire.protocol.messages.system import CurrentTime, ErrMsg

from ..conftest import WireClient
from .harness import Oracle

RID = 77
AAPL = {"$": "Contract", "a": {"symbol": "AAPL", "secType": "STK", "exchange": "SMART",
                               "currency": "USD"}}
OPT = {"$": "Contract", "a": {"symbol": "AAPL", "secType": "OPT", "exchange": "SMART",
                              "currency": "USD", "lastTradeDateOrContractMonth": "20261218",
                              "strike": 230.0, "right": "C", "multiplier": "100"}}

# (method, args, carries the request id?) for every request 10.51 sends that expects an answer
CALLS: list[tuple[str, list[Any], bool]] = [
    ("reqMktDepth", [RID, AAPL, 5, False, []], True),
    ("reqNewsBulletins", [True], False),
    ("requestFA", [1], False),
    ("replaceFA", [RID, 1, "<ListOfGroups/>"], True),
    ("exerciseOptions", [RID, OPT, 1, 1, "DU1234567", 0, "", "", False], True),
    ("reqScannerParameters", [], False),
    ("reqRealTimeBars", [RID, AAPL, 5, "TRADES", True, []], True),
    ("calculateImpliedVolatility", [RID, OPT, 5.0, 230.0, []], True),
    ("calculateOptionPrice", [RID, OPT, 0.25, 230.0, []], True),
    ("queryDisplayGroups", [RID], True),
    ("subscribeToGroupEvents", [RID, 1], True),
    ("reqSecDefOptParams", [RID, "AAPL", "", "STK", 265598], True),
    ("reqSoftDollarTiers", [RID], True),
    ("reqFamilyCodes", [], False),
    ("reqMatchingSymbols", [RID, "AA"], True),
    ("reqMktDepthExchanges", [], False),
    ("reqSmartComponents", [RID, "a6"], True),
    ("reqNewsArticle", [RID, "BZ", "BZ$1", []], True),
    ("reqNewsProviders", [], False),
    ("reqHistoricalNews", [RID, 265598, "BZ", "", "", 10, []], True),
    ("reqHeadTimeStamp", [RID, AAPL, "TRADES", 1, 1], True),
    ("reqHistogramData", [RID, AAPL, True, "1 day"], True),
    ("reqMarketRule", [26], False),
    ("reqPnL", [RID, "DU1234567", ""], True),
    ("reqPnLSingle", [RID, "DU1234567", "", 265598], True),
    ("reqHistoricalTicks", [RID, AAPL, "", "20261120 10:00:00 US/Eastern", 10, "TRADES", 1, True,
                            []], True),
    ("reqTickByTickData", [RID, AAPL, "Last", 0, False], True),
    ("reqWshMetaData", [RID], True),
    ("reqUserInfo", [RID], True),
    # the requests ibwire serves: answered with data or an end marker
    ("reqCurrentTime", [], False),
    ("reqMktData", [RID, AAPL, "", True, False, []], True),
    ("reqContractDetails", [RID, AAPL], True),
    ("reqOpenOrders", [], False),
    ("reqAllOpenOrders", [], False),
    ("reqPositions", [], False),
    ("reqAccountSummary", [RID, "All", "NetLiquidation"], True),
    ("reqManagedAccts", [], False),
    ("reqIds", [1], False),
    ("reqCompletedOrders", [True], False),
]


def test_every_request_of_the_official_client_is_answered(oracle: Oracle) -> None:
    # (pacing off: this test sends far more than 50 messages a second)
    with PaperGateway(port=0, tick_interval=None, max_msg_rate=None) as gateway:
        _ask_everything(oracle, gateway)


def _ask_everything(oracle: Oracle, gateway: PaperGateway) -> None:
    c = WireClient(gateway.port)
    try:
        version = c.handshake()
        c.start(9)
        results = oracle.run([{"op": "encode", "v": version, "client_id": 9,
                               "call": [name, args]} for name, args, _ in CALLS])
        silent: list[str] = []
        for (name, _args, keyed), res in zip(CALLS, results):
            assert "failure" not in res, (name, res)
            if not res["frames"]:
                continue  # 10.51 itself refuses it at this version (reported in res["errors"])
            c.drain()
            for frame in res["frames"]:
                c.send_raw(bytes.fromhex(frame))
            if name == "reqCurrentTime":
                c.expect(CurrentTime)  # its answer is the sync marker itself
                continue
            answer = c.sync()
            if not answer:
                silent.append(name)
                continue
            errors = [e for e in answer if isinstance(e, ErrMsg) and e.error_code == 321]
            for err in errors:
                assert "not supported by the paper gateway" in (err.error_string or "")
                assert err.req_id == (RID if keyed else -1), (name, err)
        assert silent == [], f"no answer to: {silent}"
    finally:
        c.close()
