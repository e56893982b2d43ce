"""Every `tracker` command end to end, as a real process on a real data dir."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from wallclock import clear_of_midnight

BERLIN = ZoneInfo("Europe/Berlin")


def yesterday() -> str:
    return (datetime.now(BERLIN).date() - timedelta(days=1)).isoformat()


def ts(day: str, hm: str) -> str:
    """RFC 3339 for a local wall time in Berlin."""
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=BERLIN).isoformat()


@pytest.fixture
def seeded(cli):
    pid = cli.ok("project", "add", "Globex site", "--client", "Globex").last_line
    cli.ok("project", "add", "Internal")
    tid = cli.ok("task", "add", "Globex site", "Homepage").last_line
    cli.ok("task", "add", "Globex site", "Checkout")
    cli.ok("task", "add", "Internal", "Admin")
    return {"project": pid, "task": tid}


def test_projects_and_tasks(cli, seeded):
    projects = cli.ok("project", "list", "--json").json()
    assert [(p["name"], p["origin"]) for p in projects] == [
        ("Globex site", "local"),
        ("Internal", "local"),
    ]
    assert projects[0]["id"] == seeded["project"]
    tasks = cli.ok("--json", "task", "list", "Globex site").json()
    assert [t["title"] for t in tasks] == ["Checkout", "Homepage"]
    assert all(t["status"] == "open" for t in tasks)
    t = cli.ok("task", "set", "Globex site/Checkout", "--status", "in_progress", "--json").json()
    assert t["status"] == "in_progress"
    p = cli.ok("project", "set", "Internal", "--screenshots", "on", "--json").json()
    assert p["screenshots"] is True
    assert "Homepage" in cli.ok("task", "list").out


def test_start_switch_stop_status(cli, seeded):
    # "--at 00:00" is today's midnight: every command must run on that day, and after 00:00:01
    # (a start in the future is refused; a stop within the second it started keeps no entry).
    clear_of_midnight(BERLIN)
    started = cli.ok("start", "Globex site/Homepage", "--at", "00:00", "--json").json()
    assert started["ended_at"] is None and started["source"] == "timer"
    status = cli.ok("status", "--json").json()
    assert status["running"] is True
    assert status["task"] == "Homepage" and status["project"] == "Globex site"
    assert status["elapsed_seconds"] >= 0
    assert status["started_at"] == started["started_at"]
    switched = cli.ok("--json", "start", "Internal/Admin", "--at", "00:00:01").json()
    assert switched["stopped"]["ended_at"] == switched["started_at"]
    assert "Running: Internal/Admin" in cli.ok("status").out
    stopped = cli.ok("stop", "--json").json()
    assert stopped["id"] == switched["id"] and stopped["ended_at"] is not None
    assert cli.ok("status", "--json").json()["running"] is False
    assert "Nothing running" in cli.ok("status").out
    r = cli.fails("stop")
    assert "no timer is running" in r.err
    assert len(cli.ok("log", "--json").json()) == 2


def test_manual_entries_log_edit_split_delete(cli, seeded):
    day = yesterday()
    a = cli.ok("add", "Homepage", "--from", ts(day, "09:00"), "--to", ts(day, "10:30"),
               "--note", "hero", "--json").json()  # fmt: skip
    assert a["duration_seconds"] == 5400 and a["source"] == "manual" and a["note"] == "hero"
    b_id = cli.ok("add", "Admin", "--duration", "45m", "--date", day).last_line
    entries = cli.ok("log", "--from", day, "--to", day, "--json").json()
    assert [e["id"] for e in entries] == [a["id"], b_id]
    assert entries[1]["started_at"] == ts(day, "10:30")  # right after the day's last entry
    assert entries[1]["sync_state"] == "local"
    for field in ("task_id", "task", "project_id", "project", "started_at", "ended_at",
                  "duration_seconds", "note", "source", "sync_state"):  # fmt: skip
        assert field in entries[0]

    edited = cli.ok("edit", a["id"], "--to", "10:00", "--note", "shorter", "--json").json()
    assert edited["duration_seconds"] == 3600 and edited["note"] == "shorter"
    parts = cli.ok("split", a["id"], "--at", "09:20", "--json").json()
    assert [p["duration_seconds"] for p in parts] == [1200, 2400]
    moved = cli.ok("edit", parts[1]["id"], "--task", "Globex site/Checkout", "--json").json()
    assert moved["task"] == "Checkout"
    cli.ok("delete", b_id)
    left = cli.ok("log", "--from", day, "--to", day, "--json").json()
    assert [e["id"] for e in left] == [a["id"], parts[1]["id"]]
    assert "Checkout" in cli.ok("log", "--from", day).out


def test_totals_by_every_grouping(cli, seeded):
    day = yesterday()
    cli.ok("add", "Homepage", "--from", ts(day, "09:00"), "--to", ts(day, "10:00"))
    cli.ok("add", "Admin", "--from", ts(day, "10:00"), "--to", ts(day, "10:30"))
    by_project = cli.ok("totals", "--json", "--from", day, "--to", day).json()
    assert {r["name"]: r["seconds"] for r in by_project} == {"Globex site": 3600, "Internal": 1800}
    assert all("key" in r for r in by_project)
    by_task = cli.ok("totals", "--by", "task", "--json").json()
    assert {r["name"]: r["seconds"] for r in by_task} == {"Homepage": 3600, "Admin": 1800}
    by_day = cli.ok("totals", "--by", "day", "--json").json()
    assert by_day == [{"key": day, "seconds": 5400}]
    week = datetime.fromisoformat(day).isocalendar()
    by_week = cli.ok("totals", "--by", "week", "--json").json()
    assert by_week == [{"key": f"{week[0]}-W{week[1]:02d}", "seconds": 5400}]
    text = cli.ok("totals").out
    assert "01:30:00  Total" in text


def test_midnight_and_dst_in_totals(cli, seeded):
    # 23:30-00:30 counts 30 minutes on each day; the autumn DST night lasts an hour longer.
    cli.ok("add", "Homepage", "--from", "2026-11-01T23:30:00+01:00", "--to",
           "2026-11-02T00:30:00+01:00")  # fmt: skip
    cli.ok("add", "Admin", "--from", "2026-10-24T22:00:00+02:00", "--to",
           "2026-10-25T06:00:00+01:00")  # fmt: skip
    rows = cli.ok("totals", "--by", "day", "--json").json()
    assert rows == [
        {"key": "2026-10-24", "seconds": 7200},
        {"key": "2026-10-25", "seconds": 7 * 3600},  # 00:00-06:00 local is 7 hours that night
        {"key": "2026-11-01", "seconds": 1800},
        {"key": "2026-11-02", "seconds": 1800},
    ]
    only = cli.ok("totals", "--from", "2026-11-02", "--to", "2026-11-02", "--json").json()
    assert only == [{"key": seeded["project"], "name": "Globex site", "seconds": 1800}]


def test_export_csv_and_json(cli, seeded, tmp_path):
    day = yesterday()
    cli.ok("add", "Homepage", "--from", ts(day, "09:00"), "--to", ts(day, "10:00"),
           "--note", 'quote " and, comma')  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(cli.ok("export", "--format", "csv").out)))
    assert len(rows) == 1
    assert rows[0]["note"] == 'quote " and, comma' and rows[0]["duration_seconds"] == "3600"
    out = tmp_path / "x.json"
    cli.ok("export", "--format", "json", "--from", day, "-o", str(out))
    data = json.loads(out.read_text())
    assert data[0]["task"] == "Homepage"
    assert cli.ok("export", "--format", "json", "--to", "2000-01-01").json() == []


def test_config_commands(cli):
    assert "idle.threshold_minutes = 5" in cli.ok("config", "list").out
    cli.ok("config", "set", "heartbeat.seconds", "60")
    assert cli.ok("config", "get", "heartbeat.seconds").out.strip() == "60"
    cli.fails("config", "set", "heartbeat.seconds", "-3")
    cli.fails("config", "get", "no.such.key", code=2)


def snapshot(cli) -> str:
    return cli.ok("export", "--format", "json").out


def test_bad_input_is_one_line_and_changes_nothing(cli, seeded):
    day = yesterday()
    cli.ok("add", "Homepage", "--from", ts(day, "09:00"), "--to", ts(day, "10:00"))
    before = snapshot(cli)
    refused = [
        (("start", "No such task"), "no task"),
        (("add", "Homepage", "--from", ts(day, "11:00"), "--to", ts(day, "10:00")), "before"),
        (("add", "Homepage", "--duration=-1h"), "negative"),
        (("add", "Admin", "--from", ts(day, "09:30"), "--to", ts(day, "11:00")), "overlaps"),
        (("edit", "nonexistent-id"), "no entry"),
        (("delete", "0000000000"), "no entry"),
        (("project", "add", "Internal"), "exists"),
        (("task", "add", "Nowhere", "X"), "no project"),
        (("add", "Homepage", "--from", "02:30", "--to", "03:00", "--date", "2026-03-29"),
         "does not exist"),
    ]  # fmt: skip
    for args, words in refused:
        r = cli.fails(*args, code=1)
        assert words in r.err, (args, r.err)
    usage = [
        ("start", "Homepage", "--at", "quarter past"),
        ("add", "Homepage", "--duration", "forever"),
        ("log", "--from", "yesterday"),
        ("totals", "--by", "month"),
        ("frobnicate",),
        ("add", "Homepage"),
    ]
    for args in usage:
        cli.fails(*args, code=2)
    assert snapshot(cli) == before


def test_overlap_message_names_the_entry(cli, seeded):
    day = yesterday()
    first = cli.ok("add", "Homepage", "--from", ts(day, "09:00"), "--to", ts(day, "09:45"))
    r = cli.fails("add", "Admin", "--from", ts(day, "09:30"), "--to", ts(day, "10:00"))
    assert "09:00–09:45" in r.err and "Homepage" in r.err
    assert first.last_line[:8] in r.err


def test_unwritable_and_corrupt_data(cli, tmp_path):
    r = cli.fails("--data-dir", "/proc/tracker-test", "status")
    assert "data directory" in r.err and "--data-dir" in r.err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tracker.sqlite3").write_bytes(b"garbage" * 1000)
    r = cli.fails("status", "--data-dir", str(bad))
    assert "damaged" in r.err
    assert (bad / "tracker.sqlite3").read_bytes() == b"garbage" * 1000


def test_options_before_or_after_the_subcommand(cli, seeded):
    a = cli.ok("--json", "project", "list").json()
    b = cli.ok("project", "list", "--json").json()
    assert a == b
    other = cli.data_dir.parent / "other"
    cli.ok("--data-dir", str(other), "project", "add", "Elsewhere")
    names = [
        p["name"] for p in cli.ok("project", "list", "--json", "--data-dir", str(other)).json()
    ]
    assert names == ["Elsewhere"]


def test_no_subcommand_starts_the_tray_app(cli):
    # The desktop app (issue 5); the test hook quits it after its first event-loop turn.
    cli.env.update(QT_QPA_PLATFORM="offscreen", TRACKER_APP_EXIT_AFTER_MS="300")
    r = cli.ok()
    assert "tracker: event loop running" in r.out


def test_no_subcommand_without_a_display_says_so_in_one_line(cli):
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        cli.env.pop(var, None)
    r = cli.fails()
    assert "no display" in r.err


def test_python_dash_m_and_console_script_agree(cli, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "tracker"
    exe = str(script) if script.exists() else shutil.which("tracker")
    assert exe, "the tracker console script is installed"
    p = subprocess.run([exe, "--version"], capture_output=True, text=True, env=cli.env)
    assert p.returncode == 0 and p.stdout.startswith("tracker ")


def test_start_create_makes_what_is_missing_in_one_step(cli):
    missing = cli.fails("start", "Acme / Design")
    assert "tracker start --create" in missing.err
    assert cli.ok("project", "list", "--json").json() == []  # the refusal made nothing
    first = cli.ok("start", "--create", "Acme / Design")
    assert first.out.splitlines()[0] == "Created project and task Acme/Design"
    second = cli.ok("start", "--create", "Acme/Build", "--json").json()
    assert second["created"] == {"task": True, "project": False}
    assert second["task"] == "Build" and second["ended_at"] is None
    again = cli.ok("start", "--create", "Acme / Design", "--json").json()  # exists: just starts
    assert again["created"] == {"task": False, "project": False} and again["task"] == "Design"
    assert [p["name"] for p in cli.ok("project", "list", "--json").json()] == ["Acme"]
    titles = sorted(t["title"] for t in cli.ok("task", "list", "--json").json())
    assert titles == ["Build", "Design"]
    assert cli.fails("start", "--create", "Acme /", code=1).err.count("\n") == 1
    # a refused start makes nothing: the task and project come only with their timer
    cli.fails("start", "--create", "Later / Plan", "--at", "2099-01-01T09:00:00+00:00")
    assert [p["name"] for p in cli.ok("project", "list", "--json").json()] == ["Acme"]


def test_dates_accept_today_and_yesterday(cli):
    clear_of_midnight(BERLIN)
    today = datetime.now(BERLIN).date()
    assert cli.ok("day", "--date", "yesterday", "--json").json()["date"] == yesterday()
    assert cli.ok("day", "--date", "Today", "--json").json()["date"] == today.isoformat()
    bad = cli.fails("day", "--date", "tomorrowish", code=2)
    assert "YYYY-MM-DD, today or yesterday" in bad.err


def test_a_new_user_is_told_how_to_create_a_missing_task_or_project(tmp_path):
    def err(*argv: str) -> str:
        p = subprocess.run([sys.executable, "-m", "tracker", "--data-dir", str(tmp_path), *argv],
                           capture_output=True, text=True, check=False)  # fmt: skip
        assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        return p.stderr

    assert "`tracker task add Website 'Home page'`" in err("start", "Website / Home page")
    assert "`tracker project add Website`" in err("task", "add", "Website", "Home page")
