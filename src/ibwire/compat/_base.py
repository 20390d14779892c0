"""The base of the camelCase data classes: readable ``str()``, attribute-bag behaviour."""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["Object"]


class Object:
    """Base of ibwire.compat's data classes. ``str()`` shows the fields that differ from their
    defaults, e.g. ``Contract(symbol='AAPL', secType='STK', exchange='SMART', currency='USD')``."""

    def __str__(self) -> str:
        parts = []
        fields: Any = dataclasses.fields(self)  # type: ignore[arg-type]
        for f in fields:
            v = getattr(self, f.name)
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = dataclasses.MISSING
            if v != default:
                parts.append(f"{f.name}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"
