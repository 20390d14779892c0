"""Oracle cases of the PnL, soft dollar tier and FA messages (protocol/messages/pnl.py, fa.py).

REQ_PNL and its kin exist from PNL (127): below it the official client refuses them and so does
ibwire. REQ_FA / REPLACE_FA for FA profiles (faDataType 2) are refused in text from 177 and sent
in protobuf (211 up), as the official client does.
"""

from __future__ import annotations

from decimal import Decimal

from ibwire.models.order import SoftDollarTier
from ibwire.protocol.messages import fa, pnl
from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

REQUESTS: list[Message] = [
    pnl.ReqPnL(4, "DU1234567", ""),
    pnl.ReqPnL(5, "DU1234567", "Model1"),
    pnl.CancelPnL(4),
    pnl.ReqPnLSingle(6, "DU1234567", "", 265598),
    pnl.ReqPnLSingle(7, "DU1234567", "Model1", 495512563),
    pnl.CancelPnLSingle(6),
    pnl.ReqSoftDollarTiers(1001),
    fa.ReqFA(fa.FA_GROUPS),
    fa.ReqFA(fa.FA_ALIASES),
    fa.ReqFA(fa.FA_PROFILES),
    fa.ReplaceFA(58, fa.FA_GROUPS, "<?xml version=\"1.0\"?><ListOfGroups/>"),
    fa.ReplaceFA(59, fa.FA_PROFILES, "<ListOfAllocationProfiles/>"),
]

INCOMING: list[tuple[Feature | None, Message]] = [
    # the real frame of a paper IB Gateway at 200 (ibkr-go capture; shared/vectors/captured.json)
    (Feature.PNL, pnl.PnL(4, 11340.427636781911, 54385.58271885987, -103.92738339177643)),
    (Feature.PNL, pnl.PnL(5, 0.0, 0.0, 0.0)),
    (Feature.PNL, pnl.PnLSingle(6, Decimal(100), 125.5, -42.25, None, 15050.0)),
    (Feature.PNL, pnl.PnLSingle(7, Decimal(-2), -1250.0, 300.0, -18.5, -601250.0)),
    (Feature.PNL, pnl.PnLSingle(8, Decimal(0), 0.0, 0.0, 12.75, 0.0)),
    (Feature.SOFT_DOLLAR_TIER, pnl.SoftDollarTiers(1001, [])),
    (Feature.SOFT_DOLLAR_TIER, pnl.SoftDollarTiers(1002, [SoftDollarTier("Tier1", "0.01", "1 cent"),
                                                          SoftDollarTier("Tier2", "0.02", "2 cents")])),
    (None, fa.ReceiveFA(fa.FA_GROUPS, "<?xml version=\"1.0\"?><ListOfGroups/>")),
    (None, fa.ReceiveFA(fa.FA_ALIASES, "<ListOfAccountAliases/>")),
    (Feature.REPLACE_FA_END, fa.ReplaceFAEnd(58, "FA configuration replaced")),
]
