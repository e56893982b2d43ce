"""Users and API tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, Row, delete, insert, select, update

from ..db.session import Database
from ..db.tables import api_tokens, sign_in_failures, sign_in_links, users, web_sessions
from ..errors import ApiError
from ..ids import new_id
from ..money import from_minor
from ..security import Passwords, new_token
from ..timefmt import utc_datetime
from . import audit

T = TypeVar("T")


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
        # Shown only to the user and to admins (the callers of this function).
        "default_bill_rate": _money(row.default_bill_rate_minor, row.default_bill_currency),
        "default_pay_rate": _money(row.default_pay_rate_minor, row.pay_currency),
        "archived": row.archived_at is not None,
    }


def _money(minor: int | None, currency: str | None) -> dict | None:
    if minor is None or currency is None:
        return None
    return {"amount": from_minor(minor, currency), "currency": currency}


def create_user(
    db: Database, passwords: Passwords, *, email: str, name: str, role: str, password: str,
    now: int, actor_id: str | None = None,
) -> dict:  # fmt: skip
    """A new user; ``actor_id`` is the admin who made them (None: the server's operator)."""
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
        audit.record(
            tx.conn, actor_id=actor_id, action="user.create", entity="user", entity_id=uid,
            after={"email": email, "name": name, "role": role}, at=now,
        )  # fmt: skip
        return user_out(tx.conn.execute(select(users).where(users.c.id == uid)).one())


def set_password(
    db: Database, passwords: Passwords, *, email: str, password: str, now: int,
    actor_id: str | None = None,
) -> bool:  # fmt: skip
    """An admin's password reset (audited: who, whose; never the password). The user's
    browser sessions and unused sign-in links end with the old password (server-spec §6.15)."""
    pw_hash = passwords.hash(password)
    email = email.strip().lower()
    with db.small_write() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.email == email)).scalar()
        if uid is None:
            return False
        conn.execute(update(users).where(users.c.id == uid).values(password_hash=pw_hash))
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == uid))
        conn.execute(delete(sign_in_links).where(sign_in_links.c.user_id == uid))
        audit.record(
            conn, actor_id=actor_id, action="user.password_reset", entity="user", entity_id=uid,
            at=now,
        )  # fmt: skip
        return True


@dataclass(frozen=True)
class IssuedToken:
    token: str
    prefix: str
    device_name: str
    user: dict


def issue_token(
    conn: Connection, user: Row, device_name: str, now: int, *, action: str = "auth.sign_in",
    actor_id: str | None = None,
) -> IssuedToken:  # fmt: skip
    """A new token for one device; the device's previous token is revoked (one per device).
    Audited as ``action`` by ``actor_id`` (default: the user themself)."""
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
    token_id = new_id()
    conn.execute(
        insert(api_tokens).values(
            id=token_id, user_id=user.id, device_name=device_name, prefix=prefix,
            secret_hash=digest, created_at=now,
        )
    )  # fmt: skip
    audit.record(
        conn, actor_id=user.id if action == "auth.sign_in" else actor_id, action=action,
        entity="token", entity_id=token_id,
        after={"user_id": user.id, "device_name": device_name, "token_prefix": prefix}, at=now,
    )  # fmt: skip
    return IssuedToken(token, prefix, device_name, user_out(user))


