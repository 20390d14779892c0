"""Symbol search, family codes, user info, WSH, display groups, verification, log level, config.

What the paper gateway answers, as TWS answers a paper login that uses none of the extras:

* REQ_MATCHING_SYMBOLS: up to 16 contracts from the instrument table -- symbols starting with
  the pattern first (exact match first, then shorter symbols), then names containing it -- one per
  listed contract (stocks, indices, currency pairs; a futures product whose underlying the table
  does not list, as that underlying); names match where one of their words starts with the
  pattern. Each lists the derivative sec types TWS shows for it: FUT where the
  table has futures on it, OPT for US stocks and indices (options are listed on them).
* REQ_FAMILY_CODES: every account of the login, in one family (``F`` + the first account's
  digits, INFERRED from TWS's format).
* REQ_USER_INFO: no white branding (an empty id), as for an IBKR login.
* REQ_WSH_META_DATA / REQ_WSH_EVENT_DATA: error 10276 ("News feed is not allowed"): the paper
  accounts have no Wall Street Horizon subscription (the code and text are INFERRED from user
  reports); a cancel finds nothing to cancel (error 321 naming it: the request ended with its
  error).
* Display groups: the seven groups exist ("1|2|3|4|5|6|7"), each showing nothing ("none") until a
  client sets a contract with UPDATE_DISPLAY_GROUP; every subscriber of that group is told. An
  update or unsubscribe under a request id with no subscription gets error 321 naming it.
* Verification: this gateway registers no third-party application, so VERIFY_REQUEST /
  VERIFY_MESSAGE answer VERIFY_COMPLETED(false) and the ``..._AND_AUTH`` pair
  VERIFY_AND_AUTH_COMPLETED(false), with a reason (INFERRED: TWS's texts are not public).
* SET_SERVER_LOGLEVEL: the level (1..5) is kept; no answer, as TWS sends none; a level outside
  1..5 gets error 321.
* Bonds: REQ_CONTRACT_DATA for sec type BOND answers BOND_CONTRACT_DATA from :data:`BONDS` (a few
  sample bonds: by con id, issuer symbol, CUSIP as sec id or local symbol), then CONTRACT_DATA_END;
  a bond it does not list gets TWS's error 200. The sample bonds have no market data.
* REQ_CONFIG (from 219) answers the gateway's configuration as a 226 TWS lays it out (API
  settings with the socket port, trusted IPs, master client id 0, ...); UPDATE_CONFIG (221) keeps
  the parts it sets and answers SUCCESS with the fields changed; both get error 321 below their
  version (TWS does not know them there).
"""

from __future__ import annotations

import dataclasses
import logging
import weakref
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..models.config import (
    ApiConfig,
    ApiPrecautionsConfig,
    ApiSettingsConfig,
    ConfigUpdateResult,
    LockAndExitConfig,
    OrdersConfig,
    OrdersSmartRoutingConfig,
    TwsConfig,
)
from ..models.contract import Contract
from ..models.discovery import ContractDescription, FamilyCode
from ..models.market import ContractDetails
from ..models.tag_value import TagValue
from ..protocol.messages import config as config_messages
from ..protocol.messages.config import ConfigResponse, ReqConfig, UpdateConfig, UpdateConfigResponse
from ..protocol.messages.contracts import ContractDataEnd
from ..protocol.messages.discovery import (
    BondContractData,
    CancelWshEventData,
    CancelWshMetaData,
    FamilyCodes,
    ReqFamilyCodes,
    ReqMatchingSymbols,
    ReqUserInfo,
    ReqWshEventData,
    ReqWshMetaData,
    SymbolSamples,
    UserInfo,
)
from ..protocol.messages.display import (
    DisplayGroupList,
    DisplayGroupUpdated,
    QueryDisplayGroups,
    SetServerLogLevel,
    SubscribeToGroupEvents,
    UnsubscribeFromGroupEvents,
    UpdateDisplayGroup,
    VerifyAndAuthCompleted,
    VerifyAndAuthMessage,
    VerifyAndAuthRequest,
    VerifyCompleted,
    VerifyMessage,
    VerifyRequest,
)
from ..protocol.versions import Feature, supports
from .instruments import Instrument, InstrumentTable
from .session import Session, handles

if TYPE_CHECKING:
    from .core import GatewayCore

