"""Entries: manual ones, edit, split, delete and restore, the log and the totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from .. import timeline
from ..errors import Ambiguous, InvalidInput, NotFound
from ..ids import is_uuid
from ..model import Interval, Source
from ..timeparse import local_day_bounds, local_instant
from ..totals import GroupBy, TotalRow
from .base import MIN_PREFIX, clean_note
from .capture import Capture


class Entries(Capture):
    """Entries; their activity and screenshots follow them (:class:`Capture`)."""

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
        note = clean_note(note)
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
                changes["note"] = clean_note(note)
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

    def log(self, from_day: date | None = None, to_day: date | None = None) -> list[Interval]:
        lo = local_day_bounds(from_day, self.tz)[0] if from_day else None
        hi = local_day_bounds(to_day, self.tz)[1] if to_day else None
        return self.store.list_intervals(lo, hi, self.clock.now())

    def totals(
        self, by: GroupBy | str, from_day: date | None = None, to_day: date | None = None
    ) -> list[TotalRow]:
        return self.store.totals(GroupBy(by), self.tz, self.clock.now(), from_day, to_day)

    def restore(self, ref: str) -> Interval:
        """Undo a delete: the tombstone comes back as it was (same id, times, task and note)
        with a new revision, so sync pushes the un-delete. Refused when it would now overlap
        another entry, or when the server has locked it (invoiced or in a closed period).
        The activity slots and screenshots the delete took come back with it, in the same
        transaction, while they are still kept (24 h; a screenshot only with its image)."""
        from ..errors import OverlapError

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