@dataclass(frozen=True, slots=True)
class Throttle:
    max_failures: int
    window_seconds: int
    block_seconds: int

    @classmethod
    def of(cls, settings) -> Throttle:
        """The server's sign-in throttle (the same for API tokens and web sessions)."""
        return cls(
            settings.sign_in_max_failures,
            settings.sign_in_window_seconds,
            settings.sign_in_block_seconds,
        )


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"blocked for {retry_after} s")
        self.retry_after = retry_after

    @property
    def advice(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        return f"too many failed sign-ins: try again in {minutes} minute{'s' * (minutes > 1)}"


def _failure_key(email: str, client: str) -> str:
    return hashlib.sha256(f"{email}\n{client}".encode()).hexdigest()


def sign_in(
    db: Database,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    device_name: str,
    now: int,
    client: str = "",
    throttle: Throttle | None = None,
) -> IssuedToken | None:
    """A new token, or None for a wrong e-mail or password. With ``throttle``, a pair of e-mail
    and client address that failed too often is refused (:class:`TooManyAttempts`) before the
    password is even checked; the same answer whether or not the account exists."""
    return check_credentials(
        db, passwords, email=email, password=password, now=now, client=client, throttle=throttle,
        then=lambda conn, user: issue_token(conn, user, device_name, now),
    )  # fmt: skip


def check_credentials(
    db: Database,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    now: int,
    then: Callable[[Connection, Row], T],
    client: str = "",
    throttle: Throttle | None = None,
) -> T | None:
    """``then(conn, user)`` in the write that clears the failures, or None for a wrong e-mail or
    password: the one sign-in check (and throttle) of the API's tokens and the web's sessions."""
    email = email.strip().lower()
    key = _failure_key(email, client)
    with db.read() as conn:
        if throttle is not None:
            blocked = conn.execute(
                select(sign_in_failures.c.blocked_until).where(sign_in_failures.c.key == key)
            ).scalar()
            if blocked is not None and blocked > now:
                raise TooManyAttempts(blocked - now)
        user = conn.execute(
            select(users).where(users.c.email == email, users.c.archived_at.is_(None))
        ).first()
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        _count_failure(db, key, now, throttle, email=email, user_id=user.id if user else None)
        return None
    with db.small_write() as conn:
        if throttle is not None:
            conn.execute(delete(sign_in_failures).where(sign_in_failures.c.key == key))
        return then(conn, user)


def _count_failure(
    db: Database, key: str, now: int, t: Throttle | None, *, email: str, user_id: str | None
) -> None:
    """Audit a failed sign-in and, with a throttle, count it."""
    with db.small_write() as conn:
        audit.record(
            conn, actor_id=user_id, action="auth.sign_in_failed", entity="user",
            entity_id=user_id, after={"email": email[:320]}, at=now,
        )  # fmt: skip
        if t is None:
            return
        # Make sure the row exists, then lock it: concurrent failures each count once.
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        conn.execute(
            upsert(sign_in_failures)
            .values(key=key, failures=0, first_at=now, blocked_until=None)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = conn.execute(
            select(sign_in_failures).where(sign_in_failures.c.key == key).with_for_update()
        ).one()
        if now - row.first_at >= t.window_seconds:
            failures, first_at = 1, now
        else:
            failures, first_at = row.failures + 1, row.first_at
        blocked = now + t.block_seconds if failures >= t.max_failures else None
        if blocked is not None:
            failures, first_at = 0, now  # after the block, a fresh window
        conn.execute(
            update(sign_in_failures)
            .where(sign_in_failures.c.key == key)
            .values(failures=failures, first_at=first_at, blocked_until=blocked)
        )
        # Old rows go on the way (a window and a block ago, nothing left to remember).
        horizon = now - t.window_seconds - t.block_seconds
        conn.execute(
            delete(sign_in_failures).where(
                sign_in_failures.c.first_at < horizon,
                (sign_in_failures.c.blocked_until.is_(None))
                | (sign_in_failures.c.blocked_until < now),
            )
        )


def token_for(db: Database, *, email: str, device_name: str, now: int) -> IssuedToken | None:
    """A token for a headless device, issued by the admin on the server (no password)."""
    with db.small_write() as conn:
        user = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
        if user is None:
            return None
        return issue_token(conn, user, device_name, now, action="token.create")


def revoke_token(db: Database, token_id: str, now: int, *, actor_id: str) -> None:
    with db.small_write() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))
        audit.record(
            conn, actor_id=actor_id, action="token.revoke", entity="token", entity_id=token_id,
            at=now,
        )  # fmt: skip
