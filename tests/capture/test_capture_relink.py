"""Activity and screenshots follow their entry: split, edit, delete and away answers, on a real
store (SQLite file), plus the integer maths of sharing a slot (Hypothesis)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from capentry import E0, T0, jpeg, make_entry
from hypothesis import given
from hypothesis import strategies as st

from tracker.capture.slots import Slot, distribute, split_slot


@pytest.fixture
def entry(svc):
    return make_entry(svc)


def slots(svc, deleted: int = 0) -> list[tuple]:
    return svc.store.conn.execute(
        "SELECT id, interval_id, slot_start, slot_seconds, active_seconds, keyboard_events, "
        "mouse_events FROM activity_slots WHERE deleted = ? ORDER BY slot_start, interval_id",
        [deleted],
    ).fetchall()


def totals(rows: list[tuple]) -> tuple[int, int, int, int]:
    return tuple(sum(r[i] for r in rows) for i in (3, 4, 5, 6))  # type: ignore[return-value]


def shots(svc) -> dict[int, str]:
    """Live shots: minute after 10:00 -> entry id."""
    return {
        (s.taken_at - T0).seconds // 60: s.interval_id for s in svc.screenshots()
    }  # fmt: skip


def test_split_moves_activity_and_shots_after_the_instant_and_shares_the_straddling_slot(
    svc, entry
):
    before = totals(slots(svc))
    first, second = svc.split(entry.id, T0 + timedelta(minutes=25))
    rows = slots(svc)
    assert totals(rows) == before  # seconds and counts conserved exactly
    on = {(r[1], r[2]): r for r in rows}
    # Slots 10:00 and 10:10 stay; 10:30.. go to the second entry with their ids.
    assert on[(first.id, E0)][0] == "slot-0" and on[(first.id, E0 + 600)][0] == "slot-1"
    for k in (3, 4, 5):
        assert on[(second.id, E0 + 600 * k)][0] == f"slot-{k}"
    # 10:20-10:30 is split at 10:25: half each, integer maths, id kept by the first part.
    a, b = on[(first.id, E0 + 1200)], on[(second.id, E0 + 1200)]
    assert a[0] == "slot-2" and b[0] != "slot-2"
    assert (a[3], b[3]) == (300, 300)
    assert (a[4], b[4]) == (151, 151)  # 302 active seconds
    assert (a[5], b[5]) == (31, 31) and (a[6], b[6]) == (7, 8)
    assert shots(svc) == {5: first.id, 25: second.id, 45: second.id}  # 10:25 is "at or after"
    # Re-linked rows are pending again (sync pushes the move); the new part is new.
    revs = dict(svc.store.conn.execute("SELECT id, revision FROM activity_slots WHERE deleted = 0"))
    assert revs["slot-0"] == 1 and revs["slot-3"] == 2 and revs[b[0]] == 1
    assert svc.activity(T0.date())  # still listed for the day


def test_edit_that_shrinks_drops_what_falls_outside(svc, entry):
    svc.edit(entry.id, start=T0 + timedelta(minutes=15), end=T0 + timedelta(minutes=40))
    rows = slots(svc)
    assert [r[0] for r in rows] == ["slot-1", "slot-2", "slot-3"]
    # 10:10-10:20 keeps the half inside the entry (10:15-10:20); the others are whole.
    assert rows[0][3:] == (300, 151, 31, 4)  # 301 active: 150 before 10:15, 151 after
    assert rows[1][3:] == (600, 302, 62, 15) and rows[2][3:] == (600, 303, 63, 22)
    assert shots(svc) == {25: entry.id}
    # A local project: nothing to tell a server, so the rows and files are gone.
    assert slots(svc, deleted=1) == []
    assert svc.store.conn.execute("SELECT COUNT(*) FROM screenshots").fetchone() == (1,)
    files = sorted(p.name for p in (svc.store.path.parent / "screenshots").rglob("*.jpg"))
    assert len(files) == 2  # one image and its thumbnail


def test_edit_that_grows_or_only_renames_moves_nothing(svc, entry):
    before = slots(svc)
    svc.edit(entry.id, end=T0 + timedelta(hours=2), note="longer")
    assert slots(svc) == before and len(shots(svc)) == 3


def test_delete_drops_everything_of_the_entry(svc, entry):
    svc.delete(entry.id)
    assert slots(svc) == [] and svc.screenshots() == []


def _make_server_project(svc):
    """Pretend the project came from a server and one shot was uploaded (as sync would)."""
    c = svc.store.conn
    with svc.store.transaction():
        c.execute("UPDATE projects SET origin = 'server'")
        c.execute("UPDATE intervals SET synced_revision = revision, server_revision = 1")
        c.execute("UPDATE activity_slots SET synced_revision = revision")
        c.execute(
            "UPDATE screenshots SET uploaded = 1, synced_revision = revision WHERE taken_at = ?",
            [E0 + 45 * 60],
        )


def test_delete_of_a_server_entry_leaves_tombstones_for_sync(svc, entry):
    _make_server_project(svc)
    svc.delete(entry.id)
    assert slots(svc) == [] and len(slots(svc, deleted=1)) == 6
    rows = svc.store.conn.execute(
        "SELECT taken_at - ?, deleted, uploaded FROM screenshots ORDER BY taken_at", [E0]
    ).fetchall()
    assert rows == [(45 * 60, 1, 1)]  # the uploaded one waits for DELETE /screenshots/{id}
    assert not list((svc.store.path.parent / "screenshots").rglob("*.jpg"))
    from tracker.store.capture import pending_slots, shot_tombstones

    assert {p.slot.id for p in pending_slots(svc.store, "", 100) if p.deleted} == {
        f"slot-{k}" for k in range(6)
    }
    assert len(shot_tombstones(svc.store)) == 1


def test_split_of_an_uploaded_shot_marks_it_for_a_relink(svc, entry):
    _make_server_project(svc)
    _, second = svc.split(entry.id, T0 + timedelta(minutes=30))
    row = svc.store.conn.execute(
        "SELECT interval_id, uploaded, revision > synced_revision FROM screenshots "
        "WHERE taken_at = ?",
        [E0 + 45 * 60],
    ).fetchone()
    assert row == (second.id, 1, 1)


def test_a_failed_split_changes_no_capture_row(svc, entry, monkeypatch):
    """The move runs in the split's write transaction: an error rolls both back."""
    from tracker.store import capture as cap

    before = (slots(svc), shots(svc))

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cap, "rehome", boom)
    with pytest.raises(RuntimeError):
        svc.split(entry.id, T0 + timedelta(minutes=25))
    assert (slots(svc), shots(svc)) == before
    assert len(svc.log()) == 1


