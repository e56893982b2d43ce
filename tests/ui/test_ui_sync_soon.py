"""Every change made in the app asks for a sync soon, debounced: a burst of changes is one
sync; the timed sync is untouched. (The real server end to end: tests/sync/test_sync_at_once.py.)"""

from __future__ import annotations

from datetime import timedelta

from uiutil import local

from tracker.capture.away import AwayPeriod
from tracker.ui.controller import SYNC_SOON_MS
from tracker.ui.ports import NullSync


class CountingSync(NullSync):
    available = True

    def __init__(self) -> None:
        self.triggers = 0

    def trigger(self) -> None:
        self.triggers += 1


def fire(app) -> int:
    """The debounce timer's moment: returns how many syncs were asked for so far."""
    soon = app.controller._sync_soon
    if soon.isActive():
        soon.stop()
        soon.timeout.emit()
    return app.controller.sync.triggers


def test_each_kind_of_change_asks_for_one_sync(harness, svc, seeded):
    app = harness.make(sync=CountingSync())
    c = app.controller
    assert not c._sync_soon.isActive() and SYNC_SOON_MS <= 5000
    c.start(seeded["checkout"].id)
    assert fire(app) == 1
    svc.clock.advance(seconds=60)
    entry = svc.log()[0]
    c.edit_entry(entry.id, note="call")
    assert fire(app) == 2
    c.stop()
    assert fire(app) == 3
    c.add_entry(seeded["admin"].id, local("07:00"), local("08:00"))
    assert fire(app) == 4
    c.delete_entry(entry.id)
    assert fire(app) == 5
    c.restore_entry(entry.id)
    assert fire(app) == 6
    c.quick_start("Internal / Budget")
    assert fire(app) == 7
    assert fire(app) == 7  # nothing changed since: no sync asked for
    assert harness.errors == []


def test_a_burst_of_changes_is_one_sync(harness, svc, seeded):
    app = harness.make(sync=CountingSync())
    c = app.controller
    c.start(seeded["checkout"].id)
    svc.clock.advance(seconds=5)
    c.start(seeded["home"].id)
    svc.clock.advance(seconds=5)
    c.set_task_status(seeded["home"].id, "in_progress")
    assert c._sync_soon.isActive()
    assert fire(app) == 1


def test_an_answered_away_period_asks_for_a_sync(harness, svc, seeded):
    from tracker.ui.capture import CaptureController

    app = harness.make(sync=CountingSync())
    c = app.controller
    c.start(seeded["checkout"].id)
    fire(app)
    svc.clock.advance(hours=1)
    running = svc.running()
    at = int((running.started_at + timedelta(minutes=10)).timestamp())
    capture = CaptureController(c, app.executor, backends=None, make_id=lambda: "x")
    capture.resolve(AwayPeriod(at, at + 600, running.id, "idle"), "discard")
    assert fire(app) == 2
    assert harness.errors == []
