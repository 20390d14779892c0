"""Serve ibwire's PaperGateway for the paper-gateway table (pacing off; prints ``PORT <n>``).

Run by :mod:`bench.run` in its own process, so the gateway's event loop has a core and a GIL of
its own; it stops when its stdin closes. By hand: ``python -m bench.paper_gateway`` (Ctrl-C stops).
"""

from __future__ import annotations

import logging
import sys


def main() -> int:
    logging.disable(logging.CRITICAL)
    try:
        from ibwire.gateway import PaperGateway
    except Exception as exc:
        print(f"UNAVAILABLE {type(exc).__name__}: {exc}", flush=True)
        return 3
    # Pacing off: the table measures the gateway's own speed, not TWS's 50 messages/s rule.
    with PaperGateway(port=0, max_msg_rate=None, mode="gateway") as gw:
        print(f"PORT {gw.port}", flush=True)
        try:
            sys.stdin.read()  # until the runner closes our stdin
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
