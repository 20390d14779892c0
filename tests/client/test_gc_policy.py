"""The garbage-collector pause for huge reads is the threaded front end's policy (the sans-I/O core
never touches the collector): paused while such a read decodes, restored after, shared by readers."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from ibwire.client import transport


class _Conn:
    def __init__(self, inner: Any = None) -> None:
        self.seen: list[bool] = []
        self.inner = inner

    def receive_data(self, data: bytes) -> list[Any]:
        self.seen.append(gc.isenabled())
        if self.inner is not None:  # a second reader decoding at the same time
            transport._receive_gc_paused(self.inner, data)
            self.seen.append(gc.isenabled())
        return [len(data)]


@pytest.fixture(autouse=True)
def _gc_on() -> Any:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_large_read_decodes_with_the_collector_paused_then_restored() -> None:
    conn = _Conn()
    assert transport._receive_gc_paused(conn, b"x" * 10) == [10]  # type: ignore[arg-type]
    assert conn.seen == [False] and gc.isenabled()


def test_overlapping_readers_share_the_pause() -> None:
    inner = _Conn()
    outer = _Conn(inner)
    transport._receive_gc_paused(outer, b"x")  # type: ignore[arg-type]
    assert inner.seen == [False]
    assert outer.seen == [False, False]  # the inner reader's end did not re-enable it
    assert gc.isenabled() and transport._gc_pausers == 0


def test_a_collector_the_application_disabled_stays_disabled() -> None:
    gc.disable()
    conn = _Conn()
    transport._receive_gc_paused(conn, b"x")  # type: ignore[arg-type]
    assert conn.seen == [False] and not gc.isenabled()


def test_an_error_while_decoding_still_restores_the_collector() -> None:
    class Broken:
        def receive_data(self, data: bytes) -> list[Any]:
            raise ValueError("boom")

    with pytest.raises(ValueError):
        transport._receive_gc_paused(Broken(), b"x")  # type: ignore[arg-type]
    assert gc.isenabled() and transport._gc_pausers == 0

