"""Symbol search, family codes, user info and TWS's configuration: the discovery side of
:class:`~ibwire.client.core.BrokerCore` (issue 15).

* :meth:`DiscoveryMixin.flow_search_symbols` -- REQ_MATCHING_SYMBOLS (server version 108+): the
  contracts whose symbol starts with a pattern or whose name contains it, each with the sec types
  of its derivatives.
* :meth:`DiscoveryMixin.flow_family_codes` -- REQ_FAMILY_CODES (107+).
* :meth:`DiscoveryMixin.flow_user_info` -- REQ_USER_INFO (167+): the white-branding id.
* :meth:`DiscoveryMixin.flow_config` / :meth:`DiscoveryMixin.flow_update_config` -- REQ_CONFIG
  (219+) / UPDATE_CONFIG (221+), protobuf only.

A server too old for a request raises :class:`~ibwire.errors.IbwireError` naming the version
needed, before anything is sent (the official client answers error 503 there).
"""

from __future__ import annotations

from typing import ClassVar

from ..errors import IbwireError
from ..models.config import ConfigUpdateResult, TwsConfig, UpdateConfigWarning
from ..models.discovery import ContractDescription, FamilyCode
from ..protocol.messages.config import ConfigResponse, ReqConfig, UpdateConfig, UpdateConfigResponse
from ..protocol.messages.discovery import (
    BondContractData,
    FamilyCodes,
    ReqFamilyCodes,
    ReqMatchingSymbols,
    ReqUserInfo,
    SymbolSamples,
    UserInfo,
)
from ..protocol.versions import Feature, supports
from .core import BrokerCore, Flow
from .flows import front_method
from .router import singleton_key

__all__ = ["DiscoveryMixin"]

_FAMILY_CODES = singleton_key(ReqFamilyCodes)


class DiscoveryMixin(BrokerCore):
    """Symbol search, family codes, user info, TWS's configuration."""

    _HANDLERS: ClassVar[dict[type, str]] = {
        SymbolSamples: "_on_symbol_samples",
        BondContractData: "_on_bond_contract_data",
        FamilyCodes: "_on_family_codes",
        UserInfo: "_on_user_info",
        ConfigResponse: "_on_config_response",
        UpdateConfigResponse: "_on_update_config_response",
    }

    def _require(self, feature: Feature, what: str) -> None:
        self._ensure_connected()
        v = self.server_version
        if v is not None and not supports(v, feature):
            raise IbwireError(f"{what} needs server version {int(feature)} or later; this "
                              f"session runs at {v}")

    # --- handlers ------------------------------------------------------------------------------

    def _finish_by_req_id(self, req_id: int | None, result: object) -> None:
        p = self._registry.get(req_id) if req_id is not None else None
        if p is not None:
            p.finish(result)

    def _on_symbol_samples(self, msg: SymbolSamples) -> None:
        self._finish_by_req_id(msg.req_id, list(msg.contract_descriptions))

    def _on_bond_contract_data(self, msg: BondContractData) -> None:
        """A bond answering contract_details (CONTRACT_DATA_END ends it, as for other contracts)."""
        p = self._registry.get(msg.req_id) if msg.req_id is not None else None
        if p is not None:
            p.rows.append(msg.details)

    def _on_family_codes(self, msg: FamilyCodes) -> None:
        p = self._registry.pop(_FAMILY_CODES)
        if p is not None:
            p.finish(list(msg.family_codes))

    def _on_user_info(self, msg: UserInfo) -> None:
        self._finish_by_req_id(msg.req_id, msg.white_branding_id or "")

    def _on_config_response(self, msg: ConfigResponse) -> None:
        self._finish_by_req_id(msg.req_id, msg.config)

    def _on_update_config_response(self, msg: UpdateConfigResponse) -> None:
        self._finish_by_req_id(msg.req_id, msg.result)

    # --- flows ---------------------------------------------------------------------------------

    def flow_search_symbols(self, pattern: str,
                            timeout: float | None = None) -> Flow[list[ContractDescription]]:
        """The contracts TWS finds for ``pattern`` (a symbol prefix or part of a company name;
        at most 16): each a :class:`~ibwire.models.discovery.ContractDescription` with the contract
        (con id, symbol, sec type, primary exchange, currency, description) and the sec types of
        its derivatives."""
        if not pattern or not pattern.strip():
            raise ValueError("give a pattern to search for (a symbol or part of a name)")
        self._require(Feature.REQ_MATCHING_SYMBOLS, "symbol search (REQ_MATCHING_SYMBOLS)")
        req_id = self._registry.next_id()
        result: list[ContractDescription] = yield from self._read_flow(
            "matching symbols", req_id,
            lambda: self._send(ReqMatchingSymbols(req_id, pattern.strip())), timeout)
        return result

    def flow_family_codes(self, timeout: float | None = None) -> Flow[list[FamilyCode]]:
        """Each account of this login with its family code."""
        self._require(Feature.REQ_FAMILY_CODES, "family codes (REQ_FAMILY_CODES)")
        result: list[FamilyCode] = yield from self._read_flow(
            "family codes", _FAMILY_CODES, lambda: self._send(ReqFamilyCodes()), timeout)
        return result

    def flow_user_info(self, timeout: float | None = None) -> Flow[str]:
        """The login's white-branding id ("" for IBKR's own)."""
        self._require(Feature.USER_INFO, "user info (REQ_USER_INFO)")
        req_id = self._registry.next_id()
        result: str = yield from self._read_flow(
            "user info", req_id, lambda: self._send(ReqUserInfo(req_id)), timeout)
        return result

    def flow_config(self, timeout: float | None = None) -> Flow[TwsConfig]:
        """TWS's configuration (lock-and-exit, messages, API precautions and settings, smart
        routing); server version 219 or later."""
        self._require(Feature.CONFIG, "TWS's configuration (REQ_CONFIG)")
        req_id = self._registry.next_id()
        result: TwsConfig = yield from self._read_flow(
            "config", req_id, lambda: self._send(ReqConfig(req_id)), timeout)
        return result

    def flow_update_config(self, config: TwsConfig,
                           accepted_warnings: list[UpdateConfigWarning] | None = None,
                           timeout: float | None = None) -> Flow[ConfigUpdateResult]:
        """Change the parts of TWS's configuration that ``config`` sets (server version 221 or
        later); returns TWS's answer (status, fields changed, errors, warnings to accept)."""
        self._require(Feature.UPDATE_CONFIG, "changing TWS's configuration (UPDATE_CONFIG)")
        req_id = self._registry.next_id()
        msg = UpdateConfig(req_id, config, list(accepted_warnings or []))
        result: ConfigUpdateResult = yield from self._read_flow(
            "update config", req_id, lambda: self._send(msg), timeout)
        return result

    # --- front-end methods: blocking on the Broker, coroutines on the AsyncBroker ---

    search_symbols = front_method(flow_search_symbols)
    family_codes = front_method(flow_family_codes)
    user_info = front_method(flow_user_info)
    config = front_method(flow_config)
    update_config = front_method(flow_update_config)


# --- the official protobuf-object requests (EClient.reqConfigProtoBuf / updateConfigProtoBuf) -----


