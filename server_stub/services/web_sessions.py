"""Browser sessions of the web pages (server-spec §6.15), stored hashed server-side.

The cookie carries 256 random bits; the table keeps only their SHA-256 (like API tokens), the
per-session CSRF secret, and the times: a session ends ``idle`` seconds after it was last seen
or ``max_age`` seconds after sign-in, whichever comes first, and is deleted on sign-out and on a
password change (:func:`server_stub.services.accounts.set_password`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from ..authz import Actor, Role, ShareGrant, parse_grants
from ..db.session import Database
from ..db.tables import share_links, users, web_sessions
from ..ids import new_id
from ..security import token_hash

# last_seen_at is written at most this often (a page view is a read, not a write).
SEEN_EVERY_S = 60


@dataclass(frozen=True, slots=True)
class Lifetime:
    idle_seconds: int
    max_seconds: int


@dataclass(frozen=True, slots=True)
class WebSession:
    id: str
    csrf_secret: str
    actor: Actor  # a share link's session has a share actor (``Actor.for_share``)
    share_link_id: str | None = None

    @property
    def user(self) -> Actor | None:
        """The signed-in account, or None for a share link's session."""
        return self.actor if self.actor.share is None else None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def create(
    db: Database, *, now: int, life: Lifetime, user_id: str | None = None,
    share_link_id: str | None = None, conn=None,
) -> tuple[str, str]:  # fmt: skip
    """A new session: (the cookie value, shown once; the session id)."""
    cookie, sid = new_secret(), new_id()
    row = dict(
        id=sid, secret_hash=token_hash(cookie), user_id=user_id, share_link_id=share_link_id,
        csrf_secret=new_secret(), created_at=now, last_seen_at=now,
        expires_at=now + life.max_seconds,
    )  # fmt: skip
    if conn is not None:
        conn.execute(insert(web_sessions).values(**row))
    else:
        with db.small_write() as c:
            c.execute(insert(web_sessions).values(**row))
    return cookie, sid


def lookup(db: Database, cookie: str | None, *, now: int, life: Lifetime) -> WebSession | None:
    """The live session the cookie names, or None (unknown, idle too long, expired, archived,
    or its share link revoked or expired)."""
    if not cookie or len(cookie) > 100:
        return None
    ws, link = web_sessions, share_links
    with db.read() as conn:
        row = conn.execute(
            select(
                ws.c.id,
                ws.c.csrf_secret,
                ws.c.last_seen_at,
                ws.c.expires_at,
                ws.c.share_link_id,
                users.c.id.label("user_id"),
                users.c.role,
                users.c.email,
                users.c.name,
                users.c.archived_at,
                link.c.project_id.label("share_project_id"),
                link.c.grants.label("share_grants"),
                link.c.revoked_at.label("share_revoked"),
                link.c.expires_at.label("share_expires"),
            )
            .select_from(
                ws.outerjoin(users, users.c.id == ws.c.user_id).outerjoin(
                    link, link.c.id == ws.c.share_link_id
                )
            )
            .where(ws.c.secret_hash == token_hash(cookie))
        ).first()
    if row is None:
        return None
    link_gone = row.share_link_id is not None and (
        row.share_project_id is None
        or row.share_revoked is not None
        or (row.share_expires is not None and row.share_expires <= now)
    )
    if row.expires_at <= now or now - row.last_seen_at >= life.idle_seconds or link_gone:
        revoke(db, row.id)
        return None
    if row.share_link_id is None and (row.user_id is None or row.archived_at is not None):
        return None
    if now - row.last_seen_at >= SEEN_EVERY_S:
        with db.small_write() as conn:
            conn.execute(update(ws).where(ws.c.id == row.id).values(last_seen_at=now))
    if row.user_id is not None:
        actor = Actor(row.user_id, Role(row.role), row.id, row.email, row.name)
    else:
        grant = ShareGrant(row.share_link_id, row.share_project_id, parse_grants(row.share_grants))
        actor = Actor.for_share(grant, row.id)
    return WebSession(row.id, row.csrf_secret, actor, row.share_link_id)


def revoke(db: Database, session_id: str) -> None:
    with db.small_write() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


def purge_expired(db: Database, *, now: int, life: Lifetime) -> int:
    """Delete sessions past either expiry; the number deleted."""
    with db.small_write() as conn:
        res = conn.execute(
            delete(web_sessions).where(
                (web_sessions.c.expires_at <= now)
                | (web_sessions.c.last_seen_at <= now - life.idle_seconds)
            )
        )
        return res.rowcount
