"""TagValue, as in the official ``ibapi.tag_value``."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import Object

__all__ = ["TagValue"]


@dataclass
class TagValue(Object):
    """A tag and its value (algo parameters, market data options, sec id lists)."""

    tag: str = ""
    value: str = ""

    def __str__(self) -> str:
        return f"{self.tag}={self.value};"
