"""Whatever a client sends after START_API, the gateway survives it and other clients go on."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibwire.protocol.framing import encode_fields
from ibwire.protocol.messages.system import CurrentTime, ReqCurrentTime

from ..conftest import WireClient

_ids = itertools.count(100)

_known_ids = st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "8", "9", "15", "16", "17", "20",
                              "25", "49", "58", "59", "61", "62", "63", "64", "74", "76", "99"])
_field = st.one_of(st.sampled_from(["", "0", "1", "-1", "2147483647", "1.7976931348623157E308",
                                    "AAPL", "STK", "SMART", "BUY", "LMT", "x", "Infinity"]),
                   st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=8))
_frame = st.tuples(_known_ids, st.lists(_field, max_size=40)).map(lambda t: [t[0], *t[1]])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.lists(_frame, min_size=1, max_size=4))
def test_random_frames_never_break_the_gateway(gateway, frames):
    c = WireClient(gateway.port)
    try:
        c.handshake()
        c.start(next(_ids))
        c.send_raw(b"".join(encode_fields(f) for f in frames))
        c.send(ReqCurrentTime())
        try:
            c.expect(CurrentTime, timeout=5)  # still served ...
        except AssertionError:
            assert c.closed  # ... or closed as malformed, never hung
    finally:
        c.close()
    probe = WireClient(gateway.port)
    try:
        probe.handshake()
        probe.start(next(_ids))
        probe.send(ReqCurrentTime())
        assert probe.expect(CurrentTime)
    finally:
        probe.close()
