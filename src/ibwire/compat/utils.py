"""Helpers official ``ibapi`` programs import from ``ibapi.utils``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from .common import UNSET_DECIMAL, UNSET_DOUBLE, UNSET_INTEGER, UNSET_LONG

__all__ = ["iswrapper", "floatMaxString", "decimalMaxString", "intMaxString", "longMaxString",
           "isAsciiPrintable", "BadMessage", "ClientException"]

F = TypeVar("F", bound=Callable[..., Any])


def iswrapper(fn: F) -> F:
    """Marks an EWrapper override (does nothing, as in ibapi)."""
    return fn


def floatMaxString(val: float | None) -> str:
    """``""`` for an unset price, otherwise the number without trailing zeros."""
    if val is None or val == UNSET_DOUBLE:
        return ""
    text = f"{val:.8f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def decimalMaxString(val: Decimal | None) -> str:
    """``""`` for an unset quantity, otherwise its plain decimal text."""
    if val is None or val == UNSET_DECIMAL:
        return ""
    return format(val, "f")


def intMaxString(val: int | None) -> str:
    return "" if val is None or val == UNSET_INTEGER else str(val)


def longMaxString(val: int | None) -> str:
    return "" if val is None or val == UNSET_LONG else str(val)


def isAsciiPrintable(val: str) -> bool:
    return all(32 <= ord(c) < 127 or c in "\t\n\r" for c in val)


class BadMessage(Exception):
    """A message that could not be decoded."""


class ClientException(Exception):
    def __init__(self, code: int, msg: str, text: str) -> None:
        super().__init__(f"{code}: {msg}{text}")
        self.code = code
        self.msg = msg
        self.text = text
