"""Assigning a task to a member of its project, and telling them by e-mail (contract §4c)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from .. import authz
from ..authz import Actor
from ..db.tables import project_members, projects, users
from ..errors import Invalid
from . import notices


def check_assignee(conn: Connection, actor: Actor, task: Any, assignee_id: str | None) -> Any:
    """May ``actor`` assign ``task`` to ``assignee_id`` (None unassigns)? Admins and managers
    (authz: 403 for members); the assignee must be an active member of the task's project (422
    ``assignee_not_member``). The assignee's users row, or None."""
    authz.assign_tasks(conn, actor, task.project_id)
    if assignee_id is None:
        return None
    row = conn.execute(
        select(users)
        .join(project_members, project_members.c.user_id == users.c.id)
        .where(
            users.c.id == assignee_id,
            users.c.archived_at.is_(None),
            project_members.c.project_id == task.project_id,
            project_members.c.kind == "member",
        )
    ).first()
    if row is None:
        raise Invalid("assignee_not_member", "tasks go to members of the task's project")
    return row


def notify_assignee(
    conn: Connection, actor: Actor, task: Any, assignee: Any, *, base: str, now: int
) -> bool:
    """Queue the e-mail telling ``assignee`` about ``task`` (the row as now stored); nobody is
    told about a task they gave themselves."""
    if assignee.id == actor.user_id:
        return False
    name = conn.execute(select(projects.c.name).where(projects.c.id == task.project_id))
    return notices.queue_assignment(
        conn, task=task, assignee=assignee, project_name=name.scalar_one(),
        by_name=actor.name or actor.email, base=base, now=now,
    )  # fmt: skip
