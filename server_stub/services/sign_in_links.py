"""One-time sign-in links (server-spec §6.15): the desktop app opens the web pages signed in.

The app asks with its token (``POST /api/v1/auth/web-link``); the answer's URL carries a secret
of 128+ random bits, stored only as its SHA-256, good for :data:`LIFE_SECONDS` and once. The
link's page asks for one press of a button (a POST with the CSRF token), so a link prefetcher
that only GETs neither uses nor burns it; :func:`consume` marks it used atomically (one
``UPDATE … WHERE used_at IS NULL AND expires_at > now``), in the transaction that makes the
browser session. A password change deletes the account's unused links with its sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Row, delete, insert, select, update

from ..db.session import Database
from ..db.tables import sign_in_links, users
from ..ids import new_id
from ..security import token_hash
from . import audit

LIFE_SECONDS = 60
SECRET_BYTES = 24  # 192 bits
KEEP_SECONDS = 24 * 3600  # used and expired links are deleted this long after they expire
MAX_SECRET_CHARS = 100


@dataclass(frozen=True, slots=True)
class Minted:
    secret: str  # shown once, in the URL
    link_id: str
    expires_at: int


def safe_next(target: str | None) -> str | None:
    """Only a path on this server may follow a sign-in (the sign-in form's ``next`` and a
    link's): never ``//elsewhere``, a scheme, a backslash or a control character."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    return target[:500]


def link_url(base: str, secret: str) -> str:
    return f"{base.rstrip('/')}/login/link/{secret}"


def mint(db: Database, *, user_id: str, next_: str | None, now: int) -> Minted:
    """A new link for the caller (never for anyone else: ``user_id`` is the token's)."""
    secret, lid = secrets.token_urlsafe(SECRET_BYTES), new_id()
    expires = now + LIFE_SECONDS
    with db.small_write() as conn:
        conn.execute(delete(sign_in_links).where(sign_in_links.c.expires_at < now - KEEP_SECONDS))
        conn.execute(
            insert(sign_in_links).values(
                id=lid, secret_hash=token_hash(secret), user_id=user_id, next=next_,
                created_at=now, expires_at=expires,
            )
        )  # fmt: skip
    return Minted(secret, lid, expires)


def usable(db: Database, secret: str, *, now: int) -> bool | None:
    """True: the link may still sign in; False: it expired or was used; None: no such link.
    A read only: showing the link's page never uses it."""
    if not secret or len(secret) > MAX_SECRET_CHARS:
        return None
    with db.read() as conn:
        row = conn.execute(
            select(sign_in_links.c.used_at, sign_in_links.c.expires_at).where(
                sign_in_links.c.secret_hash == token_hash(secret)
            )
        ).first()
    if row is None:
        return None
    return row.used_at is None and row.expires_at > now


@dataclass(frozen=True, slots=True)
class Used:
    link_id: str
    user: Row  # the account's ``users`` row (not archived)
    next: str | None


def consume(conn: Connection, secret: str, *, now: int) -> Used | None:
    """Use the link inside the caller's write: None when it is unknown, expired, used already
    (by this or a concurrent request: the UPDATE's rowcount decides) or its account archived.
    Audited as ``auth.web_link`` when it signs in."""
    if not secret or len(secret) > MAX_SECRET_CHARS:
        return None
    digest = token_hash(secret)
    res = conn.execute(
        update(sign_in_links)
        .where(
            sign_in_links.c.secret_hash == digest,
            sign_in_links.c.used_at.is_(None),
            sign_in_links.c.expires_at > now,
        )
        .values(used_at=now)
    )
    if res.rowcount != 1:
        return None
    link = conn.execute(select(sign_in_links).where(sign_in_links.c.secret_hash == digest)).one()
    user = conn.execute(
        select(users).where(users.c.id == link.user_id, users.c.archived_at.is_(None))
    ).first()
    if user is None:
        return None
    audit.record(
        conn, actor_id=user.id, action="auth.web_link", entity="sign_in_link",
        entity_id=link.id, after={"user_id": user.id, "next": link.next}, at=now,
    )  # fmt: skip
    return Used(link.id, user, link.next)
