"""Message declarations, one module per domain. Importing this package registers them all
(every module in it, so a new domain module needs no line here)."""

import importlib
import pkgutil

__all__ = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))

for _name in __all__:
    importlib.import_module(f"{__name__}.{_name}")
