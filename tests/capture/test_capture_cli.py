"""`tracker activity` and `tracker screenshots list|delete` as a user runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wallclock import clear_of_midnight

from tracker.capture.ports import synthetic
from tracker.capture.shots import encode
from tracker.capture.slots import Slot
from tracker.clock import SystemClock
from tracker.service import Tracker
from tracker.store import open_store


def seed(data_dir, tz):
    store = open_store(data_dir)
    t = Tracker(store, SystemClock(), tz)
    t.add_project("Globex")
    task = t.add_task("Globex", "Homepage")
    now = SystemClock().now()
    e = t.start(task.id, at=now - timedelta(minutes=25)).new
    t0 = int(now.timestamp()) - int(now.timestamp()) % 600
    t.save_activity([Slot(t.make_id(), e.id, t0, 300, 150, 12, 34)])
    enc = encode(synthetic(1, 160, 100))
    s = t.add_screenshot(e.id, now, 1, 160, 100, enc.jpeg, enc.thumb, False)
    store.close()
    return s, datetime.fromtimestamp(t0, UTC)


def test_activity_and_screenshots_commands(cli, tmp_path):
    from zoneinfo import ZoneInfo

    # The slot is in the current 10-minute slot, and `tracker activity` shows today's: seeding and
    # the command must see the same local day.
    clear_of_midnight(ZoneInfo("Europe/Berlin"))
    s, slot = seed(cli.data_dir, ZoneInfo("Europe/Berlin"))
    r = cli("--json", "activity")
    assert r.code == 0, r.err
    (row,) = r.json()
    assert row["active_seconds"] == 150 and row["slot_seconds"] == 300 and row["percent"] == 50
    assert row["keyboard_events"] == 12 and row["mouse_events"] == 34
    assert row["task"] == "Homepage"
    r = cli("activity", "--date", slot.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat())
    assert r.code == 0 and "50%" in r.out and "Globex / Homepage" in r.out
    r = cli("activity", "--date", "2001-01-01")
    assert r.code == 0 and "No activity" in r.out

    r = cli("--json", "screenshots", "list")
    assert r.code == 0, r.err
    (shot,) = r.json()
    assert shot["id"] == s.id and shot["sha256"] == s.sha256 and not shot["uploaded"]
    assert "leaves_at" in shot
    r = cli("screenshots", "list")
    assert s.id in r.out and "stays on this computer" in r.out
    r = cli("screenshots", "delete", s.id)
    assert r.code == 0 and r.last_line == s.id
    assert cli("--json", "screenshots", "list").json() == []
    r = cli("screenshots", "delete", s.id)
    assert r.code == 1 and "no screenshot" in r.err
    assert cli("screenshots").code == 2
