"""Order conditions, as in the official ``ibapi.order_condition``: the six condition classes with
the official constructors and attribute names, and the factory :func:`Create` that makes an empty
condition of a type number (``Create(OrderCondition.Price)``).

A condition travels in ``Order.conditions``; ``isConjunctionConnection`` (``And()`` / ``Or()``)
joins it to the next one. They convert to and from ibwire's typed conditions
(:mod:`ibwire.models.order`) at the EClient edge, like every compat class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ._base import Object
from .common import UNSET_DOUBLE

__all__ = ["OrderCondition", "ExecutionCondition", "OperatorCondition", "MarginCondition",
           "ContractCondition", "TimeCondition", "PriceCondition", "PercentChangeCondition",
           "VolumeCondition", "Create"]


@dataclass(init=False)
class OrderCondition(Object):
    """Base of the conditions: its type number and how it joins the next condition."""

    Price = 1
    Time = 3
    Margin = 4
    Execution = 5
    Volume = 6
    PercentChange = 7

    condType: int
    isConjunctionConnection: bool

    def __init__(self, condType: int) -> None:  # noqa: N803 - the official name
        self.condType = condType
        self.isConjunctionConnection = True

    def type(self) -> int:
        return self.condType

    def And(self) -> OrderCondition:  # noqa: N802
        self.isConjunctionConnection = True
        return self

    def Or(self) -> OrderCondition:  # noqa: N802
        self.isConjunctionConnection = False
        return self


@dataclass(init=False)
class ExecutionCondition(OrderCondition):
    """A trade of ``symbol`` / ``secType`` happens on ``exchange``."""

    secType: str | None
    exchange: str | None
    symbol: str | None

    def __init__(self, secType: str | None = None, exch: str | None = None,  # noqa: N803
                 symbol: str | None = None) -> None:
        OrderCondition.__init__(self, OrderCondition.Execution)
        self.secType = secType
        self.exchange = exch
        self.symbol = symbol


@dataclass(init=False)
class OperatorCondition(OrderCondition):
    """A condition that compares (``isMore``: greater than or equal, else less or equal)."""

    isMore: bool | None

    def __init__(self, condType: int | None = None, isMore: bool | None = None) -> None:  # noqa: N803
        OrderCondition.__init__(self, condType or 0)
        self.isMore = isMore


@dataclass(init=False)
class MarginCondition(OperatorCondition):
    """The margin cushion percent compared with ``percent``."""

    percent: int | None

    def __init__(self, isMore: bool | None = None, percent: int | None = None) -> None:  # noqa: N803
        OperatorCondition.__init__(self, OrderCondition.Margin, isMore)
        self.percent = percent


@dataclass(init=False)
class ContractCondition(OperatorCondition):
    """A condition on one contract's market data (``conId`` on ``exchange``)."""

    conId: int | None
    exchange: str | None

    def __init__(self, condType: int | None = None, conId: int | None = None,  # noqa: N803
                 exch: str | None = None, isMore: bool | None = None) -> None:  # noqa: N803
        OperatorCondition.__init__(self, condType, isMore)
        self.conId = conId
        self.exchange = exch


@dataclass(init=False)
class TimeCondition(OperatorCondition):
    """The time compared with ``time`` (``"yyyyMMdd HH:mm:ss TZ"``)."""

    time: str | None

    def __init__(self, isMore: bool | None = None, time: str | None = None) -> None:  # noqa: N803
        OperatorCondition.__init__(self, OrderCondition.Time, isMore)
        self.time = time


@dataclass(init=False)
class PriceCondition(ContractCondition):
    """The contract's price (by ``triggerMethod``) compared with ``price``."""

    price: float | None
    triggerMethod: int | None

    def __init__(self, triggerMethod: int | None = None, conId: int | None = None,  # noqa: N803
                 exch: str | None = None, isMore: bool | None = None,  # noqa: N803
                 price: float | None = None) -> None:
        ContractCondition.__init__(self, OrderCondition.Price, conId, exch, isMore)
        self.price = price
        self.triggerMethod = triggerMethod


@dataclass(init=False)
class PercentChangeCondition(ContractCondition):
    """The contract's percent change since the last close compared with ``changePercent``."""

    changePercent: float

    def __init__(self, conId: int | None = None, exch: str | None = None,  # noqa: N803
                 isMore: bool | None = None, changePercent: float = UNSET_DOUBLE) -> None:  # noqa: N803
        ContractCondition.__init__(self, OrderCondition.PercentChange, conId, exch, isMore)
        self.changePercent = changePercent


@dataclass(init=False)
class VolumeCondition(ContractCondition):
    """The contract's volume compared with ``volume``."""

    volume: int | None

    def __init__(self, conId: int | None = None, exch: str | None = None,  # noqa: N803
                 isMore: bool | None = None, volume: int | None = None) -> None:  # noqa: N803
        ContractCondition.__init__(self, OrderCondition.Volume, conId, exch, isMore)
        self.volume = volume


_BY_TYPE: dict[int, Callable[[], OrderCondition]] = {
    OrderCondition.Execution: ExecutionCondition, OrderCondition.Margin: MarginCondition,
    OrderCondition.PercentChange: PercentChangeCondition, OrderCondition.Price: PriceCondition,
    OrderCondition.Time: TimeCondition, OrderCondition.Volume: VolumeCondition,
}


def Create(condType: int) -> OrderCondition | None:  # noqa: N802, N803 - the official names
    """An empty condition of type ``condType`` (None for a type TWS does not have)."""
    cls = _BY_TYPE.get(condType)
    return cls() if cls is not None else None
