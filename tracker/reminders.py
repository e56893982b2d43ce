"""Reminders (pure): "You are not tracking" after N minutes of input with no timer, and "Still
working on X?" when a timer has run for N hours. The app ticks :class:`Reminders` with the time,
whether the user is at the machine, and what runs; it says when to remind and of what.

No Qt, no clock of its own: ``now`` is passed in (epoch seconds), so tests drive hours in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

QUIET_RESET_SECONDS = 300  # five minutes without input ends a stretch of untracked work


@dataclass(frozen=True, slots=True)
class Running:
    interval_id: str
    started_at: float  # epoch seconds
    label: str  # "Project / Task"


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: str  # "not_tracking" | "long_timer"
    title: str
    message: str
    action: str  # what a click on it does: "start" (the last task) | "stop" | "open"
    task_id: str | None = None


class Reminders:
    def __init__(self, not_tracking_minutes: int = 15, long_timer_hours: int = 4) -> None:
        self.not_tracking_minutes = not_tracking_minutes
        self.long_timer_hours = long_timer_hours
        self._since: float | None = None  # start of the stretch of input with no timer
        self._last_input: float | None = None
        self._long_next: dict[str, float] = {}  # interval id -> when to ask next

    def configure(self, not_tracking_minutes: int, long_timer_hours: int) -> None:
        self.not_tracking_minutes = not_tracking_minutes
        self.long_timer_hours = long_timer_hours

    def tick(
        self,
        now: float,
        active: bool,
        running: Running | None,
        last_task: tuple[str, str] | None = None,
    ) -> Reminder | None:
        """One look (the app calls this every few seconds). ``active``: input since the last
        look. ``last_task``: (id, label) of the task a "not tracking" click starts again."""
        if active:
            if self._last_input is None or now - self._last_input > QUIET_RESET_SECONDS:
                self._since = None  # back after a break: a new stretch starts
            self._last_input = now
        if running is not None:
            self._since = None
            return self._long(now, active, running)
        self._long_next.clear()
        if not active or self.not_tracking_minutes <= 0:
            return None
        if self._since is None:
            self._since = now
            return None
        if now - self._since < self.not_tracking_minutes * 60:
            return None
        self._since = now  # again after another N minutes of untracked work
        minutes = self.not_tracking_minutes
        if last_task is not None:
            return Reminder("not_tracking", "You are not tracking",
                            f"You have been working for {minutes} min with no timer. "
                            f"Click to start {last_task[1]}.", "start", last_task[0])  # fmt: skip
        return Reminder("not_tracking", "You are not tracking",
                        f"You have been working for {minutes} min with no timer. "
                        "Click to open Tracker and start one.", "open")  # fmt: skip

    def _long(self, now: float, active: bool, r: Running) -> Reminder | None:
        hours = self.long_timer_hours
        if hours <= 0:
            return None
        due = self._long_next.setdefault(r.interval_id, r.started_at + hours * 3600)
        if now < due or not active:  # asked when the user is there to answer
            return None
        ran = int((now - r.started_at) // 3600)
        self._long_next[r.interval_id] = now + hours * 3600
        text = f"The timer has run for {ran} h. Click to stop it now."
        return Reminder("long_timer", f"Still working on {r.label}?", text, "stop")
