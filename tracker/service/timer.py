"""The timer: start (stopping the running one at that instant), stop, heartbeat, status."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .. import timeline
from ..errors import InvalidInput, NothingRunning
from ..model import Interval
from ..totals import GroupBy
from .base import Base, clean_note


@dataclass(frozen=True, slots=True)
class Status:
    running: Interval | None
    elapsed_seconds: int
    pending: int
    last_sync: str | None
    today_seconds: int = 0
    week_seconds: int = 0


class Timer(Base):
    def start(
        self, task_ref: str, at: datetime | None = None, note: str = ""
    ) -> timeline.StartPlan:
        note = clean_note(note)
        with self.store.transaction():
            now = self.clock.now()  # under the write lock: no later writer committed before it
            at = at or now
            task = self.task(task_ref)
            running = self.store.running()
            if running and running.task_id == task.id and at >= running.started_at:
                raise InvalidInput(
                    f"{task.label} is already running since "
                    f"{running.started_at.astimezone(self.tz):%H:%M}: stop it first"
                )
            plan = timeline.plan_start(running, self.make_id(), task.id, at, now, self.tz, note)
            exclude = [running.id] if running else []
            hit = self.store.first_overlap(at, max(now, at + timedelta(seconds=1)), exclude)
            if hit is not None:
                raise timeline.overlap_error(hit, self.tz)
            if plan.stopped is not None:
                self.store.update_interval(plan.stopped, now)
            elif plan.discarded is not None:
                self._discard(plan.discarded, now)
            self.store.insert_interval(plan.new, self.tz.key, now)
        names = {"task_title": task.title, "project_id": task.project_id,
                 "project_name": task.project_name}  # fmt: skip
        return replace(plan, new=replace(plan.new, **names))

    def stop(self, at: datetime | None = None) -> Interval | None:
        """Stop the running timer; returns the finished entry (None if it lasted < 1 s)."""
        with self.store.transaction():
            now = self.clock.now()
            at = at or now
            running = self.store.running()
            if running is None:
                raise NothingRunning("no timer is running: start one with `tracker start TASK`")
            timeline.check_stop(running, at, now, self.tz)
            ended = timeline.stop_at(running, at)
            if ended is None:
                self._discard(running, now)
                return None
            self.store.update_interval(ended, now)
        return replace(ended, task_title=running.task_title, project_name=running.project_name,
                       project_id=running.project_id)  # fmt: skip

    def heartbeat(self) -> bool:
        """Record that the running timer is alive (the desktop app calls this periodically)."""
        with self.store.transaction():
            now = self.clock.now()
            running = self.store.running()
            return bool(running and self.store.beat(running.id, now))

    def status(self) -> Status:
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        monday = today - timedelta(days=today.weekday())
        with self.store.snapshot():
            running = self.store.running()
            pending = self.store.count_unpushed()
            last_sync = self.store.get_setting("sync.last_success")
            week = self.store.totals(GroupBy.DAY, self.tz, now, monday, today)
        elapsed = running.duration_seconds(now) if running else 0
        today_s = sum(r.seconds for r in week if r.key == today.isoformat())
        return Status(running, elapsed, pending, last_sync, today_s, sum(r.seconds for r in week))