__all__ = ["matching_symbols", "MAX_MATCHES", "DISPLAY_GROUPS", "WSH_NOT_ALLOWED", "BONDS",
           "find_bonds", "answer_bond_details"]

log = logging.getLogger("ibwire.gateway")

MAX_MATCHES = 16
"""TWS answers at most this many contracts to one REQ_MATCHING_SYMBOLS."""

DISPLAY_GROUPS = tuple(range(1, 8))
"""TWS's display groups (its colour links)."""

WSH_NOT_ALLOWED = (10276, "News feed is not allowed")
"""TWS's answer to a Wall Street Horizon request from an account without the subscription."""

NOT_VERIFIED = "API verification is not enabled for this application"
_OPTIONABLE = ("STK", "IND")


# --- matching symbols ---------------------------------------------------------------------------

def _description(inst: Instrument, derivatives: list[str]) -> ContractDescription:
    return ContractDescription(
        Contract(con_id=inst.con_id, symbol=inst.symbol, sec_type=inst.sec_type,
                 primary_exchange=inst.primary_exchange, currency=inst.currency,
                 description=inst.long_name or None),
        derivatives)


def matching_symbols(table: InstrumentTable, pattern: str,
                     limit: int = MAX_MATCHES) -> list[ContractDescription]:
    """The contracts REQ_MATCHING_SYMBOLS answers for ``pattern`` (see the module docstring)."""
    needle = pattern.strip().upper()
    if not needle:
        return []
    futures: dict[int, list[Instrument]] = {}  # underlying con id -> its futures
    for inst in table:
        if inst.sec_type == "FUT" and inst.under_con_id:
            futures.setdefault(inst.under_con_id, []).append(inst)
    listed: list[tuple[Instrument, list[str]]] = []
    seen: set[tuple[str, str, str]] = set()
    for inst in table:
        if inst.sec_type == "FUT":
            continue
        key = (inst.symbol.upper(), inst.sec_type, inst.currency)
        if key in seen:  # one contract to TWS's search, however many venues list it
            continue
        seen.add(key)
        derivatives = ["FUT"] if inst.con_id in futures else []
        if inst.sec_type in _OPTIONABLE and inst.currency == "USD":
            derivatives.append("OPT")
        listed.append((inst, derivatives))
    for under_con_id, futs in futures.items():  # a futures product whose underlying is not listed
        if table.get(under_con_id) is not None:
            continue
        front = min(futs, key=lambda f: f.last_trade_date or "")
        listed.append((dataclasses.replace(front, con_id=under_con_id,
                                           symbol=front.under_symbol or front.symbol,
                                           sec_type=front.under_sec_type or "IND"), ["FUT"]))

    def rank(item: tuple[Instrument, list[str]]) -> tuple[int, int, str] | None:
        inst = item[0]
        symbol = inst.symbol.upper()
        if symbol == needle:
            return (0, 0, symbol)
        if symbol.startswith(needle):
            return (1, len(symbol), symbol)
        name = (inst.long_name or "").upper()
        if name.startswith(needle) or f" {needle}" in f" {name}":
            return (2, 0, symbol)
        return None

    ranked = [(r, item) for item in listed if (r := rank(item)) is not None]
    ranked.sort(key=lambda x: x[0])
    return [_description(inst, derivs) for _, (inst, derivs) in ranked[:limit]]


@handles(ReqMatchingSymbols)
def _req_matching_symbols(session: Session, msg: ReqMatchingSymbols) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    if session.core.config.mode == "gateway":
        session.farm_notice("secdef")
    found = matching_symbols(session.core.exchange.instruments, msg.pattern or "")
    session.send(SymbolSamples(req_id=req_id, contract_descriptions=found))


# --- family codes, user info, WSH ---------------------------------------------------------------

def family_codes(accounts: tuple[str, ...]) -> list[FamilyCode]:
    """One family for the login's accounts (``F`` + the first account's digits)."""
    if not accounts:
        return []
    digits = "".join(c for c in accounts[0] if c.isdigit())
    return [FamilyCode(account, f"F{digits}") for account in accounts]


@handles(ReqFamilyCodes)
def _req_family_codes(session: Session, msg: ReqFamilyCodes) -> None:
    session.send(FamilyCodes(family_codes=family_codes(session.core.accounts)))


