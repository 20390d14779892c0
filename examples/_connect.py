"""Where the examples connect: argv ``[HOST] [PORT]``, else IBWIRE_HOST / IBWIRE_PORT, else
127.0.0.1:7497 (TWS paper). Run ``ibwire gateway`` in another terminal for a paper gateway."""

from __future__ import annotations

import os
import sys


def address(argv: list[str] | None = None) -> tuple[str, int]:
    args = sys.argv[1:] if argv is None else argv
    host = args[0] if len(args) > 0 else os.environ.get("IBWIRE_HOST", "127.0.0.1")
    port = int(args[1]) if len(args) > 1 else int(os.environ.get("IBWIRE_PORT", "7497"))
    return host, port


def client_id(default: int) -> int:
    return int(os.environ.get("IBWIRE_CLIENT_ID", default))
