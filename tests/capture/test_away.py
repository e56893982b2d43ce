"""Away periods from the idle time and from suspend (wall vs monotonic jumps)."""

from __future__ import annotations

from tracker.capture.away import AwayDetector, AwayPeriod
from tracker.capture.ports import ClockJumpDetector

T0 = 1_795_600_800


def run(d: AwayDetector, ticks, iid="iv", start=T0 - 3600):
    out = []
    for wall, idle, slept in ticks:
        out += d.tick(wall, idle, slept, iid, start)
    return out


def test_idle_crossing_the_threshold_gives_one_backdated_period():
    d = AwayDetector(300)
    ticks = [(T0 + i, float(i), 0.0) for i in range(0, 901)]  # no input for 15 min
    ticks.append((T0 + 902, 1.0, 0.0))  # input at T0 + 901
    assert run(d, ticks) == [AwayPeriod(T0, T0 + 901, "iv", "idle")]
    assert not d.away


def test_short_idle_is_not_away():
    d = AwayDetector(300)
    ticks = [(T0 + i, float(i), 0.0) for i in range(0, 200)] + [(T0 + 201, 0.5, 0.0)]
    assert run(d, ticks) == []


def test_suspend_gives_a_period_from_the_last_input_to_resume():
    d = AwayDetector(300)
    out = run(d, [(T0, 0.0, 0.0), (T0 + 1, 1.0, 0.0), (T0 + 3600, 0.0, 3598.0)])
    assert out == [AwayPeriod(T0 + 0, T0 + 3600, "iv", "suspend")]
    # An X idle counter that kept running through the sleep adds no second period.
    assert run(d, [(T0 + 3601, 3601.0, 0.0), (T0 + 3605, 0.0, 0.0)]) == []


def test_away_is_clipped_to_the_timer_start_and_dropped_without_a_timer():
    d = AwayDetector(60)
    ticks = [(T0 + i, float(i) + 100, 0.0) for i in range(0, 200)] + [(T0 + 200, 0.0, 0.0)]
    assert run(d, ticks, start=T0) == [AwayPeriod(T0, T0 + 200, "iv", "idle")]
    d2 = AwayDetector(60)
    assert run(d2, ticks, iid=None) == []


def test_clock_jump_detector_sees_a_suspend_not_a_busy_loop():
    wall, mono = [1000.0], [50.0]
    det = ClockJumpDetector(lambda: wall[0], lambda: mono[0])
    wall[0] += 1
    mono[0] += 1
    assert det.slept() == 0.0
    wall[0] += 3600  # the wall clock ran on while the monotonic clock stood still
    mono[0] += 2
    assert det.slept() == 3598.0
    wall[0] += 30  # a stalled process: both clocks moved
    mono[0] += 30
    assert det.slept() == 0.0