@handles(ReqUserInfo)
def _req_user_info(session: Session, msg: ReqUserInfo) -> None:
    session.send(UserInfo(req_id=msg.req_id if msg.req_id is not None else -1,
                          white_branding_id=""))


@handles(ReqWshMetaData, ReqWshEventData)
def _req_wsh(session: Session, msg: ReqWshMetaData | ReqWshEventData) -> None:
    session.error(msg.req_id if msg.req_id is not None else -1, *WSH_NOT_ALLOWED)


def _no_active(session: Session, name: str, req_id: int, what: str = "request") -> None:
    """A cancel (or change) of something that is not there: TWS's error naming the request."""
    session.error(req_id, 321, f"Error validating request.-'{name}' : cause - no active {what} "
                               f"has request id {req_id}")


@handles(CancelWshMetaData, CancelWshEventData)
def _cancel_wsh(session: Session, msg: CancelWshMetaData | CancelWshEventData) -> None:
    # a WSH request ends at once (with its error), so there is never one to cancel
    name = "CANCEL_WSH_META_DATA" if isinstance(msg, CancelWshMetaData) else "CANCEL_WSH_EVENT_DATA"
    _no_active(session, name, msg.req_id if msg.req_id is not None else -1, "WSH request")


# --- state shared by the sessions of one gateway ------------------------------------------------

@dataclass(slots=True)
class _Shared:
    groups: dict[int, str] = field(default_factory=lambda: dict.fromkeys(DISPLAY_GROUPS, "none"))
    config: TwsConfig | None = None
    log_level: int = 2


_SHARED: weakref.WeakKeyDictionary[GatewayCore, _Shared] = weakref.WeakKeyDictionary()


def _shared(core: GatewayCore) -> _Shared:
    s = _SHARED.get(core)
    if s is None:
        s = _SHARED[core] = _Shared()
    return s


def _group_subs(session: Session) -> dict[int, int]:
    """req id -> group id of this session's display-group subscriptions."""
    subs = session.state.get("display_groups")
    if subs is None:
        subs = session.state["display_groups"] = {}
    assert isinstance(subs, dict)
    return subs


# --- display groups -----------------------------------------------------------------------------

@handles(QueryDisplayGroups)
def _query_display_groups(session: Session, msg: QueryDisplayGroups) -> None:
    session.send(DisplayGroupList(req_id=msg.req_id if msg.req_id is not None else -1,
                                  groups="|".join(str(g) for g in DISPLAY_GROUPS)))


@handles(SubscribeToGroupEvents)
def _subscribe_to_group_events(session: Session, msg: SubscribeToGroupEvents) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    if msg.group_id not in DISPLAY_GROUPS:
        session.error(req_id, 321, "Error validating request.-'SUBSCRIBE_TO_GROUP_EVENTS' : "
                                   f"cause - display group {msg.group_id} does not exist "
                                   f"(1..{len(DISPLAY_GROUPS)})")
        return
    _group_subs(session)[req_id] = msg.group_id
    session.send(DisplayGroupUpdated(req_id=req_id,
                                     contract_info=_shared(session.core).groups[msg.group_id]))


@handles(UpdateDisplayGroup)
def _update_display_group(session: Session, msg: UpdateDisplayGroup) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    group = _group_subs(session).get(req_id)
    if group is None:
        _no_active(session, "UPDATE_DISPLAY_GROUP", req_id, "display group subscription")
        return
    info = msg.contract_info or "none"
    _shared(session.core).groups[group] = info
    for other in list(session.core.sessions.values()):
        for sub_id, sub_group in list(_group_subs(other).items()):
            if sub_group == group:
                other.send(DisplayGroupUpdated(req_id=sub_id, contract_info=info))


@handles(UnsubscribeFromGroupEvents)
def _unsubscribe_from_group_events(session: Session, msg: UnsubscribeFromGroupEvents) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    if _group_subs(session).pop(req_id, None) is None:
        _no_active(session, "UNSUBSCRIBE_FROM_GROUP_EVENTS", req_id, "display group subscription")


# --- verification, log level --------------------------------------------------------------------

@handles(VerifyRequest, VerifyMessage)
def _verify(session: Session, msg: VerifyRequest | VerifyMessage) -> None:
    session.send(VerifyCompleted(is_successful=False, error_text=NOT_VERIFIED))


