"""Reading Toggl Track and Clockify exports (real column sets, written as those tools write
them: tests/fixtures/imports) and planning an import. Pure: no database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.errors import InvalidInput
from tracker.import_plan import plan
from tracker.imports import Row, parse

FIX = Path(__file__).parent / "fixtures" / "imports"
BERLIN = ZoneInfo("Europe/Berlin")


def local(y, mo, d, h, mi, s=0) -> int:
    return int(datetime(y, mo, d, h, mi, s, tzinfo=BERLIN).timestamp())


def test_toggl_detailed_report():
    p = parse((FIX / "toggl_detailed.csv").read_bytes(), "toggl", BERLIN)
    assert p.zero_length == [4]
    first, second, night, bare = p.rows
    assert (first.project, first.client, first.task) == ("Globex site", "Globex", "Homepage")
    assert first.note == 'Hero, "final" cut 🚀'  # quotes, a comma and an emoji survive
    assert (first.start, first.end) == (local(2026, 11, 2, 9, 0), local(2026, 11, 2, 10, 30))
    assert (second.task, second.note) == ("No task", "Checkout review")  # Toggl: often no task
    assert night.note == "C:\\path\\with\\backslashes"
    assert night.end - night.start == 3600  # across midnight
    assert (bare.project, bare.task, bare.note) == ("No project", "No task", "")


def test_clockify_us_export_with_12_hour_times():
    p = parse((FIX / "clockify_us.csv").read_bytes(), "clockify", BERLIN)
    assert p.zero_length == [5]
    plan_, bug, late = p.rows
    assert (plan_.start, plan_.end) == (local(2026, 11, 2, 9, 5), local(2026, 11, 2, 10, 23))
    assert (bug.start, bug.end) == (local(2026, 11, 2, 12, 30), local(2026, 11, 2, 13, 45, 30))
    assert bug.note == 'Bug 17, "login" loop' and bug.task == "Development"
    assert (late.start, late.end) == (local(2026, 11, 13, 23, 23, 1), local(2026, 11, 14, 0, 10))


def test_clockify_european_export_with_activity_and_extra_columns():
    p = parse((FIX / "clockify_eu.csv").read_bytes(), "clockify", BERLIN)
    meet, review = p.rows
    assert (meet.task, meet.note) == ("Meetings", "Réunion ☕")
    assert meet.start == local(2026, 11, 2, 14, 0)  # 02/11 is 2 November: 25/11 says day-first
    assert (review.start, review.end) == (local(2026, 11, 25, 8, 15), local(2026, 11, 25, 9, 45))


def test_ids_are_stable_and_differ_per_row():
    data = (FIX / "toggl_detailed.csv").read_bytes()
    a, b = parse(data, "toggl", BERLIN), parse(data, "toggl", BERLIN)
    assert [r.id for r in a.rows] == [r.id for r in b.rows]
    assert len({r.id for r in a.rows}) == len(a.rows)


def test_unquoted_semicolon_file_without_bom():
    text = ("Project;Description;Start date;Start time;End date;End time\n"
            "Internal;Mail;25.11.2026;08:00;25.11.2026;08:30\n")  # fmt: skip
    (r,) = parse(text.encode(), "toggl", BERLIN).rows
    assert (r.start, r.end) == (local(2026, 11, 25, 8, 0), local(2026, 11, 25, 8, 30))


@pytest.mark.parametrize(
    ("fixture", "fmt", "missing"),
    [
        ("clockify_us.csv", "csv", "id, started_at, ended_at"),
        ("toggl_detailed.csv", "csv", "id, started_at, ended_at"),
    ],
)
def test_a_file_of_the_wrong_kind_names_the_missing_columns(fixture, fmt, missing):
    with pytest.raises(InvalidInput) as err:
        parse((FIX / fixture).read_bytes(), fmt, BERLIN)
    msg = str(err.value)
    assert f"the columns {missing} are missing" in msg and "\n" not in msg


def test_our_csv_read_as_toggl_is_refused():
    ours = "id,project,task,started_at,ended_at,duration_seconds,note\n"
    with pytest.raises(InvalidInput, match="not a Toggl Track CSV export: the columns Descr"):
        parse(ours.encode(), "toggl", BERLIN)


@pytest.mark.parametrize(
    ("cell", "what"),
    [("2026-13-01", "is not a date"), ("tomorrow", "cannot read the date"),
     ("25:00", "cannot read the time"), ("13:05 PM", "cannot read the time")],
)  # fmt: skip
def test_an_unreadable_row_refuses_the_file_naming_its_line(cell, what):
    date, time_ = (cell, "09:00") if "-" in cell or cell.isalpha() else ("2026-11-02", cell)
    text = ("Project,Description,Start date,Start time,End date,End time\n"
            "P,ok,2026-11-02,08:00,2026-11-02,08:30\n"
            f"P,bad,{date},{time_},2026-11-02,10:00\n")  # fmt: skip
    with pytest.raises(InvalidInput, match=f"line 3: .*{what}"):
        parse(text.encode(), "toggl", BERLIN)


def test_a_row_that_ends_before_it_starts_is_refused():
    text = ("Project,Description,Start date,Start time,End date,End time\n"
            "P,x,2026-11-02,10:00,2026-11-02,09:00\n")  # fmt: skip
    with pytest.raises(InvalidInput, match="line 2: the entry ends"):
        parse(text.encode(), "toggl", BERLIN)


def test_not_utf8_is_refused_in_one_line():
    with pytest.raises(InvalidInput, match="not UTF-8"):
        parse("Project;Zeit\nMü".encode("latin-1"), "toggl", BERLIN)


def row(i: int, start: int, end: int) -> Row:
    return Row(i + 2, f"id{i}", "P", "", "T", "", start, end)


def test_plan_skips_known_duplicate_and_overlapping_rows():
    rows = [row(0, 100, 200), row(1, 150, 250), row(2, 300, 400), row(3, 500, 600),
            row(4, 700, 800), row(0, 100, 200)]  # fmt: skip
    p = plan(rows, known_ids={"id3"}, existing=[(350, 450, "X / Y")])
    assert [r.id for r in p.new] == ["id0", "id4"]
    assert [r.id for r in p.already] == ["id3"]
    assert [r.id for r in p.duplicates] == ["id0"]
    assert [(o.row.id, o.other_label) for o in p.overlaps] == [
        ("id1", "line 2 of this file"), ("id2", "X / Y")]  # fmt: skip


spans = st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 500)), max_size=40)


@given(spans, spans)
def test_planned_rows_never_overlap_each_other_or_what_exists(new, old):
    existing, reach = [], 0  # live entries never overlap: make them disjoint
    for s, n in sorted(old):
        s = max(s, reach)
        existing.append((s, s + n, "old"))
        reach = s + n
    rows = [row(i, s, s + n) for i, (s, n) in enumerate(new)]
    p = plan(rows, set(), existing)
    taken = sorted([(r.start, r.end) for r in p.new] + [(s, e) for s, e, _ in existing])
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(taken))
    assert len(p.new) + len(p.overlaps) + len(p.duplicates) == len(rows)


def test_the_utc_instants_follow_the_zone():
    text = ("Project,Description,Start date,Start time,End date,End time\n"
            "P,x,2026-07-01,12:00,2026-07-01,13:00\n")  # fmt: skip
    (r,) = parse(text.encode(), "toggl", ZoneInfo("America/New_York")).rows
    assert datetime.fromtimestamp(r.start, UTC).hour == 16


def test_wall_times_on_dst_days_follow_the_zone():
    text = ("Project,Description,Start date,Start time,End date,End time\n"
            "P,spring,2026-03-29,01:30,2026-03-29,03:30\n"
            "P,autumn,2026-10-25,01:30,2026-10-25,03:30\n"
            "P,plain,2026-10-26,01:30,2026-10-26,03:30\n")  # fmt: skip
    spring, autumn, plain = parse(text.encode(), "toggl", BERLIN).rows
    assert spring.end - spring.start == 3600  # the hour 02:00–03:00 does not exist
    assert autumn.end - autumn.start == 3 * 3600  # 02:00–03:00 happens twice
    assert plain.end - plain.start == 2 * 3600
    assert spring.start == int(datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN).timestamp())


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("1965-11-02,09:00", "1965-11-02,10:00", "line 2: '1965-11-02' is out of range"),
        ("2026-11-02,09:00", "2301-11-02,10:00", "line 2: '2301-11-02' is out of range"),
        ("2026-01-01,09:00", "2027-06-01,09:00", "line 2: the entry lasts more than 999 hours"),
    ],
)
def test_rows_the_app_would_refuse_refuse_the_file(start, end, message):
    # dates the rest of the app cannot show (totals crashed on them) and entries longer than
    # any entry may be (the server rejects them) name their line, as a typed entry would
    text = f"Project,Description,Start date,Start time,End date,End time\nP,x,{start},{end}\n"
    with pytest.raises(InvalidInput, match=message):
        parse(text.encode(), "toggl", BERLIN)
    a, b = (t.replace(",", "T") + ":00+01:00" for t in (start, end))
    own = f"id,project,task,started_at,ended_at,note\na,P,T,{a},{b},\n"
    with pytest.raises(InvalidInput, match=message.split("'")[0]):
        parse(own.encode(), "csv", BERLIN)
