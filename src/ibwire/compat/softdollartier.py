"""SoftDollarTier, as in the official ``ibapi.softdollartier``."""

from __future__ import annotations

from dataclasses import dataclass

from ._base import Object

__all__ = ["SoftDollarTier"]


@dataclass
class SoftDollarTier(Object):
    name: str = ""
    val: str = ""
    displayName: str = ""
