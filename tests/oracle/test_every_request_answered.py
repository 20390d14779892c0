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
    ("reqRealTimeBars", [RID, AAPL, 5, "TRADES", False, []], True),
    ("queryDisplayGroups", [RID], True),
    ("subscribeToGroupEvents", [RID, 1], True),
    ("reqFamilyCodes", [], False),
    ("reqMatchingSymbols", [RID, "AA"], True),
    ("reqMktDepthExchanges", [], False),
    ("reqSmartComponents", [RID, "a6"], True),
    ("reqHeadTimeStamp", [RID, AAPL, "TRADES", 1, 1], True),
    ("reqHistogramData", [RID, AAPL, True, "1 day"], True),
    ("reqMarketRule", [26], False),
    ("reqHistoricalTicks", [RID, AAPL, "", "20261120 10:00:00 US/Eastern", 10, "TRADES", 1, True,
                            []], True),
    ("reqTickByTickData", [RID, AAPL, "Last", 0, False], True),
    ("reqWshMetaData", [RID], True),
    ("reqUserInfo", [RID], True),
    ("reqWshEventData", [RID, {"$": "WshEventData", "a": {"conId": 265598}}], True),
    ("verifyRequest", ["ibwire-test", "1.0"], False),
    ("verifyMessage", ["api-data"], False),
    ("verifyAndAuthRequest", ["ibwire-test", "1.0", "key"], False),
    ("verifyAndAuthMessage", ["api-data", "response"], False),
    ("reqCurrentTimeInMillis", [], False),
    # the requests ibwire serves: answered with data or an end marker
    ("reqCurrentTime", [], False),
    ("reqNewsBulletins", [True], False),
    ("reqScannerParameters", [], False),
    ("reqNewsArticle", [RID, "BRFG", "BRFG$1", []], True),  # no such article: 321 naming it
    ("reqNewsProviders", [], False),
    ("reqHistoricalNews", [RID, 265598, "BRFG", "", "", 10, []], True),
    # (PnL, soft dollar tiers, FA: answered as TWS answers a non-FA paper account)
    ("reqPnL", [RID, "DU1234567", ""], True),
    ("reqPnLSingle", [RID, "DU1234567", "", 265598], True),
    ("reqSoftDollarTiers", [RID], True),
    ("requestFA", [1], False),
    ("replaceFA", [RID, 1, "<ListOfGroups/>"], True),
    ("reqSecDefOptParams", [RID, "AAPL", "", "STK", 265598], True),
    ("calculateOptionPrice", [RID, OPT, 0.25, 230.0, []], True),
    ("calculateImpliedVolatility", [RID, OPT, 5.0, 230.0, []], True),
    ("exerciseOptions", [RID, OPT, 1, 1, "DU1234567", 0, "", "", False], True),
    ("reqMktData", [RID, AAPL, "", True, False, []], True),
    ("reqContractDetails", [RID, AAPL], True),
    ("reqOpenOrders", [], False),
    ("reqAllOpenOrders", [], False),
    ("reqPositions", [], False),
    ("reqAccountSummary", [RID, "All", "NetLiquidation"], True),
    ("reqManagedAccts", [], False),
    ("reqIds", [1], False),
    ("reqCompletedOrders", [True], False),
    ("reqExecutions", [RID, {"$": "ExecutionFilter", "a": {}}], True),
    ("reqAccountUpdates", [True, "DU1234567"], False),
    ("reqPositionsMulti", [RID, "DU1234567", ""], True),
    ("reqAccountUpdatesMulti", [RID, "DU1234567", "", True], True),
    ("reqHistoricalData", [RID, AAPL, "", "1 D", "1 hour", "TRADES", 1, 1, False, []], True),
    ("placeOrder", [RID, AAPL, {"$": "Order", "a": {"action": "BUY", "orderType": "MKT",
                                                   "totalQuantity": {"$dec": "1"}}}], True),
    # cancels of something that does not exist: TWS answers with an error naming it
    ("cancelMktData", [RID + 1], True),
    ("cancelOrder", [RID + 1, {"$": "OrderCancel", "a": {}}], True),
    ("cancelMktDepth", [RID + 1, False], True),
    ("cancelHistoricalData", [RID + 1], True),
    ("cancelRealTimeBars", [RID + 1], True),
    ("cancelCalculateImpliedVolatility", [RID + 1], True),
    ("cancelCalculateOptionPrice", [RID + 1], True),
    ("cancelScannerSubscription", [RID + 1], True),
    ("cancelAccountSummary", [RID + 1], True),
    ("cancelPositionsMulti", [RID + 1], True),
    ("cancelAccountUpdatesMulti", [RID + 1], True),
    ("cancelHistogramData", [RID + 1], True),
    ("cancelHeadTimeStamp", [RID + 1], True),
    ("cancelPnL", [RID + 1], True),
    ("cancelPnLSingle", [RID + 1], True),
    ("cancelTickByTickData", [RID + 1], True),
    ("cancelWshMetaData", [RID + 1], True),
    ("cancelWshEventData", [RID + 1], True),
    ("unsubscribeFromGroupEvents", [RID + 1], True),
    ("updateDisplayGroup", [RID + 1, "1"], True),
]

# answered as the market moves: the market seconds after which an answer is due
MARKET_PACED = {"reqRealTimeBars": 10}

# sent and never answered by TWS either: what they change shows elsewhere (a data type, a bound
# client, the log level), or they end a stream that has no end marker
NO_ANSWER = {"reqMarketDataType": [1], "reqAutoOpenOrders": [False], "setServerLogLevel": [3],
             "cancelPositions": [], "cancelNewsBulletins": [], "reqGlobalCancel": [
                 {"$": "OrderCancel", "a": {}}]}


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
        first = [name for name, _, _ in CALLS].index("reqCurrentTime")
        served = {name for name, _, _ in CALLS[first:]}
        for (name, args, keyed), res in zip(CALLS, results):
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
            if name in MARKET_PACED:  # (after the request was read: the sync answered)
                gateway.step(MARKET_PACED[name])
                answer += c.sync()
            if not answer:
                silent.append(name)
                continue
            errors = [e for e in answer if isinstance(e, ErrMsg) and e.error_code == 321]
            for err in errors:
                text = err.error_string or ""
                if name not in served:  # (a served request's own validation errors are 321 too)
                    assert "not supported by the paper gateway" in text or "no active" in text
                assert err.req_id == (args[0] if keyed else -1), (name, err)
        assert silent == [], f"no answer to: {silent}"
        # the requests TWS never answers are taken in stride too
        quiet = oracle.run([{"op": "encode", "v": version, "client_id": 9, "call": [name, args]}
                            for name, args in NO_ANSWER.items()])
        for res in quiet:
            for frame in res["frames"]:
                c.send_raw(bytes.fromhex(frame))
        c.sync()
        assert not c.closed
    finally:
        c.close()