@handles(VerifyAndAuthRequest, VerifyAndAuthMessage)
def _verify_and_auth(session: Session, msg: VerifyAndAuthRequest | VerifyAndAuthMessage) -> None:
    session.send(VerifyAndAuthCompleted(is_successful=False, error_text=NOT_VERIFIED))


@handles(SetServerLogLevel)
def _set_server_log_level(session: Session, msg: SetServerLogLevel) -> None:
    level = msg.log_level
    if level is None or level not in range(1, 6):
        session.error(-1, 321, "Error validating request.-'SET_SERVER_LOGLEVEL' : cause - "
                               f"log level {level} is not 1..5")
        return
    _shared(session.core).log_level = level
    log.info("client %s: API log level %d", session.client_id, level)


# --- configuration ------------------------------------------------------------------------------

_LOG_LEVELS = {1: "system", 2: "error", 3: "warning", 4: "information", 5: "detail"}


def gateway_config(core: GatewayCore) -> TwsConfig:
    """The configuration REQ_CONFIG answers (what a 226 TWS reports, from this gateway's setup)."""
    shared = _shared(core)
    if shared.config is None:
        trusted = list(core.config.trusted_ips)
        shared.config = TwsConfig(
            lock_and_exit=LockAndExitConfig("11:45", "PM", "RESTART"),
            messages=[],
            api=ApiConfig(
                ApiPrecautionsConfig(*([False] * 10)),
                ApiSettingsConfig(
                    read_only_api=False, download_open_orders_on_connection=True,
                    include_virtual_fx_positions=False, prepare_daily_pnl=False,
                    encode_api_messages="ASCII 7 (Chinese / Japanese not supported)",
                    socket_port=core.port, create_api_message_log_file=False,
                    expose_trading_schedule_to_api=True, master_client_id=0,
                    bulk_data_timeout=60, component_exch_separator="",
                    send_instrument_timezone="UTC", maintain_and_resubmit_orders_on_reconnect=True,
                    allow_localhost_only=all(ip in ("127.0.0.1", "::1") for ip in trusted),
                    trusted_ips=trusted)),
            orders=OrdersConfig(OrdersSmartRoutingConfig(
                seek_price_improvement=False, pre_open_reroute=False,
                do_not_route_to_dark_pools=False, default_algorithm="None")))
    cfg = shared.config
    if cfg.api is not None and cfg.api.settings is not None:
        cfg.api.settings.logging_level = _LOG_LEVELS[shared.log_level]
    return cfg


_PB_NAMES = {f.path.rsplit(".", 1)[-1]: f.name
             for pb in (config_messages.UpdateConfig.SCHEMA.pb, config_messages.API_CONFIG,
                        config_messages.API_PRECAUTIONS_CONFIG, config_messages.API_SETTINGS_CONFIG,
                        config_messages.LOCK_AND_EXIT_CONFIG, config_messages.MESSAGE_CONFIG,
                        config_messages.ORDERS_CONFIG, config_messages.ORDERS_SMART_ROUTING_CONFIG)
             if pb is not None for f in pb.fields if f.name}
"""A configuration field's protobuf name (``read_only_api`` -> ``readOnlyApi``), from the
declarations, for UPDATE_CONFIG_RESPONSE's changed fields."""


def _merge(target: Any, change: Any, prefix: str, changed: list[str]) -> None:
    """Copy the set fields of ``change`` into ``target`` (nested configs field by field)."""
    for f in dataclasses.fields(change):
        new = getattr(change, f.name)
        if new is None or (isinstance(new, list) and not new):
            continue
        old = getattr(target, f.name)
        name = prefix + _PB_NAMES.get(f.name, f.name)
        if dataclasses.is_dataclass(new) and old is not None:
            _merge(old, new, name + ".", changed)
        elif old != new:
            setattr(target, f.name, new)
            changed.append(name)


@handles(ReqConfig)
def _req_config(session: Session, msg: ReqConfig) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    if not supports(session.version, Feature.CONFIG):
        session.error(req_id, 321, "Error validating request.-'REQ_CONFIG' : cause - needs "
                                   f"server version {int(Feature.CONFIG)}")
        return
    session.send(ConfigResponse(req_id=req_id, config=gateway_config(session.core)))


