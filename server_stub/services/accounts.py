"""Users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Row, insert, select, update

from ..db.session import Database
from ..db.tables import api_tokens, users
from ..errors import ApiError
from ..ids import new_id
from ..security import Passwords, new_token
from ..timefmt import utc_datetime


class EmailTaken(ApiError):
    def __init__(self, email: str) -> None:
        super().__init__(409, "email_taken", f"a user with e-mail {email} already exists")


def user_out(row: Row) -> dict:
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "created_at": utc_datetime(row.created_at),
    }


def create_user(
    db: Database, passwords: Passwords, *, email: str, name: str, role: str, password: str,
    now: int,
) -> dict:  # fmt: skip
    email = email.strip().lower()
    pw_hash = passwords.hash(password)  # slow: outside the write transaction
    with db.write() as tx:
        if tx.conn.execute(select(users.c.id).where(users.c.email == email)).first():
            raise EmailTaken(email)
        uid = new_id()
        tx.conn.execute(
            insert(users).values(
                id=uid, email=email, name=name, role=role, password_hash=pw_hash, created_at=now
            )
        )
        return user_out(tx.conn.execute(select(users).where(users.c.id == uid)).one())


def set_password(db: Database, passwords: Passwords, *, email: str, password: str) -> bool:
    pw_hash = passwords.hash(password)
    with db.small_write() as conn:
        res = conn.execute(
            update(users)
            .where(users.c.email == email.strip().lower())
            .values(password_hash=pw_hash)
        )
        return res.rowcount == 1


@dataclass(frozen=True)
class IssuedToken:
    token: str
    prefix: str
    device_name: str
    user: dict


def issue_token(conn: Connection, user: Row, device_name: str, now: int) -> IssuedToken:
    """A new token for one device; the device's previous token is revoked (one per device)."""
    conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.user_id == user.id,
            api_tokens.c.device_name == device_name,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    token, prefix, digest = new_token()
    conn.execute(
        insert(api_tokens).values(
            id=new_id(), user_id=user.id, device_name=device_name, prefix=prefix,
            secret_hash=digest, created_at=now,
        )
    )  # fmt: skip
    return IssuedToken(token, prefix, device_name, user_out(user))


def sign_in(
    db: Database, passwords: Passwords, *, email: str, password: str, device_name: str, now: int
) -> IssuedToken | None:
    with db.read() as conn:
        user = conn.execute(
            select(users).where(
                users.c.email == email.strip().lower(), users.c.archived_at.is_(None)
            )
        ).first()
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        return None
    with db.small_write() as conn:
        return issue_token(conn, user, device_name, now)


def token_for(db: Database, *, email: str, device_name: str, now: int) -> IssuedToken | None:
    """A token for a headless device, issued by the admin on the server (no password)."""
    with db.small_write() as conn:
        user = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
        if user is None:
            return None
        return issue_token(conn, user, device_name, now)


def revoke_token(db: Database, token_id: str, now: int) -> None:
    with db.small_write() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))
