"""The ``oracle`` fixture: the official client 10.51, installed once, driven in subprocesses."""

from __future__ import annotations

import pytest

from .harness import Oracle, install, oracle_dir, required


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    path = oracle_dir()
    why = install(path)
    if why is not None:
        if required():
            pytest.fail(f"the official client oracle is required (IBWIRE_REQUIRE_ORACLE): {why}")
        pytest.skip(f"the official client 10.51 oracle cannot be installed: {why}")
    o = Oracle(path)
    info = o.run([{"op": "info"}])[0]
    assert info["max_client_version"] == 226, info
    return o
