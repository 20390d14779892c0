"""TagValue: the name=value pairs TWS uses for algo parameters, options and secId lists."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TagValue"]


@dataclass(slots=True)
class TagValue:
    tag: str
    value: str
