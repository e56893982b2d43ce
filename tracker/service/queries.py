"""Settings, and what the tray and the main window read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .. import config
from ..model import Interval, Project, Task
from ..timeparse import local_day_bounds
from ..totals import GroupBy
from .base import Base


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the tray and the main window show, read in one consistent snapshot."""

    now: datetime
    running: Interval | None
    projects: list[Project]
    tasks: list[Task]
    recent: list[Task]
    task_total: dict[str, int]  # task id -> all-time seconds (the running entry up to ``now``)
    project_today: dict[str, int]
    project_week: dict[str, int]
    project_total: dict[str, int]
    today_seconds: int
    week_seconds: int
    day: date
    entries: list[Interval]  # the live entries of ``day``
    pending: int
    heartbeat_seconds: int
    server_url: str | None = None
    server_role: str | None = None  # the signed-in account's role on the server
    last_sync: str | None = None  # RFC 3339, local offset
    sync_minutes: int = 5
    archived: list[Project] = field(default_factory=list)  # archived projects (to unarchive)
    reminders: tuple[int, int] = (15, 4)  # not tracking after N minutes; a timer over N hours


class Queries(Base):
    def config_list(self) -> dict[str, str]:
        stored = self.store.all_settings()
        return {k: stored.get(k, s.default) for k, s in config.SPECS.items()}

    def config_set(self, key: str, value: str) -> str:
        normalised = config.normalise(key, value)
        with self.store.transaction():
            self.store.set_setting(key, normalised)
        return normalised

    def overview(self, day: date | None = None) -> Overview:
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        monday = today - timedelta(days=today.weekday())
        day = day or today
        lo, hi = local_day_bounds(day, self.tz)
        with self.store.snapshot():
            running = self.store.running()
            every_project = self.store.list_projects()
            tasks = self.store.list_tasks()
            recent = self.store.recent_tasks(5)
            by_task = self.store.totals(GroupBy.TASK, self.tz, now)
            today_p = self.store.totals(GroupBy.PROJECT, self.tz, now, today, today)
            week_p = self.store.totals(GroupBy.PROJECT, self.tz, now, monday, today)
            entries = self.store.list_intervals(lo, hi, now)
            pending = self.store.count_unpushed()
            hb = self.store.get_setting("heartbeat.seconds")
            server_url = self.store.get_setting("server.url")
            server_role = self.store.get_setting("server.role")
            last_sync = self.store.get_setting("sync.last_success")
            sync_minutes = self.store.get_setting("sync.interval_minutes")
            reminders = (int(self.config_get("reminders.not_tracking_minutes")),
                         int(self.config_get("reminders.long_timer_hours")))  # fmt: skip
        task_total = {r.key: r.seconds for r in by_task}
        project_of = {t.id: t.project_id for t in tasks}
        project_total: dict[str, int] = {}
        for task_id, secs in task_total.items():
            pid = project_of.get(task_id)
            if pid:
                project_total[pid] = project_total.get(pid, 0) + secs
        projects = [p for p in every_project if not p.archived]
        live = {p.id for p in projects}
        return Overview(
            now=now,
            running=running,
            projects=projects,
            tasks=[t for t in tasks if t.project_id in live],
            recent=recent,
            task_total=task_total,
            project_today={r.key: r.seconds for r in today_p},
            project_week={r.key: r.seconds for r in week_p},
            project_total=project_total,
            today_seconds=sum(r.seconds for r in today_p),
            week_seconds=sum(r.seconds for r in week_p),
            day=day,
            entries=entries,
            pending=pending,
            heartbeat_seconds=int(
                hb if hb is not None else config.SPECS["heartbeat.seconds"].default
            ),
            server_url=server_url or None,
            server_role=server_role or None,
            last_sync=last_sync,
            sync_minutes=int(sync_minutes or config.SPECS["sync.interval_minutes"].default),
            archived=[p for p in every_project if p.archived],
            reminders=reminders,
        )

    def running(self) -> Interval | None:
        """The running entry (with its last heartbeat), or None."""
        return self.store.running()

    def overlap(
        self, start: datetime, end: datetime, exclude: str | None = None
    ) -> Interval | None:
        """The first live entry that ``[start, end)`` would overlap (for inline warnings)."""
        if end <= start:
            return None
        return self.store.first_overlap(start, end, [exclude] if exclude else [])

    def data_version(self) -> int:
        """Changes whenever another connection (another process) commits to the database."""
        return int(self.store.conn.execute("PRAGMA data_version").fetchone()[0])
