"""The weekly progress summary of each project to its clients (``tracker-server send-summaries``).

Per project and ISO week (in the workspace time zone): the time tracked by task (and by member,
for viewers granted ``show_members``), the tasks by status and those done that week — never
amounts or pay data. It goes to the project's viewers and the billing contacts linked to it
(:func:`billing_contacts`). Idempotent per project and week: the first run claims the pair in
``sent_summaries`` and renders one notice per recipient into the outbox; later runs only retry
what failed, so nobody gets the same week twice. ``dry_run`` writes and sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, false, insert, select, true

from .. import authz
from ..db.session import Database
from ..db.tables import (
    contacts,
    intervals,
    project_contacts,
    project_members,
    projects,
    sent_summaries,
    tasks,
    users,
)
from ..db.tables import workspace as workspace_t
from ..errors import Invalid
from ..timefmt import load_tz
from . import notices


@dataclass(frozen=True, slots=True)
class Week:
    label: str  # "2026-W48"
    monday: date
    lo: int  # epoch seconds, Monday 00:00 local
    hi: int  # the next Monday 00:00 local


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str
    role: str = "viewer"
    user_id: str | None = None
    show_members: bool = False


@dataclass
class Summary:
    project_id: str
    project_name: str
    week: Week
    total: int = 0
    by_task: list[tuple[str, int]] = field(default_factory=list)
    by_member: list[tuple[str, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    done_this_week: list[str] = field(default_factory=list)

    @property
    def eventful(self) -> bool:
        return self.total > 0 or bool(self.done_this_week)


@dataclass
class SummaryRun:
    week: str
    planned: list[tuple[str, list[str]]] = field(default_factory=list)  # project, addresses
    already: int = 0  # projects whose summary for the week went out (or is queued) before
    sent: int = 0
    failed: int = 0


def week_of(when: int | date, tz: ZoneInfo) -> Week:
    day = when if isinstance(when, date) else datetime.fromtimestamp(when, tz).date()
    monday = day - timedelta(days=day.isoweekday() - 1)
    year, number, _ = monday.isocalendar()

    def midnight(d: date) -> int:
        return int(datetime.combine(d, time(0), tz).timestamp())

    return Week(f"{year}-W{number:02d}", monday, midnight(monday), midnight(monday + timedelta(7)))


def parse_week(label: str, tz: ZoneInfo) -> Week:
    """``2026-W48`` → that ISO week; 422 ``invalid_week`` otherwise."""
    try:
        monday = date.fromisoformat(f"{label}-1")
    except ValueError:
        raise Invalid("invalid_week", f"{label!r} is not an ISO week like 2026-W48") from None
    return week_of(monday, tz)


def hm(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def billing_contacts(conn: Connection, project_id: str) -> list[Recipient]:
    """The billing contacts of the project's client linked to the project (contract §4b)."""
    rows = conn.execute(
        select(contacts.c.email, contacts.c.name)
        .join(project_contacts, project_contacts.c.contact_id == contacts.c.id)
        .where(project_contacts.c.project_id == project_id, contacts.c.billing == true())
        .order_by(contacts.c.email)
    )
    return [Recipient(r.email, r.name, role="contact") for r in rows]


def recipients(conn: Connection, project_id: str) -> list[Recipient]:
    """The project's viewers (active accounts) and billing contacts, one per address."""
    out: dict[str, Recipient] = {}
    for row in conn.execute(
        select(users.c.id, users.c.email, users.c.name, users.c.role, project_members.c.grants)
        .join(project_members, project_members.c.user_id == users.c.id)
        .where(
            project_members.c.project_id == project_id,
            project_members.c.kind == "viewer",
            users.c.archived_at.is_(None),
        )
        .order_by(users.c.email)
    ):
        grants = authz.parse_grants(row.grants)
        out[row.email] = Recipient(row.email, row.name, row.role, row.id, grants["show_members"])
    for contact in billing_contacts(conn, project_id):
        out.setdefault(contact.email, contact)
    return list(out.values())


