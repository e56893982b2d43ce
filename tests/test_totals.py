"""Totals: exact midnight and DST splits, and properties that hold for any data."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.model import Interval, Origin, Project, Source, Task
from tracker.store import open_store
from tracker.totals import (
    GroupBy,
    iso_week_key,
    split_by_day,
    total_seconds,
    totals,
    week_monday,
)

BERLIN = ZoneInfo("Europe/Berlin")
ZONE_NAMES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC",
              "America/Havana", "Pacific/Chatham")  # fmt: skip
ZONES = [ZoneInfo(z) for z in ZONE_NAMES]
# Around both 2026 DST changes in Europe and America and a quiet stretch.
BASE = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())
NOW = datetime(2026, 12, 31, tzinfo=UTC)


def at(y, mo, d, h=0, mi=0, tz=BERLIN) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


def entry(start: datetime, end: datetime | None, task="t1", project="p1", i=0) -> Interval:
    return Interval(f"e{i}", task, start, end, "", Source.TIMER, task_title=task,
                    project_id=project, project_name=project)  # fmt: skip


def test_entry_across_midnight_counts_on_both_days():
    e = entry(at(2026, 11, 24, 23, 30), at(2026, 11, 25, 0, 30))
    rows = totals([e], GroupBy.DAY, BERLIN, NOW)
    assert [(r.key, r.seconds) for r in rows] == [("2026-11-24", 1800), ("2026-11-25", 1800)]


def test_spring_forward_day_has_23_hours():
    e = entry(at(2026, 3, 29, 0, 0), at(2026, 3, 30, 0, 0))
    rows = totals([e], GroupBy.DAY, BERLIN, NOW)
    assert [(r.key, r.seconds) for r in rows] == [("2026-03-29", 23 * 3600)]


def test_fall_back_day_has_25_hours():
    e = entry(at(2026, 10, 25, 0, 0), at(2026, 10, 26, 0, 0))
    assert [(r.key, r.seconds) for r in totals([e], GroupBy.DAY, BERLIN, NOW)] == [
        ("2026-10-25", 25 * 3600)
    ]


def test_iso_weeks_and_year_boundary():
    # Sunday 2026-01-04 belongs to 2026-W01; Monday 2026-12-28 to 2026-W53.
    assert iso_week_key(date(2026, 1, 4)) == "2026-W01"
    assert iso_week_key(date(2027, 1, 1)) == "2026-W53"
    e = entry(at(2026, 1, 4, 23, 0), at(2026, 1, 5, 1, 0))
    rows = totals([e], GroupBy.WEEK, BERLIN, NOW)
    assert [(r.key, r.seconds) for r in rows] == [("2026-W01", 3600), ("2026-W02", 3600)]


def test_running_entry_counts_up_to_now():
    e = entry(at(2026, 11, 25, 9, 0), None)
    now = at(2026, 11, 25, 10, 15)
    assert total_seconds([e], BERLIN, now) == 4500


def test_range_counts_only_the_part_inside():
    e = entry(at(2026, 11, 24, 23, 0), at(2026, 11, 25, 2, 0))
    d = date(2026, 11, 25)
    rows = totals([e], GroupBy.PROJECT, BERLIN, NOW, d, d)
    assert [(r.key, r.seconds) for r in rows] == [("p1", 7200)]


def test_deleted_entries_do_not_count():
    e = entry(at(2026, 11, 25, 9), at(2026, 11, 25, 10))
    gone = e.changed(deleted=True)
    assert total_seconds([gone], BERLIN, NOW) == 0


# -- properties ---------------------------------------------------------------------------------

spans = st.tuples(
    st.integers(min_value=0, max_value=300 * 86400), st.integers(min_value=1, max_value=80 * 3600)
)


@st.composite
def timelines(draw, max_size=25):
    """Non-overlapping entries (gaps and lengths random), some across midnights and DST."""
    n = draw(st.integers(min_value=0, max_value=max_size))
    cursor = BASE + draw(st.integers(0, 200 * 86400))
    out = []
    for i in range(n):
        cursor += draw(st.integers(0, 3 * 86400))
        length = draw(st.integers(1, 30 * 3600))
        running = i == n - 1 and draw(st.booleans())
        task = draw(st.sampled_from(["t1", "t2", "t3", "t4"]))
        project = {"t1": "p1", "t2": "p1", "t3": "p2", "t4": "p3"}[task]
        start = datetime.fromtimestamp(cursor, UTC)
        end = None if running else datetime.fromtimestamp(cursor + length, UTC)
        out.append(entry(start, end, task, project, i))
        cursor += length
    return out


@given(spans, st.sampled_from(ZONES))
def test_splitting_keeps_the_total(span, tz):
    start = BASE + span[0]
    end = start + span[1]
    parts = list(split_by_day(start, end, tz))
    assert sum(s for _, s in parts) == end - start
    assert all(s > 0 for _, s in parts)
    days = [d for d, _ in parts]
    assert days == sorted(set(days))


@given(timelines(), st.sampled_from(ZONES))
def test_days_of_a_week_sum_to_the_week(entries, tz):
    days = totals(entries, GroupBy.DAY, tz, NOW)
    weeks = {r.key: r.seconds for r in totals(entries, GroupBy.WEEK, tz, NOW)}
    summed: dict[str, int] = {}
    for r in days:
        key = iso_week_key(date.fromisoformat(r.key))
        summed[key] = summed.get(key, 0) + r.seconds
    assert summed == weeks


@given(timelines(), st.sampled_from(ZONES), st.sampled_from(list(GroupBy)))
def test_any_grouping_sums_to_the_total(entries, tz, by):
    assert sum(r.seconds for r in totals(entries, by, tz, NOW)) == total_seconds(entries, tz, NOW)


@given(
    timelines(),
    st.sampled_from(ZONES),
    st.sampled_from(list(GroupBy)),
    st.integers(0, 300),
    st.integers(0, 60),
)
def test_ranges_partition_the_total(entries, tz, by, offset, length):
    """Totals over [a, m] plus (m, b] equal totals over [a, b], for any grouping."""
    a = date(2026, 3, 1) + timedelta(days=offset)
    m = a + timedelta(days=length)
    b = m + timedelta(days=length + 1)
    whole = sum(r.seconds for r in totals(entries, by, tz, NOW, a, b))
    left = sum(r.seconds for r in totals(entries, by, tz, NOW, a, m))
    right = sum(r.seconds for r in totals(entries, by, tz, NOW, m + timedelta(days=1), b))
    assert whole == left + right == total_seconds(entries, tz, NOW, a, b)


def test_week_monday():
    assert week_monday(date(2026, 11, 29)) == date(2026, 11, 23)


# -- the store's SQL totals equal the pure ones ------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    timelines(),
    st.sampled_from(ZONES),
    st.sampled_from(list(GroupBy)),
    st.one_of(st.none(), st.integers(0, 250)),
    st.integers(0, 40),
)
def test_sql_totals_equal_the_pure_definition(entries, tz, by, offset, length):
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        try:
            now = NOW
            with store.transaction():
                for pid in ("p1", "p2", "p3"):
                    store.insert_project(Project(pid, pid, origin=Origin.LOCAL), now)
                for tid, pid in (("t1", "p1"), ("t2", "p1"), ("t3", "p2"), ("t4", "p3")):
                    store.insert_task(Task(tid, pid, tid, project_name=pid), now)
                for e in entries:
                    store.insert_interval(e, tz.key, now)
            if offset is None:
                a = b = None
            else:
                a = date(2026, 3, 1) + timedelta(days=offset)
                b = a + timedelta(days=length)
            got = [(r.key, r.seconds) for r in store.totals(by, tz, now, a, b)]
            want = [(r.key, r.seconds) for r in totals(entries, by, tz, now, a, b)]
            assert got == want
            # task x day: summed over tasks gives the days, over days the tasks.
            cells = store.totals_task_day(tz, now, a, b)
            per_day: dict[str, int] = {}
            per_task: dict[str, int] = {}
            for day, task, secs in cells:
                per_day[day] = per_day.get(day, 0) + secs
                per_task[task] = per_task.get(task, 0) + secs
            days = {r.key: r.seconds for r in totals(entries, GroupBy.DAY, tz, now, a, b)}
            tasks = {r.key: r.seconds for r in totals(entries, GroupBy.TASK, tz, now, a, b)}
            assert per_day == days and per_task == tasks
        finally:
            store.close()
