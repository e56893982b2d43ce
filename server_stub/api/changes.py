"""``GET /changes``: the desktop's pull feed, ordered by ``seq`` (server-spec §6.8).

Projects, tasks and memberships the caller may see, and the caller's own intervals (tombstones
included). A project or task the caller gains access to later appears at the ``seq`` of the
membership that granted it, so a client that already holds a later cursor still receives it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Connection, and_, case, func, literal, or_, select

from .. import authz
from ..authz import Actor
from ..db.tables import intervals, project_members, projects, tasks
from ..errors import PROBLEM_RESPONSES
from . import paging
from .deps import CurrentActor, State
from .models import ChangesPage
from .views import interval_out, member_out, project_out, task_out

router = APIRouter(tags=["sync"], responses=PROBLEM_RESPONSES)


def _greatest(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


def _sources(
    conn: Connection,
    actor: Actor,
    after: int,
    exact: int | None,
    limit: int | None,
    skip_writer: str | None = None,
):
    """(seq, type, id, deleted, data) tuples from every source, each source seq-ordered."""

    def bound(q, eff):
        q = q.where(eff == exact) if exact is not None else q.where(eff > after)
        q = q.order_by(eff)
        return q.limit(limit) if limit is not None else q

    out: list[tuple[int, str, str, bool, dict]] = []
    if actor.manages_all:
        eff = projects.c.seq
        q = select(projects, eff.label("eff"), literal(None).label("kind"),
                   literal(None).label("grants_"))  # fmt: skip
    else:
        eff = _greatest(projects.c.seq, project_members.c.seq)
        q = select(
            projects, eff.label("eff"), project_members.c.kind,
            project_members.c.grants.label("grants_"),
        ).select_from(
            projects.join(project_members, and_(
                project_members.c.project_id == projects.c.id,
                project_members.c.user_id == actor.user_id,
            ))
        )  # fmt: skip
    for r in conn.execute(bound(q, eff)).all():
        show = r.kind != "viewer" or authz.parse_grants(r.grants_)["show_amounts"]
        out.append((r.eff, "project", r.id, False, project_out(r, show)))

    if actor.manages_all:
        eff = tasks.c.seq
        q = select(tasks, eff.label("eff"))
    else:
        eff = _greatest(tasks.c.seq, project_members.c.seq)
        q = select(tasks, eff.label("eff")).select_from(
            tasks.join(project_members, and_(
                project_members.c.project_id == tasks.c.project_id,
                project_members.c.user_id == actor.user_id,
            ))
        )  # fmt: skip
    for r in conn.execute(bound(q, eff)).all():
        out.append((r.eff, "task", r.id, False, task_out(r)))

    eff = project_members.c.seq
    q = select(project_members)
    if not actor.manages_all:
        q = q.where(project_members.c.user_id == actor.user_id)
    for r in conn.execute(bound(q, eff)).all():
        data = member_out(r, actor, actor.manages_all or r.user_id == actor.user_id)
        out.append((r.seq, "membership", f"{r.project_id}:{r.user_id}", False, data))

    eff = intervals.c.seq
    q = (
        select(intervals, tasks.c.project_id)
        .select_from(intervals.join(tasks, tasks.c.id == intervals.c.task_id))
        .where(intervals.c.user_id == actor.user_id)
    )
    if skip_writer is not None:
        q = q.where(or_(intervals.c.written_by.is_(None), intervals.c.written_by != skip_writer))
    for r in conn.execute(bound(q, eff)).all():
        out.append((r.seq, "interval", r.id, bool(r.deleted), interval_out(r, r.project_id)))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return out


SkipWriter = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Leave out the caller's intervals stored exactly as sent by the push that "
        "carried this `Tracker-Writer` id: the device that sent them already holds them.",
    ),
]


@router.get("/changes", response_model=ChangesPage)
def changes(
    actor: CurrentActor,
    state: State,
    cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
    skip_writer: SkipWriter = None,
) -> dict:
    after = paging.decode(cursor, int)[0] if cursor else 0
    with state.db.read() as conn:
        rows = _sources(conn, actor, after, None, limit + 1, skip_writer)
        more = len(rows) > limit
        if more:
            boundary = rows[limit - 1][0]
            if rows[limit][0] == boundary:
                # Never split one seq across pages: stop before it, or take all of it.
                page = [r for r in rows[:limit] if r[0] < boundary]
                if not page:
                    page = _sources(conn, actor, after, boundary, None, skip_writer)
            else:
                page = rows[:limit]
        else:
            page = rows
        last = page[-1][0] if page else after
        if skip_writer is not None and not more:
            # The left-out rows after the last item still move the cursor, so the next pull
            # does not look at them again.
            skipped = conn.execute(
                select(func.max(intervals.c.seq)).where(
                    intervals.c.user_id == actor.user_id,
                    intervals.c.seq > last,
                    intervals.c.written_by == skip_writer,
                )
            ).scalar()
            last = max(last, skipped or 0)
    return {
        "items": [
            {"type": t, "seq": s, "id": i, "deleted": d, "data": data} for s, t, i, d, data in page
        ],
        "next_cursor": paging.encode(last),
        "has_more": more,
    }