def build(conn: Connection, project: Any, week: Week, now: int) -> Summary:
    s = Summary(project.id, project.name, week)
    by_task: dict[str, int] = defaultdict(int)
    by_member: dict[str, int] = defaultdict(int)
    rows = conn.execute(
        select(intervals.c.started_at, intervals.c.ended_at, tasks.c.title, users.c.name)
        .select_from(
            intervals.join(tasks, tasks.c.id == intervals.c.task_id).join(
                users, users.c.id == intervals.c.user_id
            )
        )
        .where(
            tasks.c.project_id == project.id,
            intervals.c.deleted == false(),
            intervals.c.started_at < week.hi,
            (intervals.c.ended_at.is_(None)) | (intervals.c.ended_at > week.lo),
        )
    ).all()
    for r in rows:
        seconds = min(r.ended_at or now, week.hi, now) - max(r.started_at, week.lo)
        if seconds > 0:
            by_task[r.title] += seconds
            by_member[r.name] += seconds
            s.total += seconds
    s.by_task = sorted(by_task.items(), key=lambda kv: (-kv[1], kv[0]))
    s.by_member = sorted(by_member.items(), key=lambda kv: (-kv[1], kv[0]))
    s.counts = {"open": 0, "in_progress": 0, "done": 0}
    for t in conn.execute(
        select(tasks.c.title, tasks.c.status, tasks.c.updated_at)
        .where(tasks.c.project_id == project.id)
        .order_by(tasks.c.title)
    ):
        s.counts[t.status] += 1
        if t.status == "done" and week.lo <= t.updated_at < week.hi:
            s.done_this_week.append(t.title)
    return s


def render(s: Summary, to: Recipient, base: str) -> notices.Rendered:
    link = notices.landing(base, to.role, s.project_id)
    lines = [
        f"Hello {to.name},",
        f"{s.project_name}, week {s.week.label} (from {s.week.monday:%Y-%m-%d}): "
        f"{hm(s.total)} tracked.",
    ]
    if s.by_task:
        lines.append("By task:\n" + "\n".join(f"  {t}: {hm(n)}" for t, n in s.by_task))
    if to.show_members and s.by_member:
        lines.append("By member:\n" + "\n".join(f"  {m}: {hm(n)}" for m, n in s.by_member))
    c = s.counts
    lines.append(f"Tasks: {c['open']} open, {c['in_progress']} in progress, {c['done']} done.")
    if s.done_this_week:
        lines.append("Done this week:\n" + "\n".join(f"  {t}" for t in s.done_this_week))
    return notices.Rendered(
        f"{s.project_name}: progress in {s.week.label}",
        "\n\n".join(lines) + f"\n\nSee the project: {link}\n",
        notices.page(f"{s.project_name} — {s.week.label}", lines, link, "See the project"),
    )


def _tz(conn: Connection) -> ZoneInfo:
    name = conn.execute(select(workspace_t.c.timezone)).scalar() or "UTC"
    return load_tz(name) or ZoneInfo("UTC")


def _plan(conn: Connection, week: Week, now: int):
    """(project, summary, recipients) of every active project with news and recipients whose
    summary for ``week`` is not claimed yet; and how many were claimed before."""
    claimed = set(
        conn.execute(
            select(sent_summaries.c.project_id).where(sent_summaries.c.iso_week == week.label)
        ).scalars()
    )
    plan = []
    for p in conn.execute(
        select(projects).where(projects.c.archived == false()).order_by(projects.c.name)
    ):
        if p.id in claimed:
            continue
        people = recipients(conn, p.id)
        if not people:
            continue
        s = build(conn, p, week, now)
        if s.eventful:
            plan.append((p, s, people))
    return plan, len(claimed)


def send_summaries(
    db: Database, mailer: notices.Mailer | None, *, base: str, now: int, week: str | None = None,
    dry_run: bool = False,
) -> SummaryRun:  # fmt: skip
    """Queue and send this week's (or ``week``'s) summaries; failed ones of earlier runs are
    retried. ``dry_run``: what would go out, with nothing written or sent."""
    with db.read() as conn:
        tz = _tz(conn)
        wk = parse_week(week, tz) if week else week_of(now, tz)
        plan, already = _plan(conn, wk, now)
    run = SummaryRun(wk.label, [(p.name, [r.email for r in people]) for p, _, people in plan])
    run.already = already
    if dry_run:
        return run
    with db.write() as tx:  # serialised: two runs never both claim a project's week
        conn = tx.conn
        for p, s, people in plan:
            taken = conn.execute(
                select(sent_summaries.c.project_id).where(
                    sent_summaries.c.project_id == p.id, sent_summaries.c.iso_week == wk.label
                )
            ).first()
            if taken is not None:
                continue
            conn.execute(
                insert(sent_summaries).values(
                    project_id=p.id, iso_week=wk.label, recipients=len(people), created_at=now
                )
            )
            for r in people:
                notices.queue(
                    conn, key=f"summary:{p.id}:{wk.label}:{r.email}", kind="summary",
                    to_email=r.email, rendered=render(s, r, base), now=now, user_id=r.user_id,
                    project_id=p.id,
                )  # fmt: skip
    if mailer is not None:
        report = notices.deliver(db, mailer, now=now, kinds=("summary",))
        run.sent, run.failed = report.sent, report.failed
    return run
