"""The sandbox's injected faults: one seeded draw per request, rates that share the requests."""

from __future__ import annotations

from collections import Counter

import pytest

from channels.sandbox.faults import Fault, Faults


def test_a_seed_gives_the_same_faults_in_the_same_order():
    first = Faults(error_rate=0.07, rate_429=0.07, drop_rate=0.06, seed=11)
    second = Faults(error_rate=0.07, rate_429=0.07, drop_rate=0.06, seed=11)
    draws = [first.draw() for _ in range(200)]
    assert draws == [second.draw() for _ in range(200)]
    assert {Fault.ERROR, Fault.THROTTLE, Fault.DROP} <= set(draws)


def test_each_fault_takes_its_share_of_requests():
    faults = Faults(error_rate=0.1, rate_429=0.2, drop_rate=0.3, seed=5)
    counts = Counter(faults.draw() for _ in range(20_000))
    assert counts[Fault.ERROR] == pytest.approx(2000, rel=0.1)
    assert counts[Fault.THROTTLE] == pytest.approx(4000, rel=0.1)
    assert counts[Fault.DROP] == pytest.approx(6000, rel=0.1)
    assert counts[None] == pytest.approx(8000, rel=0.1)


def test_no_rates_no_faults():
    assert {Faults().draw() for _ in range(100)} == {None}


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"drop_rate": 1.5}, "drop_rate must be between 0 and 1"),
        ({"error_rate": 0.6, "rate_429": 0.5}, "together they must not exceed 1"),
        ({"latency": 3}, "unknown fault setting(s): latency"),
    ],
)
def test_bad_settings_are_named_and_leave_the_old_ones(changes, named):
    faults = Faults(error_rate=0.2)
    with pytest.raises(ValueError, match=named.replace("(", r"\(").replace(")", r"\)")):
        faults.update(changes)
    assert faults.settings()["error_rate"] == 0.2 and faults.settings()["rate_429"] == 0.0
