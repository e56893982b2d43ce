"""`tracker import` and `tracker export --format ical` as real processes on real data dirs:
Toggl Track and Clockify exports (tests/fixtures/imports, written from their documented column
sets), our own CSV round trip, overlaps, dry runs, wrong files, and iCal read back by the
`icalendar` library."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tracker.model import Origin, Project
from tracker.store import open_store

FIX = Path(__file__).parent / "fixtures" / "imports"


def imp(cli, fmt: str, name: str, *more: str) -> dict:
    return cli.ok("--json", "import", "--format", fmt, str(FIX / name), *more).json()


def test_toggl_import_creates_projects_and_tasks_and_twice_adds_nothing(cli):
    res = imp(cli, "toggl", "toggl_detailed.csv")
    assert res["added"] == 4 and res["zero_length"] == [4] and res["overlaps"] == []
    assert res["projects_created"] == ["Globex site", "Internal", "No project"]
    assert "Globex site / Homepage" in res["tasks_created"]
    log = cli.ok("log", "--from", "2026-11-01", "--to", "2026-11-30", "--json").json()
    assert len(log) == 4 and {e["source"] for e in log} == {"manual"}
    hero = next(e for e in log if e["task"] == "Homepage")
    assert hero["note"] == 'Hero, "final" cut 🚀' and hero["duration_seconds"] == 5400
    projects = cli.ok("project", "list", "--json").json()
    assert next(p for p in projects if p["name"] == "Globex site")["client"] == "Globex"

    again = imp(cli, "toggl", "toggl_detailed.csv")
    assert again["added"] == 0 and again["already_imported"] == 4
    assert again["projects_created"] == [] and again["tasks_created"] == []
    assert len(cli.ok("log", "--from", "2026-11-01", "--to", "2026-11-30", "--json").json()) == 4


def test_text_output_says_what_was_added_and_skipped(cli):
    out = cli.ok("import", "--format", "toggl", str(FIX / "toggl_detailed.csv")).out
    assert out.splitlines()[0].startswith("Imported 4 entries from toggl_detailed.csv as Toggl")
    assert "Skipped 1 zero-length row(s): line 4" in out
    out = cli.ok("import", "--format", "toggl", str(FIX / "toggl_detailed.csv")).out
    assert "Imported 0 entries" in out and "Skipped 4 rows already imported" in out


def test_clockify_us_and_european_exports(cli):
    us = imp(cli, "clockify", "clockify_us.csv")
    assert us["added"] == 3 and us["zero_length"] == [5]
    eu = imp(cli, "clockify", "clockify_eu.csv")
    assert eu["added"] == 2 and eu["projects_created"] == ["Globex site"]
    rows = cli.ok("--json", "totals", "--by", "day", "--from", "2026-11-01", "--to",
                  "2026-11-30").json()  # fmt: skip
    by_day = {r["key"]: r["seconds"] for r in rows}
    assert by_day["2026-11-02"] == 4680 + 4530 + 3600  # two Clockify US rows and one EU row
    assert by_day["2026-11-13"] + by_day["2026-11-14"] == 2819  # 23:23:01 PM → 00:10 AM
    assert by_day["2026-11-25"] == 5400


def test_dry_run_writes_nothing(cli):
    res = imp(cli, "toggl", "toggl_detailed.csv", "--dry-run")
    assert res["dry_run"] is True and res["added"] == 4 and len(res["projects_created"]) == 3
    assert cli.ok("log", "--from", "2026-11-01", "--json").json() == []
    assert cli.ok("project", "list", "--json").json() == []
    assert (
        "Nothing was written (--dry-run)"
        in cli.ok("import", "--format", "toggl", str(FIX / "toggl_detailed.csv"), "--dry-run").out
    )


def test_overlapping_rows_are_listed_and_skipped(cli):
    cli.ok("project", "add", "Internal")
    cli.ok("task", "add", "Internal", "Mail")
    cli.ok("add", "Internal/Mail", "--from", "2026-11-02T10:00:00+01:00",
           "--to", "2026-11-02T10:45:00+01:00")  # fmt: skip
    res = imp(cli, "toggl", "toggl_detailed.csv")
    assert res["added"] == 2
    assert [(o["line"], o["other"]) for o in res["overlaps"]] == [
        (2, "Internal / Mail"), (3, "Internal / Mail")]  # fmt: skip
    out = cli.ok("import", "--format", "toggl", str(FIX / "toggl_detailed.csv")).out
    assert "Skipped 2 row(s) overlapping other entries:" in out
    assert "line 2: 2026-11-02 09:00–10:30 Globex site / Homepage overlaps 2026-11-02 " \
           "10:00–10:45 Internal / Mail" in out  # fmt: skip


def test_a_server_project_is_matched_by_name_so_the_time_syncs(cli):
    store = open_store(cli.data_dir)
    with store.transaction():
        store.insert_project(Project("00000000-0000-7000-8000-0000000000aa", "Globex site",
                                     origin=Origin.SERVER), datetime.now(UTC))  # fmt: skip
    store.close()
    res = imp(cli, "toggl", "toggl_detailed.csv")
    assert "Globex site" not in res["projects_created"]
    log = cli.ok("log", "--from", "2026-11-01", "--json").json()
    globex = [e for e in log if e["project"] == "Globex site"]
    assert len(globex) == 2 and {e["sync_state"] for e in globex} == {"pending"}
    assert {e["project_id"] for e in globex} == {"00000000-0000-7000-8000-0000000000aa"}


@pytest.mark.parametrize(("fmt", "fixture"), [("csv", "toggl_detailed.csv"),
                                              ("csv", "clockify_eu.csv")])  # fmt: skip
def test_a_file_of_the_wrong_kind_is_refused_in_one_line_with_nothing_added(cli, fmt, fixture):
    r = cli.fails("import", "--format", fmt, str(FIX / fixture))
    assert "missing" in r.err and "nothing was imported" in r.err
    assert cli.ok("project", "list", "--json").json() == []


def test_a_bad_row_refuses_the_whole_file(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    text = (FIX / "toggl_detailed.csv").read_text(encoding="utf-8-sig")
    bad.write_text(text + "Ana,a@x,,Internal,,Late,No,2026-11-31,09:00:00,2026-11-31,10:00:00,"
                   "01:00:00,,0\n", encoding="utf-8")  # fmt: skip
    r = cli.fails("import", "--format", "toggl", str(bad))
    assert "line 7" in r.err and "is not a date" in r.err
    assert cli.ok("log", "--from", "2026-11-01", "--json").json() == []
    cli.fails("import", "--format", "toggl", str(tmp_path / "missing.csv"))
    cli.fails("import", "--format", "harvest", str(bad), code=2)


def test_our_csv_round_trip_keeps_the_totals_by_day(cli, tmp_path):
    cli.ok("project", "add", "Globex site")
    cli.ok("project", "add", "Internal")
    cli.ok("task", "add", "Globex site", "Homepage")
    cli.ok("task", "add", "Internal", "Admin")
    for task, a, b in [("Globex site/Homepage", "2026-11-02T09:00", "2026-11-02T12:30"),
                       ("Internal/Admin", "2026-11-02T23:00", "2026-11-03T01:15"),
                       ("Globex site/Homepage", "2026-11-03T08:00", "2026-11-03T08:01"),
                       ("Internal/Admin", "2026-11-29T10:00", "2026-11-29T17:59")]:  # fmt: skip
        cli.ok("add", task, "--from", f"{a}:00+01:00", "--to", f"{b}:00+01:00",
               "--note", 'with "quotes", commas')  # fmt: skip
    out = tmp_path / "export.csv"
    cli.ok("export", "--format", "csv", "-o", str(out))
    fresh = type(cli)(tmp_path / "fresh")  # the conftest's runner, on another data dir
    res = fresh.ok("--json", "import", "--format", "csv", str(out)).json()
    assert res["added"] == 4

    def by_day(c) -> list:
        return c.ok("--json", "totals", "--by", "day", "--from", "2026-11-01", "--to",
                    "2026-11-30").json()  # fmt: skip

    assert by_day(fresh) == by_day(cli)
    assert [e["note"] for e in fresh.ok("log", "--from", "2026-11-01", "--json").json()] == [
        'with "quotes", commas'] * 4  # fmt: skip
    # the same file again, into either data dir, adds nothing
    assert fresh.ok("--json", "import", "--format", "csv", str(out)).json()["added"] == 0
    assert cli.ok("--json", "import", "--format", "csv", str(out)).json()["added"] == 0


def test_ical_export_is_read_back_by_icalendar_with_stable_uids(cli, tmp_path):
    import icalendar

    imp(cli, "toggl", "toggl_detailed.csv")
    path = tmp_path / "t.ics"
    cli.ok("export", "--format", "ical", "-o", str(path))
    raw = path.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and all(
        len(line) <= 75 for line in raw.split(b"\r\n"))  # fmt: skip
    cal = icalendar.Calendar.from_ical(raw)
    events = list(cal.walk("VEVENT"))
    log = cli.ok("log", "--from", "2026-11-01", "--json").json()
    assert sorted(str(e["UID"]) for e in events) == sorted(f"{x['id']}@tracker" for x in log)
    hero = next(e for e in events if "Homepage" in str(e["SUMMARY"]))
    assert str(hero["SUMMARY"]) == "Globex site / Homepage"
    assert str(hero["DESCRIPTION"]) == 'Hero, "final" cut 🚀'
    assert hero.decoded("DTSTART") == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert hero.decoded("DTEND") == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    again = tmp_path / "u.ics"
    cli.ok("export", "--format", "ical", "-o", str(again))
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(again.read_bytes()).walk("VEVENT")]
    assert uids == [str(e["UID"]) for e in events]


def test_the_command_lines_format_lists_match_the_readers_and_writers():
    # spelled out in tracker/cli so that other commands start without loading them
    from tracker import exports, imports
    from tracker.cli import export, importer

    assert importer.FORMATS == imports.FORMATS
    assert export.FORMATS == exports.FORMATS


def test_imported_names_are_cleaned_and_a_too_long_note_refuses_the_file(tmp_path):
    from tracker.clock import SystemClock
    from tracker.errors import InvalidInput
    from tracker.service import Tracker

    store = open_store(tmp_path / "data")
    svc = Tracker(store, SystemClock(), ZoneInfo("Europe/Berlin"))
    head = "Project,Client,Task,Description,Start date,Start time,End date,End time\n"
    ctrl = head + '"Pro\x01j","Cli\x02ent","Ta\x07sk",ok,2026-11-03,09:00,2026-11-03,10:00\n'
    res = svc.import_file(ctrl.encode(), "toggl")
    assert res.projects_created == ["Pro j"] and res.tasks_created == ["Pro j / Ta sk"]
    assert [p.client for p in store.list_projects()] == ["Cli ent"]
    long = head + f"P,,,{'x' * 10_001},2026-11-04,09:00,2026-11-04,10:00\n"
    with pytest.raises(InvalidInput, match="line 2: the description is longer than 10,000"):
        svc.import_file(long.encode(), "toggl")
    assert len(svc.log(None, None)) == 1  # nothing added
    store.close()


def test_rows_ending_in_the_future_are_skipped_and_said(tmp_path):
    # e.g. an export read in a zone behind the tool's: such an entry would block the timer
    from tracker.clock import FixedClock
    from tracker.import_plan import summary
    from tracker.service import Tracker

    berlin = ZoneInfo("Europe/Berlin")
    store = open_store(tmp_path / "data")
    svc = Tracker(store, FixedClock(datetime(2026, 11, 3, 12, 0, tzinfo=UTC)), berlin)
    text = ("Project,Description,Start date,Start time,End date,End time\n"
            "P,past,2026-11-03,09:00,2026-11-03,10:00\n"
            "P,ends later,2026-11-03,12:30,2026-11-03,14:00\n")  # fmt: skip
    res = svc.import_file(text.encode(), "toggl")
    assert [r.note for r in res.added] == ["past"] and res.future == [3]
    assert "Skipped 1 row(s) ending in the future" in summary(res, berlin, "t.csv")[1]
    store.close()


KILLED_IMPORT = """
import os, signal, sys
from tracker.cli import main
from tracker.store import importing

