"""Tagged JSON of model dataclasses, for what ibwire keeps on disk (the order journal, the paper
gateway's state file).

Dataclasses carry their ``module:qualname`` and only classes of :mod:`ibwire.models` are loaded back
(a file cannot make ibwire import anything else); Decimals, datetimes, NaN and dicts are tagged so
they come back as they were.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = ["to_json", "from_json"]


def _enc(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"$dc": f"{type(obj).__module__}:{type(obj).__qualname__}"}
        for f in dataclasses.fields(obj):
            out[f.name] = _enc(getattr(obj, f.name))
        return out
    if isinstance(obj, Decimal):
        return {"$dec": str(obj)}
    if isinstance(obj, datetime):
        return {"$dt": obj.isoformat()}
    if isinstance(obj, float) and obj != obj:  # NaN is not JSON
        return {"$float": "nan"}
    if isinstance(obj, list | tuple):
        return [_enc(x) for x in obj]
    if isinstance(obj, dict):
        return {"$map": [[_enc(k), _enc(v)] for k, v in obj.items()]}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot serialise {type(obj).__name__}: {obj!r}")


def _dec(data: Any) -> Any:
    if isinstance(data, list):
        return [_dec(x) for x in data]
    if not isinstance(data, dict):
        return data
    if "$dec" in data:
        return Decimal(data["$dec"])
    if "$dt" in data:
        return datetime.fromisoformat(data["$dt"])
    if "$float" in data:
        return float(data["$float"])
    if "$map" in data:
        return {_dec(k): _dec(v) for k, v in data["$map"]}
    name = data.get("$dc")
    if not isinstance(name, str) or ":" not in name:
        raise ValueError(f"untagged object {str(data)[:80]!r}")
    module, _, qual = name.partition(":")
    if module != "ibwire.models" and not module.startswith("ibwire.models."):
        raise ValueError(f"refusing to load a class outside ibwire.models: {name!r}")
    cls: Any = getattr(importlib.import_module(module), qual, None)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"{name!r} is not a model dataclass")
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    return cls(**{k: _dec(v) for k, v in data.items() if k in known})


def to_json(obj: Any) -> str:
    """A model dataclass (nested ones, Decimals, datetimes included) as tagged JSON."""
    return json.dumps(_enc(obj), separators=(",", ":"))


def from_json(text: str) -> Any:
    """The inverse of :func:`to_json`; raises ValueError for anything it would not load."""
    return _dec(json.loads(text))
