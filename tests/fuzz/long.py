"""A long fuzz run: ``python -m tests.fuzz.long [EXAMPLES] [pytest args ...]``.

Runs every test in ``tests/fuzz`` with ``IBWIRE_FUZZ_EXAMPLES`` (default 5000) instead of the small
CI budget, with fresh random examples each time (CI's are fixed). Example::

    python -m tests.fuzz.long 20000 -x
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    examples = args.pop(0) if args and args[0].isdigit() else "5000"
    os.environ["IBWIRE_FUZZ_EXAMPLES"] = examples
    print(f"fuzzing with IBWIRE_FUZZ_EXAMPLES={examples}", flush=True)
    return int(pytest.main([str(Path(__file__).resolve().parent), "-q", "-p", "no:cacheprovider",
                            *args]))


if __name__ == "__main__":
    raise SystemExit(main())
