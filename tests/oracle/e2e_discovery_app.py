"""The official client 10.51 asking the paper gateway the discovery questions (run with the
oracle's Python path).

``python e2e_discovery_app.py PORT`` connects with client id 32 and asks: matching symbols for
"AAP", family codes, user info, the current time in milliseconds (and in seconds), a bond's
contract details, WSH meta data, the display groups; it prints one JSON report of what its callbacks saw. Waits are on callbacks
with a timeout, never sleeps; a timeout is reported under "timeouts". Only the official package's
public classes are used.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.wrapper import EWrapper

WAIT_S = 15.0


class App(EWrapper, EClient):  # type: ignore[misc]
    def __init__(self) -> None:
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.cond = threading.Condition()
        self.r: dict[str, Any] = {"errors": [], "symbols": None, "family_codes": None,
                                  "user_info": None, "millis": None, "seconds": None,
                                  "groups": None, "group_updated": None, "next_id": None,
                                  "bonds": [], "bonds_end": None,
                                  "timeouts": []}

    def note(self, key: str, value: Any) -> None:
        with self.cond:
            self.r[key] = value
            self.cond.notify_all()

    def wait(self, key: str) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: self.r[key] is not None, WAIT_S):
                self.r["timeouts"].append(key)

    def nextValidId(self, orderId: int) -> None:  # noqa: N802 - the official names
        self.note("next_id", orderId)

    def error(self, reqId: Any, errorTime: Any, errorCode: Any, errorString: Any,  # noqa: N802, N803
              advancedOrderRejectJson: Any = "") -> None:  # noqa: N803
        with self.cond:
            self.r["errors"].append([reqId, errorCode, errorString])
            self.cond.notify_all()

    def symbolSamples(self, reqId: int, contractDescriptions: Any) -> None:  # noqa: N802, N803
        self.note("symbols", [[reqId, d.contract.conId, d.contract.symbol, d.contract.secType,
                               d.contract.primaryExchange, d.contract.currency,
                               list(d.derivativeSecTypes)] for d in contractDescriptions])

    def familyCodes(self, familyCodes: Any) -> None:  # noqa: N802, N803
        self.note("family_codes", [[f.accountID, f.familyCodeStr] for f in familyCodes])

    def userInfo(self, reqId: int, whiteBrandingId: str) -> None:  # noqa: N802, N803
        self.note("user_info", [reqId, whiteBrandingId])

    def currentTimeInMillis(self, timeInMillis: int) -> None:  # noqa: N802, N803
        self.note("millis", timeInMillis)

    def currentTime(self, time: int) -> None:  # noqa: N802
        self.note("seconds", time)

    def bondContractDetails(self, reqId: int, contractDetails: Any) -> None:  # noqa: N802, N803
        d = contractDetails
        with self.cond:
            self.r["bonds"].append([reqId, d.contract.conId, d.cusip, d.coupon, d.maturity,
                                    d.issueDate, d.callable, d.descAppend])
            self.cond.notify_all()

    def contractDetailsEnd(self, reqId: int) -> None:  # noqa: N802, N803
        self.note("bonds_end", reqId)

    def displayGroupList(self, reqId: int, groups: str) -> None:  # noqa: N802, N803
        self.note("groups", [reqId, groups])

    def displayGroupUpdated(self, reqId: int, contractInfo: str) -> None:  # noqa: N802, N803
        self.note("group_updated", [reqId, contractInfo])


def main() -> None:
    port = int(sys.argv[1])
    app = App()
    app.connect("127.0.0.1", port, clientId=32)
    runner = threading.Thread(target=app.run, name="ibapi-run", daemon=True)
    runner.start()
    app.wait("next_id")
    app.r["server_version"] = app.serverVersion()
    app.reqMatchingSymbols(1, "AAP")
    app.wait("symbols")
    app.reqFamilyCodes()
    app.wait("family_codes")
    app.reqCurrentTime()
    app.wait("seconds")
    if app.serverVersion() >= 167:
        app.reqUserInfo(2)
        app.wait("user_info")
    if app.serverVersion() >= 197:
        app.reqCurrentTimeInMillis()
        app.wait("millis")
    app.queryDisplayGroups(3)
    app.wait("groups")
    app.subscribeToGroupEvents(4, 1)
    app.wait("group_updated")
    bond = Contract()
    bond.symbol, bond.secType, bond.currency = "IBM", "BOND", "USD"
    app.reqContractDetails(6, bond)
    app.wait("bonds_end")
    if app.serverVersion() >= 161:
        app.reqWshMetaData(5)
        with app.cond:
            if not app.cond.wait_for(lambda: any(e[0] == 5 for e in app.r["errors"]), WAIT_S):
                app.r["timeouts"].append("wsh")
    app.disconnect()
    runner.join(WAIT_S)
    print(json.dumps(app.r))


if __name__ == "__main__":
    main()
