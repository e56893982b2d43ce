"""A time report for a page: one totals query (project × user × day, in the caller's scope)
folded into the totals by project, member, day and ISO week the pages show and chart."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from tracker.totals import iso_week_key

from ..services import totals as svc
from .charts import Bar
from .period import Period


@dataclass
class TimeReport:
    total: int = 0
    by_project: list[tuple[str, int]] = field(default_factory=list)  # (project id, seconds)
    by_user: list[tuple[str, int]] = field(default_factory=list)
    by_day: list[tuple[date, int]] = field(default_factory=list)  # every day of the range
    by_week: list[tuple[str, int]] = field(default_factory=list)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)  # (project, day) -> seconds

    def project_bars(self, names: dict[str, str]) -> list[Bar]:
        return [Bar(names.get(pid, "—"), s) for pid, s in self.by_project]

    def user_bars(self, names: dict[str, str]) -> list[Bar]:
        return [Bar(names.get(uid, "—"), s) for uid, s in self.by_user]

    def day_bars(self) -> list[Bar]:
        fmt = "%a %-d" if len(self.by_day) <= 14 else "%-d %b"
        return [Bar(d.strftime(fmt), s) for d, s in self.by_day]

    def week_bars(self) -> list[Bar]:
        return [Bar(w, s) for w, s in self.by_week]


def _sorted(d: dict, names: dict[str, str] | None = None) -> list:
    return sorted(d.items(), key=lambda kv: (-kv[1], (names or {}).get(kv[0], kv[0])))


def time_report(
    conn: Connection, scope: svc.Scope, tz: ZoneInfo, now: int, period: Period,
    *, by_user: bool = True,
) -> TimeReport:  # fmt: skip
    groups = ["project", "user", "day"] if by_user else ["project", "day"]
    rows, total, _, _ = svc.totals(conn, scope, groups, tz, now, period.first, period.last)
    projects: dict[str, int] = defaultdict(int)
    users: dict[str, int] = defaultdict(int)
    days: dict[str, int] = defaultdict(int)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        projects[r["project_id"]] += r["seconds"]
        if by_user:
            users[r["user_id"]] += r["seconds"]
        days[r["day"]] += r["seconds"]
        cells[(r["project_id"], r["day"])] += r["seconds"]
    weeks: dict[str, int] = {}
    by_day = []
    for d in period.days:
        secs = days.get(d.isoformat(), 0)
        by_day.append((d, secs))
        key = iso_week_key(d)
        weeks[key] = weeks.get(key, 0) + secs
    return TimeReport(
        total=total,
        by_project=_sorted(projects),
        by_user=_sorted(users),
        by_day=by_day,
        by_week=list(weeks.items()),
        cells=dict(cells),
    )
