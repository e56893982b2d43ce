"""Project chat between the team and the client (server-spec §6.15).

Plain text, at most 10,000 characters, newest first in pages. Everyone who sees the project
reads and posts (asked of :mod:`server_stub.authz`). A post queues the message for the other
side's participants — the team (members, and admins or managers who wrote in this chat) ↔ the
project's viewers — in ``chat_pending``, in the same transaction; :mod:`.notices` turns that
into at most one e-mail per person per 15 minutes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select

from .. import authz
from ..authz import Actor
from ..db.session import Database
from ..db.tables import chat_pending, messages, project_members, users
from ..errors import Invalid
from ..ids import new_id
from ..timefmt import utc_datetime

MAX_BODY_CHARS = 10_000
TEAM, CLIENT = "team", "client"


def clean_body(body: str) -> str:
    """The message as stored: line ends normalised, trimmed; 422 when empty or too long."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise Invalid("empty_message", "write something: the message is empty")
    if len(text) > MAX_BODY_CHARS:
        raise Invalid("message_too_long", f"messages may be at most {MAX_BODY_CHARS} characters")
    if "\x00" in text:
        raise Invalid("invalid_text", "messages may not contain NUL characters")
    return text


def message_out(row: Any) -> dict:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "user_id": row.user_id,
        "author": row.author,
        "body": row.body,
        "created_at": utc_datetime(row.created_at),
    }


def _select():
    return select(messages, users.c.name.label("author")).select_from(
        messages.join(users, users.c.id == messages.c.user_id)
    )


def sides(conn: Connection, project_id: str) -> dict[str, str]:
    """The chat's participants who can be e-mailed, each with their side: the project's
    members and viewers, and the admins and managers who wrote in it (archived users never)."""
    out: dict[str, str] = {}
    for uid, kind in conn.execute(
        select(project_members.c.user_id, project_members.c.kind)
        .join(users, users.c.id == project_members.c.user_id)
        .where(project_members.c.project_id == project_id, users.c.archived_at.is_(None))
    ):
        out[uid] = CLIENT if kind == "viewer" else TEAM
    for (uid,) in conn.execute(
        select(messages.c.user_id)
        .join(users, users.c.id == messages.c.user_id)
        .where(
            messages.c.project_id == project_id,
            users.c.archived_at.is_(None),
            users.c.role.in_(("admin", "manager")),
        )
        .distinct()
    ):
        out.setdefault(uid, TEAM)
    return out


def post(db: Database, actor: Actor, project_id: str, body: str, *, now: int,
         notify: bool = True) -> dict:  # fmt: skip
    """Write a message to the project's chat; with ``notify`` (e-mail on) the other side is
    queued for a digest. 404 hidden project, 409 ``project_archived``, 422 bad text."""
    text = clean_body(body)
    mid = new_id()
    with db.write() as tx:
        conn = tx.conn
        authz.chat(conn, actor, project_id, post=True)
        conn.execute(
            insert(messages).values(
                id=mid, project_id=project_id, user_id=actor.user_id, body=text,
                seq=tx.next_seq(), created_at=now,
            )
        )  # fmt: skip
        # Who writes has read the chat: nothing of this project waits for them any more.
        seen = select(messages.c.id).where(messages.c.project_id == project_id)
        conn.execute(
            delete(chat_pending).where(
                chat_pending.c.user_id == actor.user_id, chat_pending.c.message_id.in_(seen)
            )
        )
        if notify:
            people = sides(conn, project_id)
            mine = people.get(actor.user_id, TEAM)
            rows = [
                {"user_id": uid, "message_id": mid, "created_at": now}
                for uid, side in sorted(people.items())
                if side != mine and uid != actor.user_id
            ]
            if rows:
                conn.execute(insert(chat_pending), rows)
        return message_out(conn.execute(_select().where(messages.c.id == mid)).one())


def page(
    db: Database, actor: Actor, project_id: str, *, before: int | None = None, limit: int = 50
) -> tuple[list[dict], int | None]:
    """The newest ``limit`` messages (older than ``before``, a message's ``seq`` from the
    previous page) and the ``before`` of the next page (None at the start of the chat)."""
    q = _select().where(messages.c.project_id == project_id)
    if before is not None:
        q = q.where(messages.c.seq < before)
    with db.read() as conn:
        authz.chat(conn, actor, project_id)
        rows = conn.execute(q.order_by(messages.c.seq.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [message_out(r) for r in rows], (rows[-1].seq if more else None)
