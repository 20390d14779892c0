"""Schema elements: the building blocks a message schema lists, in wire order.

See :mod:`ibwire.protocol.schema` for how they are used and compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from .codec import Kind
from .versions import Feature

__all__ = ["F", "Skip", "Version", "Cond", "Repeat", "Opt", "Custom", "Element"]


@dataclass(frozen=True, slots=True)
class F:
    path: str
    kind: Kind
    since: Feature | None = None
    until: Feature | None = None
    unset: str = ""  # wire text written for None
    none: tuple[str, ...] = ()  # extra wire texts that mean "unset" for this field (e.g. "None")


@dataclass(frozen=True, slots=True)
class Skip:
    value: str = ""
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Version:
    value: int
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Cond:
    ref: str
    test: Callable[[str], bool]
    body: tuple[Element, ...]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Repeat:
    path: str
    item: type
    body: tuple[Element, ...]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Opt:
    path: str
    item: type
    body: tuple[Element, ...]
    since: Feature | None = None
    until: Feature | None = None


@dataclass(frozen=True, slots=True)
class Custom:
    """``decode(fields, index) -> (value, next_index)``; ``encode(value, append)``.

    ``path`` may also be a tuple of paths, for one wire field that carries several attributes
    (CONTRACT_DATA's "date time zone" text): ``decode`` then returns a tuple of values, one per
    path, and ``encode`` receives that tuple. A later element assigning the same path wins.
    """

    path: str | tuple[str, ...]
    decode: Callable[[list[str], int], tuple[Any, int]]
    encode: Callable[[Any, Callable[[str], None]], None]
    since: Feature | None = None
    until: Feature | None = None


Element = Union[F, Skip, Version, Cond, Repeat, Opt, Custom]