real = importing.insert_imported

def insert_then_die(store, rows):
    def rows_then_kill():
        for n, r in enumerate(rows):
            if n == 7000:  # the first 5,000 are in the database's pages by now
                os.kill(os.getpid(), signal.SIGKILL)
            yield r
    return real(store, rows_then_kill())

importing.insert_imported = insert_then_die
sys.exit(main(["--data-dir", sys.argv[1], "import", "--format", "toggl", sys.argv[2]]))
"""


def test_an_import_killed_while_writing_leaves_nothing_and_can_be_run_again(cli, tmp_path):
    import signal
    import subprocess
    import sys
    from datetime import date, timedelta

    lines = ["Project,Task,Description,Start date,Start time,End date,End time"]
    for i in range(8000):  # 8,000 half-hour entries, four a day from 2020-01-01
        day, slot = divmod(i, 4)
        d, h = date(2020, 1, 1) + timedelta(days=day), 8 + 2 * slot
        lines.append(f"P{i % 3},T{i % 7},row {i},{d},{h:02d}:00,{d},{h:02d}:30")
    path = tmp_path / "toggl.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-c", KILLED_IMPORT, str(cli.data_dir), str(path)],
                       capture_output=True, text=True, env=cli.env, check=False)  # fmt: skip
    assert p.returncode == -signal.SIGKILL, p.stderr
    store = open_store(cli.data_dir)
    counts = [store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
              for t in ("intervals", "tasks", "projects")]  # fmt: skip
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
    assert counts == [0, 0, 0]  # no half import: not even the 5,000 rows written before the kill
    assert cli.ok("--json", "import", "--format", "toggl", str(path)).json()["added"] == 8000
