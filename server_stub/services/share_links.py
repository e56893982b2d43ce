"""Share links (server-spec §6.10, §6.15): a secret URL to one project's portal page for a
client without an account.

The secret carries 128 random bits and is shown once; only its SHA-256 is stored. A link may
carry a password (argon2, :class:`server_stub.security.Passwords`), an expiry and the viewer
grants it shows with; admins and managers create, list and revoke (asked of authz).
:func:`resolve` is what the ``/shared/{secret}`` page calls: None for an unknown, expired or
revoked link, ``needs_password`` until the right password comes, and every granted access
counted.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from .. import authz
from ..authz import Actor
from ..db.session import Database
from ..db.tables import share_links
from ..errors import Invalid, NotFound
from ..ids import new_id
from ..security import Passwords
from ..timefmt import utc_datetime
from . import audit

SECRET_BYTES = 16  # 128 bits


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def link_url(public_url: str, secret: str) -> str:
    return f"{public_url.rstrip('/')}/shared/{secret}"


def link_out(row: Any, url: str | None = None) -> dict:
    out = {
        "id": row.id,
        "project_id": row.project_id,
        "grants": authz.parse_grants(row.grants),
        "expires_at": utc_datetime(row.expires_at) if row.expires_at is not None else None,
        "has_password": row.password_hash is not None,
        "revoked_at": utc_datetime(row.revoked_at) if row.revoked_at is not None else None,
        "access_count": row.access_count,
        "last_access_at": (
            utc_datetime(row.last_access_at) if row.last_access_at is not None else None
        ),
        "created_by": row.created_by,
        "created_at": utc_datetime(row.created_at),
    }
    if url is not None:
        out["url"] = url
    return out


def create(
    db: Database, passwords: Passwords, actor: Actor, project_id: str, *, public_url: str,
    grants: dict[str, bool], expires_at: int | None, password: str | None, now: int,
) -> dict:  # fmt: skip
    """A new link; the answer's ``url`` holds the secret, shown this once."""
    if expires_at is not None and expires_at <= now:
        raise Invalid("expiry_in_past", "expires_at must lie in the future")
    flags = {g: bool(grants.get(g, False)) for g in authz.GRANTS}
    secret = secrets.token_urlsafe(SECRET_BYTES)
    pw_hash = passwords.hash(password) if password else None
    lid = new_id()
    with db.write() as tx:
        authz.share_links(tx.conn, actor, project_id)
        tx.conn.execute(
            insert(share_links).values(
                id=lid, project_id=project_id, secret_hash=secret_hash(secret),
                password_hash=pw_hash, grants=json.dumps(flags, sort_keys=True),
                expires_at=expires_at, created_by=actor.user_id, created_at=now,
            )
        )  # fmt: skip
        audit.record(
            tx.conn, actor_id=actor.user_id, action="share_link.create", entity="share_link",
            entity_id=lid, after={"project_id": project_id, "grants": flags,
                                  "expires_at": expires_at, "protected": bool(pw_hash)},
            at=now,
        )  # fmt: skip
        row = tx.conn.execute(select(share_links).where(share_links.c.id == lid)).one()
    return link_out(row, link_url(public_url, secret))


def list_links(db: Database, actor: Actor, project_id: str) -> list[dict]:
    """The project's links, revoked and expired ones too, newest first; never a secret."""
    with db.read() as conn:
        authz.share_links(conn, actor, project_id)
        rows = conn.execute(
            select(share_links)
            .where(share_links.c.project_id == project_id)
            .order_by(share_links.c.created_at.desc(), share_links.c.id)
        ).all()
    return [link_out(r) for r in rows]


def revoke(db: Database, actor: Actor, link_id: str, *, now: int) -> dict:
    """Revoke a link (again: nothing changes). 404 for a link of a hidden project."""
    with db.write() as tx:
        conn = tx.conn
        row = conn.execute(select(share_links).where(share_links.c.id == link_id)).first()
        if row is None or authz.project_access(conn, actor, row.project_id) is None:
            raise NotFound("share link")
        authz.share_links(conn, actor, row.project_id)
        if row.revoked_at is None:
            conn.execute(
                update(share_links).where(share_links.c.id == link_id).values(revoked_at=now)
            )
            audit.record(
                conn, actor_id=actor.user_id, action="share_link.revoke", entity="share_link",
                entity_id=link_id, before={"project_id": row.project_id}, at=now,
            )  # fmt: skip
        row = conn.execute(select(share_links).where(share_links.c.id == link_id)).one()
    return link_out(row)


@dataclass(frozen=True, slots=True)
class ShareAccess:
    """What a share link opens: one project, seen with the link's grants."""

    link_id: str
    project_id: str
    grants: dict[str, bool] = field(default_factory=dict)
    expires_at: int | None = None
    needs_password: bool = False  # ask for the password (again, with ``wrong_password``)
    wrong_password: bool = False

    @property
    def granted(self) -> bool:
        return not self.needs_password


def resolve(
    conn: Connection, secret: str, password: str | None = None, *, passwords: Passwords,
    now: int,
) -> ShareAccess | None:  # fmt: skip
    """The access a secret gives now: None when unknown, expired or revoked (the page's 404);
    ``needs_password`` while the link's password is missing or wrong; else granted, and the
    access counted. ``conn`` must be able to write (``db.small_write()``)."""
    if not secret or len(secret) > 100:
        return None
    row = conn.execute(
        select(share_links).where(share_links.c.secret_hash == secret_hash(secret))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    base = {
        "link_id": row.id,
        "project_id": row.project_id,
        "grants": authz.parse_grants(row.grants),
        "expires_at": row.expires_at,
    }
    if row.password_hash is not None:
        if not password:
            return ShareAccess(**base, needs_password=True)
        if not passwords.verify(row.password_hash, password):
            return ShareAccess(**base, needs_password=True, wrong_password=True)
    conn.execute(
        update(share_links)
        .where(share_links.c.id == row.id)
        .values(access_count=share_links.c.access_count + 1, last_access_at=now)
    )
    return ShareAccess(**base)
