"""Tasks: client-supplied UUIDs, idempotent create."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, Path, Response
from sqlalchemy import insert, select, update

from .. import authz
from ..authz import Capability
from ..db.tables import tasks
from ..errors import PROBLEM_RESPONSES, ApiError, NotFound
from ..ids import canonical, new_id
from ..services import assignment, notices
from . import paging
from .deps import CurrentActor, State
from .models import TaskIn, TaskOut, TaskPage, TaskPatch
from .views import task_out

router = APIRouter(tags=["tasks"], responses=PROBLEM_RESPONSES)

ProjectId = Annotated[UUID, Path(description="project id")]
TaskId = Annotated[UUID, Path(description="task id")]


@router.post(
    "/projects/{project_id}/tasks",
    status_code=201,
    response_model=TaskOut,
    responses={200: {"model": TaskOut, "description": "the task with this id exists"}},
)
def create_task(
    project_id: ProjectId, body: TaskIn, actor: CurrentActor, state: State, response: Response
) -> dict:
    pid = canonical(project_id)
    tid = canonical(body.id) if body.id else new_id()
    now = state.now()
    with state.db.write() as tx:
        authz.project(tx.conn, actor, pid, Capability.CREATE_TASKS)
        existing = tx.conn.execute(select(tasks).where(tasks.c.id == tid)).first()
        if existing is not None:
            if existing.project_id != pid:
                raise ApiError(409, "id_taken", f"task id {tid} is already used")
            response.status_code = 200
            return task_out(existing)
        tx.conn.execute(
            insert(tasks).values(
                id=tid, project_id=pid, title=body.title, status=body.status, revision=1,
                created_by=actor.user_id, seq=tx.next_seq(), created_at=now, updated_at=now,
            )
        )  # fmt: skip
        return task_out(tx.conn.execute(select(tasks).where(tasks.c.id == tid)).one())


@router.get("/projects/{project_id}/tasks", response_model=TaskPage)
def list_tasks(
    project_id: ProjectId, actor: CurrentActor, state: State, cursor: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict:  # fmt: skip
    pid = canonical(project_id)
    q = select(tasks).where(tasks.c.project_id == pid).order_by(tasks.c.id).limit(limit + 1)
    if cursor:
        (after,) = paging.decode(cursor, str)
        q = q.where(tasks.c.id > after)
    with state.db.read() as conn:
        authz.project(conn, actor, pid)
        rows = conn.execute(q).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [task_out(r) for r in rows],
        "next_cursor": paging.encode(rows[-1].id) if more else None,
    }


@router.patch("/tasks/{task_id}", response_model=TaskOut)
def patch_task(
    task_id: TaskId, body: TaskPatch, actor: CurrentActor, state: State,
    background: BackgroundTasks,
) -> dict:  # fmt: skip
    """Title and status (members of the project); ``assignee_id`` (admins and managers) e-mails
    the new assignee."""
    tid = canonical(task_id)
    with state.db.write() as tx:
        row = tx.conn.execute(select(tasks).where(tasks.c.id == tid)).first()
        if row is None or authz.project_access(tx.conn, actor, row.project_id) is None:
            raise NotFound("task")
        authz.project(tx.conn, actor, row.project_id, Capability.CREATE_TASKS)
        values = {
            k: v for k, v in body.model_dump(exclude_unset=True).items()
            if v is not None and k != "assignee_id"
        }  # fmt: skip
        assignee = None
        if "assignee_id" in body.model_fields_set:
            new = canonical(body.assignee_id) if body.assignee_id else None
            assignee = assignment.check_assignee(tx.conn, actor, row, new)
            if new != row.assignee_id:
                values["assignee_id"] = new
        if values:
            values.update(revision=row.revision + 1, seq=tx.next_seq(), updated_at=state.now())
            tx.conn.execute(update(tasks).where(tasks.c.id == tid).values(**values))
        out = tx.conn.execute(select(tasks).where(tasks.c.id == tid)).one()
        told = False
        if assignee is not None and "assignee_id" in values and notices.mail_on(state):
            told = assignment.notify_assignee(
                tx.conn, actor, out, assignee, base=notices.public_url(state), now=state.now()
            )
    if told:
        notices.send_soon(state, background)
    return task_out(out)
