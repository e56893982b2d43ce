"""The use cases of the desktop: what the `tracker` command and the tray app call.

The service owns no I/O of its own: the store, the clock, the zone and the id factory are passed
in. Every change that touches more than one row runs in one store transaction, so a crash at any
instant leaves either the old state or the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from . import config, timeline
from .clock import Clock
from .errors import Ambiguous, InvalidInput, NotFound, NothingRunning
from .ids import is_uuid, new_id
from .model import Interval, Origin, Project, Source, Task, TaskStatus
from .timeparse import local_day_bounds, local_instant
from .totals import GroupBy, TotalRow

if TYPE_CHECKING:  # the store is an adapter; the core only needs its shape
    from .store import Store

MIN_PREFIX = 6


@dataclass(frozen=True, slots=True)
class Status:
    running: Interval | None
    elapsed_seconds: int
    pending: int
    last_sync: str | None
    today_seconds: int = 0
    week_seconds: int = 0


class Tracker:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        tz: ZoneInfo,
        make_id: Callable[[], str] = new_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.tz = tz
        self.make_id = make_id

    # -- lookups ------------------------------------------------------------------------------

    def project(self, ref: str) -> Project:
        """A project by id, id prefix or name (case-insensitive)."""
        ref = ref.strip()
        if is_uuid(ref) and (p := self.store.get_project(ref)):
            return p
        named = self.store.projects_named(ref)
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            ids = ", ".join(p.id for p in named)
            raise Ambiguous(f"several projects are named '{ref}' ({ids}): give the id")
        if len(ref) >= MIN_PREFIX:
            by_prefix = self.store.projects_with_id_prefix(ref)
            if len(by_prefix) == 1:
                return by_prefix[0]
            if len(by_prefix) > 1:
                raise Ambiguous(f"'{ref}' matches several project ids: give more of the id")
        raise NotFound(f"no project '{ref}': see `tracker project list`")

    def task(self, ref: str) -> Task:
        """A task by id, id prefix, ``Project/Task title`` or a unique title."""
        ref = ref.strip()
        if is_uuid(ref) and (t := self.store.get_task(ref)):
            return t
        found: dict[str, Task] = {}
        for i, ch in enumerate(ref):
            if ch != "/":
                continue
            pname, title = ref[:i].strip(), ref[i + 1 :].strip()
            if not pname or not title:
                continue
            for p in self.store.projects_named(pname):
                for t in self.store.tasks_titled(title, p.id):
                    found[t.id] = t
        if not found:
            for t in self.store.tasks_titled(ref):
                found[t.id] = t
        if not found and len(ref) >= MIN_PREFIX:
            by_prefix = self.store.tasks_with_id_prefix(ref)
            if len(by_prefix) == 1:
                return by_prefix[0]
            if len(by_prefix) > 1:
                raise Ambiguous(f"'{ref}' matches several task ids: give more of the id")
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            labels = ", ".join(f"{t.label} ({t.id})" for t in found.values())
            raise Ambiguous(
                f"'{ref}' matches several tasks: {labels}; give 'Project/Task' or the id"
            )
        raise NotFound(f"no task '{ref}': see `tracker task list`, or give 'Project/Task title'")

    def entry(self, ref: str) -> Interval:
        ref = ref.strip()
        if is_uuid(ref):
            e = self.store.get_interval(ref)
            if e is not None and not e.deleted:
                return e
        elif len(ref) >= MIN_PREFIX:
            found = self.store.intervals_with_id_prefix(ref)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise Ambiguous(f"'{ref}' matches several entries: give more of the id")
        raise NotFound(f"no entry '{ref}': see `tracker log` for entry ids")

    # -- projects and tasks -------------------------------------------------------------------

    def add_project(self, name: str, client: str | None = None) -> Project:
        name = _clean(name, "project name", 200)
        client = _clean(client, "client name", 200) if client else None
        with self.store.transaction():
            if self.store.projects_named(name):
                raise InvalidInput(f"a project named '{name}' exists: choose another name")
            p = Project(id=self.make_id(), name=name, client=client, origin=Origin.LOCAL)
            self.store.insert_project(p, self.clock.now())
        return p

    def set_project(
        self,
        ref: str,
        name: str | None = None,
        screenshots: bool | None = None,
        blur: bool | None = None,
        archived: bool | None = None,
    ) -> Project:
        with self.store.transaction():
            p = self.project(ref)
            if p.origin is Origin.SERVER:
                raise InvalidInput(
                    f"'{p.name}' is a server project: its settings come from the server"
                )
            changes: dict[str, object] = {}
            if name is not None:
                name = _clean(name, "project name", 200)
                clash = [q for q in self.store.projects_named(name) if q.id != p.id]
                if clash:
                    raise InvalidInput(f"a project named '{name}' exists: choose another name")
                changes["name"] = name
            for field, value in (("screenshots", screenshots), ("blur", blur),
                                 ("archived", archived)):  # fmt: skip
                if value is not None:
                    changes[field] = value
            if not changes:
                return p
            p = replace(p, revision=p.revision + 1, **changes)
            self.store.update_project(p, self.clock.now())
        return p

    def add_task(self, project_ref: str, title: str) -> Task:
        title = _clean(title, "task title", 500)
        with self.store.transaction():
            p = self.project(project_ref)
            if p.archived:
                raise InvalidInput(f"project '{p.name}' is archived: unarchive it first")
            if self.store.tasks_titled(title, p.id):
                raise InvalidInput(f"'{p.name}' already has a task '{title}': choose another title")
            t = Task(id=self.make_id(), project_id=p.id, title=title, project_name=p.name)
            self.store.insert_task(t, self.clock.now())
        return t

    def set_task(self, ref: str, title: str | None = None, status: str | None = None) -> Task:
        with self.store.transaction():
            t = self.task(ref)
            changes: dict[str, object] = {}
            if title is not None:
                title = _clean(title, "task title", 500)
                if any(x.id != t.id for x in self.store.tasks_titled(title, t.project_id)):
                    raise InvalidInput(
                        f"'{t.project_name}' already has a task '{title}': choose another title"
                    )
                changes["title"] = title
            if status is not None:
                changes["status"] = TaskStatus(status)
            if not changes:
                return t
            t = replace(t, revision=t.revision + 1, **changes)
            self.store.update_task(t, self.clock.now())
        return t

    # -- the timer ----------------------------------------------------------------------------

    def start(
        self, task_ref: str, at: datetime | None = None, note: str = ""
    ) -> timeline.StartPlan:
        note = _clean_note(note)
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

    def _discard(self, e: Interval, now: datetime) -> None:
        if self.store.was_synced(e.id):
            self.store.update_interval(e.changed(deleted=True), now)
        else:
            self.store.hard_delete_interval(e.id)

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

    # -- entries ------------------------------------------------------------------------------

    def add(
        self,
        task_ref: str,
        start: datetime | None = None,
        end: datetime | None = None,
        duration: int | None = None,
        day: date | None = None,
        at: time | None = None,
        note: str = "",
    ) -> Interval:
        """A manual entry: ``start``–``end``, or ``duration`` placed on ``day``."""
        note = _clean_note(note)
        with self.store.transaction():
            now = self.clock.now()
            task = self.task(task_ref)
            if duration is not None:
                start = self._place(day or now.astimezone(self.tz).date(), at, duration, now)
                end = start + timedelta(seconds=duration)
            if start is None or end is None:
                raise InvalidInput("give --from and --to, or --duration")
            timeline.check_span(start, end, now, self.tz)
            hit = self.store.first_overlap(start, end)
            if hit is not None:
                raise timeline.overlap_error(hit, self.tz)
            e = Interval(self.make_id(), task.id, start, end, note, Source.MANUAL)
            self.store.insert_interval(e, self.tz.key, now)
        return replace(e, task_title=task.title, project_name=task.project_name,
                       project_id=task.project_id)  # fmt: skip

    def _place(self, day: date, at: time | None, duration: int, now: datetime) -> datetime:
        """Where a duration-only entry starts: at ``at``, else right after the day's last entry,
        else at 09:00."""
        if at is not None:
            return local_instant(day, at, self.tz)
        lo, hi = local_day_bounds(day, self.tz)
        last = self.store.last_end_on(lo, hi)
        running = self.store.running()
        if running and lo <= running.started_at < hi:
            raise InvalidInput(
                "a timer is running on that day: give the start with --at or use --from/--to"
            )
        if last is not None:
            return last
        return local_instant(day, time(9, 0), self.tz)

    def edit(
        self,
        ref: str,
        start: datetime | None = None,
        end: datetime | None = None,
        task_ref: str | None = None,
        note: str | None = None,
    ) -> Interval:
        with self.store.transaction():
            now = self.clock.now()
            e = self.entry(ref)
            changes: dict[str, object] = {}
            if task_ref is not None:
                changes["task_id"] = self.task(task_ref).id
            if note is not None:
                changes["note"] = _clean_note(note)
            new_start = start or e.started_at
            new_end = end if end is not None else e.ended_at
            if start is not None:
                changes["started_at"] = start
            if end is not None:
                changes["ended_at"] = end
            if not changes:
                raise InvalidInput("nothing to change: give --from, --to, --task or --note")
            if new_end is None:
                timeline.check_start(new_start, now, self.tz)
                probe_end = max(now, new_start + timedelta(seconds=1))
            else:
                timeline.check_span(new_start, new_end, now, self.tz)
                probe_end = new_end
            if start is not None or end is not None:
                hit = self.store.first_overlap(new_start, probe_end, [e.id])
                if hit is not None:
                    raise timeline.overlap_error(hit, self.tz)
            edited = e.changed(**changes)
            if edited.ended_at is not None:
                edited = replace(edited, heartbeat_at=None)
            self.store.update_interval(edited, now)
            if start is not None or end is not None:
                # Activity and screenshots now outside the entry go (slots across the new
                # boundary keep the share of their numbers that lies inside).
                self._capture_follows(e, [edited], now)
        return self.store.get_interval(edited.id) or edited

    def split(self, ref: str, at: datetime) -> tuple[Interval, Interval]:
        with self.store.transaction():
            now = self.clock.now()
            e = self.entry(ref)
            first, second = timeline.plan_split(e, self.make_id(), at, now, self.tz)
            self.store.update_interval(first, now)
            self.store.insert_interval(second, self.tz.key, now)
            # Activity and screenshots from ``at`` on go to the second entry; a slot across
            # ``at`` is shared in proportion to its seconds on each side.
            self._capture_follows(e, [first, second], now)
        return self.store.get_interval(first.id) or first, self.store.get_interval(
            second.id
        ) or second

    def delete(self, ref: str) -> Interval:
        with self.store.transaction():
            now = self.clock.now()
            e = self.entry(ref)
            gone = e.changed(deleted=True)
            self.store.update_interval(gone, now)
            self._drop_capture(e.id, now)
        return gone

    def _capture_follows(
        self,
        old: Interval,
        pieces: list[Interval],
        now: datetime,
        away: tuple[datetime, datetime] | None = None,
    ) -> None:
        """Move ``old``'s activity slots and screenshots to the entries that now hold its time
        (``pieces``, in time order); what no piece holds is deleted. ``away``: a period with no
        input (its share of a slot's activity goes to the time around it). Same transaction."""
        from .store import capture as cap

        def span(e: Interval) -> cap.Span:
            end = None if e.ended_at is None else int(e.ended_at.timestamp())
            return cap.Span(e.id, int(e.started_at.timestamp()), end)

        live = [span(p) for p in pieces if not p.deleted]
        quiet = None if away is None else (int(away[0].timestamp()), int(away[1].timestamp()))
        cap.rehome(self.store, span(old), live, now, self.make_id, quiet)

    def _drop_capture(self, interval_id: str, now: datetime) -> None:
        """The entry is gone: so are its slots and screenshots (tombstones for sync), kept in
        the trash for 24 h so that :meth:`restore` brings them back."""
        from .store import capture as cap

        cap.drop_capture(self.store, interval_id, now)

    def _restore_capture(self, interval_id: str, now: datetime) -> None:
        """What the entry's delete took comes back (same transaction as the entry)."""
        from .store import capture as cap

        cap.purge_trash(self.store, now)  # first: past 24 h nothing comes back
        cap.restore_capture(self.store, interval_id, now, self.make_id)

    def log(self, from_day: date | None = None, to_day: date | None = None) -> list[Interval]:
        lo = local_day_bounds(from_day, self.tz)[0] if from_day else None
        hi = local_day_bounds(to_day, self.tz)[1] if to_day else None
        return self.store.list_intervals(lo, hi, self.clock.now())

    def totals(
        self, by: GroupBy | str, from_day: date | None = None, to_day: date | None = None
    ) -> list[TotalRow]:
        return self.store.totals(GroupBy(by), self.tz, self.clock.now(), from_day, to_day)

    def purge_capture_trash(self) -> int:
        """Remove for good the activity and screenshots entry deletes took over a day ago (kept
        until then for Undo / ``restore``); how many rows went."""
        from .store import capture as cap

        with self.store.transaction():
            return cap.purge_trash(self.store, self.clock.now())

    def restore(self, ref: str) -> Interval:
        """Undo a delete: the tombstone comes back as it was (same id, times, task and note)
        with a new revision, so sync pushes the un-delete. Refused when it would now overlap
        another entry, or when the server has locked it (invoiced or in a closed period).
        The activity slots and screenshots the delete took come back with it, in the same
        transaction, while they are still kept (24 h; a screenshot only with its image)."""
        from .errors import OverlapError

        ref = ref.strip()
        with self.store.transaction():
            now = self.clock.now()
            e = self.store.get_interval(ref) if is_uuid(ref) else None
            if e is None and not is_uuid(ref) and len(ref) >= MIN_PREFIX:
                found = self.store.deleted_intervals_with_id_prefix(ref)
                if len(found) > 1:
                    raise Ambiguous(f"'{ref}' matches several deleted entries: give more of the id")
                e = found[0] if found else None
                if e is None and self.store.intervals_with_id_prefix(ref):
                    raise InvalidInput(f"entry '{ref}' is not deleted: nothing to restore")
            if e is None:
                raise NotFound(f"no deleted entry '{ref}': give the id `tracker delete` printed")
            status, detail = self.store.interval_sync_problem(e.id)
            detail = detail or ""
            if (status == "conflict" and detail.startswith("locked")) or (
                status == "rejected" and detail.startswith("before_lock_date")
            ):
                raise InvalidInput(
                    f"entry {e.id} is locked on the server (invoiced or in a closed period): "
                    "it cannot be restored"
                )
            if not e.deleted:
                raise InvalidInput(f"entry {e.id} is not deleted: nothing to restore")
            probe = e.ended_at or max(now, e.started_at + timedelta(seconds=1))
            hit = self.store.first_overlap(e.started_at, probe, [e.id])
            if hit is not None:
                raise OverlapError(
                    f"cannot restore the entry: it would overlap {timeline.describe(hit, self.tz)}"
                    "; edit or delete that entry first",
                    hit.id,
                )
            back = e.changed(deleted=False)
            self.store.update_interval(back, now)
            self._restore_capture(back.id, now)
        return self.store.get_interval(back.id) or back

    # -- settings -----------------------------------------------------------------------------

    def config_get(self, key: str) -> str:
        s = config.spec(key)
        value = self.store.get_setting(key)
        return s.default if value is None else value

    def config_list(self) -> dict[str, str]:
        stored = self.store.all_settings()
        return {k: stored.get(k, s.default) for k, s in config.SPECS.items()}

    def config_set(self, key: str, value: str) -> str:
        normalised = config.normalise(key, value)
        with self.store.transaction():
            self.store.set_setting(key, normalised)
        return normalised

    # -- queries for the desktop app --------------------------------------------------------

    def overview(self, day: date | None = None) -> Overview:
        now = self.clock.now()
        today = now.astimezone(self.tz).date()
        monday = today - timedelta(days=today.weekday())
        day = day or today
        lo, hi = local_day_bounds(day, self.tz)
        with self.store.snapshot():
            running = self.store.running()
            projects = self.store.list_projects(include_archived=False)
            tasks = self.store.list_tasks()
            recent = self.store.recent_tasks(5)
            by_task = self.store.totals(GroupBy.TASK, self.tz, now)
            today_p = self.store.totals(GroupBy.PROJECT, self.tz, now, today, today)
            week_p = self.store.totals(GroupBy.PROJECT, self.tz, now, monday, today)
            entries = self.store.list_intervals(lo, hi, now)
            pending = self.store.count_unpushed()
            hb = self.store.get_setting("heartbeat.seconds")
            server_url = self.store.get_setting("server.url")
            last_sync = self.store.get_setting("sync.last_success")
            sync_minutes = self.store.get_setting("sync.interval_minutes")
        task_total = {r.key: r.seconds for r in by_task}
        project_of = {t.id: t.project_id for t in tasks}
        project_total: dict[str, int] = {}
        for task_id, secs in task_total.items():
            pid = project_of.get(task_id)
            if pid:
                project_total[pid] = project_total.get(pid, 0) + secs
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
            last_sync=last_sync,
            sync_minutes=int(sync_minutes or config.SPECS["sync.interval_minutes"].default),
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

    # -- capture: activity, away time, screenshots (issue 6) ---------------------------------

    def capture_settings(self) -> CaptureSettings:
        with self.store.snapshot():
            return CaptureSettings(
                threshold_minutes=int(self.config_get("idle.threshold_minutes")),
                per_slot=int(self.config_get("screenshots.per_slot")),
                review_minutes=int(self.config_get("screenshots.review_minutes")),
            )

    def save_activity(self, slots: list) -> int:
        """Store finished activity slots (one transaction)."""
        from .store import capture as cap

        if not slots:
            return 0
        with self.store.transaction():
            cap.save_slots(self.store, slots, self.clock.now())
        return len(slots)

    def activity(self, day: date | None = None) -> list:
        """The day's activity slots (local day), in time order."""
        from .store import capture as cap

        day = day or self.clock.now().astimezone(self.tz).date()
        lo, hi = local_day_bounds(day, self.tz)
        return cap.slots_between(self.store, lo, hi)

    def resolve_away(
        self,
        interval_id: str,
        start: datetime,
        end: datetime,
        choice: str,
        task_ref: str | None = None,
    ) -> str:
        """Apply the user's answer to one away period, in one transaction.

        ``keep``: nothing changes. ``discard``: the away time is cut out of the entry and the
        timer continues after it. ``stop``: the entry ends where the away time began.
        ``assign``: the away time becomes an entry of ``task_ref``; ``separate``: an entry of its
        own on the same task (note "Away"). Returns one line saying what was done.
        """
        if choice not in AWAY_CHOICES:
            raise InvalidInput(f"unknown answer '{choice}': give one of {', '.join(AWAY_CHOICES)}")
        if choice == "keep":
            return "Kept the away time"
        with self.store.transaction():
            now = self.clock.now()
            e = self.store.get_interval(interval_id)
            if e is None or e.deleted or e.end_or(now) <= start or e.started_at >= end:
                # An earlier answer replaced the entry: take the one covering the period now.
                e = self.store.first_overlap(start, end)
            if e is None:
                return "Nothing to change: no entry covers that time any more"
            s = max(start, e.started_at)
            t = min(end, e.end_or(now))
            if t <= s:
                return "Nothing to change: no entry covers that time any more"
            middle_task = None
            if choice == "assign":
                if not task_ref:
                    raise InvalidInput("choose the task the away time goes to")
                middle_task = self.task(task_ref)
            # The head keeps the entry's id; the tail (after the away time) is a new entry.
            tail = None
            if choice != "stop" and (e.ended_at is None or e.ended_at > t):
                tail = Interval(self.make_id(), e.task_id, t, e.ended_at, e.note, e.source)
            pieces: list[Interval] = []  # what holds the entry's time now, in time order
            if s > e.started_at:
                head = e.changed(ended_at=s, heartbeat_at=None)
                self.store.update_interval(head, now)
                pieces.append(head)
            else:
                self._discard(e, now)
            middle = None
            if middle_task is not None:
                middle = Interval(self.make_id(), middle_task.id, s, t, "", Source.MANUAL)
            elif choice == "separate":
                middle = Interval(self.make_id(), e.task_id, s, t, "Away", Source.MANUAL)
            if middle is not None:
                self.store.insert_interval(middle, self.tz.key, now)
                pieces.append(middle)
            if tail is not None:
                if tail.ended_at is None:
                    tail = replace(tail, heartbeat_at=now)
                self.store.insert_interval(tail, self.tz.key, now)
                pieces.append(tail)
            # Activity and screenshots follow the time: discarded away time loses its own.
            self._capture_follows(e, pieces, now, (s, t))
        span = f"{s.astimezone(self.tz):%H:%M}–{t.astimezone(self.tz):%H:%M}"
        return {
            "discard": f"Discarded {span}; the timer goes on",
            "stop": f"Discarded {span} and stopped at {s.astimezone(self.tz):%H:%M}",
            "assign": f"Moved {span} to {middle_task.label if middle_task else ''}",
            "separate": f"Saved {span} as a separate entry",
        }[choice]

    def add_screenshot(
        self,
        interval_id: str,
        taken_at: datetime,
        monitor: int,
        width: int,
        height: int,
        jpeg: bytes,
        thumb: bytes,
        blurred: bool,
    ):
        """Store a screenshot taken by the app (files under the data dir, and a row)."""
        from .store import capture as cap

        with self.store.transaction():
            return cap.insert_screenshot(self.store, self.make_id(), interval_id, taken_at,
                                         monitor, width, height, jpeg, thumb, blurred,
                                         self.clock.now())  # fmt: skip

    def screenshots(self, day: date | None = None) -> list:
        from .store import capture as cap

        if day is None:
            return cap.list_screenshots(self.store)
        lo, hi = local_day_bounds(day, self.tz)
        return cap.list_screenshots(self.store, lo, hi)

    def screenshot(self, ref: str):
        from .store import capture as cap

        ref = ref.strip()
        shot = cap.get_screenshot(self.store, ref) if is_uuid(ref) else None
        if shot is not None and not shot.deleted:
            return shot
        if not is_uuid(ref) and len(ref) >= MIN_PREFIX:
            found = cap.screenshots_with_prefix(self.store, ref)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise Ambiguous(f"'{ref}' matches several screenshots: give more of the id")
        raise NotFound(f"no screenshot '{ref}': see `tracker screenshots list`")

    def delete_screenshot(self, ref: str):
        """Delete the files now; after upload a tombstone makes sync delete it on the server."""
        from .store import capture as cap

        with self.store.transaction():
            shot = self.screenshot(ref)
            cap.delete_screenshot(self.store, shot, self.clock.now())
        return shot

    def blur_screenshot(self, ref: str):
        """Blur a shot still under review (irreversible). Refused once it was uploaded."""
        from .capture.shots import reblur
        from .store import capture as cap

        with self.store.transaction():
            shot = self.screenshot(ref)
            if shot.blurred:
                return shot
            if shot.uploaded:
                raise InvalidInput("this screenshot was uploaded already: delete it instead")
            enc = reblur(shot.path.read_bytes())
            cap.replace_image(self.store, shot, enc.jpeg, enc.thumb, True, self.clock.now())
            return cap.get_screenshot(self.store, shot.id)

    def review_ends(self, shot, review_minutes: int | None = None) -> datetime:
        """When a screenshot leaves the machine (the end of its review window)."""
        if review_minutes is None:
            review_minutes = int(self.config_get("screenshots.review_minutes"))
        return shot.taken_at + timedelta(minutes=review_minutes)


def _clean(text: str | None, what: str, limit: int) -> str:
    t = (text or "").strip()
    if not t:
        raise InvalidInput(f"the {what} is empty: give a {what}")
    if len(t) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters: shorten it")
    if any(ord(c) < 32 for c in t):
        raise InvalidInput(f"the {what} contains control characters: remove them")
    return t


def _clean_note(note: str | None) -> str:
    n = (note or "").strip()
    if len(n) > 10_000:
        raise InvalidInput("the note is longer than 10,000 characters: shorten it")
    return n


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
    last_sync: str | None = None  # RFC 3339, local offset
    sync_minutes: int = 5


AWAY_CHOICES = ("keep", "discard", "stop", "assign", "separate")


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    threshold_minutes: int = 5
    per_slot: int = 1
    review_minutes: int = 10