def test_away_discard_moves_activity_around_the_away_time(svc, clock):
    svc.add_project("Globex")
    task = svc.add_task("Globex", "Homepage")
    e = svc.start(task.id, at=T0).new
    # 10:00-10:10: input only before 10:04, away 10:04-10:08 (no input by definition).
    svc.save_activity([Slot("s", e.id, E0, 600, 200, 90, 30)])
    svc.add_screenshot(e.id, T0 + timedelta(minutes=6), 0, 32, 16, jpeg(6), jpeg(1), False)
    svc.resolve_away(e.id, T0 + timedelta(minutes=4), T0 + timedelta(minutes=8), "discard")
    head, tail = svc.log()
    rows = {r[1]: r for r in slots(svc)}
    h, t = rows[head.id], rows[tail.id]
    assert h[0] == "s" and (h[3], t[3]) == (240, 120)  # the away 240 s are not tracked any more
    # Active seconds and counts all stay: 4 min of non-away time before, 2 after.
    assert h[4] + t[4] == 200 and h[5] + t[5] == 90 and h[6] + t[6] == 30
    assert (h[4], t[4]) == (133, 67) and h[4] <= h[3] and t[4] <= t[3]
    assert svc.screenshots() == []  # taken in the discarded away time

    # The app closes its open slot after it sees the new running entry: a late flush for the
    # old entry's id in a slot that entry no longer reaches goes to the tail.
    svc.save_activity([Slot("late", head.id, E0 + 600, 600, 10, 1, 1)])
    assert {r[0]: r[1] for r in slots(svc)}["late"] == tail.id


