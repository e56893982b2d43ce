"""10-minute activity slots: pure logic with Hypothesis properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracker.capture.slots import SLOT_SECONDS, SlotRecorder, activity_percent, slot_start

T0 = 1_795_600_800  # 2026-11-25 07:20 UTC, a slot boundary


def test_slot_start_is_utc_aligned():
    assert slot_start(T0) == T0
    assert slot_start(T0 + 599) == T0
    assert slot_start(T0 + 600) == T0 + 600


def test_active_seconds_and_counts_per_slot(ids):
    r = SlotRecorder(ids)
    out = []
    for i in range(0, 900):  # 15 minutes from a boundary; input every 3rd second
        # the tick at T0 + i + 1 reports the events of the second [T0 + i, T0 + i + 1)
        k, m = (2 if i % 3 == 0 else 0), (1 if i < 10 else 0)
        out += r.tick(T0 + i + 1, "iv1", T0, keyboard=k, mouse=m)
    out += r.flush(T0 + 900)
    assert [(s.slot_start, s.slot_seconds, s.active_seconds) for s in out] == [
        (T0, 600, 206),  # 200 typing seconds + 6 seconds with only mouse input
        (T0 + 600, 300, 100),
    ]
    assert out[0].keyboard_events == 400 and out[0].mouse_events == 10
    assert out[0].percent == 34 and out[1].percent == 33
    assert all(s.interval_id == "iv1" for s in out)


def test_a_task_switch_inside_a_slot_gives_two_slots(ids):
    r = SlotRecorder(ids)
    out = []
    for i in range(100, 250):
        out += r.tick(T0 + i + 1, "a", T0 + 100, keyboard=1)
    for i in range(250, 400):
        out += r.tick(T0 + i + 1, "b", T0 + 250, mouse=1)
    out += r.flush(T0 + 400)
    assert [(s.interval_id, s.slot_start, s.slot_seconds, s.active_seconds) for s in out] == [
        ("a", T0, 150, 150),
        ("b", T0, 150, 150),
    ]


def test_nothing_is_recorded_without_a_running_timer(ids):
    r = SlotRecorder(ids)
    assert r.tick(T0, None, 0, keyboard=5) == []
    assert r.flush(T0 + 10) == []


def test_a_mid_slot_start_tracks_only_the_part_after_it(ids):
    r = SlotRecorder(ids)
    r.tick(T0 + 421, "a", T0 + 420, keyboard=1)
    (s,) = r.flush(T0 + 480)
    assert (s.slot_seconds, s.active_seconds) == (60, 1)


@given(
    st.integers(0, 3000),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=1500),
)
def test_slots_keep_every_event_and_never_exceed_their_length(offset, events):
    counter = iter(range(10**9))
    r = SlotRecorder(lambda: str(next(counter)))
    start = T0 + offset
    out = []
    for i, (k, m) in enumerate(events):
        out += r.tick(start + i + 1, "iv", start, k, m)
    out += r.flush(start + len(events))
    assert sum(s.keyboard_events for s in out) == sum(k for k, _ in events)
    assert sum(s.mouse_events for s in out) == sum(m for _, m in events)
    assert sum(s.slot_seconds for s in out) == len(events)
    for s in out:
        assert s.slot_start % SLOT_SECONDS == 0
        assert 0 <= s.active_seconds <= s.slot_seconds <= SLOT_SECONDS
    assert sum(s.active_seconds for s in out) == sum(1 for k, m in events if k or m)


def test_activity_percent():
    assert activity_percent(30, 600) == 5
    assert activity_percent(0, 0) == 0
    assert activity_percent(600, 600) == 100
