"""The paper gateway: a TWS-compatible server with a deterministic market, for tests and demos.

``PaperGateway`` (in :mod:`.server`) is the public entry point; the exchange logic lives in
:mod:`.exchange`, :mod:`.market`, :mod:`.accounts`, :mod:`.instruments` and :mod:`.store`.
"""

from .server import PaperGateway

__all__ = ["PaperGateway"]