def test_a_late_flush_for_a_deleted_entry_is_dropped(svc, clock):
    svc.add_project("Globex")
    task = svc.add_task("Globex", "Homepage")
    e = svc.start(task.id, at=T0).new
    svc.delete(e.id)
    svc.save_activity([Slot("late", e.id, E0, 600, 10, 1, 1)])
    assert slots(svc) == [] and slots(svc, deleted=1) == []


# -- the integer maths ----------------------------------------------------------------------------

slot_numbers = st.integers(1, 600).flatmap(
    lambda s: st.tuples(st.just(s), st.integers(0, s), st.integers(0, 10**6), st.integers(0, 10**6))
)


def _ids():
    n = iter(range(10**6))
    return lambda: f"new-{next(n)}"


@given(slot_numbers, st.integers(0, 599), st.integers(1, 600), st.integers(-50, 650))
def test_split_slot_conserves_and_keeps_active_within_tracked(nums, lo, width, at):
    s = Slot("id", "e", 0, *nums)
    hi = lo + width
    a, b = split_slot(s, lo, hi, at, "new")
    parts = [p for p in (a, b) if p is not None]
    assert sum(p.slot_seconds for p in parts) == s.slot_seconds
    assert sum(p.active_seconds for p in parts) == s.active_seconds
    assert sum(p.keyboard_events for p in parts) == s.keyboard_events
    assert sum(p.mouse_events for p in parts) == s.mouse_events
    for p in parts:
        assert 0 <= p.active_seconds <= p.slot_seconds and p.slot_seconds >= 1
        assert p.keyboard_events >= 0 and p.mouse_events >= 0
    if a is not None:
        assert a.id == "id"


@given(
    slot_numbers,
    st.lists(st.integers(1, 599), min_size=0, max_size=4, unique=True),
    st.one_of(st.none(), st.tuples(st.integers(0, 600), st.integers(0, 600))),
)
def test_distribute_over_pieces_tiling_the_window_conserves(nums, bounds, quiet):
    s = Slot("id", "e0", 0, *nums)
    edges = [0, *sorted(bounds), 600]
    pieces = [(f"e{i}", a, b) for i, (a, b) in enumerate(itertools.pairwise(edges))]
    q = None if quiet is None or quiet[0] >= quiet[1] else quiet
    parts = distribute(s, 0, 600, pieces, _ids(), q)
    assert sum(p.slot_seconds for p in parts) == s.slot_seconds
    assert sum(p.active_seconds for p in parts) == s.active_seconds
    assert sum(p.keyboard_events for p in parts) == s.keyboard_events
    assert sum(p.mouse_events for p in parts) == s.mouse_events
    assert all(0 <= p.active_seconds <= p.slot_seconds for p in parts)
    assert len({p.id for p in parts}) == len(parts) and "id" in {p.id for p in parts}
    assert len({p.interval_id for p in parts}) == len(parts)


@given(slot_numbers, st.integers(1, 599), st.integers(1, 599))
def test_distribute_drops_only_what_no_piece_holds(nums, a, b):
    lo, hi = sorted((a, b))
    s = Slot("id", "e0", 0, *nums)
    parts = distribute(s, 0, 600, [("e0", lo, hi if hi > lo else None)], _ids())
    assert all(p.interval_id == "e0" for p in parts) and len(parts) <= 1
    assert all(p.slot_seconds <= s.slot_seconds for p in parts)
