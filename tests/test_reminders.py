"""The reminder rules, driven minute by minute with a plain number for the clock."""

from tracker import config
from tracker.reminders import Reminders, Running

T0 = 1_764_000_000.0
RUN = Running("i1", T0, "Globex / Homepage")


def run(r: Reminders, minutes: int, *, active=True, running=None, last=("t1", "Globex / Homepage"),
        start: float = T0):  # fmt: skip
    """Tick once a minute for ``minutes``; the reminders shown, with the minute of each."""
    out = []
    for m in range(minutes + 1):
        got = r.tick(start + m * 60, active, running, last)
        if got is not None:
            out.append((m, got))
    return out


def test_not_tracking_after_the_configured_minutes_of_input_then_again():
    shown = run(Reminders(not_tracking_minutes=15), 40)
    assert [m for m, _ in shown] == [15, 30]
    first = shown[0][1]
    assert first.title == "You are not tracking"
    assert first.action == "start" and first.task_id == "t1"
    assert "Globex / Homepage" in first.message


def test_no_reminder_without_input_or_while_a_timer_runs_or_when_off():
    assert run(Reminders(15), 60, active=False) == []
    assert run(Reminders(15, long_timer_hours=0), 60, running=RUN) == []
    assert run(Reminders(0), 60) == []


def test_a_break_starts_a_new_stretch():
    r = Reminders(15)
    assert run(r, 10) == []
    # 20 minutes away, then 10 more minutes of work: still under 15 of one stretch
    assert run(r, 10, start=T0 + 30 * 60) == []
    assert [m for m, _ in run(r, 10, start=T0 + 41 * 60)] == [4]


def test_no_last_task_opens_the_window():
    (_, only), *_ = run(Reminders(15), 15, last=None)
    assert only.action == "open" and only.task_id is None


def test_still_working_after_the_long_timer_hours_once_per_period():
    r = Reminders(15, long_timer_hours=4)
    shown = run(r, 9 * 60, running=RUN)
    assert [m for m, _ in shown] == [240, 480]
    first = shown[0][1]
    assert first.title == "Still working on Globex / Homepage?"
    assert first.action == "stop"
    assert "4 h" in first.message


def test_still_working_waits_for_the_user_to_be_there():
    r = Reminders(15, long_timer_hours=1)
    assert run(r, 90, running=RUN, active=False) == []
    assert [m for m, _ in run(r, 1, running=RUN, start=T0 + 90 * 60)] == [0]


def test_the_settings_are_validated():
    assert config.normalise("reminders.not_tracking_minutes", " 20 ") == "20"
    assert config.normalise("reminders.long_timer_hours", "0") == "0"
    for key, bad in (("reminders.not_tracking_minutes", "-1"),
                     ("reminders.long_timer_hours", "25"),
                     ("reminders.long_timer_hours", "soon")):  # fmt: skip
        try:
            config.normalise(key, bad)
        except Exception as exc:
            assert "give 0–" in str(exc)
        else:
            raise AssertionError(f"{key}={bad} was accepted")