@handles(UpdateConfig)
def _update_config(session: Session, msg: UpdateConfig) -> None:
    req_id = msg.req_id if msg.req_id is not None else -1
    if not supports(session.version, Feature.UPDATE_CONFIG):
        session.error(req_id, 321, "Error validating request.-'UPDATE_CONFIG' : cause - needs "
                                   f"server version {int(Feature.UPDATE_CONFIG)}")
        return
    changed: list[str] = []
    _merge(gateway_config(session.core), msg.config, "", changed)
    session.send(UpdateConfigResponse(req_id=req_id, result=ConfigUpdateResult(
        status="SUCCESS", message="Configuration updated" if changed else "Nothing to change",
        changed_fields=changed)))


# --- bonds --------------------------------------------------------------------------------------

_BOND_HOURS = "{d}:0800-{d}:1700"


def _bond(con_id: int, symbol: str, cusip: str, coupon: float, maturity: str, issue: str,
          ratings: str, bond_type: str, desc: str, long_name: str, *, callable_: bool = False,
          next_option: str | None = None) -> ContractDetails:
    return ContractDetails(
        contract=Contract(con_id=con_id, symbol=symbol, sec_type="BOND", exchange="SMART",
                          currency="USD", trading_class=f"{symbol}BOND", local_symbol=cusip),
        market_name=f"{symbol}BOND", min_tick=0.001, order_types="LMT,MKT,GTC,GTD",
        valid_exchanges="SMART,BONDDESK,TRADEWEB", long_name=long_name, cusip=cusip,
        coupon=coupon, maturity=maturity, issue_date=issue, ratings=ratings,
        bond_type=bond_type, coupon_type="FIXED", callable=callable_, putable=False,
        convertible=False, desc_append=desc, next_option_date=next_option,
        next_option_type="CALL" if next_option else None, next_option_partial=False,
        notes="", time_zone_id="US/Eastern", ev_rule="", ev_multiplier=0,
        sec_id_list=[TagValue("CUSIP", cusip)], agg_group=2147483647, market_rule_ids="26",
        min_size=Decimal(1000), size_increment=Decimal(1000),
        suggested_size_increment=Decimal(1000))


BONDS: tuple[ContractDetails, ...] = (
    _bond(900000101, "IBM", "459200HU8", 3.45, "20260219", "20160219", "A-", "CORP",
          "IBM 3.45 02/19/26", "INTL BUSINESS MACHINES CORP"),
    _bond(900000102, "AAPL", "037833DB3", 2.9, "20270912", "20170912", "AA+", "CORP",
          "AAPL 2.9 09/12/27", "APPLE INC", callable_=True, next_option="20270612"),
    _bond(900000103, "US-T", "91282CJL6", 4.375, "20301130", "20231130", "AAA", "GOVT",
          "T 4 3/8 11/30/30", "UNITED STATES TREASURY"),
)
"""The paper gateway's sample bonds (con ids of their own; no market data for them)."""


def find_bonds(contract: Contract) -> list[ContractDetails]:
    """The sample bonds ``contract`` names: by con id, else by issuer symbol, CUSIP (sec id or
    local symbol)."""
    found = []
    for bond in BONDS:
        c = bond.contract
        if contract.con_id:
            if contract.con_id == c.con_id:
                found.append(bond)
            continue
        if contract.symbol and contract.symbol.upper() != (c.symbol or "").upper():
            continue
        if contract.sec_id and contract.sec_id.upper() != (bond.cusip or ""):
            continue
        if contract.local_symbol and contract.local_symbol.upper() != (c.local_symbol or ""):
            continue
        if contract.currency and contract.currency.upper() != c.currency:
            continue
        if contract.symbol or contract.sec_id or contract.local_symbol:
            found.append(bond)
    return found


def answer_bond_details(session: Session, req_id: int, contract: Contract) -> bool:
    """Answer a REQ_CONTRACT_DATA for a bond (BOND_CONTRACT_DATA per match, then the end);
    False when none matches (the caller answers TWS's error 200)."""
    found = find_bonds(contract)
    for bond in found:
        session.send(BondContractData(req_id=req_id, details=bond))
    if found:
        session.send(ContractDataEnd(req_id=req_id))
    return bool(found)
