"""Capture: activity slots, away time and screenshots (issue 6), and how they follow
the entries they belong to."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from ..errors import Ambiguous, InvalidInput, NotFound
from ..ids import is_uuid
from ..model import Interval, Source
from ..timeparse import local_day_bounds
from .base import MIN_PREFIX, Base

AWAY_CHOICES = ("keep", "discard", "stop", "assign", "separate")


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    threshold_minutes: int = 5
    per_slot: int = 1
    review_minutes: int = 10


class Capture(Base):
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
        from ..store import capture as cap

        def span(e: Interval) -> cap.Span:
            end = None if e.ended_at is None else int(e.ended_at.timestamp())
            return cap.Span(e.id, int(e.started_at.timestamp()), end)

        live = [span(p) for p in pieces if not p.deleted]
        quiet = None if away is None else (int(away[0].timestamp()), int(away[1].timestamp()))
        cap.rehome(self.store, span(old), live, now, self.make_id, quiet)

    def _drop_capture(self, interval_id: str, now: datetime) -> None:
        """The entry is gone: so are its slots and screenshots (tombstones for sync), kept in
        the trash for 24 h so that :meth:`restore` brings them back."""
        from ..store import capture as cap

        cap.drop_capture(self.store, interval_id, now)

    def _restore_capture(self, interval_id: str, now: datetime) -> None:
        """What the entry's delete took comes back (same transaction as the entry)."""
        from ..store import capture as cap

        cap.purge_trash(self.store, now)  # first: past 24 h nothing comes back
        cap.restore_capture(self.store, interval_id, now, self.make_id)

    def purge_capture_trash(self) -> int:
        """Remove for good the activity and screenshots entry deletes took over a day ago (kept
        until then for Undo / ``restore``); how many rows went."""
        from ..store import capture as cap

        with self.store.transaction():
            return cap.purge_trash(self.store, self.clock.now())

    def capture_settings(self) -> CaptureSettings:
        with self.store.snapshot():
            return CaptureSettings(
                threshold_minutes=int(self.config_get("idle.threshold_minutes")),
                per_slot=int(self.config_get("screenshots.per_slot")),
                review_minutes=int(self.config_get("screenshots.review_minutes")),
            )

    def save_activity(self, slots: list) -> int:
        """Store finished activity slots (one transaction)."""
        from ..store import capture as cap

        if not slots:
            return 0
        with self.store.transaction():
            cap.save_slots(self.store, slots, self.clock.now())
        return len(slots)

    def activity(self, day: date | None = None) -> list:
        """The day's activity slots (local day), in time order."""
        from ..store import capture as cap

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
        from ..store import capture as cap

        with self.store.transaction():
            return cap.insert_screenshot(self.store, self.make_id(), interval_id, taken_at,
                                         monitor, width, height, jpeg, thumb, blurred,
                                         self.clock.now())  # fmt: skip

    def screenshots(self, day: date | None = None) -> list:
        from ..store import capture as cap

        if day is None:
            return cap.list_screenshots(self.store)
        lo, hi = local_day_bounds(day, self.tz)
        return cap.list_screenshots(self.store, lo, hi)

    def screenshot(self, ref: str):
        from ..store import capture as cap

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
        from ..store import capture as cap

        with self.store.transaction():
            shot = self.screenshot(ref)
            cap.delete_screenshot(self.store, shot, self.clock.now())
        return shot

    def blur_screenshot(self, ref: str):
        """Blur a shot still under review (irreversible). Refused once it was uploaded."""
        from ..capture.shots import reblur
        from ..store import capture as cap

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
