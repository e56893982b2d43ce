"""Assigning a task to a member of its project, and telling them by e-mail (contract §4c)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from .. import authz
from ..authz import Actor
from ..db.session import Database
from ..db.tables import project_members, projects, tasks, users
from ..errors import Invalid, NotFound
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


def assign(
    db: Database, actor: Actor, task_id: str, assignee_id: str | None, *, now: int, base: str,
    notify: bool,
) -> tuple[Any, bool]:  # fmt: skip
    """Assign a task (the pages' call; ``PATCH /tasks/{id}`` does the same beside its other
    fields): the task's row as now stored, and whether an e-mail was queued (then
    :func:`notices.send_soon`). 404 when the task is hidden from the caller, 403 for members,
    422 ``assignee_not_member``."""
    with db.write() as tx:
        conn = tx.conn
        task = conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
        if task is None or authz.project_access(conn, actor, task.project_id) is None:
            raise NotFound("task")
        assignee = check_assignee(conn, actor, task, assignee_id)
        told = False
        if assignee_id != task.assignee_id:
            conn.execute(
                update(tasks).where(tasks.c.id == task_id).values(
                    assignee_id=assignee_id, revision=task.revision + 1, seq=tx.next_seq(),
                    updated_at=now,
                )
            )  # fmt: skip
            task = conn.execute(select(tasks).where(tasks.c.id == task_id)).one()
            if assignee is not None and notify:
                told = notify_assignee(conn, actor, task, assignee, base=base, now=now)
    return task, told
