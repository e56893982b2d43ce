"""The day accounted for (issue 11): the app's runs, the answered away periods and the suspends
are recorded beside the entries, and :meth:`DayBook.day` gives every second of a local day one
kind (:mod:`tracker.daybook`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..daybook import DayAccount, account
from ..timeparse import local_day_bounds
from .capture import Capture


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    account: DayAccount


class DayBook(Capture):
    def day(self, day: date | None = None) -> Day:
        from ..store import daylog

        now = self.clock.now()
        day = day or now.astimezone(self.tz).date()
        lo, hi = local_day_bounds(day, self.tz)
        records = daylog.day_records(self.store, lo, hi, now)
        return Day(day, account(records, int(lo.timestamp()), int(hi.timestamp())))

    def app_started(self, session_id: str) -> None:
        from ..store import daylog

        with self.store.transaction():
            daylog.session_started(self.store, session_id, self.clock.now())

    def app_alive(self, session_id: str) -> None:
        from ..store import daylog

        with self.store.transaction():
            daylog.session_alive(self.store, session_id, self.clock.now())

    def record_sleep(self, start: datetime, end: datetime, source: str = "clock") -> None:
        from ..store import daylog

        with self.store.transaction():
            daylog.record_sleep(self.store, start, end, source)

    def answer_away(
        self,
        interval_id: str,
        start: datetime,
        end: datetime,
        choice: str,
        task_ref: str | None = None,
        reason: str = "idle",
    ) -> str:
        """:meth:`resolve_away`, and the answer kept for the day's account, in one transaction."""
        from ..store import daylog

        with self.store.transaction():
            message = self.resolve_away(interval_id, start, end, choice, task_ref)
            daylog.record_away(self.store, interval_id, start, end, reason, choice,
                               self.clock.now())  # fmt: skip
        return message
