"""What the web pages list: running timers, entries, activity, screenshots, task progress and
teams, each filtered by the one authorization module's SQL scopes (server-spec §6.10, §6.15).

Callers check the project or user they narrow to (``authz.project``, ``authz.may_see_user``)
first; the scopes here make sure a list never holds more than the caller may see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Connection, false, func, select, text

from .. import authz
from ..authz import Actor
from ..db.tables import (
    activity_slots,
    clients,
    counters,
    intervals,
    project_members,
    projects,
    screenshots,
    tasks,
    users,
)

MAX_ENTRIES = 500
MAX_SHOTS = 60


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    user_id: str
    user_name: str
    project_id: str
    project_name: str
    task_title: str
    started_at: int
    ended_at: int | None
    note: str
    tz: str

    def seconds(self, now: int) -> int:
        return (self.ended_at if self.ended_at is not None else now) - self.started_at


LONGEST_ENTRY = 3596400  # 999 h, the schema's limit (ck_intervals_max_999h)


def earliest_start(conn: Connection, lo: int) -> int:
    """The earliest start of a live entry that reaches past ``lo``: ``lo`` less the longest
    finished entry (ingest keeps it in ``counters.max_span``, as the totals use it), or the
    oldest running timer's start, and never more than 999 h back. Only a bound for the index
    range: the entries' own condition decides. With the 999 h bound alone a month's page read
    41 days of rows before its first."""
    longest = conn.execute(_MAX_SPAN).scalar() or 0
    oldest = conn.execute(_OLDEST_RUNNING[conn.dialect.name == "sqlite"]).scalar()
    reach = lo - longest if oldest is None else min(lo - longest, int(oldest))
    return max(reach, lo - LONGEST_ENTRY)


_MAX_SPAN = select(counters.c.value).where(counters.c.name == "max_span")
# Spelled like the partial index uq_intervals_one_running (one row per user), which SQLite
# takes only when told: else it walks the started_at index looking for a running row.
_OLDEST_RUNNING = {
    True: text(
        "SELECT MIN(started_at) FROM intervals INDEXED BY uq_intervals_one_running "
        "WHERE ended_at IS NULL AND deleted = 0"
    ),
    False: text("SELECT MIN(started_at) FROM intervals WHERE ended_at IS NULL AND NOT deleted"),
}


def _entry_select():
    return select(
        intervals.c.id, intervals.c.user_id, users.c.name.label("user_name"),
        tasks.c.project_id, projects.c.name.label("project_name"),
        tasks.c.title.label("task_title"), intervals.c.started_at, intervals.c.ended_at,
        intervals.c.note, intervals.c.tz,
    ).select_from(
        intervals.join(tasks, tasks.c.id == intervals.c.task_id)
        .join(projects, projects.c.id == tasks.c.project_id)
        .join(users, users.c.id == intervals.c.user_id)
    )  # fmt: skip


def _entries(rows, hide_notes: bool) -> list[Entry]:
    return [
        Entry(r.id, r.user_id, r.user_name, r.project_id, r.project_name, r.task_title,
              r.started_at, r.ended_at, "" if hide_notes else r.note, r.tz)
        for r in rows
    ]  # fmt: skip


def running_now(conn: Connection, actor: Actor, limit: int = 100) -> list[Entry]:
    """Who is tracking right now, and on what (the caller's interval scope)."""
    live = intervals.c.deleted == false()
    q = (
        _entry_select()
        .where(intervals.c.ended_at.is_(None), live, authz.interval_scope(actor))
        .order_by(intervals.c.started_at)
        .limit(limit)
    )
    return _entries(conn.execute(q).all(), False)


def entries(
    conn: Connection, actor: Actor, lo: int, hi: int, *, user_id: str | None = None,
    project_id: str | None = None, hide_notes: bool = False, limit: int = MAX_ENTRIES,
) -> list[Entry]:  # fmt: skip
    """Live entries touching ``[lo, hi)`` in the caller's scope, oldest first."""
    q = (
        _entry_select()
        .where(
            intervals.c.deleted == false(),
            intervals.c.started_at < hi,
            intervals.c.ended_at.is_(None) | (intervals.c.ended_at > lo),
            intervals.c.started_at >= earliest_start(conn, lo),  # keeps the index range short
            authz.interval_scope(actor),
        )
        .order_by(intervals.c.started_at, intervals.c.id)
        .limit(limit)
    )
    if user_id is not None:
        q = q.where(intervals.c.user_id == user_id)
    if project_id is not None:
        q = q.where(tasks.c.project_id == project_id)
    return _entries(conn.execute(q).all(), hide_notes)


@dataclass(frozen=True, slots=True)
class Slot:
    slot_start: int
    slot_seconds: int
    active_seconds: int

    @property
    def percent(self) -> int:
        return round(100 * self.active_seconds / self.slot_seconds) if self.slot_seconds else 0


def activity(conn: Connection, actor: Actor, interval_ids: list[str]) -> dict[str, list[Slot]]:
    """Activity slots per entry, in the caller's activity scope."""
    out: dict[str, list[Slot]] = {}
    if not interval_ids:
        return out
    q = (
        select(
            activity_slots.c.interval_id,
            activity_slots.c.slot_start,
            activity_slots.c.slot_seconds,
            activity_slots.c.active_seconds,
        )
        .select_from(
            activity_slots.join(intervals, intervals.c.id == activity_slots.c.interval_id).join(
                tasks, tasks.c.id == intervals.c.task_id
            )
        )
        .where(activity_slots.c.interval_id.in_(interval_ids), authz.activity_scope(actor))
        .order_by(activity_slots.c.slot_start)
    )
    for r in conn.execute(q):
        out.setdefault(r.interval_id, []).append(
            Slot(r.slot_start, r.slot_seconds, r.active_seconds)
        )
    return out


@dataclass(frozen=True, slots=True)
class Shot:
    id: str
    user_name: str
    taken_at: int
    blurred: bool


def shots(
    conn: Connection, actor: Actor, lo: int, hi: int, *, user_id: str | None = None,
    project_id: str | None = None, limit: int = MAX_SHOTS,
) -> list[Shot]:  # fmt: skip
    """Screenshots taken in ``[lo, hi)`` that the caller may see (their screenshot scope)."""
    q = (
        select(screenshots.c.id, users.c.name, screenshots.c.taken_at, screenshots.c.blurred)
        .select_from(
            screenshots.join(intervals, intervals.c.id == screenshots.c.interval_id)
            .join(tasks, tasks.c.id == intervals.c.task_id)
            .join(projects, projects.c.id == tasks.c.project_id)
            .join(users, users.c.id == screenshots.c.user_id)
        )
        .where(
            screenshots.c.deleted_at.is_(None),
            screenshots.c.taken_at >= lo,
            screenshots.c.taken_at < hi,
            authz.screenshot_scope(actor),
        )
        .order_by(screenshots.c.taken_at)
        .limit(limit)
    )
    if user_id is not None:
        q = q.where(screenshots.c.user_id == user_id)
    if project_id is not None:
        q = q.where(tasks.c.project_id == project_id)
    return [Shot(r.id, r.name, r.taken_at, bool(r.blurred)) for r in conn.execute(q)]


def task_progress(conn: Connection, project_id: str) -> dict[str, int]:
    """Open, in-progress and done task counts of a project the caller sees."""
    counts = Counter({"open": 0, "in_progress": 0, "done": 0})
    q = (
        select(tasks.c.status, func.count())
        .where(tasks.c.project_id == project_id)
        .group_by(tasks.c.status)
    )
    for status, n in conn.execute(q):
        counts[status] = n
    return dict(counts)


def team(conn: Connection, project_id: str) -> list[str]:
    """The names of a project's members (not its viewers): for callers with SEE_MEMBERS."""
    q = (
        select(users.c.name)
        .select_from(project_members.join(users, users.c.id == project_members.c.user_id))
        .where(project_members.c.project_id == project_id, project_members.c.kind == "member")
        .order_by(users.c.name)
    )
    return list(conn.execute(q).scalars())


@dataclass(frozen=True, slots=True)
class ProjectRow:
    id: str
    name: str
    client_id: str | None
    client_name: str | None
    screenshots: bool


def projects_where(conn: Connection, where) -> list[ProjectRow]:
    """Projects matching an authz clause (``visible_projects``, ``portal_projects``), by name."""
    q = (
        select(
            projects.c.id,
            projects.c.name,
            projects.c.client_id,
            clients.c.name.label("client_name"),
            projects.c.screenshots,
        )
        .select_from(projects.outerjoin(clients, clients.c.id == projects.c.client_id))
        .where(where)
        .order_by(projects.c.name, projects.c.id)
    )
    return [ProjectRow(r.id, r.name, r.client_id, r.client_name, bool(r.screenshots))
            for r in conn.execute(q)]  # fmt: skip


def user_names(conn: Connection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    q = select(users.c.id, users.c.name).where(users.c.id.in_(sorted(ids)))
    return {r.id: r.name for r in conn.execute(q)}


def user_row(conn: Connection, user_id: str):
    return conn.execute(
        select(users.c.id, users.c.name, users.c.email, users.c.role).where(users.c.id == user_id)
    ).first()


def client_row(conn: Connection, client_id: str):
    return conn.execute(select(clients).where(clients.c.id == client_id)).first()


def members_of_workspace(conn: Connection) -> list:
    """People who track (for the dashboard's member list): admins, managers and members."""
    q = (
        select(users.c.id, users.c.name)
        .where(users.c.role != "viewer", users.c.archived_at.is_(None))
        .order_by(users.c.name)
    )
    return conn.execute(q).all()


__all__ = [
    "Entry", "ProjectRow", "Shot", "Slot", "activity", "entries", "projects_where",
    "running_now", "shots", "task_progress", "team",
]  # fmt: skip
