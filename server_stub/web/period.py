"""The date range of a page: ``?from=YYYY-MM-DD&to=YYYY-MM-DD``, inclusive local days.

Bad input never fails the page: it falls back to the default range and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from tracker.totals import local_date, range_bounds

from ..timefmt import check_date

MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date
    lo: int  # epoch bounds [lo, hi) of the local days
    hi: int
    message: str = ""  # why the asked-for range was not used

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def query(self) -> str:
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"


def this_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def this_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def parse(raw_from: str | None, raw_to: str | None, tz: ZoneInfo, now: int, *,
          default=this_week) -> Period:  # fmt: skip
    d_first, d_last = default(local_date(now, tz))
    message = ""
    first, last = d_first, d_last
    if raw_from or raw_to:
        try:
            first = date.fromisoformat((raw_from or "").strip()) if raw_from else None
            last = date.fromisoformat((raw_to or "").strip()) if raw_to else None
        except ValueError:
            first = last = None
            message = "Dates are written YYYY-MM-DD; showing the default range instead."
        else:
            first = first or last
            last = last or first
            if not (check_date(first) and check_date(last)):
                message = "Dates must fall between 1971 and 2200; showing the default range."
            elif last < first:
                message = "'To' is before 'from'; showing the default range instead."
            elif (last - first).days >= MAX_DAYS:
                message = "Ranges are at most three years long; showing the default range."
        if message or first is None:
            first, last = d_first, d_last
    lo, hi = range_bounds(first, last, tz)
    return Period(first, last, lo, hi, message)
