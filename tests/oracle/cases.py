"""The oracle cases of every domain: each ``tests/oracle/cases_<domain>.py`` defines

* ``REQUESTS: list[Message]`` -- fixed examples of its requests (checked byte for byte against the
  official client at every version; where the official client refuses, ibwire must refuse too);
* ``INCOMING: list[tuple[Feature | None, Message]]`` -- its incoming messages, each with the
  version from which it exists (None: always), decoded by the official client and compared
  callback for callback.

The core domains' cases stay in test_requests.FIXED and test_incoming.FIXED / NEWER; these
functions add every domain module's, so a new domain adds one file and no line elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

from ibwire.protocol.schema import Message
from ibwire.protocol.versions import Feature

__all__ = ["domain_modules", "domain_requests", "domain_incoming"]


def domain_modules() -> list[ModuleType]:
    here = Path(__file__).parent
    return [importlib.import_module(f"{__package__}.{m.name}")
            for m in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name)
            if m.name.startswith("cases_")]


def domain_requests() -> list[Message]:
    return [m for mod in domain_modules() for m in getattr(mod, "REQUESTS", [])]


def domain_incoming() -> list[tuple[Feature | None, Message]]:
    return [c for mod in domain_modules() for c in getattr(mod, "INCOMING", [])]
