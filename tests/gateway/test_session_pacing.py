"""The pacing rules (pure; the clock is passed in)."""

from __future__ import annotations

import pytest

from ibwire.gateway.pacing import MAX_MESSAGES_PER_SECOND, Pacer, PaceVerdict

OK, REJECT, DROP, CLOSE = PaceVerdict.OK, PaceVerdict.REJECT, PaceVerdict.DROP, PaceVerdict.CLOSE


def test_fifty_per_second_pass():
    p = Pacer()
    assert MAX_MESSAGES_PER_SECOND == 50
    assert [p.check(0.0 + i * 0.001) for i in range(50)] == [OK] * 50


def test_the_51st_in_a_second_is_rejected_once_then_dropped():
    p = Pacer()
    for i in range(50):
        p.check(i * 0.01)
    assert p.check(0.5) is REJECT
    assert p.check(0.6) is DROP
    assert p.check(0.7) is DROP


def test_the_window_slides():
    p = Pacer()
    for i in range(50):
        p.check(i * 0.01)  # 0.00 .. 0.49
    assert p.check(0.995) is REJECT
    assert p.check(1.001) is OK  # the message at 0.00 left the window


def test_steady_rate_at_the_limit_never_violates():
    p = Pacer()
    assert all(p.check(i * 0.0201) is OK for i in range(500))  # just under 50 per second


def test_a_huge_burst_closes():
    p = Pacer(close_after_excess=100)
    verdicts = [p.check(0.0) for _ in range(50 + 101)]
    assert verdicts[:50] == [OK] * 50
    assert verdicts[50] is REJECT
    assert verdicts[-1] is CLOSE


def test_three_violating_seconds_in_a_row_close():
    p = Pacer()
    verdicts = []
    for second in range(3):
        for i in range(60):
            verdicts.append(p.check(second + i * 0.001))
    assert verdicts.count(REJECT) == 2
    assert verdicts[-1] is CLOSE


def test_violations_with_a_quiet_gap_are_forgiven():
    p = Pacer()
    for start in (0.0, 5.0, 10.0, 15.0):  # a burst every five seconds
        verdicts = [p.check(start + i * 0.001) for i in range(60)]
        assert REJECT in verdicts and CLOSE not in verdicts


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        Pacer(0)
