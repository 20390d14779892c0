"""TickTypeEnum, as in the official ``ibapi.ticktype``: ``TickTypeEnum.BID == 1`` and
``TickTypeEnum.to_str(1) == "BID"`` (``toStr`` is the newer spelling)."""

from __future__ import annotations

from ..models.market import TickType as _TickType

__all__ = ["TickType", "TickTypeEnum"]

TickType = int


class _TickTypeEnum:
    """Tick type names as integer attributes, plus the number -> name lookup."""

    def __init__(self) -> None:
        self.idx2name: dict[int, str] = {}
        for t in _TickType:
            setattr(self, t.name, int(t))
            self.idx2name[int(t)] = t.name
        self.NOT_SET = max(self.idx2name) + 1
        self.idx2name[self.NOT_SET] = "NOT_SET"

    def __getattr__(self, name: str) -> int:  # only reached for names that do not exist
        raise AttributeError(f"TickTypeEnum has no tick type {name!r}")

    def to_str(self, idx: int) -> str:
        return self.idx2name.get(idx, "NOTFOUND")

    def toStr(self, idx: int) -> str:
        return self.to_str(idx)


TickTypeEnum = _TickTypeEnum()
