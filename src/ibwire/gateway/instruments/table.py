"""The instrument table: lookups by con id and symbol, and how a request's (possibly partial)
contract finds its instruments (:func:`matches`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence

from ...models.contract import Contract
from .files import InstrumentFileError
from .model import Instrument, exchange_alias, stable_con_id


class InstrumentTable:
    """An immutable collection of instruments with lookups by con id and symbol.

    ``expired`` instruments (futures past their last trade date) answer con id lookups only: they
    are not iterated and do not resolve by symbol, as TWS answers 200 for them unless asked to
    include expired contracts.
    """

    def __init__(self, instruments: Iterable[Instrument] = (),
                 expired: Iterable[Instrument] = ()) -> None:
        self._all: tuple[Instrument, ...] = tuple(instruments)
        self._expired: tuple[Instrument, ...] = tuple(expired)
        self._by_con_id: dict[int, Instrument] = {}
        self._by_symbol: dict[str, list[Instrument]] = {}
        for inst in self._all:
            if inst.con_id in self._by_con_id:
                raise ValueError(f"duplicate con id {inst.con_id} ({inst.local_symbol} and "
                                 f"{self._by_con_id[inst.con_id].local_symbol})")
            self._by_con_id[inst.con_id] = inst
            self._by_symbol.setdefault(inst.symbol.upper(), []).append(inst)
        for inst in self._expired:
            if inst.con_id in self._by_con_id:
                raise ValueError(f"duplicate con id {inst.con_id}")
            self._by_con_id[inst.con_id] = inst

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    @property
    def all(self) -> tuple[Instrument, ...]:
        """Every instrument, in table order."""
        return self._all

    @property
    def expired(self) -> tuple[Instrument, ...]:
        """The expired instruments kept for con id lookups."""
        return self._expired

    def get(self, con_id: int) -> Instrument | None:
        """The instrument with this con id, or None."""
        return self._by_con_id.get(con_id)

    def __getitem__(self, con_id: int) -> Instrument:
        return self._by_con_id[con_id]

    def resolve(self, contract: Contract) -> list[Instrument]:
        """Every instrument ``contract`` describes (see :func:`~.universe.resolve`)."""
        if contract.con_id:
            inst = self._by_con_id.get(contract.con_id)
            return [inst] if inst is not None else []
        if not contract.symbol and not contract.local_symbol:
            return []
        if contract.sec_type and contract.sec_type.upper() == "CONTFUT":
            return self._front_months(contract)
        pool = self._by_symbol.get(contract.symbol.upper(), []) if contract.symbol else self._all
        return [inst for inst in pool if matches(inst, contract)]

    def _front_months(self, contract: Contract) -> list[Instrument]:
        """CONTFUT: the front month of each futures product the contract names, as TWS answers
        a continuous future (sec type CONTFUT, the front month's con id and expiry)."""
        as_future = dataclasses.replace(contract, sec_type="FUT",
                                        last_trade_date_or_contract_month=None)
        fronts: dict[tuple[str, str, str, str], Instrument] = {}
        for inst in self.resolve(as_future):
            key = (inst.symbol, inst.exchange, inst.currency, inst.trading_class)
            best = fronts.get(key)
            if best is None or (inst.last_trade_date or "") < (best.last_trade_date or ""):
                fronts[key] = inst
        return [dataclasses.replace(inst, sec_type="CONTFUT") for inst in fronts.values()]

    def extended(self, added: Sequence[Instrument], where: str = "instruments"
                 ) -> InstrumentTable:
        """This table with ``added`` instruments: one with the con id of an instrument here
        replaces it; one with the sec type, symbol, exchange and currency of an instrument here
        replaces it too (keeping that con id when the new one's is the computed
        :func:`stable_con_id`); the others are appended. ``where`` names the source in errors."""
        rows = list(self._all)
        at = {inst.con_id: i for i, inst in enumerate(rows)}
        by_key = {_key(inst): i for i, inst in enumerate(rows)}
        for inst in added:
            if not isinstance(inst, Instrument):
                raise TypeError(f"{where}: not an Instrument: {inst!r}")
            if inst.con_id in at:
                rows[at[inst.con_id]] = inst
                continue
            i = by_key.get(_key(inst))
            if i is not None:
                if inst.con_id == stable_con_id(inst.sec_type, inst.symbol, inst.exchange,
                                                inst.currency):
                    inst = dataclasses.replace(inst, con_id=rows[i].con_id)
                del at[rows[i].con_id]
                rows[i] = inst
                at[inst.con_id] = i
                continue
            at[inst.con_id] = len(rows)
            by_key[_key(inst)] = len(rows)
            rows.append(inst)
        try:
            return InstrumentTable(rows, self._expired)
        except ValueError as exc:
            raise InstrumentFileError(f"{where}: {exc}") from None


def _key(inst: Instrument) -> tuple[str, str, str, str]:
    return (inst.sec_type, inst.symbol.upper(), inst.exchange, inst.currency)


def _unset(v: object) -> bool:
    return v is None or v == "" or v == 0


def _same(a: str, b: str) -> bool:
    return a.upper() == b.upper()


def matches(inst: Instrument, c: Contract) -> bool:
    """Whether ``inst`` is one of the instruments contract ``c`` describes (every field of ``c``
    that is set agrees; see :func:`~.universe.resolve`)."""
    if c.symbol and not _same(c.symbol, inst.symbol):
        return False
    if c.sec_type and not _same(c.sec_type, inst.sec_type):
        return False
    if c.currency and not _same(c.currency, inst.currency):
        return False
    if c.local_symbol and not _same(c.local_symbol.replace(" ", ""),
                                    inst.local_symbol.replace(" ", "")):
        return False
    if c.trading_class and not _same(c.trading_class, inst.trading_class):
        return False
    if c.exchange:
        ex = exchange_alias(c.exchange)
        if ex != inst.exchange and ex not in inst.valid_exchanges.split(","):
            return False
    if c.primary_exchange and exchange_alias(c.primary_exchange) != inst.primary_exchange:
        return False
    if c.last_trade_date_or_contract_month:
        expiry = c.last_trade_date_or_contract_month.split()[0]
        if inst.last_trade_date is None or inst.contract_month is None:
            return False
        if len(expiry) == 6:
            if expiry != inst.contract_month:
                return False
        elif not inst.last_trade_date.startswith(expiry):
            return False
    if c.multiplier:
        try:
            if float(c.multiplier) != inst.multiplier_value:
                return False
        except ValueError:
            return False
    right = _RIGHTS.get((c.right or "").upper(), c.right)
    if inst.right is None:  # not an option: a strike or a right does not describe it
        return _unset(c.strike) and right in (None, "", "0", "?")
    if not _unset(c.strike) and abs((c.strike or 0.0) - (inst.strike or 0.0)) > 1e-6:
        return False
    return right in (None, "", "0", "?") or right == inst.right


_RIGHTS = {"CALL": "C", "PUT": "P"}
